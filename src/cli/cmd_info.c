/* lenet info: version, CPU, kernel set, threads, and a model summary in
 * the manner of Keras's model.summary(). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "opts.h"

/* The Keras-style name info shows for a layer kind (the API gives the
 * spec language's word). */
static const char *kind_name(const char *word)
{
    static const char *const names[][2] = {
        {"resize", "Resizing"}, {"conv", "Conv2D"},         {"avgpool", "AvgPool2D"}, {"maxpool", "MaxPool2D"},
        {"tanh", "Tanh"},       {"relu", "ReLU"},           {"flatten", "Flatten"},   {"dense", "Dense"},
        {"softmax", "Softmax"}, {"stanh", "ScaledTanh"},    {"sigmoid", "Sigmoid"},   {"subsample", "Subsample"},
        {"pad", "Pad"},         {"normalize", "Normalize"}, {"rbf", "RBF"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(word, names[i][0])) return names[i][1];
    return word;
}

static void shape_str(const ln_layer_info *l, char *buf, size_t cap)
{
    if (l->out_h == 1 && l->out_w == 1) snprintf(buf, cap, "(%d)", l->out_c);
    else snprintf(buf, cap, "(%d, %d, %d)", l->out_c, l->out_h, l->out_w);
}

static ln_status print_text(const ln_model *m, const char *kernels, int threads)
{
    const char *brand = ln_cpu_brand();
    char g[32];
    int c, h, w;
    ln_model_input(m, &c, &h, &w);
    printf("lenet %s\n", ln_version());
    printf("cpu:      %s\n", brand[0] ? brand : "unknown");
    printf("features: %s\n", ln_cpu_features());
    printf("kernels:  %s (built:", kernels);
    for (const char *const *b = ln_kernel_sets(); *b; b++) printf(" %s", *b);
    printf(")\nthreads:  %d (OpenMP, %d cores)\n", threads, ln_cpu_cores());
    printf("mpi:      %s\n\n", ln_mpi_description());
    printf("model %s, input (%d, %d, %d), %d classes\n", ln_model_name(m), c, h, w, ln_model_classes(m));
    printf("  %-8s %-10s %-16s %12s %14s\n", "layer", "kind", "output shape", "params", "FLOPs");
    double flops = 0.0;
    for (int i = 0; i < ln_model_layers(m); i++) {
        ln_layer_info l;
        if (ln_model_layer(m, i, &l) != LN_OK) return LN_ERR_ARG;
        char shp[48], pb[32], fb[32];
        shape_str(&l, shp, sizeof shp);
        flops += l.flops;
        printf("  %-8s %-10s %-16s %12s %14s\n", l.name[0] ? l.name : "-", kind_name(l.kind), shp,
               cli_grouped(l.trainable, pb, sizeof pb), cli_grouped((long long)l.flops, fb, sizeof fb));
    }
    printf("total parameters: %s\n", cli_grouped(ln_model_trainable(m), g, sizeof g));
    printf("forward FLOPs per image: %s (training step about 3x)\n", cli_grouped((long long)flops, g, sizeof g));
    printf("spec: %s\n", ln_model_spec(m));
    return LN_OK;
}

/* ln_cpu_features()'s "avx2=yes os-ymm=no ..." as JSON members
 * "avx2":1,"os_ymm":0,... */
static void print_features(void)
{
    const char *p = ln_cpu_features();
    while (*p) {
        size_t n = strcspn(p, " ");
        const char *eq = memchr(p, '=', n);
        if (eq) {
            printf(",\"");
            for (const char *q = p; q < eq; q++) putchar(*q == '-' ? '_' : *q);
            printf("\":%d", (size_t)(p + n - eq - 1) == 3 && !strncmp(eq + 1, "yes", 3));
        }
        p += n;
        p += strspn(p, " ");
    }
}

static ln_status print_json(const ln_model *m, const char *kernels, int threads)
{
    int c, h, w;
    ln_model_input(m, &c, &h, &w);
    printf("{\"version\":\"%s\",\"cpu\":\"%s\"", ln_version(), ln_cpu_brand());
    print_features();
    printf(",\"mpi\":\"%s\",\"processes\":%d,\"rank\":%d", ln_mpi_description(), ln_process_count(),
           ln_process_rank());
    printf(",\"kernels\":\"%s\",\"threads\":%d,\"model\":\"%s\",\"input\":[%d,%d,%d],\"classes\":%d,"
           "\"parameters\":%zu,\"spec\":\"%s\",\"layers\":[",
           kernels, threads, ln_model_name(m), c, h, w, ln_model_classes(m), ln_model_param_len(m), ln_model_spec(m));
    for (int i = 0; i < ln_model_layers(m); i++) {
        ln_layer_info l;
        if (ln_model_layer(m, i, &l) != LN_OK) return LN_ERR_ARG;
        printf("%s{\"name\":\"%s\",\"kind\":\"%s\",\"output\":[%d,%d,%d],\"params\":%lld,\"flops\":%.0f}", i ? "," : "",
               l.name, kind_name(l.kind), l.out_c, l.out_h, l.out_w, l.trainable, l.flops);
    }
    printf("]}\n");
    return LN_OK;
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
        {"kernels", OPT_STR, &kernels, 0, 0, "ISA", cli_kernels_help()},
        {"json", OPT_FLAG, &json, 0, 0, NULL, "print one JSON object"},
        {NULL, 0, NULL, 0, 0, NULL, NULL},
    };
    const char *pos[1];
    int npos, rc = opts_parse("info", "[options]", specs, argc, argv, 2, pos, 0, &npos);
    if (rc) return rc < 0 ? EXIT_OK : rc;
    if ((rc = cli_check_model("info", model))) return rc;
    ln_exec x;
    if ((rc = cli_exec("info", kernels, threads, &x))) return rc;
    ln_model *m;
    if (ln_model_new(model, channels, size, size, classes, 1, &m) != LN_OK) return cli_fail("info");
    ln_status st = json ? print_json(m, cli_kernel_name(&x), threads) : print_text(m, cli_kernel_name(&x), threads);
    ln_model_free(m);
    return st == LN_OK ? EXIT_OK : cli_fail("info");
}
