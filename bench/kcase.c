/* lenet-bench's kernel calls: LeNet-5's, the command line's, their buffers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "kcase.h"

static const char *const pass_names[] = {"fwd", "bwd_data", "bwd_weights"};

static int add_conv(kcase *list, int m, int cap, const char *layer, ln_conv_shape s)
{
    double flops = 2.0 * s.n * s.oc * s.oh * s.ow * s.ic * s.kh * s.kw;
    double nx = (double)s.n * s.ic * s.ih * s.iw, ny = (double)s.n * s.oc * s.oh * s.ow;
    double nw = (double)s.oc * s.ic * s.kh * s.kw;
    for (int p = 0; p < 3 && m < cap; p++, m++) {
        kcase *c = &list[m];
        *c = (kcase){.fam = KF_CONV, .pass = p, .conv = s, .flops = flops, .bytes = 4.0 * (nx + ny + nw)};
        snprintf(c->name, sizeof c->name, "%s_%s", layer, pass_names[p]);
        snprintf(c->shape, sizeof c->shape, "%dx%dx%dx%d>%d k%dp%d", s.n, s.ic, s.ih, s.iw, s.oc, s.kh, s.pad_h);
    }
    return m;
}

static int add_dense(kcase *list, int m, int cap, const char *layer, int n, int in, int out)
{
    for (int p = 0; p < 3 && m < cap; p++, m++) {
        kcase *c = &list[m];
        *c = (kcase){.fam = KF_DENSE, .pass = p, .n = n, .in = in, .out = out, .flops = 2.0 * n * in * out,
                     .bytes = 4.0 * ((double)n * in + (double)n * out + (double)in * out)};
        snprintf(c->name, sizeof c->name, "%s_%s", layer, pass_names[p]);
        snprintf(c->shape, sizeof c->shape, "%dx%d>%d", n, in, out);
    }
    return m;
}

static int add_pool(kcase *list, int m, int cap, int max, int n, int ch, int h, int w)
{
    double nx = (double)n * ch * h * w, ny = (double)n * ch * (h / 2) * (w / 2);
    for (int p = 0; p < 2 && m < cap; p++, m++) {
        kcase *c = &list[m];
        /* forward reads x, writes y; backward reads dy (and x, y for max), writes dx */
        double bytes = p == 0 ? nx + ny : max ? 2 * nx + 2 * ny : nx + ny;
        *c = (kcase){.fam = max ? KF_MAXPOOL : KF_AVGPOOL, .pass = p, .pool = {n * ch, h, w}, .bytes = 4.0 * bytes};
        snprintf(c->name, sizeof c->name, "%s_%s", max ? "maxpool2" : "avgpool2", p ? "bwd" : "fwd");
        snprintf(c->shape, sizeof c->shape, "%dx%dx%dx%d", n, ch, h, w);
    }
    return m;
}

static int add_act(kcase *list, int m, int cap, kfam fam, size_t len)
{
    for (int p = 0; p < 2 && m < cap; p++, m++) {
        kcase *c = &list[m];
        *c = (kcase){.fam = fam, .pass = p, .len = len, .bytes = 4.0 * (double)len * (p ? 3 : 2)};
        snprintf(c->name, sizeof c->name, "%s_%s", fam == KF_TANH ? "tanh" : "relu", p ? "bwd" : "fwd");
        snprintf(c->shape, sizeof c->shape, "%zu", len);
    }
    return m;
}

int kcases_lenet(kcase *list, int m, int cap, int n)
{
    static const char *const layers[] = {"conv1", "conv2", "conv3"};
    static const int ic[] = {1, 6, 16}, size[] = {28, 14, 7}, oc[] = {6, 16, 120};
    for (int i = 0; i < 3; i++)
        m = add_conv(list, m, cap, layers[i],
                     (ln_conv_shape){.n = n, .ic = ic[i], .ih = size[i], .iw = size[i], .oc = oc[i], .oh = size[i],
                                     .ow = size[i], .kh = 5, .kw = 5, .pad_h = 2, .pad_w = 2});
    m = add_dense(list, m, cap, "fc1", n, 5880, 84);
    m = add_dense(list, m, cap, "fc2", n, 84, 10);
    for (int max = 0; max < 2; max++) {
        m = add_pool(list, m, cap, max, n, 6, 28, 28);
        m = add_pool(list, m, cap, max, n, 16, 14, 14);
    }
    m = add_act(list, m, cap, KF_TANH, (size_t)n * 6 * 28 * 28);
    m = add_act(list, m, cap, KF_RELU, (size_t)n * 6 * 28 * 28);
    if (m < cap) {
        kcase *c = &list[m++];
        *c = (kcase){.fam = KF_SOFTMAX, .n = n, .out = 10, .bytes = 4.0 * 3 * n * 10 + n};
        snprintf(c->name, sizeof c->name, "softmax_xent");
        snprintf(c->shape, sizeof c->shape, "%dx10", n);
    }
    return m;
}

/* Up to `want` comma-separated integers after the prefix; returns how many. */
static int ints(const char *s, long *v, int want)
{
    int k = 0;
    while (k < want) {
        char *end;
        v[k++] = strtol(s, &end, 10);
        if (end == s) return -1;
        if (!*end) return k;
        if (*end != ',') return -1;
        s = end + 1;
    }
    return -1; /* more than `want` */
}

static int parse_error(char *err, size_t cap, const char *msg)
{
    snprintf(err, cap, "%s", msg);
    return -1;
}

int kcases_parse(const char *spec, kcase *list, int m, int cap, char *err, size_t errcap)
{
    long v[7];
    if (m + 3 > cap) return parse_error(err, errcap, "too many shapes");
    if (!strncmp(spec, "conv:", 5)) {
        if (ints(spec + 5, v, 7) != 7 || v[0] < 1 || v[1] < 1 || v[2] < 1 || v[3] < 1 || v[4] < 1 || v[5] < 1 ||
            v[6] < 0)
            return parse_error(err, errcap, "expected conv:N,IC,IH,IW,OC,K,PAD (positive integers; PAD >= 0)");
        long oh = v[2] + 2 * v[6] - v[5] + 1, ow = v[3] + 2 * v[6] - v[5] + 1;
        if (oh < 1 || ow < 1) return parse_error(err, errcap, "the kernel is larger than the padded image");
        double floats = (double)v[0] * v[1] * v[2] * v[3] + (double)v[0] * v[4] * oh * ow;
        floats += (double)v[4] * v[1] * v[5] * v[5];
        if (floats > 2e8) return parse_error(err, errcap, "shape too large (over 800 MB of buffers)");
        ln_conv_shape s = {.n = (int)v[0], .ic = (int)v[1], .ih = (int)v[2], .iw = (int)v[3], .oc = (int)v[4],
                           .oh = (int)oh, .ow = (int)ow, .kh = (int)v[5], .kw = (int)v[5], .pad_h = (int)v[6],
                           .pad_w = (int)v[6]};
        return add_conv(list, m, cap, "conv", s);
    }
    if (!strncmp(spec, "dense:", 6)) {
        if (ints(spec + 6, v, 3) != 3 || v[0] < 1 || v[1] < 1 || v[2] < 1)
            return parse_error(err, errcap, "expected dense:N,IN,OUT (positive integers)");
        if ((double)v[1] * v[2] + (double)v[0] * (v[1] + v[2]) > 2e8)
            return parse_error(err, errcap, "shape too large (over 800 MB of buffers)");
        return add_dense(list, m, cap, "dense", (int)v[0], (int)v[1], (int)v[2]);
    }
    return parse_error(err, errcap, "expected conv:N,IC,IH,IW,OC,K,PAD or dense:N,IN,OUT");
}

/* ---- buffers ---- */

static float *randf(size_t n, ln_rng *r)
{
    float *p = aligned_alloc(64, (n * sizeof(float) + 63) / 64 * 64 + 64);
    if (p)
        for (size_t i = 0; i < n; i++) p[i] = ln_rng_uniform(r) - 0.5f;
    return p;
}

int kbufs_alloc(kbufs *b, const kcase *c, const ln_kernels *k)
{
    size_t len[6] = {0}, scratch = 0;
    const ln_conv_shape *s = &c->conv;
    switch (c->fam) {
    case KF_CONV: { /* x, w, b, y|dy, dw, db */
        size_t nx = (size_t)s->n * s->ic * s->ih * s->iw, nw = (size_t)s->oc * s->ic * s->kh * s->kw;
        size_t ny = (size_t)s->n * s->oc * s->oh * s->ow;
        len[0] = nx, len[1] = nw, len[2] = (size_t)s->oc, len[3] = ny, len[4] = nw, len[5] = (size_t)s->oc;
        scratch = k->conv2d_scratch(s);
        break;
    }
    case KF_DENSE: /* x, w, b, y|dy, dw, db */
        len[0] = (size_t)c->n * c->in, len[1] = len[4] = (size_t)c->in * c->out;
        len[2] = len[5] = (size_t)c->out, len[3] = (size_t)c->n * c->out;
        break;
    case KF_AVGPOOL:
    case KF_MAXPOOL: /* x, y, dy, dx */
        len[0] = len[3] = (size_t)c->pool.planes * c->pool.h * c->pool.w;
        len[1] = len[2] = (size_t)c->pool.planes * (c->pool.h / 2) * (c->pool.w / 2);
        break;
    case KF_TANH:
    case KF_RELU: /* x, y, dy, dx */
        len[0] = len[1] = len[2] = len[3] = c->len;
        break;
    case KF_SOFTMAX: /* logits, probs, dlogits */
        len[0] = len[1] = len[2] = (size_t)c->n * c->out;
        break;
    }
    ln_rng r;
    ln_rng_seed(&r, 1);
    memset(b, 0, sizeof *b);
    int bad = 0;
    for (int i = 0; i < 6; i++)
        if (len[i]) bad |= !(b->f[i] = randf(len[i], &r));
    bad |= !(b->scratch = randf(scratch + 16, &r));
    bad |= !(b->labels = malloc((size_t)c->n + 1));
    if (bad) {
        kbufs_free(b);
        return -1;
    }
    for (int i = 0; i < c->n; i++) b->labels[i] = (uint8_t)ln_rng_below(&r, (uint32_t)(c->out ? c->out : 1));
    /* backward passes read the forward output of their input */
    if (c->fam == KF_MAXPOOL) ln_kernels_scalar()->maxpool2_fwd(&c->pool, b->f[0], b->f[1]);
    if (c->fam == KF_TANH) ln_kernels_scalar()->tanh_fwd(c->len, b->f[0], b->f[1]);
    return 0;
}

void kbufs_free(kbufs *b)
{
    for (int i = 0; i < 6; i++) free(b->f[i]);
    free(b->scratch);
    free(b->labels);
    memset(b, 0, sizeof *b);
}

void kcase_call(const kcase *c, const ln_kernels *k, kbufs *b)
{
    float *const *f = b->f;
    switch (c->fam) {
    case KF_CONV:
        if (c->pass == 0) k->conv2d_fwd(&c->conv, f[0], f[1], f[2], f[3], b->scratch);
        else if (c->pass == 1) k->conv2d_bwd_data(&c->conv, f[3], f[1], f[0], b->scratch);
        else k->conv2d_bwd_weights(&c->conv, f[0], f[3], f[4], f[5], b->scratch);
        break;
    case KF_DENSE:
        if (c->pass == 0) k->dense_fwd(c->n, c->in, c->out, f[0], f[1], f[2], f[3]);
        else if (c->pass == 1) k->dense_bwd_data(c->n, c->in, c->out, f[3], f[1], f[0]);
        else k->dense_bwd_weights(c->n, c->in, c->out, f[0], f[3], f[4], f[5]);
        break;
    case KF_AVGPOOL:
        if (c->pass == 0) k->avgpool2_fwd(&c->pool, f[0], f[1]);
        else k->avgpool2_bwd(&c->pool, f[0], f[1], f[2], f[3]);
        break;
    case KF_MAXPOOL:
        if (c->pass == 0) k->maxpool2_fwd(&c->pool, f[0], f[1]);
        else k->maxpool2_bwd(&c->pool, f[0], f[1], f[2], f[3]);
        break;
    case KF_TANH:
        if (c->pass == 0) k->tanh_fwd(c->len, f[0], f[1]);
        else k->tanh_bwd(c->len, f[1], f[2], f[3]);
        break;
    case KF_RELU:
        if (c->pass == 0) k->relu_fwd(c->len, f[0], f[1]);
        else k->relu_bwd(c->len, f[0], f[2], f[3]);
        break;
    case KF_SOFTMAX:
        k->softmax_xent(c->n, c->out, f[0], b->labels, 1.0f / (float)c->n, f[1], f[2]);
        break;
    }
}
