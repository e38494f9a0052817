/* lenet info: version, CPU, kernel set, threads, and a model summary in
 * the manner of Keras's model.summary(). */
#include <omp.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "nn/net.h"
#include "opts.h"

static void shape_str(const ln_layer *l, char *buf, size_t cap)
{
    if (l->out_h == 1 && l->out_w == 1) snprintf(buf, cap, "(%d)", l->out_c);
    else snprintf(buf, cap, "(%d, %d, %d)", l->out_c, l->out_h, l->out_w);
}

static const char *yn(int v) { return v ? "yes" : "no"; }

static void print_text(const ln_net *net, const ln_kernels *k, int threads)
{
    const ln_cpu_info *ci = ln_cpu();
    char g[32];
    printf("lenet %s\n", LENET_VERSION);
    printf("cpu:      %s\n", ci->brand[0] ? ci->brand : "unknown");
    printf("features: avx2=%s fma=%s os-ymm=%s avx512f=%s avx512bw=%s avx512dq=%s avx512vl=%s os-zmm=%s neon=%s\n",
           yn(ci->avx2), yn(ci->fma), yn(ci->os_ymm), yn(ci->avx512f), yn(ci->avx512bw), yn(ci->avx512dq),
           yn(ci->avx512vl), yn(ci->os_zmm), yn(ci->neon));
    printf("kernels:  %s (built:", k->isa);
    for (const char *const *b = ln_kernels_built(); *b; b++) printf(" %s", *b);
    printf(")\nthreads:  %d (OpenMP, %d cores)\n\n", threads, omp_get_num_procs());
    printf("model %s, input (%d, %d, %d), %d classes\n", net->model, net->in_c, net->in_h, net->in_w, net->nclasses);
    printf("  %-8s %-10s %-16s %12s %14s\n", "layer", "kind", "output shape", "params", "FLOPs");
    double flops = 0.0;
    for (int i = 0; i < net->nlayers; i++) {
        const ln_layer *l = &net->layers[i];
        char shp[48], pb[32], fb[32];
        shape_str(l, shp, sizeof shp);
        double f = ln_layer_flops(l);
        flops += f;
        printf("  %-8s %-10s %-16s %12s %14s\n", l->name[0] ? l->name : "-", ln_layer_kind_name(l->kind), shp,
               cli_grouped((long long)ln_layer_trainable(l), pb, sizeof pb), cli_grouped((long long)f, fb, sizeof fb));
    }
    printf("total parameters: %s\n", cli_grouped((long long)ln_net_trainable(net), g, sizeof g));
    printf("forward FLOPs per image: %s (training step about 3x)\n", cli_grouped((long long)flops, g, sizeof g));
    printf("spec: %s\n", net->spec);
}

static void print_json(const ln_net *net, const ln_kernels *k, int threads)
{
    const ln_cpu_info *ci = ln_cpu();
    printf("{\"version\":\"%s\",\"cpu\":\"%s\",\"avx2\":%d,\"fma\":%d,\"os_ymm\":%d,\"avx512f\":%d,\"avx512bw\":%d,"
           "\"avx512dq\":%d,\"avx512vl\":%d,\"os_zmm\":%d,\"neon\":%d,"
           "\"kernels\":\"%s\",\"threads\":%d,\"model\":\"%s\",\"input\":[%d,%d,%d],\"classes\":%d,"
           "\"parameters\":%zu,\"spec\":\"%s\",\"layers\":[",
           LENET_VERSION, ci->brand, ci->avx2, ci->fma, ci->os_ymm, ci->avx512f, ci->avx512bw,
           ci->avx512dq, ci->avx512vl, ci->os_zmm, ci->neon, k->isa, threads,
           net->model, net->in_c, net->in_h, net->in_w, net->nclasses, net->nparams, net->spec);
    for (int i = 0; i < net->nlayers; i++) {
        const ln_layer *l = &net->layers[i];
        printf("%s{\"name\":\"%s\",\"kind\":\"%s\",\"output\":[%d,%d,%d],\"params\":%zu,\"flops\":%.0f}", i ? "," : "",
               l->name, ln_layer_kind_name(l->kind), l->out_c, l->out_h, l->out_w, ln_layer_trainable(l),
               ln_layer_flops(l));
    }
    printf("]}\n");
}

int cmd_info(int argc, char **argv)
{
    const char *model = "lenet5", *kernels = NULL;
    int threads = cli_default_threads(), json = 0, channels = 1, size = 28, classes = 10;
    const opt_spec specs[] = {
        {"model", OPT_STR, &model, 0, 0, "NAME|SPEC|FILE", cli_model_help()},
        {"channels", OPT_INT, &channels, 1, 4, "N", "input channels (default 1; 3 for RGB)"},
        {"size", OPT_INT, &size, 1, 4096, "N", "input height and width (default 28)"},
        {"classes", OPT_INT, &classes, 2, 256, "N", "number of classes (default 10)"},
        {"threads", OPT_INT, &threads, 1, 1024, "N", "OpenMP threads to report (default: number of cores)"},
        {"kernels", OPT_STR, &kernels, 0, 0, "ISA", ln_kernels_help()},
        {"json", OPT_FLAG, &json, 0, 0, NULL, "print one JSON object"},
        {NULL, 0, NULL, 0, 0, NULL, NULL},
    };
    const char *pos[1];
    int npos, rc = opts_parse("info", "[options]", specs, argc, argv, 2, pos, 0, &npos);
    if (rc) return rc < 0 ? EXIT_OK : rc;
    if ((rc = cli_check_model("info", model))) return rc;
    const ln_kernels *k;
    if ((rc = cli_kernels("info", kernels, &k))) return rc;
    ln_net net;
    if (ln_net_build(model, channels, size, size, classes, &net) != LN_OK) return cli_fail("info");
    if (json) print_json(&net, k, threads);
    else print_text(&net, k, threads);
    ln_net_free(&net);
    return EXIT_OK;
}
