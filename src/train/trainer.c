#include "trainer.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_CHUNKS = 16, MIN_CHUNK = 4, EVAL_CHUNK = 64 };

int ln_chunk_size(int batch)
{
    int c = (batch + MAX_CHUNKS - 1) / MAX_CHUNKS;
    return c < MIN_CHUNK ? MIN_CHUNK : c;
}

int ln_argmax(const float *p, int classes)
{
    int best = 0;
    for (int c = 1; c < classes; c++)
        if (p[c] > p[best]) best = c;
    return best;
}

void ln_load_chunk(const ln_dataset *d, const uint32_t *idx, int n, ln_workspace *ws)
{
    size_t len = (size_t)d->c * d->h * d->w;
    for (int i = 0; i < n; i++) {
        const uint8_t *src = d->pixels + (size_t)idx[i] * len;
        float *dst = ws->x0 + (size_t)i * len;
        for (size_t j = 0; j < len; j++) dst[j] = (float)src[j] * (1.0f / 255.0f);
        ws->labels[i] = d->labels[idx[i]];
    }
}

static int count_correct(const ln_net *net, const ln_workspace *ws, int n)
{
    const float *p = ln_ws_probs(net, ws);
    int ok = 0;
    for (int i = 0; i < n; i++) ok += ln_argmax(p + (size_t)i * net->nclasses, net->nclasses) == ws->labels[i];
    return ok;
}

static void *zalloc_floats(size_t n)
{
    size_t bytes = (n * sizeof(float) + 63) / 64 * 64;
    void *p = aligned_alloc(64, bytes ? bytes : 64);
    if (p) memset(p, 0, bytes ? bytes : 64);
    return p;
}

ln_status ln_trainer_init(ln_trainer *t, ln_net *net, const ln_kernels *k, int threads, int batch)
{
    memset(t, 0, sizeof *t);
    t->net = net, t->k = k, t->threads = threads, t->batch = batch;
    t->chunk = ln_chunk_size(batch);
    t->max_chunks = (batch + t->chunk - 1) / t->chunk;
    t->ws = calloc((size_t)threads, sizeof *t->ws);
    t->grads = zalloc_floats((size_t)t->max_chunks * net->nparams);
    t->velocity = zalloc_floats(net->nparams);
    t->chunk_loss = calloc((size_t)t->max_chunks, sizeof *t->chunk_loss);
    t->chunk_correct = calloc((size_t)t->max_chunks, sizeof *t->chunk_correct);
    if (!t->ws || !t->grads || !t->velocity || !t->chunk_loss || !t->chunk_correct) {
        ln_trainer_free(t);
        return ln_fail(LN_ERR_NOMEM, "cannot allocate training buffers for batch %d", batch);
    }
    for (int i = 0; i < threads; i++) {
        ln_status st = ln_ws_alloc(net, k, t->chunk, &t->ws[i]);
        if (st != LN_OK) {
            ln_trainer_free(t);
            return st;
        }
    }
    return LN_OK;
}

void ln_trainer_free(ln_trainer *t)
{
    if (t->ws)
        for (int i = 0; i < t->threads; i++) ln_ws_free(&t->ws[i]);
    free(t->ws);
    free(t->grads);
    free(t->velocity);
    free(t->chunk_loss);
    free(t->chunk_correct);
    memset(t, 0, sizeof *t);
}

/* w -= lr * update, where the gradient is the chunk buffers summed in chunk
 * order (fixed, whatever the thread count) plus weight decay. */
static void sgd_update(ln_trainer *t, int nchunks, const ln_sgd *o, size_t lo, size_t hi)
{
    size_t np = t->net->nparams;
    float *w = t->net->params, *v = t->velocity;
    for (size_t j = lo; j < hi; j++) {
        float g = t->grads[j];
        for (int c = 1; c < nchunks; c++) g += t->grads[(size_t)c * np + j];
        g += o->weight_decay * w[j];
        if (o->momentum != 0.0f) {
            v[j] = o->momentum * v[j] + g;
            g = o->nesterov ? g + o->momentum * v[j] : v[j];
        }
        w[j] -= o->lr * g;
    }
}

ln_status ln_trainer_step(ln_trainer *t, const ln_dataset *d, const uint32_t *idx, int n,
                          const ln_sgd *opt, double *loss_sum, int *correct)
{
    int nchunks = (n + t->chunk - 1) / t->chunk;
    size_t np = t->net->nparams;
    float scale = 1.0f / (float)n; /* mean loss over the batch */
    double loss = 0.0;
    int ok = 1;
    /* Update blocks of 4096 parameters keep one thread's stores in whole cache lines. */
    long nblocks = (long)((np + 4095) / 4096);
#pragma omp parallel num_threads(t->threads)
    {
        ln_workspace *ws = &t->ws[omp_get_thread_num()];
#pragma omp for schedule(dynamic, 1)
        for (int c = 0; c < nchunks; c++) {
            int lo = c * t->chunk, m = n - lo < t->chunk ? n - lo : t->chunk;
            float *g = t->grads + (size_t)c * np;
            memset(g, 0, np * sizeof(float));
            ln_load_chunk(d, idx + lo, m, ws);
            t->chunk_loss[c] = ln_forward(t->net, t->k, ws, m, 1, scale);
            t->chunk_correct[c] = count_correct(t->net, ws, m);
            ln_backward(t->net, t->k, ws, m, g);
        }
#pragma omp single
        {
            for (int c = 0; c < nchunks; c++) loss += t->chunk_loss[c];
            ok = isfinite(loss);
        }
        if (ok) {
#pragma omp for schedule(static)
            for (long b = 0; b < nblocks; b++) {
                size_t lo = (size_t)b * 4096, hi = lo + 4096 < np ? lo + 4096 : np;
                sgd_update(t, nchunks, opt, lo, hi);
            }
        }
    }
    int right = 0;
    for (int c = 0; c < nchunks; c++) right += t->chunk_correct[c];
    *loss_sum = loss;
    *correct = right;
    if (!ok) return ln_fail(LN_ERR_NUMERIC, "the training loss became %s; weights left at the last good step",
                            isnan(loss) ? "NaN" : "infinite");
    return LN_OK;
}

ln_status ln_evaluate(const ln_net *net, const ln_kernels *k, int threads, const ln_dataset *d,
                      double *mean_loss, double *accuracy)
{
    int nchunks = (d->n + EVAL_CHUNK - 1) / EVAL_CHUNK;
    double *loss = calloc((size_t)nchunks, sizeof *loss);
    int *right = calloc((size_t)nchunks, sizeof *right);
    ln_workspace *ws = calloc((size_t)threads, sizeof *ws);
    ln_status st = (loss && right && ws) ? LN_OK : ln_fail(LN_ERR_NOMEM, "cannot allocate evaluation buffers");
    for (int i = 0; i < threads && st == LN_OK; i++) st = ln_ws_alloc(net, k, EVAL_CHUNK, &ws[i]);
    if (st == LN_OK) {
#pragma omp parallel num_threads(threads)
        {
            ln_workspace *w = &ws[omp_get_thread_num()];
            uint32_t idx[EVAL_CHUNK];
#pragma omp for schedule(dynamic, 1)
            for (int c = 0; c < nchunks; c++) {
                int lo = c * EVAL_CHUNK, m = d->n - lo < EVAL_CHUNK ? d->n - lo : EVAL_CHUNK;
                for (int i = 0; i < m; i++) idx[i] = (uint32_t)(lo + i);
                ln_load_chunk(d, idx, m, w);
                loss[c] = ln_forward(net, k, w, m, 1, 0.0f);
                right[c] = count_correct(net, w, m);
            }
        }
        double sl = 0.0;
        long sr = 0;
        for (int c = 0; c < nchunks; c++) sl += loss[c], sr += right[c];
        *mean_loss = d->n ? sl / d->n : 0.0;
        *accuracy = d->n ? (double)sr / d->n : 0.0;
    }
    if (ws)
        for (int i = 0; i < threads; i++) ln_ws_free(&ws[i]);
    free(ws);
    free(loss);
    free(right);
    return st;
}

float ln_schedule_lr(ln_schedule s, float base, long step, long total, long warmup)
{
    if (step < warmup) return base * (float)(step + 1) / (float)warmup;
    if (s == LN_SCHED_CONSTANT || total <= warmup) return base;
    double t = (double)(step - warmup) / (double)(total - warmup);
    return (float)(0.5 * base * (1.0 + cos(3.14159265358979323846 * t)));
}
