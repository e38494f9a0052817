/* One chunk forward and backward. Gradients of the layer outputs flow
 * through two ping-pong buffers; activation backward runs in place. */
#include "pass.h"

#include <stdlib.h>
#include <string.h>

static size_t round64(size_t floats) { return (floats * sizeof(float) + 63) / 64 * 64; }

static ln_conv_shape conv_shape(const ln_layer *l, int n)
{
    return (ln_conv_shape){.n = n, .ic = l->in_c, .ih = l->in_h, .iw = l->in_w, .oc = l->out_c,
                           .oh = l->out_h, .ow = l->out_w, .kh = l->k, .kw = l->k,
                           .pad_h = l->pad, .pad_w = l->pad};
}

static ln_pool_shape pool_shape(const ln_layer *l, int n)
{
    return (ln_pool_shape){.planes = n * l->in_c, .h = l->in_h, .w = l->in_w};
}

/* Layers whose output overwrites their input: flatten (no data movement)
 * and tanh (scaled or not) and sigmoid, whose backward needs only the output and whose input (a conv or
 * dense output) no other pass reads. In place, a chunk's activations take
 * 45% less memory (LeNet-5: 67 KB a sample instead of 122 KB), so a chunk
 * of 4 with its gradient buffers stays within a 512 KiB L2. */
static ln_status ws_alloc(const ln_net *net, const ln_kernels *k, int cap, int grads, ln_workspace *ws);

static int aliases_input(const ln_net *net, int i)
{
    ln_layer_kind k = net->layers[i].kind;
    return k == LN_L_FLATTEN || ((k == LN_L_TANH || k == LN_L_STANH || k == LN_L_SIGMOID) && i > 0);
}

ln_status ln_ws_alloc(const ln_net *net, const ln_kernels *k, int cap, ln_workspace *ws)
{
    return ws_alloc(net, k, cap, 1, ws);
}

ln_status ln_ws_alloc_infer(const ln_net *net, const ln_kernels *k, int cap, ln_workspace *ws)
{
    return ws_alloc(net, k, cap, 0, ws);
}

static ln_status ws_alloc(const ln_net *net, const ln_kernels *k, int cap, int grads, ln_workspace *ws)
{
    memset(ws, 0, sizeof *ws);
    ws->cap = cap;
    size_t in_len = (size_t)net->in_c * net->in_h * net->in_w, max_len = in_len, scratch = 1;
    size_t total = round64((size_t)cap * in_len);
    for (int i = 0; i < net->nlayers; i++) {
        const ln_layer *l = &net->layers[i];
        size_t len = ln_layer_out_len(l);
        if (len > max_len) max_len = len;
        if (!aliases_input(net, i)) total += round64((size_t)cap * len);
        if (l->kind == LN_L_CONV) {
            ln_conv_shape s = conv_shape(l, cap); /* a chunk never exceeds cap */
            size_t need = k->conv2d_scratch(&s);
            if (need > scratch) scratch = need;
        }
    }
    size_t dlen = grads ? round64((size_t)cap * max_len) : 0;
    total += 2 * dlen + round64(scratch) + ((size_t)cap + 63) / 64 * 64; /* labels: cap bytes */
    char *p = aligned_alloc(64, total);
    if (!p) return ln_fail(LN_ERR_NOMEM, "cannot allocate a %zu-byte workspace", total);
    memset(p, 0, total); /* first touch: by the thread that allocates (and then uses) it */
    ws->blob_ = p;
    ws->x0 = (float *)p, p += round64((size_t)cap * in_len);
    const float *prev = ws->x0;
    for (int i = 0; i < net->nlayers; i++) {
        const ln_layer *l = &net->layers[i];
        if (aliases_input(net, i)) {
            ws->act[i] = (float *)prev;
        } else {
            ws->act[i] = (float *)p;
            p += round64((size_t)cap * ln_layer_out_len(l));
        }
        prev = ws->act[i];
    }
    ws->d0 = grads ? (float *)p : NULL, p += dlen;
    ws->d1 = grads ? (float *)p : NULL, p += dlen;
    ws->scratch = (float *)p, p += round64(scratch);
    ws->labels = (uint8_t *)p;
    return LN_OK;
}

void ln_ws_free(ln_workspace *ws)
{
    free(ws->blob_);
    memset(ws, 0, sizeof *ws);
}

const float *ln_ws_probs(const ln_net *net, const ln_workspace *ws) { return ws->act[net->nlayers - 1]; }

double ln_forward(const ln_net *net, const ln_kernels *k, ln_workspace *ws, int n, int with_labels,
                  float grad_scale)
{
    const float *x = ws->x0;
    const float *p = net->params;
    double loss = 0.0;
    for (int i = 0; i < net->nlayers; i++) {
        const ln_layer *l = &net->layers[i];
        float *y = ws->act[i];
        size_t len = (size_t)n * ln_layer_out_len(l);
        switch (l->kind) {
        case LN_L_RESIZE:
            ln_resize_bilinear(n, l->in_c, l->in_h, l->in_w, l->out_h, l->out_w, x, y);
            break;
        case LN_L_PAD: ln_pad_zero(n * l->in_c, l->in_h, l->in_w, l->pad, x, y); break;
        case LN_L_NORMALIZE: {
            float scale = l->hi - l->lo;
            k->chan_affine(1, 1, (int)len, 1.0f, x, &scale, &l->lo, y);
            break;
        }
        case LN_L_CONV: {
            ln_conv_shape s = conv_shape(l, n);
            k->conv2d_fwd(&s, x, p + l->w_off, p + l->b_off, y, ws->scratch);
            break;
        }
        case LN_L_AVGPOOL: {
            ln_pool_shape s = pool_shape(l, n);
            k->avgpool2_fwd(&s, x, y);
            break;
        }
        case LN_L_MAXPOOL: {
            ln_pool_shape s = pool_shape(l, n);
            k->maxpool2_fwd(&s, x, y);
            break;
        }
        case LN_L_SUBSAMPLE: { /* coef * (4 * mean) + bias: 4 * mean is the sum, exactly */
            ln_pool_shape s = pool_shape(l, n);
            k->avgpool2_fwd(&s, x, y);
            k->chan_affine(n, l->out_c, l->out_h * l->out_w, 4.0f, y, p + l->w_off, p + l->b_off, y);
            break;
        }
        case LN_L_TANH: k->tanh_fwd(len, x, y); break;
        case LN_L_RELU: k->relu_fwd(len, x, y); break;
        case LN_L_STANH: k->stanh_fwd(len, x, y); break;
        case LN_L_SIGMOID: k->sigmoid_fwd(len, x, y); break;
        case LN_L_FLATTEN: break;
        case LN_L_DENSE: k->dense_fwd(n, l->in_c, l->out_c, x, p + l->w_off, p + l->b_off, y); break;
        case LN_L_RBF:
            loss = k->rbf(n, l->in_c, l->out_c, x, p + l->w_off, with_labels ? ws->labels : NULL, l->lo, grad_scale, y,
                          with_labels && grad_scale != 0.0f ? ws->d0 : NULL);
            break;
        case LN_L_SOFTMAX_XENT:
            if (with_labels)
                loss = k->softmax_xent(n, l->out_c, x, ws->labels, grad_scale, y, grad_scale != 0.0f ? ws->d0 : NULL);
            else
                k->softmax_xent(n, l->out_c, x, NULL, 0.0f, y, NULL);
            break;
        }
        x = y;
    }
    return loss;
}

/* Copy n samples of a deferred convolution's input and output gradient
 * into the batch buffers (dy split into blocks of channels). */
static void defer_store_conv(const ln_defer *df, int i, const ln_layer *l, int n, const float *x, const float *dy)
{
    size_t in = ln_layer_in_len(l), hw = (size_t)l->out_h * l->out_w;
    int oc = l->out_c, cb = df->cb[i];
    memcpy(df->x[i] + (size_t)df->row0 * in, x, (size_t)n * in * sizeof(float));
    for (int c0 = 0, b = 0; c0 < oc; c0 += cb, b++) {
        int w = oc - c0 < cb ? oc - c0 : cb;
        float *dst = df->dy[i] + (size_t)b * df->rows * cb * hw + (size_t)df->row0 * w * hw;
        for (int r = 0; r < n; r++)
            memcpy(dst + (size_t)r * w * hw, dy + ((size_t)r * oc + c0) * hw, (size_t)w * hw * sizeof(float));
    }
}

/* Copy n rows of a deferred dense layer's input and output gradient into
 * the batch buffers. */
static void defer_store(const ln_defer *df, int i, const ln_layer *l, int n, const float *x, const float *dy)
{
    int in = l->in_c, cb = df->cb[i];
    for (int c0 = 0, b = 0; c0 < in; c0 += cb, b++) {
        int w = in - c0 < cb ? in - c0 : cb;
        float *dst = df->x[i] + (size_t)b * df->rows * cb + (size_t)df->row0 * w;
        for (int r = 0; r < n; r++) memcpy(dst + (size_t)r * w, x + (size_t)r * in + c0, (size_t)w * sizeof(float));
    }
    memcpy(df->dy[i] + (size_t)df->row0 * l->out_c, dy, (size_t)n * l->out_c * sizeof(float));
}

void ln_conv_table_mask(const ln_layer *l, int o0, int o1, float *dw)
{
    if (!l->table) return;
    size_t taps = (size_t)l->k * l->k;
    for (int o = o0; o < o1; o++)
        for (int c = 0; c < l->in_c; c++)
            if (!ln_table_connected(l->table, o, c)) memset(dw + ((size_t)(o - o0) * l->in_c + c) * taps, 0, taps * sizeof(float));
}

void ln_backward(const ln_net *net, const ln_kernels *k, ln_workspace *ws, int n, float *grads,
                 const ln_defer *df)
{
    /* Layers at or below the first one with parameters need no input
     * gradient: the data gradient of conv1 is never computed. */
    int first = net->nlayers;
    for (int i = 0; i < net->nlayers; i++)
        if (net->layers[i].w_len) {
            first = i;
            break;
        }
    float *d = ws->d0; /* dloss/d(output of layer i), set by the loss */
    const float *p = net->params;
    for (int i = net->nlayers - 2; i >= first; i--) {
        const ln_layer *l = &net->layers[i];
        const float *x = i ? ws->act[i - 1] : ws->x0;
        const float *y = ws->act[i];
        float *dx = d == ws->d0 ? ws->d1 : ws->d0;
        size_t len = (size_t)n * ln_layer_out_len(l);
        int need_dx = i > first;
        switch (l->kind) {
        case LN_L_CONV: {
            ln_conv_shape s = conv_shape(l, n);
            if (df && df->x[i]) {
                defer_store_conv(df, i, l, n, x, d);
            } else {
                k->conv2d_bwd_weights(&s, x, d, grads + l->w_off, grads + l->b_off, ws->scratch);
                ln_conv_table_mask(l, 0, l->out_c, grads + l->w_off);
            }
            if (need_dx) k->conv2d_bwd_data(&s, d, p + l->w_off, dx, ws->scratch);
            break;
        }
        case LN_L_DENSE:
            if (df && df->x[i]) defer_store(df, i, l, n, x, d);
            else k->dense_bwd_weights(n, l->in_c, l->out_c, x, d, grads + l->w_off, grads + l->b_off);
            if (need_dx) k->dense_bwd_data(n, l->in_c, l->out_c, d, p + l->w_off, dx);
            break;
        case LN_L_AVGPOOL: {
            ln_pool_shape s = pool_shape(l, n);
            k->avgpool2_bwd(&s, x, y, d, dx);
            break;
        }
        case LN_L_MAXPOOL: {
            ln_pool_shape s = pool_shape(l, n);
            k->maxpool2_bwd(&s, x, y, d, dx);
            break;
        }
        case LN_L_SUBSAMPLE: {
            /* y's content is spent (any in-place activation above already
             * ran backward): recompute the window means there, take the
             * coefficient and bias gradients, then send coef * dy back to
             * the four inputs of each window (avgpool's backward of 4 coef dy) */
            ln_pool_shape s = pool_shape(l, n);
            int c = l->out_c, hw = l->out_h * l->out_w;
            float *t = (float *)y;
            k->avgpool2_fwd(&s, x, t);
            k->chan_affine_params(n, c, hw, 4.0f, t, d, grads + l->w_off, grads + l->b_off);
            if (need_dx) {
                k->chan_affine(n, c, hw, 4.0f, d, p + l->w_off, NULL, t);
                k->avgpool2_bwd(&s, x, t, t, dx);
            }
            break;
        }
        case LN_L_TANH: k->tanh_bwd(len, y, d, d); dx = d; break;
        case LN_L_RELU: k->relu_bwd(len, x, d, d); dx = d; break;
        case LN_L_STANH: k->stanh_bwd(len, y, d, d); dx = d; break;
        case LN_L_SIGMOID: k->sigmoid_bwd(len, y, d, d); dx = d; break;
        case LN_L_FLATTEN: dx = d; break;
        case LN_L_RESIZE: /* input layers come before any parameters (checked when */
        case LN_L_PAD:    /* the model is built): never reached */
        case LN_L_NORMALIZE:
        case LN_L_SOFTMAX_XENT:
        case LN_L_RBF: dx = d; break;
        }
        d = dx;
    }
}
