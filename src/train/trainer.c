#include "trainer.h"

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "dist/dist.h"

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

const char *const ln_phase_names[LN_PH_COUNT] = {"data", "forward", "backward", "reduce", "update", "exchange"};

enum { REDUCE_BLOCK = 4096, DENSE_BLOCK = 384, CONV_BLOCKS = 8, DEFER_REDUCTION = 1024, CHAIN_SEG = 16384 };

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

static size_t block_grad_len(const ln_trainer *t, int i, int b);

/* Owners of the deferred blocks on nr ranks: largest first (the update
 * plan's order), each to the least loaded rank. load: [nr] scratch. */
static void assign_owners(const ln_trainer *t, int nr, int *owner, double *load)
{
    memset(load, 0, (size_t)nr * sizeof *load);
    for (int it = 0; it < t->nitems; it++) {
        const ln_update_item *u = &t->items[it];
        owner[it] = -1;
        if (u->layer < 0) continue;
        int best = 0;
        for (int r = 1; r < nr; r++)
            if (load[r] < load[best]) best = r;
        owner[it] = best;
        load[best] += item_flops(t, u, t->batch, t->max_chunks);
    }
}

/* Across processes: the owner of each deferred block (largest first, to
 * the least loaded rank: ownership never changes the numbers, only who
 * computes them), where its gradient lies in dgrad (grouped by owner, so
 * that a ring gathers them), and the segments of the chunk sum's chain. */
static ln_status plan_dist(ln_trainer *t)
{
    t->rank = ln_dist_rank();
    t->nranks = ln_dist_size();
    if (t->nranks <= 1) {
        t->rank = 0, t->nranks = 1;
        return LN_OK;
    }
    int nr = t->nranks, nseg = 0;
    double *load = calloc((size_t)nr, sizeof *load);
    t->owner = calloc((size_t)t->nitems + 1, sizeof *t->owner);
    t->goff = calloc((size_t)t->nitems + 1, sizeof *t->goff);
    t->rank_goff = calloc((size_t)nr + 1, sizeof *t->rank_goff);
    if (!load || !t->owner || !t->goff || !t->rank_goff) {
        free(load);
        return ln_fail(LN_ERR_NOMEM, "cannot allocate the plan of a step across %d processes", nr);
    }
    assign_owners(t, nr, t->owner, load);
    free(load);
    size_t off = 0;
    for (int r = 0; r < nr; r++) {
        t->rank_goff[r] = off;
        for (int it = 0; it < t->nitems; it++)
            if (t->owner[it] == r) {
                t->goff[it] = off; /* 64-byte aligned, as a thread's block buffer */
                off += (block_grad_len(t, t->items[it].layer, t->items[it].block) + 15) / 16 * 16;
            }
    }
    t->rank_goff[nr] = off;
    /* the chunk-accumulated parameters: the update plan's reduce ranges,
     * merged, then cut into segments */
    for (int pass = 0; pass < 2; pass++) {
        nseg = 0;
        for (int i = 0; i < t->net->nlayers; i++) {
            const ln_layer *l = &t->net->layers[i];
            if (!l->w_len || is_deferred(t, i) || l->frozen) continue;
            size_t lo = l->w_off, hi = l->b_off + l->b_len;
            for (size_t a = lo; a < hi; a += CHAIN_SEG, nseg++)
                if (pass) t->seg[nseg][0] = a, t->seg[nseg][1] = hi - a < CHAIN_SEG ? hi : a + CHAIN_SEG;
        }
        if (!pass && !(t->seg = calloc((size_t)nseg + 1, sizeof *t->seg)))
            return ln_fail(LN_ERR_NOMEM, "cannot allocate the plan of a step across %d processes", nr);
    }
    t->nseg = nseg;
    t->seg_h = calloc((size_t)nseg + 1, sizeof *t->seg_h);
    t->chunk_done = calloc((size_t)t->max_chunks + 1, sizeof *t->chunk_done);
    /* over shared memory the copies are the CPUs' own work whenever they
     * happen, and sending chunk by chunk only adds messages: overlap only
     * where a network adapter moves the rows (docs/DESIGN.md) */
    t->overlap = !ln_dist_one_host();
    for (int it = 0; it < t->nitems; it++) t->owns_any |= t->owner[it] == t->rank;
    t->dgrad = zalloc_floats(off ? off : 16);
    t->chain = zalloc_floats(t->gspan ? t->gspan : 16);
    if (!t->seg_h || !t->chunk_done || !t->dgrad || !t->chain)
        return ln_fail(LN_ERR_NOMEM, "cannot allocate the exchange buffers of a step across %d processes", nr);
    return LN_OK;
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
    if (st == LN_OK) st = plan_dist(t);
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
    free(t->owner);
    free(t->goff);
    free(t->rank_goff);
    free(t->dgrad);
    free(t->chain);
    free(t->seg);
    free(t->seg_h);
    free(t->chunk_done);
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

/* Width of block b of deferred layer i: input columns (dense) or output
 * channels (convolution); the last block may be narrower. */
static int block_width(const ln_trainer *t, int i, int b)
{
    const ln_layer *l = &t->net->layers[i];
    int cb = t->defer.cb[i], len = l->kind == LN_L_DENSE ? l->in_c : l->out_c;
    return len - b * cb < cb ? len - b * cb : cb;
}

/* Floats of block b's gradient: weights then biases (dense: all the
 * layer's biases, updated with block 0). */
static size_t block_grad_len(const ln_trainer *t, int i, int b)
{
    const ln_layer *l = &t->net->layers[i];
    size_t w = (size_t)block_width(t, i, b);
    return l->kind == LN_L_DENSE ? (size_t)l->out_c * (w + 1) : w * ((size_t)l->in_c * l->k * l->k + 1);
}

/* Weight gradient of column block b of deferred dense layer i over rows
 * [r0, r0 + m) of the batch, into g ([out][w], then [out] biases). */
static void dense_block_grad(const ln_trainer *t, int i, int b, int r0, int m, float *g)
{
    const ln_layer *l = &t->net->layers[i];
    int cb = t->defer.cb[i], w = block_width(t, i, b), out = l->out_c;
    memset(g, 0, (size_t)out * (w + 1) * sizeof(float));
    if (m > 0)
        t->k->dense_bwd_weights(m, w, out, t->defer.x[i] + (size_t)b * t->defer.rows * cb + (size_t)r0 * w,
                                t->defer.dy[i] + (size_t)r0 * out, g, g + (size_t)out * w);
}

/* The SGD update of column block b's weights (and of the biases, with
 * block 0) from its gradient g. */
static void dense_block_sgd(const ln_trainer *t, int i, int b, const ln_sgd *o, const float *g)
{
    const ln_layer *l = &t->net->layers[i];
    int c0 = b * t->defer.cb[i], w = block_width(t, i, b), out = l->out_c;
    float *wt = t->net->params + l->w_off + c0, *v = t->velocity + l->w_off + c0;
    for (int r = 0; r < out; r++) t->k->sgd((size_t)w, wt + (size_t)r * l->in_c, v + (size_t)r * l->in_c, g + (size_t)r * w, o);
    if (b == 0) t->k->sgd((size_t)out, t->net->params + l->b_off, t->velocity + l->b_off, g + (size_t)out * w, o);
}

/* Weight and bias gradients of output-channel block b of deferred
 * convolution i over samples [r0, r0 + m) of the batch, into g. */
static void conv_block_grad(const ln_trainer *t, int i, int b, int r0, int m, float *g, float *scratch)
{
    const ln_layer *l = &t->net->layers[i];
    int cb = t->defer.cb[i], o0 = b * cb, w = block_width(t, i, b);
    size_t per = (size_t)l->in_c * l->k * l->k, hw = (size_t)l->out_h * l->out_w;
    memset(g, 0, (size_t)w * (per + 1) * sizeof(float));
    if (m > 0) {
        ln_conv_shape s = conv_block_shape(l, m, w);
        t->k->conv2d_bwd_weights(&s, t->defer.x[i] + (size_t)r0 * ln_layer_in_len(l),
                                 t->defer.dy[i] + (size_t)b * t->defer.rows * cb * hw + (size_t)r0 * w * hw, g,
                                 g + (size_t)w * per, scratch);
    }
    ln_conv_table_mask(l, o0, o0 + w, g);
}

/* The SGD update of those channels' weights and biases (contiguous:
 * [oc][ic][kh][kw]) from their gradient g. */
static void conv_block_sgd(const ln_trainer *t, int i, int b, const ln_sgd *o, const float *g)
{
    const ln_layer *l = &t->net->layers[i];
    int o0 = b * t->defer.cb[i], w = block_width(t, i, b);
    size_t per = (size_t)l->in_c * l->k * l->k;
    size_t wo = l->w_off + (size_t)o0 * per, bo = l->b_off + (size_t)o0;
    t->k->sgd((size_t)w * per, t->net->params + wo, t->velocity + wo, g, o);
    t->k->sgd((size_t)w, t->net->params + bo, t->velocity + bo, g + (size_t)w * per, o);
}

/* Gradient of deferred block u over rows [r0, r0 + m), into g. */
static void block_grad(const ln_trainer *t, const ln_update_item *u, int r0, int m, float *g, float *scratch)
{
    if (t->net->layers[u->layer].kind == LN_L_DENSE) dense_block_grad(t, u->layer, u->block, r0, m, g);
    else conv_block_grad(t, u->layer, u->block, r0, m, g, scratch);
}

static void block_sgd(const ln_trainer *t, const ln_update_item *u, const ln_sgd *o, const float *g)
{
    if (t->net->layers[u->layer].kind == LN_L_DENSE) dense_block_sgd(t, u->layer, u->block, o, g);
    else conv_block_sgd(t, u->layer, u->block, o, g);
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

/* Chunk c of the step (samples c*chunk.. of idx[0..n)): forward and
 * backward on this thread's workspace, the parameter gradients into g,
 * phase times into ph from *t0. */
static void run_chunk(ln_trainer *t, const ln_dataset *d, const uint32_t *idx, int n, int c, float *g, float scale,
                      ln_workspace *ws, ln_defer *df, double *ph, double *t0)
{
    int lo = c * t->chunk, m = n - lo < t->chunk ? n - lo : t->chunk;
    double t1;
    ln_load_chunk(d, idx + lo, m, ws, &t->aug);
    zero_chunk_grads(t, g);
    t1 = tick(t), ph[LN_PH_DATA] += t1 - *t0, *t0 = t1;
    t->chunk_loss[c] = ln_forward(t->net, t->k, ws, m, 1, scale);
    t->chunk_correct[c] = count_correct(t->net, ws, m);
    t1 = tick(t), ph[LN_PH_FORWARD] += t1 - *t0, *t0 = t1;
    df->row0 = lo;
    ln_backward(t->net, t->k, ws, m, g, df);
    t1 = tick(t), ph[LN_PH_BACKWARD] += t1 - *t0, *t0 = t1;
}


/* Add the step's per-thread phase times (started at t_step) to t->prof. */
static void prof_add(ln_trainer *t, double t_step)
{
    if (!t->prof) return;
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

/* The first of the `parts` contiguous shares of `count` items that share
 * `part` gets (ranks' shares of chunks, of evaluation chunks). */
static int share_lo(int count, int parts, int part) { return (int)((long long)count * part / parts); }

/* ---- the step across processes ------------------------------------- */

/* 1 if rank o owns a block of deferred layer i. */
static int owns_block_of(const ln_trainer *t, int i, int o)
{
    for (int it = 0; it < t->nitems; it++)
        if (t->items[it].layer == i && t->owner[it] == o) return 1;
    return 0;
}

/* The deferred layers' rows [a, b), computed by rank s, to the ranks that
 * need them: the owner of each block receives that block's part of the
 * blocked buffer (dense: its input columns; convolution: its output
 * channels' gradients), and every owner of some block of a layer the
 * layer's other buffer (dense: output gradients; convolution: inputs).
 * This rank posts its side: sends if it is s, receives if it is an owner.
 * Both sides loop in the same order, so the messages of a pair of ranks
 * under one tag match. */
static void xfer_rows(ln_trainer *t, int s, int a, int b, int tag)
{
    int me = t->rank;
    if (b <= a || (me != s && !t->owns_any)) return;
    for (int it = 0; it < t->nitems; it++) {
        const ln_update_item *u = &t->items[it];
        int o = t->owner[it];
        if (u->layer < 0 || o == s || (me != s && me != o)) continue;
        const ln_layer *l = &t->net->layers[u->layer];
        int i = u->layer, cb = t->defer.cb[i], w = block_width(t, i, u->block);
        size_t hw = (size_t)l->out_h * l->out_w;
        float *base = l->kind == LN_L_DENSE ? t->defer.x[i] + (size_t)u->block * t->defer.rows * cb
                                            : t->defer.dy[i] + (size_t)u->block * t->defer.rows * cb * hw;
        size_t unit = l->kind == LN_L_DENSE ? (size_t)w : (size_t)w * hw, bytes = (size_t)(b - a) * unit * sizeof(float);
        if (me == s) ln_dist_isend(base + a * unit, bytes, o, tag), t->comm_bytes += (double)bytes;
        else ln_dist_irecv(base + a * unit, bytes, s, tag);
    }
    for (int i = 0; i < t->net->nlayers; i++) {
        if (!is_deferred(t, i)) continue;
        const ln_layer *l = &t->net->layers[i];
        float *base = l->kind == LN_L_DENSE ? t->defer.dy[i] : t->defer.x[i];
        size_t unit = l->kind == LN_L_DENSE ? (size_t)l->out_c : ln_layer_in_len(l);
        size_t bytes = (size_t)(b - a) * unit * sizeof(float);
        for (int o = 0; o < t->nranks; o++) {
            if (o == s || (me != s && me != o) || !owns_block_of(t, i, o)) continue;
            if (me == s) ln_dist_isend(base + a * unit, bytes, o, tag), t->comm_bytes += (double)bytes;
            else ln_dist_irecv(base + a * unit, bytes, s, tag);
        }
    }
}

/* The chunk-order sum of the chunk buffers, carried along the ranks that
 * have chunks: this rank (slots 0..nslots-1 hold its chunks) receives the
 * sum of the chunks before its own from `prev`, adds its chunks to it in
 * order (x + y == y + x in IEEE arithmetic, so P + g equals one process's
 * g0 + ... order exactly) and passes it to `next`, a segment at a time. The
 * sum ends in slot 0 of the last rank. */
static void chain_sum(ln_trainer *t, int nslots, int prev, int next)
{
    float *g0 = t->grads;
    if (prev >= 0)
        for (int s = 0; s < t->nseg; s++) {
            size_t lo = t->seg[s][0], hi = t->seg[s][1];
            t->seg_h[s] = ln_dist_irecv(t->chain + lo, (hi - lo) * sizeof(float), prev, LN_TAG_CHAIN);
        }
    for (int s = 0; s < t->nseg; s++) {
        size_t lo = t->seg[s][0], hi = t->seg[s][1];
        if (prev >= 0) {
            ln_dist_wait(t->seg_h[s]);
            for (size_t j = lo; j < hi; j++) g0[j] = t->chain[j] + g0[j];
        }
        for (int c = 1; c < nslots; c++) {
            const float *gc = t->grads + (size_t)c * t->gspan;
            for (size_t j = lo; j < hi; j++) g0[j] += gc[j];
        }
        if (next >= 0) {
            t->seg_h[s] = ln_dist_isend(g0 + lo, (hi - lo) * sizeof(float), next, LN_TAG_CHAIN);
            t->comm_bytes += (double)(hi - lo) * sizeof(float);
        }
    }
}

/* Overlap: send the rows of this rank's finished chunks, in order from
 * slot `posted` on, to their owners; then let the transfers progress.
 * Returns how many slots are sent. Main thread only. */
static int send_done_rows(ln_trainer *t, int my0, int posted, int nslots, int n)
{
    for (; posted < nslots; posted++) {
        int done;
#pragma omp atomic read
        done = t->chunk_done[posted];
#pragma omp flush
        if (!done) break;
        int c = my0 + posted, a = c * t->chunk, b = a + t->chunk < n ? a + t->chunk : n;
        xfer_rows(t, t->rank, a, b, LN_TAG_CHUNK + c);
    }
    ln_dist_poll();
    return posted;
}

/* ln_trainer_step on nranks > 1 processes (see trainer.h). */
static ln_status step_dist(ln_trainer *t, const ln_dataset *d, const uint32_t *idx, int n, const ln_sgd *opt,
                           double *loss_sum, int *correct)
{
    int nr = t->nranks, me = t->rank, nchunks = (n + t->chunk - 1) / t->chunk;
    int my0 = share_lo(nchunks, nr, me), my1 = share_lo(nchunks, nr, me + 1), nslots = my1 - my0;
    float scale = 1.0f / (float)n;
    double t_step = tick(t), te;
    int *R0 = malloc((size_t)nr * 2 * sizeof *R0), *R1 = R0 ? R0 + nr : NULL;
    size_t *off = malloc((size_t)nr * 2 * sizeof *off), *len = off ? off + nr : NULL;
    if (!R0 || !off) {
        free(R0), free(off);
        return ln_fail(LN_ERR_NOMEM, "out of memory in a training step");
    }
    for (int r = 0; r < nr; r++) {
        int a = share_lo(nchunks, nr, r) * t->chunk, b = share_lo(nchunks, nr, r + 1) * t->chunk;
        R0[r] = a < n ? a : n, R1[r] = b < n ? b : n;
    }
    t->comm_bytes = 0.0;
    if (t->prof) memset(t->tphase, 0, (size_t)t->threads * (LN_PH_COUNT + 1) * sizeof *t->tphase);
    double *ph0 = t->tphase; /* the main thread's: the exchanges are its */

    /* 0. overlap: the receives of every other rank's rows, chunk by chunk
     * (a tag per chunk: chunks finish in any order) */
    int overlap = !t->allreduce_fast && t->overlap, posted = 0;
    if (overlap) {
        for (int r = 0; r < nr; r++)
            for (int c = share_lo(nchunks, nr, r); c < share_lo(nchunks, nr, r + 1) && r != me; c++)
                xfer_rows(t, r, c * t->chunk, (c + 1) * t->chunk < n ? (c + 1) * t->chunk : n, LN_TAG_CHUNK + c);
        memset(t->chunk_done, 0, (size_t)(nslots + 1) * sizeof *t->chunk_done);
    }

    /* 1. this rank's chunks: forward, backward, rows into the batch
     * buffers; with overlap, the main thread sends each finished chunk's
     * rows to their owners meanwhile, and keeps the transfers going */
#pragma omp parallel num_threads(t->threads)
    {
        int me_t = omp_get_thread_num();
        ln_workspace *ws = &t->ws[me_t];
        double *ph = t->tphase + (size_t)me_t * (LN_PH_COUNT + 1), t0 = tick(t), t1;
        ln_defer df = t->defer;
#pragma omp for schedule(dynamic, 1) nowait
        for (int c = my0; c < my1; c++) {
            run_chunk(t, d, idx, n, c, t->grads + (size_t)(c - my0) * t->gspan, scale, ws, &df, ph, &t0);
            if (overlap) {
#pragma omp flush
#pragma omp atomic write
                t->chunk_done[c - my0] = 1;
                if (me_t == 0) posted = send_done_rows(t, my0, posted, nslots, n);
                t1 = tick(t), ph[LN_PH_EXCHANGE] += t1 - t0, t0 = t1;
            }
        }
        /* the main thread sends what the others finish */
        while (overlap && me_t == 0 && posted < nslots) {
            posted = send_done_rows(t, my0, posted, nslots, n);
            if (posted < nslots) ln_dist_poll();
        }
        t1 = tick(t), ph[LN_PH_EXCHANGE] += t1 - t0, t0 = t1;
#pragma omp barrier
        ph[LN_PH_COUNT] += tick(t) - t0;
    }

    /* off/len: each rank's share of the chunks' losses (doubles) and
     * counts (ints), for the gathers below */
    size_t *loff = off, *llen = len, *coff = malloc((size_t)nr * 4 * sizeof *coff), *clen = coff ? coff + nr : NULL;
    size_t *goff = coff ? coff + 2 * nr : NULL, *glen = coff ? coff + 3 * nr : NULL;
    if (!coff) {
        ln_dist_wait_all();
        free(R0), free(off);
        return ln_fail(LN_ERR_NOMEM, "out of memory in a training step");
    }
    for (int r = 0; r < nr; r++) {
        int a = share_lo(nchunks, nr, r), b = share_lo(nchunks, nr, r + 1);
        loff[r] = (size_t)a * sizeof(double), llen[r] = (size_t)(b - a) * sizeof(double);
        coff[r] = (size_t)a * sizeof(int), clen[r] = (size_t)(b - a) * sizeof(int);
        goff[r] = t->rank_goff[r] * sizeof(float), glen[r] = (t->rank_goff[r + 1] - t->rank_goff[r]) * sizeof(float);
    }
    te = tick(t);
    if (!t->allreduce_fast) {
        /* 2. rows to the blocks' owners (unless sent during the chunks);
         * the chunk sum along the ranks with chunks, to the last rank */
        if (!overlap)
            for (int r = 0; r < nr; r++) xfer_rows(t, r, R0[r], R1[r], LN_TAG_ROWS);
        int prev = -1, next = -1;
        for (int r = me - 1; r >= 0 && prev < 0 && nslots; r--)
            if (share_lo(nchunks, nr, r + 1) > share_lo(nchunks, nr, r)) prev = r;
        for (int r = me + 1; r < nr && next < 0 && nslots; r++)
            if (share_lo(nchunks, nr, r + 1) > share_lo(nchunks, nr, r)) next = r;
        if (nslots) chain_sum(t, nslots, prev, next);
        ln_dist_wait_all(); /* the rows this rank's blocks need; the chain's sends */
        ph0[LN_PH_EXCHANGE] += tick(t) - te;

        /* 3. the blocks this rank owns, over the whole batch */
#pragma omp parallel num_threads(t->threads)
        {
            int me_t = omp_get_thread_num();
            double *ph = t->tphase + (size_t)me_t * (LN_PH_COUNT + 1), t0 = tick(t), t1;
            float *scratch = t->tbuf[me_t] + t->gblock_len;
#pragma omp for schedule(dynamic, 1)
            for (int it = 0; it < t->nitems; it++) {
                const ln_update_item *u = &t->items[it];
                if (u->layer < 0 || t->owner[it] != me) continue;
                block_grad(t, u, 0, n, t->dgrad + t->goff[it], scratch);
                t1 = tick(t), ph[LN_PH_UPDATE] += t1 - t0, t0 = t1;
            }
            ph[LN_PH_COUNT] += tick(t) - t0;
        }

        /* 4. one ring gives every rank the owners' gradients, the chunk
         * sum (from the last rank) and every chunk's loss and count */
        te = tick(t);
        size_t *foff = malloc((size_t)nr * 2 * sizeof *foff), *flen = foff ? foff + nr : NULL;
        if (!foff) {
            free(R0), free(off), free(coff);
            return ln_fail(LN_ERR_NOMEM, "out of memory in a training step");
        }
        size_t flo = t->nseg ? t->seg[0][0] : 0, fhi = t->nseg ? t->seg[t->nseg - 1][1] : 0;
        for (int r = 0; r < nr; r++) foff[r] = flo * sizeof(float), flen[r] = r == nr - 1 ? (fhi - flo) * sizeof(float) : 0;
        ln_dist_part parts[4] = {{t->dgrad, goff, glen}, {t->grads, foff, flen}, {t->chunk_loss, loff, llen},
                                 {t->chunk_correct, coff, clen}};
        ln_dist_allgatherv_parts(parts, 4, LN_TAG_GRADS);
        for (int r = 0; r < nr; r++)
            if (r != (me + 1) % nr) t->comm_bytes += (double)(glen[r] + flen[r] + llen[r] + clen[r]);
        free(foff);
        ph0[LN_PH_EXCHANGE] += tick(t) - te;
    } else {
        /* 2'. this rank's partial sums: its chunks, and the deferred
         * blocks over its rows */
#pragma omp parallel num_threads(t->threads)
        {
            int me_t = omp_get_thread_num();
            double *ph = t->tphase + (size_t)me_t * (LN_PH_COUNT + 1), t0 = tick(t), t1;
            float *scratch = t->tbuf[me_t] + t->gblock_len;
#pragma omp for schedule(dynamic, 1)
            for (int it = 0; it < t->nitems; it++) {
                const ln_update_item *u = &t->items[it];
                if (u->layer >= 0) {
                    block_grad(t, u, R0[me], R1[me] - R0[me], t->dgrad + t->goff[it], scratch);
                    t1 = tick(t), ph[LN_PH_UPDATE] += t1 - t0, t0 = t1;
                } else {
                    if (nslots) reduce_chunks(t, nslots, u->lo, u->hi);
                    else memset(t->grads + u->lo, 0, (u->hi - u->lo) * sizeof(float));
                    t1 = tick(t), ph[LN_PH_REDUCE] += t1 - t0, t0 = t1;
                }
            }
            ph[LN_PH_COUNT] += tick(t) - t0;
        }
        /* 3'. the losses and counts by a ring (their order of addition
         * stays one process's), then MPI_Allreduce of the gradients */
        te = tick(t);
        ln_dist_part parts[2] = {{t->chunk_loss, loff, llen}, {t->chunk_correct, coff, clen}};
        ln_dist_allgatherv_parts(parts, 2, LN_TAG_LOSS); /* timed: every rank is there */
        ln_dist_allreduce_sum(t->grads, t->gspan);
        ln_dist_allreduce_sum(t->dgrad, t->rank_goff[nr]);
        t->comm_bytes += 2.0 * (double)(t->gspan + t->rank_goff[nr]) * sizeof(float) * (nr - 1) / nr;
        ph0[LN_PH_EXCHANGE] += tick(t) - te;
    }
    free(coff);

    /* 5. the loss, summed in chunk order: the same on every rank, so a
     * non-finite one stops all ranks at this step, weights untouched */
    double loss = 0.0;
    int right = 0;
    for (int c = 0; c < nchunks; c++) loss += t->chunk_loss[c], right += t->chunk_correct[c];
    *loss_sum = loss;
    *correct = right;
    free(R0), free(off);
    if (!isfinite(loss)) {
        prof_add(t, t_step);
        return ln_fail(LN_ERR_NUMERIC, "the training loss became %s; weights left at the last good step",
                       isnan(loss) ? "NaN" : "infinite");
    }

    /* 6. every rank: the same SGD calls as one process, on every block */
#pragma omp parallel num_threads(t->threads)
    {
        int me_t = omp_get_thread_num();
        double *ph = t->tphase + (size_t)me_t * (LN_PH_COUNT + 1), t0 = tick(t), t1;
#pragma omp for schedule(dynamic, 1)
        for (int it = 0; it < t->nitems; it++) {
            const ln_update_item *u = &t->items[it];
            if (u->layer >= 0) block_sgd(t, u, opt, t->dgrad + t->goff[it]);
            else t->k->sgd(u->hi - u->lo, t->net->params + u->lo, t->velocity + u->lo, t->grads + u->lo, opt);
            t1 = tick(t), ph[LN_PH_UPDATE] += t1 - t0, t0 = t1;
        }
        ph[LN_PH_COUNT] += tick(t) - t0;
    }
    prof_add(t, t_step);
    return LN_OK;
}

double ln_trainer_exchange_only(ln_trainer *t, int n)
{
    int nr = t->nranks, me = t->rank, nchunks = (n + t->chunk - 1) / t->chunk;
    if (nr < 2 || n < 1) return 0.0;
    int nslots = share_lo(nchunks, nr, me + 1) - share_lo(nchunks, nr, me);
    int *R0 = malloc((size_t)nr * 2 * sizeof *R0);
    size_t *o = malloc((size_t)nr * 8 * sizeof *o);
    if (!R0 || !o) {
        free(R0), free(o);
        return -1.0;
    }
    int *R1 = R0 + nr;
    for (int r = 0; r < nr; r++) {
        int a = share_lo(nchunks, nr, r) * t->chunk, b = share_lo(nchunks, nr, r + 1) * t->chunk;
        R0[r] = a < n ? a : n, R1[r] = b < n ? b : n;
        int c0 = share_lo(nchunks, nr, r), c1 = share_lo(nchunks, nr, r + 1);
        o[r] = (size_t)c0 * sizeof(double), o[nr + r] = (size_t)(c1 - c0) * sizeof(double);
        o[2 * nr + r] = (size_t)c0 * sizeof(int), o[3 * nr + r] = (size_t)(c1 - c0) * sizeof(int);
        o[4 * nr + r] = t->rank_goff[r] * sizeof(float);
        o[5 * nr + r] = (t->rank_goff[r + 1] - t->rank_goff[r]) * sizeof(float);
        o[6 * nr + r] = t->nseg ? t->seg[0][0] * sizeof(float) : 0;
        o[7 * nr + r] = r == nr - 1 && t->nseg ? (t->seg[t->nseg - 1][1] - t->seg[0][0]) * sizeof(float) : 0;
    }
    ln_dist_any(0); /* start together */
    double t0 = omp_get_wtime();
    if (!t->allreduce_fast) {
        for (int r = 0; r < nr; r++) xfer_rows(t, r, R0[r], R1[r], LN_TAG_ROWS);
        int prev = -1, next = -1;
        for (int r = me - 1; r >= 0 && prev < 0 && nslots; r--)
            if (share_lo(nchunks, nr, r + 1) > share_lo(nchunks, nr, r)) prev = r;
        for (int r = me + 1; r < nr && next < 0 && nslots; r++)
            if (share_lo(nchunks, nr, r + 1) > share_lo(nchunks, nr, r)) next = r;
        if (nslots) chain_sum(t, nslots, prev, next);
        ln_dist_wait_all();
        ln_dist_part parts[4] = {{t->dgrad, o + 4 * nr, o + 5 * nr}, {t->grads, o + 6 * nr, o + 7 * nr},
                                 {t->chunk_loss, o, o + nr}, {t->chunk_correct, o + 2 * nr, o + 3 * nr}};
        ln_dist_allgatherv_parts(parts, 4, LN_TAG_GRADS);
    } else {
        ln_dist_part parts[2] = {{t->chunk_loss, o, o + nr}, {t->chunk_correct, o + 2 * nr, o + 3 * nr}};
        ln_dist_allgatherv_parts(parts, 2, LN_TAG_LOSS);
        ln_dist_allreduce_sum(t->grads, t->gspan);
        ln_dist_allreduce_sum(t->dgrad, t->rank_goff[nr]);
    }
    double dt = omp_get_wtime() - t0;
    free(R0), free(o);
    return dt;
}

void ln_trainer_exchange_volume(const ln_trainer *t, int n, int nr, int fast, ln_exchange_volume *v)
{
    memset(v, 0, sizeof *v);
    if (nr < 2 || n < 1) return;
    int nchunks = (n + t->chunk - 1) / t->chunk;
    int *owner = calloc((size_t)t->nitems + 1, sizeof *owner), *R0 = calloc((size_t)nr * 2, sizeof *R0);
    double *load = calloc((size_t)nr, sizeof *load), *sent = calloc((size_t)nr * 3, sizeof *sent);
    if (!owner || !R0 || !load || !sent) goto out;
    int *R1 = R0 + nr;
    double *recv = sent + nr, *rrows = sent + 2 * nr;
    assign_owners(t, nr, owner, load);
    for (int r = 0; r < nr; r++) {
        int a = share_lo(nchunks, nr, r) * t->chunk, b = share_lo(nchunks, nr, r + 1) * t->chunk;
        R0[r] = a < n ? a : n, R1[r] = b < n ? b : n;
    }
    double fold = 0.0, dtotal = 0.0; /* bytes of the chunk sum and of all deferred gradients */
    for (int s = 0; s < t->nitems; s++) {
        const ln_update_item *u = &t->items[s];
        if (u->layer < 0) fold += (double)(u->hi - u->lo) * sizeof(float);
        else dtotal += (double)block_grad_len(t, u->layer, u->block) * sizeof(float);
    }
    v->fold_bytes = fold, v->defer_grad_bytes = dtotal;
    if (fast) { /* a ring allreduce of everything: 2 (N-1)/N of it each way */
        double b = 2.0 * (nr - 1) / nr * ((double)t->gspan * sizeof(float) + dtotal);
        for (int r = 0; r < nr; r++) sent[r] = recv[r] = b;
    } else {
        for (int it = 0; it < t->nitems; it++) { /* rows, as post_rows */
            const ln_update_item *u = &t->items[it];
            if (u->layer < 0) continue;
            const ln_layer *l = &t->net->layers[u->layer];
            int w = block_width(t, u->layer, u->block), o = owner[it];
            double unit = (l->kind == LN_L_DENSE ? w : (double)w * l->out_h * l->out_w) * sizeof(float);
            for (int r = 0; r < nr; r++)
                if (r != o) sent[r] += (R1[r] - R0[r]) * unit, rrows[o] += (R1[r] - R0[r]) * unit;
            v->rows_bytes += (n - (R1[o] - R0[o])) * unit;
        }
        for (int i = 0; i < t->net->nlayers; i++) {
            if (!is_deferred(t, i)) continue;
            const ln_layer *l = &t->net->layers[i];
            double unit = (l->kind == LN_L_DENSE ? (double)l->out_c : (double)ln_layer_in_len(l)) * sizeof(float);
            for (int o = 0; o < nr; o++) {
                int owns = 0;
                for (int it = 0; it < t->nitems && !owns; it++) owns = t->items[it].layer == i && owner[it] == o;
                if (!owns) continue;
                for (int r = 0; r < nr; r++)
                    if (r != o) sent[r] += (R1[r] - R0[r]) * unit, rrows[o] += (R1[r] - R0[r]) * unit;
                v->rows_bytes += (n - (R1[o] - R0[o])) * unit;
            }
        }
        /* the chain (ranks with chunks), then from the last rank along the ring */
        int first = -1;
        for (int r = 0; r < nr; r++)
            if (R1[r] > R0[r]) {
                if (first >= 0) recv[r] += fold;
                if (r < nr - 1) sent[r] += fold;
                if (first < 0) first = r;
            }
        for (int r = 0; r < nr; r++) {
            if (r != nr - 1) recv[r] += fold;
            if (r != nr - 2) sent[r] += fold;
        }
        /* the owners' gradients, by the ring: all but one's own each way */
        for (int r = 0; r < nr; r++) {
            double own = 0.0, next = 0.0;
            for (int it = 0; it < t->nitems; it++) {
                if (owner[it] < 0) continue;
                double b = (double)block_grad_len(t, t->items[it].layer, t->items[it].block) * sizeof(float);
                if (owner[it] == r) own += b;
                if (owner[it] == (r + 1) % nr) next += b;
            }
            sent[r] += dtotal - next, recv[r] += dtotal - own;
        }
    }
    for (int r = 0; r < nr; r++) {
        recv[r] += rrows[r];
        if (rrows[r] > v->max_rows_recv) v->max_rows_recv = rrows[r];
        if (sent[r] > v->max_sent) v->max_sent = sent[r];
        if (recv[r] > v->max_recv) v->max_recv = recv[r];
        v->total += sent[r];
    }
out:
    free(owner), free(R0), free(load), free(sent);
}

ln_status ln_trainer_step(ln_trainer *t, const ln_dataset *d, const uint32_t *idx, int n,
                          const ln_sgd *opt, double *loss_sum, int *correct)
{
    if (t->nranks > 1 && n > 0) return step_dist(t, d, idx, n, opt, loss_sum, correct);
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
            run_chunk(t, d, idx, n, c, t->grads + (size_t)c * t->gspan, scale, ws, &df, ph, &t0);
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
                    block_grad(t, u, 0, n, gb, scratch);
                    block_sgd(t, u, opt, gb);
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
    prof_add(t, t_step);
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
    /* across processes: this rank's share of the chunks, then everyone's */
    int nr = e->local ? 1 : ln_dist_size(), me = nr > 1 ? ln_dist_rank() : 0;
    int c0 = share_lo(nchunks, nr, me), c1 = share_lo(nchunks, nr, me + 1);
#pragma omp parallel num_threads(e->threads)
    {
        ln_workspace *w = &e->ws[omp_get_thread_num()];
        uint32_t idx[EVAL_CHUNK];
#pragma omp for schedule(dynamic, 1)
        for (int c = c0; c < c1; c++) {
            int lo = c * EVAL_CHUNK, m = d->n - lo < EVAL_CHUNK ? d->n - lo : EVAL_CHUNK;
            for (int i = 0; i < m; i++) idx[i] = (uint32_t)(lo + i);
            ln_load_chunk(d, idx, m, w, NULL);
            e->loss[c] = ln_forward(net, e->k, w, m, 1, 0.0f);
            e->right[c] = count_correct(net, w, m);
        }
    }
    if (nr > 1) {
        size_t *off = malloc((size_t)nr * 2 * sizeof *off), *len = off ? off + nr : NULL;
        if (!off) return ln_fail(LN_ERR_NOMEM, "cannot allocate evaluation buffers");
        for (int r = 0; r < nr; r++) {
            int a = share_lo(nchunks, nr, r), b = share_lo(nchunks, nr, r + 1);
            off[r] = (size_t)a * sizeof(double), len[r] = (size_t)(b - a) * sizeof(double);
        }
        ln_dist_allgatherv(e->loss, off, len, LN_TAG_EVAL);
        for (int r = 0; r < nr; r++) off[r] = off[r] / sizeof(double) * sizeof(int), len[r] = len[r] / sizeof(double) * sizeof(int);
        ln_dist_allgatherv(e->right, off, len, LN_TAG_EVAL);
        free(off);
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
