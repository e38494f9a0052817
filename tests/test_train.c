/* Training-level checks: bitwise determinism across thread counts, the
 * learning-rate schedule, and a short real run that must learn. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "support.h"
#include "train/trainer.h"

/* Train `steps` steps of `batch` (last batch partial when n % batch) and
 * return a copy of the weights. */
static float *train_copy(const ln_dataset *d, int threads, int batch, int steps, const ln_sgd *opt)
{
    ln_net net;
    ln_trainer tr;
    cr_assert_eq(ln_net_build("lenet5", 1, 28, 28, 10, &net), LN_OK);
    ln_net_init(&net, 42);
    cr_assert_eq(ln_trainer_init(&tr, &net, ln_kernels_scalar(), threads, batch), LN_OK, "%s", ln_last_error());
    uint32_t *idx = malloc((size_t)d->n * sizeof *idx);
    for (int i = 0; i < d->n; i++) idx[i] = (uint32_t)(d->n - 1 - i);
    for (int s = 0; s < steps; s++) {
        int lo = (s * batch) % d->n, n = d->n - lo < batch ? d->n - lo : batch;
        double loss;
        int ok;
        cr_assert_eq(ln_trainer_step(&tr, d, idx + lo, n, opt, &loss, &ok), LN_OK, "%s", ln_last_error());
        cr_assert(isfinite(loss) && loss > 0.0);
    }
    float *w = malloc(net.nparams * sizeof *w);
    memcpy(w, net.params, net.nparams * sizeof *w);
    free(idx);
    ln_trainer_free(&tr);
    ln_net_free(&net);
    return w;
}

static void check_determinism(int batch, const ln_sgd *opt)
{
    ln_dataset d = random_dataset(100, 7);
    ln_net ref;
    cr_assert_eq(ln_net_build("lenet5", 1, 28, 28, 10, &ref), LN_OK);
    ln_net_init(&ref, 42);
    float *w1 = train_copy(&d, 1, batch, 4, opt);
    cr_assert(memcmp(w1, ref.params, ref.nparams * sizeof(float)) != 0, "training did not change the weights");
    for (int t = 2; t <= 3; t++) {
        float *wt = train_copy(&d, t, batch, 4, opt);
        size_t diff = 0;
        for (size_t i = 0; i < ref.nparams; i++) diff += memcmp(&w1[i], &wt[i], sizeof(float)) != 0;
        cr_assert_eq(diff, 0, "batch %d: %zu of %zu weights differ between 1 and %d threads", batch, diff,
                     ref.nparams, t);
        free(wt);
    }
    free(w1);
    ln_net_free(&ref);
    ln_dataset_free(&d);
}

Test(train, deterministic_across_threads)
{
    ln_sgd opt = {.lr = 0.05f, .momentum = 0.9f};
    check_determinism(32, &opt);
}

Test(train, deterministic_partial_batches_nesterov_decay)
{
    /* 100 = 3 x 30 + 10: a partial last batch and a partial last chunk */
    ln_sgd opt = {.lr = 0.02f, .momentum = 0.9f, .nesterov = 1, .weight_decay = 1e-3f};
    check_determinism(30, &opt);
}

Test(train, chunk_size_depends_on_batch_only)
{
    /* batch/16 samples (16 chunks from batch 16), at most 8 until 64 chunks */
    static const int want[][2] = {{1, 1},   {7, 1},   {31, 1},   {32, 2},   {64, 4},    {127, 7},
                                  {128, 8}, {256, 8}, {512, 8}, {513, 9}, {4096, 64}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        cr_assert_eq(ln_chunk_size(want[i][0]), want[i][1], "batch %d: chunk %d, expected %d", want[i][0],
                     ln_chunk_size(want[i][0]), want[i][1]);
}

/* Train `model` with kernels k on `threads` threads over samples [0, n) of
 * d in batches of `batch` (the last one partial unless batch divides n) and
 * return a copy of the weights. */
static float *train_model(const char *model, const ln_kernels *k, const ln_dataset *d, int n, int threads, int batch,
                          const ln_sgd *opt, size_t *nparams)
{
    ln_net net;
    ln_trainer tr;
    cr_assert_eq(ln_net_build(model, 1, 28, 28, 10, &net), LN_OK, "%s", ln_last_error());
    ln_net_init(&net, 42);
    cr_assert_eq(ln_trainer_init(&tr, &net, k, threads, batch), LN_OK, "%s", ln_last_error());
    uint32_t *idx = malloc((size_t)n * sizeof *idx);
    for (int i = 0; i < n; i++) idx[i] = (uint32_t)((i * 5) % n); /* a permutation: n is never a multiple of 5 */
    for (int lo = 0; lo < n; lo += batch) {
        double loss;
        int ok, m = n - lo < batch ? n - lo : batch;
        cr_assert_eq(ln_trainer_step(&tr, d, idx + lo, m, opt, &loss, &ok), LN_OK, "%s", ln_last_error());
    }
    float *w = malloc(net.nparams * sizeof *w);
    memcpy(w, net.params, net.nparams * sizeof *w);
    *nparams = net.nparams;
    free(idx);
    ln_trainer_free(&tr);
    ln_net_free(&net);
    return w;
}

/* 1 thread against 2, 3, 5, 8 and 16 (more threads than this machine's
 * cores) at batches 1, 7, 32, 64 and 256: every decomposition the chunk
 * rule makes (chunks of 1, 2, 4 and 8 samples; deferred and per-chunk
 * convolution gradients), each with a partial last batch (but batch 1).
 * Batch 256, the costliest, runs against 3 and 16 threads only. */
static void check_model_determinism(const char *model)
{
    static const int batches[] = {1, 7, 32, 64, 256}, threads[] = {3, 16, 2, 5, 8};
    ln_dataset d = random_dataset(289, 13);
    const ln_kernels *k;
    cr_assert_eq(ln_kernels_select("auto", &k), LN_OK);
    ln_sgd opt = {.lr = 0.02f, .momentum = 0.9f, .weight_decay = 1e-4f};
    for (size_t b = 0; b < sizeof batches / sizeof batches[0]; b++) {
        int batch = batches[b], n = batch == 1 ? 3 : batch < 64 ? batch + batch / 2 + 1 : batch + 33;
        size_t nt = batch < 256 ? sizeof threads / sizeof threads[0] : 2;
        size_t np;
        float *w1 = train_model(model, k, &d, n, 1, batch, &opt, &np);
        for (size_t t = 0; t < nt; t++) {
            float *wt = train_model(model, k, &d, n, threads[t], batch, &opt, &np);
            size_t diff = 0, first = 0;
            for (size_t i = 0; i < np; i++)
                if (memcmp(&w1[i], &wt[i], sizeof(float)) && !diff++) first = i;
            cr_assert_eq(diff, 0, "%s, %s kernels, batch %d (chunks of %d), %d samples: %zu of %zu weights differ "
                         "between 1 and %d threads, first at %zu", model, k->isa, batch, ln_chunk_size(batch), n,
                         diff, np, threads[t], first);
            free(wt);
        }
        free(w1);
    }
    ln_dataset_free(&d);
}

Test(train_threads, deterministic_lenet5, .timeout = 300) { check_model_determinism("lenet5"); }
Test(train_threads, deterministic_lenet5_relu, .timeout = 300) { check_model_determinism("lenet5-relu"); }
Test(train_threads, deterministic_lenet5_1998, .timeout = 300) { check_model_determinism("lenet5-1998"); }

Test(train, schedules)
{
    cr_assert_float_eq(ln_schedule_lr(LN_SCHED_CONSTANT, 0.1f, 50, 100, 0, 0), 0.1f, 1e-7);
    cr_assert_float_eq(ln_schedule_lr(LN_SCHED_COSINE, 0.1f, 0, 100, 0, 0), 0.1f, 1e-7);
    cr_assert_float_eq(ln_schedule_lr(LN_SCHED_COSINE, 0.1f, 50, 100, 0, 0), 0.05f, 1e-7);
    cr_assert_lt(ln_schedule_lr(LN_SCHED_COSINE, 0.1f, 99, 100, 0, 0), 1e-4f);
    /* warm-up ramps linearly to the base rate, then the cosine starts */
    cr_assert_float_eq(ln_schedule_lr(LN_SCHED_COSINE, 0.1f, 0, 100, 10, 0), 0.01f, 1e-7);
    cr_assert_float_eq(ln_schedule_lr(LN_SCHED_COSINE, 0.1f, 9, 100, 10, 0), 0.1f, 1e-7);
    cr_assert_float_eq(ln_schedule_lr(LN_SCHED_COSINE, 0.1f, 55, 100, 10, 0), 0.05f, 1e-7);
    /* lecun98: 1, 0.4, 0.2, 0.1, 0.02 of the base after 2, 3, 3 and 4 epochs (10 steps each) */
    static const float want[] = {1, 1, 0.4f, 0.4f, 0.4f, 0.2f, 0.2f, 0.2f, 0.1f, 0.1f, 0.1f, 0.1f, 0.02f, 0.02f};
    for (int e = 0; e < 14; e++) {
        cr_assert_float_eq(ln_schedule_lr(LN_SCHED_LECUN98, 0.5f, 10L * e, 200, 0, 10), 0.5f * want[e], 1e-7, "epoch %d", e);
        cr_assert_float_eq(ln_schedule_lr(LN_SCHED_LECUN98, 0.5f, 10L * e + 9, 200, 0, 10), 0.5f * want[e], 1e-7);
    }
}

/* Two steps on one batch from the same start, returning fc2.bias[0] after
 * each: the first step is the same for every rule (v = g). */
static void two_steps(const ln_dataset *d, const ln_sgd *opt, float *w0, float *w1, float *w2)
{
    ln_net net;
    ln_trainer tr;
    cr_assert_eq(ln_net_build("lenet5", 1, 28, 28, 10, &net), LN_OK);
    ln_net_init(&net, 5);
    cr_assert_eq(ln_trainer_init(&tr, &net, ln_kernels_scalar(), 1, 8), LN_OK);
    uint32_t idx[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    size_t j = net.layers[net.nlayers - 2].b_off;
    double loss;
    int ok;
    *w0 = net.params[j];
    cr_assert_eq(ln_trainer_step(&tr, d, idx, 8, opt, &loss, &ok), LN_OK);
    *w1 = net.params[j];
    cr_assert_eq(ln_trainer_step(&tr, d, idx, 8, opt, &loss, &ok), LN_OK);
    *w2 = net.params[j];
    ln_trainer_free(&tr);
    ln_net_free(&net);
}

Test(train, momentum_and_nesterov_follow_pytorch_rules)
{
    /* PyTorch: v = mu*v + g; w -= lr*v (plain) or lr*(g + mu*v) (Nesterov).
     * Plain SGD on the same trajectory gives g0 and g1 for fc2.bias[0];
     * Nesterov is checked on its first step, w1 = w0 - lr*(1 + mu)*g0. */
    ln_dataset d = random_dataset(8, 3);
    const float lr = 0.1f, mu = 0.9f;
    float w0, w1, w2, m0, m1, m2, n0, n1, n2;
    two_steps(&d, &(ln_sgd){.lr = lr}, &w0, &w1, &w2);
    two_steps(&d, &(ln_sgd){.lr = lr, .momentum = mu}, &m0, &m1, &m2);
    two_steps(&d, &(ln_sgd){.lr = lr, .momentum = mu, .nesterov = 1}, &n0, &n1, &n2);
    float g0 = (w0 - w1) / lr, g1 = (w1 - w2) / lr;
    cr_assert_gt(fabsf(g0), 1e-5f, "gradient of fc2.bias[0] is zero");
    cr_assert_gt(fabsf(g1 - g0), 1e-7f, "second gradient equals the first: the test would not see momentum");
    cr_assert_eq(m1, w1, "first momentum step differs from plain SGD");
    float v1 = mu * g0 + g1;
    cr_assert_float_eq(m2, m1 - lr * v1, 1e-6, "momentum: %.9g vs %.9g", m2, m1 - lr * v1);
    cr_assert_float_eq(n1, w0 - lr * (g0 + mu * g0), 1e-6);
    (void)n2; /* Nesterov's second step starts elsewhere: its gradient is not g1 */
    ln_dataset_free(&d);
}

/* The step's gradient (chunks for the convolutions, one batch product per
 * column block for the dense layers) equals a single plain forward and
 * backward over all n samples, for every parameter. n = 70 of a batch of
 * 72: partial last chunk, rows left unused in the dense batch buffers. */
static void check_step_gradient(const ln_kernels *k, int threads)
{
    enum { N = 70, BATCH = 72 };
    ln_dataset d = random_dataset(N, 11);
    ln_net net;
    cr_assert_eq(ln_net_build("lenet5", 1, 28, 28, 10, &net), LN_OK);
    ln_net_init(&net, 9);
    uint32_t idx[N];
    for (int i = 0; i < N; i++) idx[i] = (uint32_t)i;
    /* reference: one pass over all N samples */
    ln_workspace ws;
    cr_assert_eq(ln_ws_alloc(&net, ln_kernels_scalar(), N, &ws), LN_OK);
    ln_load_chunk(&d, idx, N, &ws, NULL);
    float *gref = calloc(net.nparams, sizeof *gref), *w0 = malloc(net.nparams * sizeof *w0);
    memcpy(w0, net.params, net.nparams * sizeof *w0);
    ln_forward(&net, ln_kernels_scalar(), &ws, N, 1, 1.0f / N);
    ln_backward(&net, ln_kernels_scalar(), &ws, N, gref, NULL);
    ln_ws_free(&ws);
    /* one step with lr 1: w0 - w1 is the gradient */
    ln_trainer tr;
    cr_assert_eq(ln_trainer_init(&tr, &net, k, threads, BATCH), LN_OK);
    double loss;
    int ok;
    cr_assert_eq(ln_trainer_step(&tr, &d, idx, N, &(ln_sgd){.lr = 1.0f}, &loss, &ok), LN_OK);
    size_t bad = 0, first = 0, nonzero = 0;
    for (size_t j = 0; j < net.nparams; j++) {
        float g = w0[j] - net.params[j];
        float tol = 4.0f * (nextafterf(fabsf(w0[j]), INFINITY) - fabsf(w0[j])) + 1e-3f * fabsf(gref[j]) + 1e-9f;
        nonzero += fabsf(gref[j]) > 1e-6f;
        if (fabsf(g - gref[j]) > tol && !bad++) first = j;
    }
    cr_assert_gt(nonzero, net.nparams / 4, "only %zu gradients are non-zero", nonzero);
    cr_assert_eq(bad, 0, "%s, %d threads: %zu of %zu gradients differ; first at parameter %zu: %.9g vs %.9g",
                 k->isa, threads, bad, net.nparams, first, w0[first] - net.params[first], gref[first]);
    ln_trainer_free(&tr);
    free(gref), free(w0);
    ln_net_free(&net);
    ln_dataset_free(&d);
}

Test(train, step_gradient_equals_one_plain_pass)
{
    check_step_gradient(ln_kernels_scalar(), 1);
    const ln_kernels *k;
    cr_assert_eq(ln_kernels_select("auto", &k), LN_OK);
    check_step_gradient(k, 2);
}

Test(train, learns_fashion_mnist_subset, .timeout = 600)
{
    ln_dataset train, test;
    ln_status st = ln_mnist_load(LN_DEFAULT_DATA_DIR, "train", &train);
    cr_assert_eq(st, LN_OK, "%s (install dataset-fashion-mnist)", ln_last_error());
    cr_assert_eq(ln_mnist_load(LN_DEFAULT_DATA_DIR, "t10k", &test), LN_OK, "%s", ln_last_error());
    ln_dataset_truncate(&train, 2000);
    ln_dataset_truncate(&test, 2000);
    /* the fastest table this CPU has: this checks learning, not numerics */
    const ln_kernels *k;
    cr_assert_eq(ln_kernels_select("auto", &k), LN_OK);
    ln_net net;
    ln_trainer tr;
    cr_assert_eq(ln_net_build("lenet5", 1, 28, 28, 10, &net), LN_OK);
    ln_net_init(&net, 1);
    cr_assert_eq(ln_trainer_init(&tr, &net, k, 2, 32), LN_OK);
    uint32_t *idx = malloc(2000 * sizeof *idx);
    ln_rng r;
    ln_rng_seed(&r, 9);
    double loss0, acc0, loss, acc;
    cr_assert_eq(ln_net_evaluate(&net, k, 2, &test, &loss0, &acc0), LN_OK);
    for (int e = 0; e < 5; e++) {
        for (int i = 0; i < 2000; i++) idx[i] = (uint32_t)i;
        ln_rng_shuffle(&r, idx, 2000);
        for (int lo = 0; lo < 2000; lo += 32) {
            int n = 2000 - lo < 32 ? 2000 - lo : 32, ok;
            ln_sgd opt = {.lr = 0.05f, .momentum = 0.9f};
            cr_assert_eq(ln_trainer_step(&tr, &train, idx + lo, n, &opt, &loss, &ok), LN_OK);
        }
    }
    cr_assert_eq(ln_net_evaluate(&net, k, 2, &test, &loss, &acc), LN_OK);
    cr_log_info("2000-image subset, 5 epochs: test accuracy %.2f%% (%.2f%% before), loss %.4f\n", 100 * acc,
                100 * acc0, loss);
    cr_assert_geq(acc, 0.70, "test accuracy %.2f%% < 70%% after 5 epochs on 2,000 images", 100 * acc);
    cr_assert_lt(loss, loss0);
    free(idx);
    ln_trainer_free(&tr);
    ln_net_free(&net);
    ln_dataset_free(&train);
    ln_dataset_free(&test);
}
