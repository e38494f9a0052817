/* lenet-bench: kernel throughput per kernel set, and whole training steps.
 *   lenet-bench kernels [--batch N] [--reps N]
 *   lenet-bench train   [--batch N] [--threads N] [--steps N]
 * Figures are medians of repeated runs after a warm-up; compare ratios
 * measured within one run on noisy machines. */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/rng.h"
#include "kernels.h"
#include "train/trainer.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return v[n / 2];
}

static float *randf(size_t n, ln_rng *r)
{
    float *p = aligned_alloc(64, (n * sizeof(float) + 63) / 64 * 64);
    for (size_t i = 0; i < n; i++) p[i] = ln_rng_uniform(r) - 0.5f;
    return p;
}

typedef struct conv_case {
    const char *name;
    ln_conv_shape s;
} conv_case;

/* Seconds per call of one conv pass, median of reps. */
static double time_conv(const ln_kernels *k, const ln_conv_shape *s, int pass, int reps, ln_rng *r)
{
    size_t xl = (size_t)s->n * s->ic * s->ih * s->iw, yl = (size_t)s->n * s->oc * s->oh * s->ow;
    size_t wl = (size_t)s->oc * s->ic * s->kh * s->kw;
    float *x = randf(xl, r), *y = randf(yl, r), *w = randf(wl, r), *b = randf((size_t)s->oc, r);
    float *dw = randf(wl, r), *db = randf((size_t)s->oc, r), *sc = randf(k->conv2d_scratch(s) + 16, r);
    double *t = malloc((size_t)reps * sizeof *t);
    for (int i = -2; i < reps; i++) {
        double t0 = now();
        if (pass == 0) k->conv2d_fwd(s, x, w, b, y, sc);
        else if (pass == 1) k->conv2d_bwd_data(s, y, w, x, sc);
        else k->conv2d_bwd_weights(s, x, y, dw, db, sc);
        if (i >= 0) t[i] = now() - t0;
    }
    double m = median(t, reps);
    free(x), free(y), free(w), free(b), free(dw), free(db), free(sc), free(t);
    return m;
}

static double time_dense(const ln_kernels *k, int n, int in, int out, int pass, int reps, ln_rng *r)
{
    float *x = randf((size_t)n * in, r), *y = randf((size_t)n * out, r), *w = randf((size_t)in * out, r);
    float *b = randf((size_t)out, r), *dw = randf((size_t)in * out, r);
    double *t = malloc((size_t)reps * sizeof *t);
    for (int i = -2; i < reps; i++) {
        double t0 = now();
        if (pass == 0) k->dense_fwd(n, in, out, x, w, b, y);
        else if (pass == 1) k->dense_bwd_data(n, in, out, y, w, x);
        else k->dense_bwd_weights(n, in, out, x, y, dw, b);
        if (i >= 0) t[i] = now() - t0;
    }
    double m = median(t, reps);
    free(x), free(y), free(w), free(b), free(dw), free(t);
    return m;
}

static int bench_kernels(int batch, int reps)
{
    static const char *const pass_name[] = {"fwd", "bwd_data", "bwd_weights"};
    const conv_case convs[] = {
        {"conv1", {batch, 1, 28, 28, 6, 28, 28, 5, 5, 2, 2}},
        {"conv2", {batch, 6, 14, 14, 16, 14, 14, 5, 5, 2, 2}},
        {"conv3", {batch, 16, 7, 7, 120, 7, 7, 5, 5, 2, 2}},
    };
    const int dense[][2] = {{5880, 84}, {84, 10}};
    ln_rng r;
    ln_rng_seed(&r, 1);
    printf("%-24s %-8s %10s %10s %8s\n", "kernel (batch)", "isa", "GFLOP/s", "us/call", "vs scalar");
    for (const char *const *isa = ln_kernels_built(); *isa; isa++) {
        const ln_kernels *k;
        if (ln_kernels_select(*isa, &k) != LN_OK) continue; /* built but not on this CPU */
        for (size_t c = 0; c < sizeof convs / sizeof convs[0]; c++)
            for (int p = 0; p < 3; p++) {
                const ln_conv_shape *s = &convs[c].s;
                double flops = 2.0 * s->n * s->oc * s->oh * s->ow * s->ic * s->kh * s->kw;
                double t = time_conv(k, s, p, reps, &r), ts = time_conv(ln_kernels_scalar(), s, p, reps, &r);
                char label[64];
                snprintf(label, sizeof label, "%s_%s (%d)", convs[c].name, pass_name[p], batch);
                printf("%-24s %-8s %10.2f %10.1f %8.2fx\n", label, k->isa, flops / t * 1e-9, t * 1e6, ts / t);
            }
        for (size_t d = 0; d < sizeof dense / sizeof dense[0]; d++)
            for (int p = 0; p < 3; p++) {
                double flops = 2.0 * batch * dense[d][0] * dense[d][1];
                double t = time_dense(k, batch, dense[d][0], dense[d][1], p, reps, &r);
                double ts = time_dense(ln_kernels_scalar(), batch, dense[d][0], dense[d][1], p, reps, &r);
                char label[64];
                snprintf(label, sizeof label, "fc%zu_%s (%d)", d + 1, pass_name[p], batch);
                printf("%-24s %-8s %10.2f %10.1f %8.2fx\n", label, k->isa, flops / t * 1e-9, t * 1e6, ts / t);
            }
    }
    return 0;
}

static int bench_train(int batch, int threads, int steps, const char *kernels)
{
    ln_dataset d;
    if (ln_mnist_load(LN_DEFAULT_DATA_DIR, "train", &d) != LN_OK) {
        fprintf(stderr, "lenet-bench: %s\n", ln_last_error());
        return 1;
    }
    const ln_kernels *k;
    ln_net net;
    ln_trainer tr;
    if (ln_kernels_select(kernels, &k) || ln_net_build("lenet5", 1, 28, 28, 10, &net) ||
        ln_trainer_init(&tr, &net, k, threads, batch)) {
        fprintf(stderr, "lenet-bench: %s\n", ln_last_error());
        return 1;
    }
    ln_net_init(&net, 1);
    uint32_t *idx = malloc((size_t)d.n * sizeof *idx);
    for (int i = 0; i < d.n; i++) idx[i] = (uint32_t)i;
    double *t = malloc((size_t)steps * sizeof *t), flops = 0.0;
    for (int i = 0; i < net.nlayers; i++) flops += 3.0 * ln_layer_flops(&net.layers[i]);
    ln_sgd opt = {.lr = 0.01f, .momentum = 0.9f};
    for (int s = -3; s < steps; s++) {
        int lo = ((s + 3) * batch) % (d.n - batch), ok;
        double loss, t0 = now();
        ln_trainer_step(&tr, &d, idx + lo, batch, &opt, &loss, &ok);
        if (s >= 0) t[s] = now() - t0;
    }
    double m = median(t, steps);
    printf("train lenet5 batch %d threads %d kernels %s: %.0f img/s, %.2f GFLOP/s (nominal %.1f MFLOP/img), "
           "%.2f ms/step\n", batch, threads, k->isa, batch / m, flops * batch / m * 1e-9, flops * 1e-6, m * 1e3);
    free(t), free(idx);
    ln_trainer_free(&tr);
    ln_net_free(&net);
    ln_dataset_free(&d);
    return 0;
}

int main(int argc, char **argv)
{
    int batch = 0, threads = omp_get_num_procs(), reps = 20, steps = 30;
    const char *kernels = NULL;
    if (argc < 2 || (strcmp(argv[1], "kernels") && strcmp(argv[1], "train"))) {
        fprintf(stderr, "usage: lenet-bench kernels|train [--batch N] [--threads N] [--reps N] [--steps N] "
                        "[--kernels ISA]\n");
        return 2;
    }
    for (int i = 2; i + 1 < argc; i += 2) {
        int v = atoi(argv[i + 1]);
        if (!strcmp(argv[i], "--batch") && v > 0) batch = v;
        else if (!strcmp(argv[i], "--threads") && v > 0) threads = v;
        else if (!strcmp(argv[i], "--reps") && v > 0) reps = v;
        else if (!strcmp(argv[i], "--steps") && v > 0) steps = v;
        else if (!strcmp(argv[i], "--kernels")) kernels = argv[i + 1];
        else {
            fprintf(stderr, "lenet-bench: bad option '%s %s'\n", argv[i], argv[i + 1]);
            return 2;
        }
    }
    if (!strcmp(argv[1], "kernels")) return bench_kernels(batch ? batch : 4, reps);
    return bench_train(batch ? batch : 64, threads, steps, kernels);
}
