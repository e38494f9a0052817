#include "trainer.h"

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"

enum { MAX_CHUNKS = 64, MIN_CHUNKS = 16, MAX_CHUNK = 8, EVAL_CHUNK = 32 };

int ln_chunk_size(int batch)
{
    int c = batch / MIN_CHUNKS;
    if (c > MAX_CHUNK) {
        c = (batch + MAX_CHUNKS - 1) / MAX_CHUNKS;
        if (c < MAX_CHUNK) c = MAX_CHUNK;
    }
    return c < 1 ? 1 : c;
}

int ln_argmax(const float *p, int classes)
{
    int best = 0;
    for (int c = 1; c < classes; c++)
        if (p[c] > p[best]) best = c;
    return best;
}

/* Pixel j of image `src` as the network sees it. */
static inline float pixel(const ln_dataset *d, size_t base, size_t j)
{
    return d->fpixels ? d->fpixels[base + j] : (float)d->pixels[base + j] * (1.0f / 255.0f);
}

void ln_load_chunk(const ln_dataset *d, const uint32_t *idx, int n, ln_workspace *ws, const ln_augment *a)
{
    size_t len = (size_t)d->c * d->h * d->w;
    int aug = a && (a->flip || a->shift);
    for (int i = 0; i < n; i++) {
        size_t base = (size_t)idx[i] * len;
        float *dst = ws->x0 + (size_t)i * len;
        ws->labels[i] = d->labels[idx[i]];
        if (!aug) {
            ln_dataset_image(d, (int)idx[i], dst);
            continue;
        }
        /* counter-based: keyed by (seed, epoch, image), not by thread or order */
        uint64_t r = ln_hash64(a->seed ^ ln_hash64(((uint64_t)a->epoch << 32) ^ idx[i] ^ 0x4155474du));
        int flip = a->flip && (r & 1), span = 2 * a->shift + 1;
        int dx = a->shift ? (int)((r >> 8) % (uint64_t)span) - a->shift : 0;
        int dy = a->shift ? (int)((r >> 24) % (uint64_t)span) - a->shift : 0;
        for (int c = 0; c < d->c; c++)
            for (int y = 0; y < d->h; y++) {
                int sy = y + dy;
                float *o = dst + ((size_t)c * d->h + y) * d->w;
                for (int x = 0; x < d->w; x++) {
                    int sx = (flip ? d->w - 1 - x : x) + dx;
                    o[x] = sy < 0 || sy >= d->h || sx < 0 || sx >= d->w
                               ? 0.0f
                               : pixel(d, base, ((size_t)c * d->h + sy) * d->w + (size_t)sx);
                }
            }
    }
}

int ln_augment_parse(const char *spec, ln_augment *a)
{
    *a = (ln_augment){0};
    const char *p = spec;
    while (*p) {
        size_t n = strcspn(p, ",");
        int v = 0, used = 0;
        if (n == 4 && !strncmp(p, "flip", 4)) a->flip = 1;
        else if (n == 5 && !strncmp(p, "shift", 5)) a->shift = 2;
        else if (n > 6 && !strncmp(p, "shift=", 6) && sscanf(p + 6, "%d%n", &v, &used) == 1 && (size_t)used == n - 6 &&
                 v >= 1 && v <= 8)
            a->shift = v;
        else {
            ln_fail(LN_ERR_ARG, "--augment: '%.*s' is not flip, shift or shift=N (N in 1..8)", (int)n, p);
            return -1;
        }
        p += n;
        if (*p == ',') p++;
    }
    if (!a->flip && !a->shift) {
        ln_fail(LN_ERR_ARG, "--augment: empty (expected flip, shift or shift=N)");
        return -1;
    }
    return 0;
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

const char *const ln_phase_names[LN_PH_COUNT] = {"data", "forward", "backward", "reduce", "update"};

enum { REDUCE_BLOCK = 4096, DENSE_BLOCK = 384, CONV_BLOCKS = 8, DEFER_REDUCTION = 1024 };

/* Column-block width of a deferred dense layer with `in` inputs: about
 * DENSE_BLOCK columns, a multiple of 16 (the kernels' tile width). */
static int dense_block_cols(int in)
{
    int nb = (in + DENSE_BLOCK - 1) / DENSE_BLOCK, cb = (in + nb - 1) / nb;
    return (cb + 15) / 16 * 16;
}

/* Output channels per weight-gradient block of a deferred convolution:
 * about CONV_BLOCKS blocks of a multiple of 4 channels (the kernel's tile
 * rows), or one block of up to 6. Each block re-reads and re-pads the
 * batch's input, so fewer, larger blocks cost less: at batch 32 on one
 * core, blocks of 16 channels of LeNet-5's conv3 took 3% less of the step
 * than blocks of 8; 8 blocks still feed 16 threads with the dense blocks. */
static int conv_block_channels(int oc)
{
    int cb = (oc + CONV_BLOCKS - 1) / CONV_BLOCKS;
    return oc <= 6 ? oc : (cb + 3) / 4 * 4;
}

static int is_deferred(const ln_trainer *t, int i) { return t->defer.x[i] != NULL; }

static ln_conv_shape conv_block_shape(const ln_layer *l, int n, int oc)
{
    return (ln_conv_shape){.n = n, .ic = l->in_c, .ih = l->in_h, .iw = l->in_w, .oc = oc, .oh = l->out_h,
                           .ow = l->out_w, .kh = l->k, .kw = l->k, .pad_h = l->pad, .pad_w = l->pad};
}

/* Blocks of deferred layer l: of input columns (dense) or output channels. */
static int defer_blocks(const ln_trainer *t, int i)
{
    const ln_layer *l = &t->net->layers[i];
    int len = l->kind == LN_L_DENSE ? l->in_c : l->out_c;
    return (len + t->defer.cb[i] - 1) / t->defer.cb[i];
}

/* Estimated FLOPs of update item u on n samples (with nchunks chunks). */
static double item_flops(const ln_trainer *t, const ln_update_item *u, int n, int nchunks)
{
    if (u->layer < 0) return (double)(u->hi - u->lo) * (nchunks + 3);
    const ln_layer *l = &t->net->layers[u->layer];
    int cb = t->defer.cb[u->layer], len = l->kind == LN_L_DENSE ? l->in_c : l->out_c;
    int w = len - u->block * cb < cb ? len - u->block * cb : cb;
    double share = (double)w / len; /* a weight gradient costs a forward pass; SGD ~3 per weight */
    return (double)n * ln_layer_flops(l) * share + 3.0 * (double)(l->w_len + l->b_len) * share;
}

/* Work items of the update phase: deferred layers' blocks first (the
 * largest), then the other layers' parameters in blocks of REDUCE_BLOCK.
 * The items depend on the model and batch size only. */
static ln_status plan_update(ln_trainer *t)
{
    const ln_net *net = t->net;
    int n = 0;
    for (int pass = 0; pass < 2; pass++) {
        n = 0;
        for (int i = 0; i < net->nlayers; i++)
            if (is_deferred(t, i))
                for (int b = 0; b < defer_blocks(t, i); b++, n++)
                    if (pass) t->items[n] = (ln_update_item){.layer = i, .block = b};
        for (int i = 0; i < net->nlayers; i++) {
            const ln_layer *l = &net->layers[i];
            if (!l->w_len || is_deferred(t, i) || l->frozen) continue;
            size_t lo = l->w_off, hi = l->b_off + l->b_len; /* weights then biases, adjacent */
            for (size_t a = lo; a < hi; a += REDUCE_BLOCK, n++)
                if (pass) t->items[n] = (ln_update_item){.layer = -1, .lo = a, .hi = hi - a < REDUCE_BLOCK ? hi : a + REDUCE_BLOCK};
        }
        if (!pass && !(t->items = calloc((size_t)n + 1, sizeof *t->items)))
            return ln_fail(LN_ERR_NOMEM, "cannot allocate the update plan");
    }
    t->nitems = n;
    /* largest first, so that the dynamic schedule ends evenly; a stable
     * insertion sort on the full-batch estimate (a fixed order) */
    for (int a = 1; a < n; a++) {
        ln_update_item u = t->items[a];
        double f = item_flops(t, &u, t->batch, t->max_chunks);
        int b = a;
        for (; b > 0 && item_flops(t, &t->items[b - 1], t->batch, t->max_chunks) < f; b--) t->items[b] = t->items[b - 1];
        t->items[b] = u;
    }
    return LN_OK;
}

/* Batch buffers of the deferred layers: every dense layer, and the
 * convolutions whose weight gradient per chunk would be a short reduction
 * (chunk x output positions < DEFER_REDUCTION products per weight) into a
 * large buffer per chunk, when chunks are smaller than MAX_CHUNK samples
 * (at 8, per-chunk buffers measured 6% faster). A first convolution over
 * a whole image (784 positions) keeps its small buffer per chunk, and so
 * no single large block in the update loop. An RBF's prototypes are
 * frozen; a subsampling layer's few coefficients stay in the chunk buffers. */
static int plan_defer(ln_trainer *t)
{
    const ln_net *net = t->net;
    int batch = t->batch, ok = 1;
    t->defer.rows = batch;
    for (int i = 0; i < net->nlayers && ok; i++) {
        const ln_layer *l = &net->layers[i];
        size_t g = 0;
        if (l->kind == LN_L_DENSE) {
            int cb = dense_block_cols(l->in_c), nb = (l->in_c + cb - 1) / cb;
            t->defer.cb[i] = cb;
            t->defer.x[i] = zalloc_floats((size_t)nb * batch * cb);
            t->defer.dy[i] = zalloc_floats((size_t)batch * l->out_c);
            g = (size_t)l->out_c * (cb + 1);
        } else if (l->kind == LN_L_CONV && t->chunk < MAX_CHUNK &&
                   (long)t->chunk * l->out_h * l->out_w < DEFER_REDUCTION) {
            int cb = conv_block_channels(l->out_c), nb = (l->out_c + cb - 1) / cb;
            size_t hw = (size_t)l->out_h * l->out_w;
            t->defer.cb[i] = cb;
            t->defer.x[i] = zalloc_floats((size_t)batch * ln_layer_in_len(l));
            t->defer.dy[i] = zalloc_floats((size_t)nb * batch * cb * hw);
            g = (size_t)cb * ((size_t)l->in_c * l->k * l->k + 1);
            ln_conv_shape s = conv_block_shape(l, batch, cb);
            size_t need = t->k->conv2d_scratch(&s);
            if (need > t->scratch_len) t->scratch_len = (need + 15) / 16 * 16;
        } else {
            continue;
        }
        if (g > t->gblock_len) t->gblock_len = (g + 15) / 16 * 16;
        ok = t->defer.x[i] && t->defer.dy[i];
    }
    /* chunk buffers need only reach the last parameter chunks accumulate */
    for (int i = 0; i < net->nlayers; i++) {
        const ln_layer *l = &net->layers[i];
        if (l->w_len && !t->defer.x[i] && l->b_off + l->b_len > t->gspan) t->gspan = l->b_off + l->b_len;
    }
    t->gspan = (t->gspan + 15) / 16 * 16;
    return ok;
}

ln_status ln_trainer_init(ln_trainer *t, ln_net *net, const ln_kernels *k, int threads, int batch)
{
    memset(t, 0, sizeof *t);
    t->net = net, t->k = k, t->threads = threads, t->batch = batch;
    t->chunk = ln_chunk_size(batch);
    t->max_chunks = (batch + t->chunk - 1) / t->chunk;
    int ok = plan_defer(t);
    t->ws = calloc((size_t)threads, sizeof *t->ws);
    t->tbuf = calloc((size_t)threads, sizeof *t->tbuf);
    t->grads = zalloc_floats((size_t)t->max_chunks * (t->gspan ? t->gspan : 16));
    t->velocity = zalloc_floats(net->nparams);
    t->chunk_loss = calloc((size_t)t->max_chunks, sizeof *t->chunk_loss);
    t->chunk_correct = calloc((size_t)t->max_chunks, sizeof *t->chunk_correct);
    t->tphase = calloc((size_t)threads * (LN_PH_COUNT + 1), sizeof *t->tphase);
    if (!ok || !t->ws || !t->tbuf || !t->grads || !t->velocity || !t->chunk_loss || !t->chunk_correct ||
        !t->tphase) {
        ln_trainer_free(t);
        return ln_fail(LN_ERR_NOMEM, "cannot allocate training buffers for batch %d", batch);
    }
    ln_status st = plan_update(t);
    if (st != LN_OK) {
        ln_trainer_free(t);
        return st;
    }
    /* Each thread allocates and first touches its own workspace and block
     * buffer (pages land on its NUMA node); errors are per thread, so the
     * message is made here. */
    int failed = 0;
#pragma omp parallel num_threads(threads) reduction(+ : failed)
    {
        int me = omp_get_thread_num();
        if (ln_ws_alloc(net, k, t->chunk, &t->ws[me]) != LN_OK ||
            !(t->tbuf[me] = zalloc_floats(t->gblock_len + t->scratch_len)))
            failed++;
    }
    if (failed) {
        ln_trainer_free(t);
        return ln_fail(LN_ERR_NOMEM, "cannot allocate the per-thread workspaces for batch %d", batch);
    }
    return LN_OK;
}

void ln_trainer_free(ln_trainer *t)
{
    if (t->ws)
        for (int i = 0; i < t->threads; i++) ln_ws_free(&t->ws[i]);
    if (t->tbuf)
        for (int i = 0; i < t->threads; i++) free(t->tbuf[i]);
    for (int i = 0; i < LN_MAX_LAYERS; i++) free(t->defer.x[i]), free(t->defer.dy[i]);
    free(t->ws);
    free(t->tbuf);
    free(t->grads);
    free(t->velocity);
    free(t->chunk_loss);
    free(t->chunk_correct);
    free(t->items);
    free(t->tphase);
    memset(t, 0, sizeof *t);
}

/* Zero a chunk's gradient buffer where chunks accumulate (not the deferred
 * layers). */
static void zero_chunk_grads(const ln_trainer *t, float *g)
{
    for (int i = 0; i < t->net->nlayers; i++) {
        const ln_layer *l = &t->net->layers[i];
        if (l->w_len && !is_deferred(t, i)) memset(g + l->w_off, 0, (l->w_len + l->b_len) * sizeof(float));
    }
}

/* Sum the chunk buffers over [lo, hi) in chunk order into chunk 0's. */
static void reduce_chunks(const ln_trainer *t, int nchunks, size_t lo, size_t hi)
{
    float *g0 = t->grads;
    for (int c = 1; c < nchunks; c++) {
        const float *gc = t->grads + (size_t)c * t->gspan;
        for (size_t j = lo; j < hi; j++) g0[j] += gc[j];
    }
}

/* Weight gradient of column block b of deferred dense layer i over the n
 * rows of the batch, then the SGD update of those weights (and of the
 * biases, with block 0). */
static void dense_block_update(const ln_trainer *t, int i, int b, int n, const ln_sgd *o, float *g)
{
    const ln_layer *l = &t->net->layers[i];
    int cb = t->defer.cb[i], c0 = b * cb, w = l->in_c - c0 < cb ? l->in_c - c0 : cb, out = l->out_c;
    float *db = g + (size_t)out * w;
    memset(g, 0, (size_t)out * (w + 1) * sizeof(float));
    t->k->dense_bwd_weights(n, w, out, t->defer.x[i] + (size_t)b * t->defer.rows * cb, t->defer.dy[i], g, db);
    float *wt = t->net->params + l->w_off + c0, *v = t->velocity + l->w_off + c0;
    for (int r = 0; r < out; r++) t->k->sgd((size_t)w, wt + (size_t)r * l->in_c, v + (size_t)r * l->in_c, g + (size_t)r * w, o);
    if (b == 0) t->k->sgd((size_t)out, t->net->params + l->b_off, t->velocity + l->b_off, db, o);
}

/* Weight and bias gradients of output-channel block b of deferred
 * convolution i over the n samples of the batch, then the SGD update of
 * those channels' weights and biases (contiguous: [oc][ic][kh][kw]). */
static void conv_block_update(const ln_trainer *t, int i, int b, int n, const ln_sgd *o, float *g, float *scratch)
{
    const ln_layer *l = &t->net->layers[i];
    int cb = t->defer.cb[i], o0 = b * cb, w = l->out_c - o0 < cb ? l->out_c - o0 : cb;
    size_t per = (size_t)l->in_c * l->k * l->k, hw = (size_t)l->out_h * l->out_w;
    float *db = g + (size_t)w * per;
    memset(g, 0, (size_t)w * (per + 1) * sizeof(float));
    ln_conv_shape s = conv_block_shape(l, n, w);
    t->k->conv2d_bwd_weights(&s, t->defer.x[i], t->defer.dy[i] + (size_t)b * t->defer.rows * cb * hw, g, db, scratch);
    ln_conv_table_mask(l, o0, o0 + w, g);
    size_t wo = l->w_off + (size_t)o0 * per, bo = l->b_off + (size_t)o0;
    t->k->sgd((size_t)w * per, t->net->params + wo, t->velocity + wo, g, o);
    t->k->sgd((size_t)w, t->net->params + bo, t->velocity + bo, db, o);
}

void ln_trainer_plan(const ln_trainer *t, int n, int threads, ln_step_plan *p)
{
    memset(p, 0, sizeof *p);
    p->chunk = t->chunk;
    p->chunks = (n + t->chunk - 1) / t->chunk;
    p->items = t->nitems;
    double *load = calloc((size_t)(threads > 0 ? threads : 1), sizeof *load);
    if (!load) return;
    /* the chunk loop's share of a sample: the step less the deferred products */
    double per_sample = ln_net_step_flops(t->net);
    for (int i = 0; i < t->net->nlayers; i++)
        if (is_deferred(t, i)) per_sample -= ln_layer_flops(&t->net->layers[i]);
    for (int phase = 0; phase < 2; phase++) {
        int count = phase ? t->nitems : p->chunks;
        memset(load, 0, (size_t)threads * sizeof *load);
        for (int it = 0; it < count; it++) {
            int m = n - it * t->chunk < t->chunk ? n - it * t->chunk : t->chunk;
            double f = phase ? item_flops(t, &t->items[it], n, p->chunks) : per_sample * m;
            int best = 0; /* the thread that is free first takes the next item */
            for (int th = 1; th < threads; th++)
                if (load[th] < load[best]) best = th;
            load[best] += f;
            p->work[phase] += f;
        }
        for (int th = 0; th < threads; th++)
            if (load[th] > p->max_work[phase]) p->max_work[phase] = load[th];
    }
    double most = p->max_work[0] + p->max_work[1];
    p->speedup_bound = most > 0.0 ? (p->work[0] + p->work[1]) / most : 1.0;
    free(load);
}

static inline double tick(const ln_trainer *t) { return t->prof ? omp_get_wtime() : 0.0; }

ln_status ln_trainer_step(ln_trainer *t, const ln_dataset *d, const uint32_t *idx, int n,
                          const ln_sgd *opt, double *loss_sum, int *correct)
{
    int nchunks = (n + t->chunk - 1) / t->chunk;
    float scale = 1.0f / (float)n; /* mean loss over the batch */
    double loss = 0.0, t_step = tick(t);
    int ok = 1;
    if (t->prof) memset(t->tphase, 0, (size_t)t->threads * (LN_PH_COUNT + 1) * sizeof *t->tphase);
#pragma omp parallel num_threads(t->threads)
    {
        int me = omp_get_thread_num();
        ln_workspace *ws = &t->ws[me];
        double *ph = t->tphase + (size_t)me * (LN_PH_COUNT + 1), t0 = tick(t), t1;
        ln_defer df = t->defer;
#pragma omp for schedule(dynamic, 1) nowait
        for (int c = 0; c < nchunks; c++) {
            int lo = c * t->chunk, m = n - lo < t->chunk ? n - lo : t->chunk;
            float *g = t->grads + (size_t)c * t->gspan;
            ln_load_chunk(d, idx + lo, m, ws, &t->aug);
            zero_chunk_grads(t, g);
            t1 = tick(t), ph[LN_PH_DATA] += t1 - t0, t0 = t1;
            t->chunk_loss[c] = ln_forward(t->net, t->k, ws, m, 1, scale);
            t->chunk_correct[c] = count_correct(t->net, ws, m);
            t1 = tick(t), ph[LN_PH_FORWARD] += t1 - t0, t0 = t1;
            df.row0 = lo;
            ln_backward(t->net, t->k, ws, m, g, &df);
            t1 = tick(t), ph[LN_PH_BACKWARD] += t1 - t0, t0 = t1;
        }
#pragma omp barrier
#pragma omp single
        {
            for (int c = 0; c < nchunks; c++) loss += t->chunk_loss[c];
            ok = isfinite(loss);
        }
        t1 = tick(t), ph[LN_PH_COUNT] += t1 - t0, t0 = t1;
        if (ok) {
            float *gb = t->tbuf[me], *scratch = gb + t->gblock_len;
#pragma omp for schedule(dynamic, 1) nowait
            for (int it = 0; it < t->nitems; it++) {
                const ln_update_item *u = &t->items[it];
                if (u->layer >= 0) {
                    if (t->net->layers[u->layer].kind == LN_L_DENSE) dense_block_update(t, u->layer, u->block, n, opt, gb);
                    else conv_block_update(t, u->layer, u->block, n, opt, gb, scratch);
                    t1 = tick(t), ph[LN_PH_UPDATE] += t1 - t0, t0 = t1;
                } else {
                    reduce_chunks(t, nchunks, u->lo, u->hi);
                    t1 = tick(t), ph[LN_PH_REDUCE] += t1 - t0, t0 = t1;
                    t->k->sgd(u->hi - u->lo, t->net->params + u->lo, t->velocity + u->lo, t->grads + u->lo, opt);
                    t1 = tick(t), ph[LN_PH_UPDATE] += t1 - t0, t0 = t1;
                }
            }
        }
    }
    if (t->prof) {
        double wall = tick(t) - t_step, busy = 0.0;
        for (int th = 0; th < t->threads; th++)
            for (int p = 0; p <= LN_PH_COUNT; p++) {
                double v = t->tphase[(size_t)th * (LN_PH_COUNT + 1) + p];
                if (p < LN_PH_COUNT) t->prof->phase[p] += v;
                busy += p < LN_PH_COUNT ? v : 0.0;
            }
        t->prof->wait += wall * t->threads - busy;
        t->prof->steps++;
    }
    int right = 0;
    for (int c = 0; c < nchunks; c++) right += t->chunk_correct[c];
    *loss_sum = loss;
    *correct = right;
    if (!ok) return ln_fail(LN_ERR_NUMERIC, "the training loss became %s; weights left at the last good step",
                            isnan(loss) ? "NaN" : "infinite");
    return LN_OK;
}

ln_status ln_evaluator_init(ln_evaluator *e, const ln_net *net, const ln_kernels *k, int threads)
{
    memset(e, 0, sizeof *e);
    e->net = net, e->k = k, e->threads = threads;
    e->ws = calloc((size_t)threads, sizeof *e->ws);
    ln_status st = e->ws ? LN_OK : ln_fail(LN_ERR_NOMEM, "cannot allocate evaluation buffers");
    for (int i = 0; i < threads && st == LN_OK; i++) st = ln_ws_alloc_infer(net, k, EVAL_CHUNK, &e->ws[i]);
    if (st != LN_OK) ln_evaluator_free(e);
    return st;
}

void ln_evaluator_free(ln_evaluator *e)
{
    if (e->ws)
        for (int i = 0; i < e->threads; i++) ln_ws_free(&e->ws[i]);
    free(e->ws);
    free(e->loss);
    free(e->right);
    memset(e, 0, sizeof *e);
}

ln_status ln_evaluator_run(ln_evaluator *e, const ln_dataset *d, double *mean_loss, double *accuracy)
{
    int nchunks = (d->n + EVAL_CHUNK - 1) / EVAL_CHUNK;
    if (nchunks > e->cap) { /* grows once: the same buffers serve every epoch */
        double *l = realloc(e->loss, (size_t)nchunks * sizeof *l);
        if (l) e->loss = l;
        int *r = realloc(e->right, (size_t)nchunks * sizeof *r);
        if (r) e->right = r;
        if (!l || !r) return ln_fail(LN_ERR_NOMEM, "cannot allocate evaluation buffers");
        e->cap = nchunks;
    }
    const ln_net *net = e->net;
#pragma omp parallel num_threads(e->threads)
    {
        ln_workspace *w = &e->ws[omp_get_thread_num()];
        uint32_t idx[EVAL_CHUNK];
#pragma omp for schedule(dynamic, 1)
        for (int c = 0; c < nchunks; c++) {
            int lo = c * EVAL_CHUNK, m = d->n - lo < EVAL_CHUNK ? d->n - lo : EVAL_CHUNK;
            for (int i = 0; i < m; i++) idx[i] = (uint32_t)(lo + i);
            ln_load_chunk(d, idx, m, w, NULL);
            e->loss[c] = ln_forward(net, e->k, w, m, 1, 0.0f);
            e->right[c] = count_correct(net, w, m);
        }
    }
    double sl = 0.0;
    long sr = 0;
    for (int c = 0; c < nchunks; c++) sl += e->loss[c], sr += e->right[c];
    *mean_loss = d->n ? sl / d->n : 0.0;
    *accuracy = d->n ? (double)sr / d->n : 0.0;
    return LN_OK;
}

ln_status ln_net_evaluate(const ln_net *net, const ln_kernels *k, int threads, const ln_dataset *d,
                      double *mean_loss, double *accuracy)
{
    ln_evaluator e;
    ln_status st = ln_evaluator_init(&e, net, k, threads);
    if (st == LN_OK) st = ln_evaluator_run(&e, d, mean_loss, accuracy);
    ln_evaluator_free(&e);
    return st;
}

int ln_schedule_from_name(const char *name)
{
    static const char *const names[] = {"constant", "cosine", "lecun98"}; /* in ln_schedule's order */
    for (int i = 0; i < 3; i++)
        if (!strcmp(name, names[i])) return i;
    return -1;
}

float ln_schedule_lr(ln_schedule s, float base, long step, long total, long warmup, long per_epoch)
{
    if (step < warmup) return base * (float)(step + 1) / (float)warmup;
    if (s == LN_SCHED_LECUN98) {
        long e = per_epoch > 0 ? step / per_epoch : 0;
        return base * (e < 2 ? 1.0f : e < 5 ? 0.4f : e < 8 ? 0.2f : e < 12 ? 0.1f : 0.02f);
    }
    if (s == LN_SCHED_CONSTANT || total <= warmup) return base;
    double t = (double)(step - warmup) / (double)(total - warmup);
    return (float)(0.5 * base * (1.0 + cos(3.14159265358979323846 * t)));
}
