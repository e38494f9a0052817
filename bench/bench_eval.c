/* lenet-bench eval: inference images/s, as `lenet eval` runs it (the whole
 * test set, forward pass, loss and accuracy), the median of repeats after a
 * warm-up pass. */
#include <omp.h>
#include <stdlib.h>

#include "bench.h"
#include "train/trainer.h"

typedef struct eopts {
    const char *model, *kernels, *data;
    int threads, reps, json;
} eopts;

static int run(const eopts *o, const ln_kernels *k)
{
    ln_dataset d;
    ln_net net = {0};
    double *t = malloc((size_t)(o->reps) * sizeof *t);
    int rc = BENCH_RUNTIME;
    if (ln_mnist_load(o->data, "t10k", &d) != LN_OK) {
        fprintf(stderr, "lenet-bench eval: %s\n", ln_last_error());
        free(t);
        return rc;
    }
    if (!t || ln_net_build(o->model, d.c, d.h, d.w, d.nclasses, &net) != LN_OK) {
        fprintf(stderr, "lenet-bench eval: %s\n", t ? ln_last_error() : "out of memory");
        goto out;
    }
    ln_net_init(&net, 1);
    double loss, acc;
    for (int r = -1; r < o->reps; r++) { /* one warm-up pass */
        double t0 = bench_now();
        if (ln_net_evaluate(&net, k, o->threads, &d, &loss, &acc) != LN_OK) {
            fprintf(stderr, "lenet-bench eval: %s\n", ln_last_error());
            goto out;
        }
        if (r >= 0) t[r] = bench_now() - t0;
    }
    bench_stats st;
    bench_stats_of(t, o->reps, &st);
    double ips = d.n / st.med, gf = ln_net_forward_flops(&net) * ips * 1e-9;
    if (o->json)
        printf("{\"bench\":\"eval\",\"model\":\"%s\",\"images\":%d,\"threads\":%d,\"kernels\":\"%s\",\"reps\":%d,"
               "\"img_per_s\":%.1f,\"gflops\":%.3f,\"s_per_pass\":{\"median\":%.5f,\"min\":%.5f,\"max\":%.5f}}\n",
               net.model, d.n, o->threads, k->isa, o->reps, ips, gf, st.med, st.min, st.max);
    else
        printf("eval %s, %d test images, threads %d, kernels %s: %.0f img/s, %.1f GFLOP/s (%.3f s per pass, "
               "%.3f..%.3f over %d)\n",
               net.model, d.n, o->threads, k->isa, ips, gf, st.med, st.min, st.max, o->reps);
    rc = BENCH_OK;
out:
    free(t);
    ln_net_free(&net);
    ln_dataset_free(&d);
    return rc;
}

int bench_eval_main(int argc, char **argv)
{
    eopts o = {.model = "lenet5", .threads = omp_get_num_procs(), .reps = 7, .data = LN_DEFAULT_DATA_DIR};
    const bopt specs[] = {
        {"model", BOPT_STR, &o.model, 0, 0, "NAME", "built-in model or layer list (default lenet5; docs/MODELS.md)"},
        {"threads", BOPT_INT, &o.threads, 1, 1024, "N", "OpenMP threads (default: number of cores)"},
        {"reps", BOPT_INT, &o.reps, 1, 10000, "N", "timed passes over the test set after one warm-up (default 7)"},
        {"kernels", BOPT_STR, &o.kernels, 0, 0, "SET", ln_kernels_help()},
        {"data", BOPT_STR, &o.data, 0, 0, "DIR", "MNIST-format directory (default " LN_DEFAULT_DATA_DIR ")"},
        {"json", BOPT_FLAG, &o.json, 0, 0, NULL, "print one JSON object"},
        {NULL, 0, NULL, 0, 0, NULL, NULL},
    };
    int rc = bench_parse("eval", "[options]", specs, argc, argv, 2);
    if (rc) return rc < 0 ? BENCH_OK : rc;
    const ln_kernels *k;
    if (ln_kernels_select(o.kernels, &k) != LN_OK) {
        fprintf(stderr, "lenet-bench eval: %s\n", ln_last_error());
        return BENCH_USAGE;
    }
    return run(&o, k);
}
