/* lenet-bench train: whole LeNet-5 training steps (data, forward,
 * backward, update) on Fashion-MNIST: the median step after a warm-up. */
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "train/trainer.h"

typedef struct topts {
    int batch, threads, steps, json;
    const char *kernels, *data;
} topts;

static int run(const topts *o, const ln_kernels *k)
{
    ln_dataset d;
    ln_net net = {0};
    ln_trainer tr = {0};
    if (ln_mnist_load(o->data, "train", &d) != LN_OK) {
        fprintf(stderr, "lenet-bench train: %s\n", ln_last_error());
        return BENCH_RUNTIME;
    }
    int rc = BENCH_RUNTIME;
    uint32_t *idx = malloc((size_t)d.n * sizeof *idx);
    double *t = malloc((size_t)o->steps * sizeof *t), flops = 0.0;
    if (!idx || !t || d.n < o->batch) {
        fprintf(stderr, "lenet-bench train: %s\n", d.n < o->batch ? "batch larger than the data set" : "out of memory");
        goto out;
    }
    if (ln_net_build("lenet5", 1, 28, 28, 10, &net) || ln_trainer_init(&tr, &net, k, o->threads, o->batch)) {
        fprintf(stderr, "lenet-bench train: %s\n", ln_last_error());
        goto out;
    }
    ln_net_init(&net, 1);
    for (int i = 0; i < d.n; i++) idx[i] = (uint32_t)i;
    for (int i = 0; i < net.nlayers; i++) flops += 3.0 * ln_layer_flops(&net.layers[i]);
    ln_sgd opt = {.lr = 0.01f, .momentum = 0.9f};
    for (int s = -3; s < o->steps; s++) { /* three warm-up steps */
        int lo = (int)(((long)(s + 3) * o->batch) % (d.n - o->batch + 1)), right;
        double loss, t0 = bench_now();
        if (ln_trainer_step(&tr, &d, idx + lo, o->batch, &opt, &loss, &right) != LN_OK) {
            fprintf(stderr, "lenet-bench train: step %d: %s\n", s + 3, ln_last_error());
            goto out;
        }
        if (s >= 0) t[s] = bench_now() - t0;
    }
    bench_stats st;
    bench_stats_of(t, o->steps, &st);
    double ips = o->batch / st.med, gf = flops * o->batch / st.med * 1e-9;
    if (o->json)
        printf("{\"bench\":\"train\",\"model\":\"lenet5\",\"batch\":%d,\"threads\":%d,\"kernels\":\"%s\",\"steps\":%d,"
               "\"img_per_s\":%.1f,\"gflops\":%.3f,\"mflop_per_img\":%.3f,\"ms_per_step\":{\"median\":%.3f,"
               "\"min\":%.3f,\"max\":%.3f,\"q1\":%.3f,\"q3\":%.3f}}\n",
               o->batch, o->threads, k->isa, o->steps, ips, gf, flops * 1e-6, st.med * 1e3, st.min * 1e3,
               st.max * 1e3, st.q1 * 1e3, st.q3 * 1e3);
    else
        printf("train lenet5 batch %d threads %d kernels %s: %.0f img/s, %.2f GFLOP/s (nominal %.1f MFLOP/img), "
               "%.2f ms/step (%.2f..%.2f over %d steps)\n",
               o->batch, o->threads, k->isa, ips, gf, flops * 1e-6, st.med * 1e3, st.min * 1e3, st.max * 1e3,
               o->steps);
    rc = BENCH_OK;
out:
    free(t), free(idx);
    ln_trainer_free(&tr);
    ln_net_free(&net);
    ln_dataset_free(&d);
    return rc;
}

int bench_train_main(int argc, char **argv)
{
    topts o = {.batch = 64, .threads = omp_get_num_procs(), .steps = 30, .data = LN_DEFAULT_DATA_DIR};
    const bopt specs[] = {
        {"batch", BOPT_INT, &o.batch, 1, 65536, "N", "minibatch size (default 64)"},
        {"threads", BOPT_INT, &o.threads, 1, 1024, "N", "OpenMP threads (default: number of cores)"},
        {"steps", BOPT_INT, &o.steps, 1, 1000000, "N", "timed steps after 3 warm-up steps (default 30)"},
        {"kernels", BOPT_STR, &o.kernels, 0, 0, "SET", "kernel set: auto (default), scalar, avx2, neon"},
        {"data", BOPT_STR, &o.data, 0, 0, "DIR", "MNIST-format directory (default " LN_DEFAULT_DATA_DIR ")"},
        {"json", BOPT_FLAG, &o.json, 0, 0, NULL, "print one JSON object"},
        {NULL, 0, NULL, 0, 0, NULL, NULL},
    };
    int rc = bench_parse("train", "[options]", specs, argc, argv, 2);
    if (rc) return rc < 0 ? BENCH_OK : rc;
    const ln_kernels *k;
    if (ln_kernels_select(o.kernels, &k) != LN_OK) {
        fprintf(stderr, "lenet-bench train: %s\n", ln_last_error());
        return BENCH_USAGE;
    }
    return run(&o, k);
}
