/* lenet-bench eval: inference images/s, as `lenet eval` runs it (the whole
 * test set, forward pass, loss and accuracy), the median of repeats after a
 * warm-up pass. Through the public API alone, as a library user sees it. */
#include <omp.h>
#include <stdlib.h>

#include "bench.h"
#include "kernels.h" /* the kernel layer: which table --kernels names */
#include "lenet/lenet.h"

typedef struct eopts {
    const char *model, *kernels, *data;
    int threads, reps, json;
} eopts;

static int run(const eopts *o, const ln_kernels *k)
{
    ln_data *d = NULL;
    ln_model *m = NULL;
    double *t = malloc((size_t)(o->reps) * sizeof *t);
    int rc = BENCH_RUNTIME, c, h, w;
    if (!t || ln_data_mnist(o->data, "t10k", &d) != LN_OK) {
        fprintf(stderr, "lenet-bench eval: %s\n", t ? ln_last_error() : "out of memory");
        goto out;
    }
    ln_data_shape(d, &c, &h, &w);
    if (ln_model_new(o->model, c, h, w, ln_data_classes(d), 1, &m) != LN_OK) {
        fprintf(stderr, "lenet-bench eval: %s\n", ln_last_error());
        goto out;
    }
    ln_exec x = {.threads = o->threads, .kernels = k->isa};
    ln_eval_result er;
    for (int r = -1; r < o->reps; r++) { /* one warm-up pass */
        double t0 = bench_now();
        if (ln_evaluate(m, d, &x, &er, NULL) != LN_OK) {
            fprintf(stderr, "lenet-bench eval: %s\n", ln_last_error());
            goto out;
        }
        if (r >= 0) t[r] = bench_now() - t0;
    }
    bench_stats st;
    bench_stats_of(t, o->reps, &st);
    int n = ln_data_count(d);
    double ips = n / st.med, gf = ln_model_forward_flops(m) * ips * 1e-9;
    if (o->json)
        printf("{\"bench\":\"eval\",\"model\":\"%s\",\"images\":%d,\"threads\":%d,\"kernels\":\"%s\",\"reps\":%d,"
               "\"img_per_s\":%.1f,\"gflops\":%.3f,\"s_per_pass\":{\"median\":%.5f,\"min\":%.5f,\"max\":%.5f}}\n",
               ln_model_name(m), n, o->threads, k->isa, o->reps, ips, gf, st.med, st.min, st.max);
    else
        printf("eval %s, %d test images, threads %d, kernels %s: %.0f img/s, %.1f GFLOP/s (%.3f s per pass, "
               "%.3f..%.3f over %d)\n",
               ln_model_name(m), n, o->threads, k->isa, ips, gf, st.med, st.min, st.max, o->reps);
    rc = BENCH_OK;
out:
    free(t);
    ln_model_free(m);
    ln_data_free(d);
    return rc;
}

int bench_eval_main(int argc, char **argv)
{
    eopts o = {.model = "lenet5", .threads = omp_get_num_procs(), .reps = 7, .data = LN_FASHION_MNIST_DIR};
    const bopt specs[] = {
        {"model", BOPT_STR, &o.model, 0, 0, "NAME", "built-in model or layer list (default lenet5; docs/MODELS.md)"},
        {"threads", BOPT_INT, &o.threads, 1, 1024, "N", "OpenMP threads (default: number of cores)"},
        {"reps", BOPT_INT, &o.reps, 1, 10000, "N", "timed passes over the test set after one warm-up (default 7)"},
        {"kernels", BOPT_STR, &o.kernels, 0, 0, "SET", ln_kernels_help()},
        {"data", BOPT_STR, &o.data, 0, 0, "DIR", "MNIST-format directory (default " LN_FASHION_MNIST_DIR ")"},
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
