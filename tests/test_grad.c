/* Gradient checks by finite differences of the double-precision oracle.
 *
 * Per layer: for L = sum(dy * y) with a random dy (or, for softmax, the
 * summed cross-entropy), every element of every input and parameter of a
 * small case is nudged by +-EPS in double and the central difference of the
 * oracle's L is compared with the float gradient of the scalar kernels.
 * These layers are linear (conv, dense, avg pool) or smooth/piecewise
 * linear away from their kinks (max-pool inputs are spaced 0.01 apart and
 * ReLU inputs keep |x| >= 0.01, both > EPS), so the difference quotient is
 * exact up to double rounding (~1e-12) or EPS^2 |f'''| ~ 1e-7 (tanh,
 * softmax); what remains is the kernels' float rounding, ~1e-6 for these
 * sizes. Bound: |a - n| <= 1e-5 max(1, |n|), an order of magnitude above.
 *
 * Whole network: lenet5 on three random 1x28x28 samples; the gradient
 * ln_forward + ln_backward leave (float, of the mean loss) is compared, for
 * ~40 parameters of every tensor, with the central difference (EPS_NET =
 * 1e-4 in double, truncation ~1e-9) of the oracle's mean loss. The float
 * network differs from the double one by rounding of order 1e-6 relative
 * per layer; on gradients of ~0.01..0.2 the largest error measured is
 * ~2% of the bound |a - n| <= 2e-4 max(|n|, 1e-2) + 1e-6 (a bound ten
 * times looser would let a gradient off by 0.2% through). The float loss
 * must match the oracle's to 1e-5 relative (measured: 2e-8).
 *
 * Neither check can pass vacuously: the largest |n| of every checked array
 * must exceed a floor (1e-4 per layer, 1e-3 per network tensor, whose
 * largest sampled gradients are 0.016..0.25). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "kernels.h"
#include "nn/net.h"
#include "nn/pass.h"
#include "oracle.h"

#define EPS 1e-3
#define EPS_NET 1e-4
#define LAYER_RTOL 1e-5
#define NET_RTOL 2e-4

/* ---- helpers ---- */

static float *fbuf(size_t n)
{
    float *p = calloc(n ? n : 1, sizeof *p);
    cr_assert_not_null(p);
    return p;
}

static double *dbuf(size_t n)
{
    double *p = calloc(n ? n : 1, sizeof *p);
    cr_assert_not_null(p);
    return p;
}

static void fill(ln_rng *r, float *p, size_t n, float lo, float hi)
{
    for (size_t i = 0; i < n; i++) p[i] = lo + (hi - lo) * ln_rng_uniform(r);
}

static double *to_double(const float *p, size_t n)
{
    double *d = dbuf(n);
    for (size_t i = 0; i < n; i++) d[i] = p[i];
    return d;
}

static double dot(const double *a, const double *b, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

typedef double (*loss_fn)(void *ctx);

/* Central differences of f over param[0..len) against analytic[0..len). */
static void fd_check(const char *ctx, const char *what, loss_fn f, void *c, double *param, size_t len,
                     const float *analytic)
{
    size_t bad = len;
    double badn = 0.0, maxn = 0.0;
    for (size_t i = 0; i < len; i++) {
        double save = param[i];
        param[i] = save + EPS;
        double lp = f(c);
        param[i] = save - EPS;
        double lm = f(c);
        param[i] = save;
        double num = (lp - lm) / (2.0 * EPS);
        maxn = fmax(maxn, fabs(num));
        if (bad == len && !(fabs((double)analytic[i] - num) <= LAYER_RTOL * fmax(1.0, fabs(num))))
            bad = i, badn = num;
    }
    cr_assert(bad == len, "%s: d/d%s[%zu]: analytic %.9g, finite difference %.9g", ctx, what, bad,
              bad < len ? analytic[bad] : 0.0f, badn);
    cr_assert(maxn > 1e-4, "%s: d/d%s is ~0 everywhere (max %.3g): the check is vacuous", ctx, what, maxn);
}

/* ---- convolution ---- */

typedef struct conv_fd {
    ln_conv_shape s;
    double *x, *w, *b, *dy, *y;
} conv_fd;

static double conv_loss(void *p)
{
    conv_fd *c = p;
    or_conv2d_fwd(&c->s, c->x, c->w, c->b, c->y);
    return dot(c->dy, c->y, (size_t)c->s.n * c->s.oc * c->s.oh * c->s.ow);
}

static void grad_conv(int n, int ic, int ih, int iw, int oc, int kh, int kw, int ph, int pw,
                      uint64_t seed)
{
    const ln_kernels *k = ln_kernels_scalar();
    ln_conv_shape s = {.n = n, .ic = ic, .ih = ih, .iw = iw, .oc = oc, .kh = kh, .kw = kw,
                       .pad_h = ph, .pad_w = pw, .oh = ih + 2 * ph - kh + 1, .ow = iw + 2 * pw - kw + 1};
    size_t nx = (size_t)n * ic * ih * iw, nw = (size_t)oc * ic * kh * kw, ny = (size_t)n * oc * s.oh * s.ow;
    ln_rng r;
    ln_rng_seed(&r, seed);
    float *x = fbuf(nx), *w = fbuf(nw), *b = fbuf((size_t)oc), *dy = fbuf(ny);
    fill(&r, x, nx, -1.0f, 1.0f), fill(&r, w, nw, -0.5f, 0.5f);
    fill(&r, b, (size_t)oc, -0.1f, 0.1f), fill(&r, dy, ny, -1.0f, 1.0f);
    float *dx = fbuf(nx), *dw = fbuf(nw), *db = fbuf((size_t)oc), *scratch = fbuf(k->conv2d_scratch(&s));
    k->conv2d_bwd_data(&s, dy, w, dx, scratch);
    k->conv2d_bwd_weights(&s, x, dy, dw, db, scratch);

    conv_fd c = {s, to_double(x, nx), to_double(w, nw), to_double(b, (size_t)oc), to_double(dy, ny), dbuf(ny)};
    char ctx[160];
    snprintf(ctx, sizeof ctx, "conv n=%d ic=%d %dx%d oc=%d k=%dx%d pad=%d,%d seed=%llu", n, ic, ih, iw, oc,
             kh, kw, ph, pw, (unsigned long long)seed);
    fd_check(ctx, "x", conv_loss, &c, c.x, nx, dx);
    fd_check(ctx, "w", conv_loss, &c, c.w, nw, dw);
    fd_check(ctx, "b", conv_loss, &c, c.b, (size_t)oc, db);
    free(x), free(w), free(b), free(dy), free(dx), free(dw), free(db), free(scratch);
    free(c.x), free(c.w), free(c.b), free(c.dy), free(c.y);
}

Test(grad, conv2d)
{
    grad_conv(2, 2, 5, 6, 3, 3, 3, 1, 1, 101); /* 'same' */
    grad_conv(1, 3, 6, 5, 2, 5, 5, 0, 0, 102); /* 'valid', 2x1 output */
    grad_conv(2, 1, 4, 4, 2, 3, 5, 1, 2, 103); /* non-square kernel */
    grad_conv(1, 2, 7, 7, 4, 5, 5, 2, 2, 104); /* LeNet's k5 pad2 */
}

/* ---- dense ---- */

typedef struct dense_fd {
    int n, in, out;
    double *x, *w, *b, *dy, *y;
} dense_fd;

static double dense_loss(void *p)
{
    dense_fd *c = p;
    or_dense_fwd(c->n, c->in, c->out, c->x, c->w, c->b, c->y);
    return dot(c->dy, c->y, (size_t)c->n * c->out);
}

static void grad_dense(int n, int in, int out, uint64_t seed)
{
    const ln_kernels *k = ln_kernels_scalar();
    size_t nx = (size_t)n * in, nw = (size_t)out * in, ny = (size_t)n * out;
    ln_rng r;
    ln_rng_seed(&r, seed);
    float *x = fbuf(nx), *w = fbuf(nw), *b = fbuf((size_t)out), *dy = fbuf(ny);
    fill(&r, x, nx, -1.0f, 1.0f), fill(&r, w, nw, -0.5f, 0.5f);
    fill(&r, b, (size_t)out, -0.1f, 0.1f), fill(&r, dy, ny, -1.0f, 1.0f);
    float *dx = fbuf(nx), *dw = fbuf(nw), *db = fbuf((size_t)out);
    k->dense_bwd_data(n, in, out, dy, w, dx);
    k->dense_bwd_weights(n, in, out, x, dy, dw, db);

    dense_fd c = {n, in, out, to_double(x, nx), to_double(w, nw), to_double(b, (size_t)out),
                  to_double(dy, ny), dbuf(ny)};
    char ctx[120];
    snprintf(ctx, sizeof ctx, "dense n=%d in=%d out=%d seed=%llu", n, in, out, (unsigned long long)seed);
    fd_check(ctx, "x", dense_loss, &c, c.x, nx, dx);
    fd_check(ctx, "w", dense_loss, &c, c.w, nw, dw);
    fd_check(ctx, "b", dense_loss, &c, c.b, (size_t)out, db);
    free(x), free(w), free(b), free(dy), free(dx), free(dw), free(db);
    free(c.x), free(c.w), free(c.b), free(c.dy), free(c.y);
}

Test(grad, dense)
{
    grad_dense(3, 7, 5, 201);
    grad_dense(2, 20, 3, 202);
    grad_dense(4, 33, 17, 203);
}

/* ---- pooling ---- */

typedef struct pool_fd {
    int planes, h, w, max;
    double *x, *dy, *y;
} pool_fd;

static double pool_loss(void *p)
{
    pool_fd *c = p;
    if (c->max)
        or_maxpool2_fwd(c->planes, c->h, c->w, c->x, c->y);
    else
        or_avgpool2_fwd(c->planes, c->h, c->w, c->x, c->y);
    return dot(c->dy, c->y, (size_t)c->planes * (c->h / 2) * (c->w / 2));
}

static void grad_pool(int max, int planes, int h, int w, uint64_t seed)
{
    const ln_kernels *k = ln_kernels_scalar();
    size_t nx = (size_t)planes * h * w, ny = (size_t)planes * (h / 2) * (w / 2);
    ln_rng r;
    ln_rng_seed(&r, seed);
    float *x = fbuf(nx), *dy = fbuf(ny), *y = fbuf(ny), *dx = fbuf(nx);
    /* distinct values 0.01 apart, shuffled: no two within 2 EPS of each other */
    uint32_t *perm = malloc(nx * sizeof *perm);
    cr_assert_not_null(perm);
    for (size_t i = 0; i < nx; i++) perm[i] = (uint32_t)i;
    ln_rng_shuffle(&r, perm, (uint32_t)nx);
    for (size_t i = 0; i < nx; i++) x[i] = 0.01f * ((float)perm[i] - (float)nx / 2);
    fill(&r, dy, ny, -1.0f, 1.0f);
    ln_pool_shape s = {planes, h, w};
    (max ? k->maxpool2_fwd : k->avgpool2_fwd)(&s, x, y);
    (max ? k->maxpool2_bwd : k->avgpool2_bwd)(&s, x, y, dy, dx);

    pool_fd c = {planes, h, w, max, to_double(x, nx), to_double(dy, ny), dbuf(ny)};
    char ctx[120];
    snprintf(ctx, sizeof ctx, "%s planes=%d %dx%d seed=%llu", max ? "maxpool2" : "avgpool2", planes, h, w,
             (unsigned long long)seed);
    fd_check(ctx, "x", pool_loss, &c, c.x, nx, dx);
    free(x), free(dy), free(y), free(dx), free(perm), free(c.x), free(c.dy), free(c.y);
}

Test(grad, pool2)
{
    grad_pool(0, 3, 5, 6, 301); /* odd height: the last row gets no gradient */
    grad_pool(1, 3, 6, 5, 302);
    grad_pool(1, 2, 8, 8, 303);
}

/* ---- activations ---- */

typedef struct act_fd {
    size_t len;
    int relu;
    double *x, *dy, *y;
} act_fd;

static double act_loss(void *p)
{
    act_fd *c = p;
    (c->relu == 1 ? or_relu_fwd : c->relu == 2 ? or_stanh_fwd : c->relu == 3 ? or_sigmoid_fwd : or_tanh_fwd)(c->len, c->x, c->y);
    return dot(c->dy, c->y, c->len);
}

static void grad_act(int relu, size_t len, uint64_t seed)
{
    const ln_kernels *k = ln_kernels_scalar();
    ln_rng r;
    ln_rng_seed(&r, seed);
    float *x = fbuf(len), *dy = fbuf(len), *y = fbuf(len), *dx = fbuf(len);
    fill(&r, x, len, -3.0f, 3.0f);
    for (size_t i = 0; i < len; i++) /* keep ReLU inputs off the kink */
        if (fabsf(x[i]) < 0.01f) x[i] = x[i] < 0.0f ? -0.01f : 0.01f;
    fill(&r, dy, len, -1.0f, 1.0f);
    if (relu == 1) {
        k->relu_fwd(len, x, y);
        k->relu_bwd(len, x, dy, dx);
    } else if (relu == 2) {
        k->stanh_fwd(len, x, y);
        k->stanh_bwd(len, y, dy, dx);
    } else if (relu == 3) {
        k->sigmoid_fwd(len, x, y);
        k->sigmoid_bwd(len, y, dy, dx);
    } else {
        k->tanh_fwd(len, x, y);
        k->tanh_bwd(len, y, dy, dx);
    }
    act_fd c = {len, relu, to_double(x, len), to_double(dy, len), dbuf(len)};
    char ctx[80];
    static const char *const names[] = {"tanh", "relu", "stanh", "sigmoid"};
    snprintf(ctx, sizeof ctx, "%s len=%zu seed=%llu", names[relu], len, (unsigned long long)seed);
    fd_check(ctx, "x", act_loss, &c, c.x, len, dx);
    free(x), free(dy), free(y), free(dx), free(c.x), free(c.dy), free(c.y);
}

Test(grad, activations)
{
    grad_act(0, 40, 401);
    grad_act(1, 40, 402);
    grad_act(2, 40, 403);
    grad_act(3, 40, 404);
}

/* ---- softmax + cross-entropy ---- */

typedef struct xent_fd {
    int n, classes;
    const uint8_t *labels;
    double *z, *p;
} xent_fd;

static double xent_loss(void *p)
{
    xent_fd *c = p;
    return or_softmax_xent(c->n, c->classes, c->z, c->labels, 1.0, c->p, NULL);
}

Test(grad, softmax_xent)
{
    const ln_kernels *k = ln_kernels_scalar();
    const int n = 3, classes = 10;
    const uint64_t seed = 501;
    size_t len = (size_t)n * classes;
    ln_rng r;
    ln_rng_seed(&r, seed);
    float *z = fbuf(len), *p = fbuf(len), *d = fbuf(len);
    uint8_t labels[3];
    fill(&r, z, len, -3.0f, 3.0f);
    for (int i = 0; i < n; i++) labels[i] = (uint8_t)ln_rng_below(&r, (uint32_t)classes);
    k->softmax_xent(n, classes, z, labels, 1.0f, p, d);
    xent_fd c = {n, classes, labels, to_double(z, len), dbuf(len)};
    char ctx[80];
    snprintf(ctx, sizeof ctx, "softmax_xent n=%d classes=%d seed=%llu", n, classes, (unsigned long long)seed);
    fd_check(ctx, "logits", xent_loss, &c, c.z, len, d);
    free(z), free(p), free(d), free(c.z), free(c.p);
}

/* ---- whole network ---- */

typedef struct net_case {
    ln_net net;
    ln_workspace ws;
    int n;
    uint64_t seed;
    float *grads;
    double *pd; /* the parameters in double, nudged one at a time */
} net_case;

static void net_case_make(net_case *c, const char *model, uint64_t seed, int n)
{
    const ln_kernels *k = ln_kernels_scalar();
    c->n = n, c->seed = seed;
    cr_assert(ln_net_build(model, 1, 28, 28, 10, &c->net) == LN_OK, "%s", ln_last_error());
    ln_net_init(&c->net, seed);
    ln_rng r;
    ln_rng_seed(&r, seed ^ 0x5eed);
    for (int i = 0; i < c->net.nlayers; i++) /* non-zero biases, so their use is checked too */
        fill(&r, c->net.params + c->net.layers[i].b_off, c->net.layers[i].b_len, -0.1f, 0.1f);
    cr_assert(ln_ws_alloc(&c->net, k, n, &c->ws) == LN_OK, "%s", ln_last_error());
    fill(&r, c->ws.x0, (size_t)n * 28 * 28, 0.0f, 1.0f);
    for (int i = 0; i < n; i++) c->ws.labels[i] = (uint8_t)ln_rng_below(&r, 10);
    c->grads = fbuf(c->net.nparams);
    c->pd = to_double(c->net.params, c->net.nparams);
}

static void net_case_free(net_case *c)
{
    ln_ws_free(&c->ws);
    ln_net_free(&c->net);
    free(c->grads), free(c->pd);
}

static double net_loss_at(net_case *c, size_t i, double delta)
{
    double save = c->pd[i];
    c->pd[i] = save + delta;
    double l = or_net_loss(&c->net, c->pd, c->ws.x0, c->ws.labels, c->n);
    c->pd[i] = save;
    return l;
}

/* ~40 parameters of params[off..off+len), one per stratum, by central
 * differences of the oracle's mean loss. */
/* A weight a connection table leaves out: not a parameter (its gradient
 * must be exactly zero, which check_masked asserts). */
static int masked(const net_case *c, size_t i)
{
    for (int j = 0; j < c->net.nlayers; j++) {
        const ln_layer *l = &c->net.layers[j];
        if (l->kind != LN_L_CONV || !l->table || i < l->w_off || i >= l->w_off + l->w_len) continue;
        size_t blk = (i - l->w_off) / ((size_t)l->k * l->k);
        return !ln_table_connected(l->table, (int)(blk / (size_t)l->in_c), (int)(blk % (size_t)l->in_c));
    }
    return 0;
}

static void check_tensor(net_case *c, const char *name, size_t off, size_t len, ln_rng *r)
{
    size_t count = len < 40 ? len : 40, bad = len;
    double maxn = 0.0, badn = 0.0;
    for (size_t j = 0; j < count; j++) {
        size_t lo = j * len / count, hi = (j + 1) * len / count;
        size_t i = off + lo + ln_rng_below(r, (uint32_t)(hi - lo));
        if (masked(c, i)) {
            cr_assert(c->grads[i] == 0.0f, "%s: a left-out connection %s[%zu] has gradient %g", c->net.model, name,
                      i - off, (double)c->grads[i]);
            continue;
        }
        double num = (net_loss_at(c, i, EPS_NET) - net_loss_at(c, i, -EPS_NET)) / (2.0 * EPS_NET);
        double a = c->grads[i];
        maxn = fmax(maxn, fabs(num));
        if (bad == len && !(fabs(a - num) <= NET_RTOL * fmax(fabs(num), 1e-2) + 1e-6)) bad = i - off, badn = num;
    }
    cr_assert(bad == len, "%s seed=%llu: d loss/d %s[%zu]: analytic %.9g, finite difference %.9g", c->net.model,
              (unsigned long long)c->seed, name, bad, bad < len ? c->grads[off + bad] : 0.0f, badn);
    cr_assert(maxn > 1e-3, "%s seed=%llu: d loss/d %s ~0 at every sampled entry (max %.3g)", c->net.model,
              (unsigned long long)c->seed, name, maxn);
}

static void grad_network(const char *model, int want_tensors, uint64_t seed)
{
    const ln_kernels *k = ln_kernels_scalar();
    net_case c;
    net_case_make(&c, model, seed, 3);
    double loss = ln_forward(&c.net, k, &c.ws, c.n, 1, 1.0f / (float)c.n) / c.n;
    ln_backward(&c.net, k, &c.ws, c.n, c.grads, NULL);
    double ref = or_net_loss(&c.net, c.pd, c.ws.x0, c.ws.labels, c.n);
    cr_assert(fabs(loss - ref) <= 1e-5 * fabs(ref), "lenet5 seed=%llu: mean loss %.9g, oracle %.9g",
              (unsigned long long)seed, loss, ref);

    ln_rng r;
    ln_rng_seed(&r, seed ^ 0xfd);
    int tensors = 0;
    for (int i = 0; i < c.net.nlayers; i++) {
        const ln_layer *l = &c.net.layers[i];
        if (!l->w_len || l->frozen) continue;
        char name[32];
        snprintf(name, sizeof name, "%s.weight", l->name);
        check_tensor(&c, name, l->w_off, l->w_len, &r);
        tensors++;
        if (!l->b_len) continue;
        snprintf(name, sizeof name, "%s.bias", l->name);
        check_tensor(&c, name, l->b_off, l->b_len, &r);
        tensors++;
    }
    cr_assert(tensors == want_tensors, "%s seed=%llu: %d parameter tensors, expected %d", c.net.model,
              (unsigned long long)seed, tensors, want_tensors);
    net_case_free(&c);
}

Test(grad, lenet5_network) { grad_network("lenet5", 10, 7); }

/* Every other layer kind the spec language has, in one network: valid and
 * same convolutions, LeCun's scaled tanh, sigmoid, max pooling, relu. */
Test(grad, spec_network_all_layer_kinds)
{
    grad_network("conv 4 5x5 valid; stanh; avgpool 2; conv 6 3x3 same; sigmoid; maxpool 2; flatten; dense 20; "
                 "relu; dense 16; stanh; dense classes; softmax",
                 10, 11);
    /* the 1998 paper's layers: padded, mapped input, subsampling, C3's table */
    grad_network("pad 2; normalize -0.1 1.175; conv 6 5x5 valid; stanh; subsample 2; stanh; "
                 "conv 16 5x5 valid table lecun98; stanh; subsample 2; stanh; conv 12 5x5 valid; stanh; flatten; "
                 "dense classes; softmax",
                 12, 13);
    /* RBF outputs, the plain criterion and the MAP one (the prototypes are
     * fixed and not checked) */
    grad_network("pad 2; conv 4 5x5 valid; stanh; subsample 2; flatten; dense 84; stanh; rbf classes", 6, 14);
    grad_network("conv 4 5x5 valid; stanh; subsample 2; flatten; dense 84; stanh; rbf classes map", 6, 15);
    /* LeCun's trainable subsampling, its coefficient and bias per map */
    grad_network("conv 4 5x5 valid; stanh; subsample 2; conv 6 5x5 valid; subsample 2; stanh; flatten; "
                 "dense classes; softmax",
                 10, 12);
}

/* ln_backward accumulates: a second forward + backward adds the same
 * gradient again. */
Test(grad, lenet5_backward_accumulates)
{
    const ln_kernels *k = ln_kernels_scalar();
    const uint64_t seed = 8;
    net_case c;
    net_case_make(&c, "lenet5", seed, 2);
    ln_forward(&c.net, k, &c.ws, c.n, 1, 0.5f);
    ln_backward(&c.net, k, &c.ws, c.n, c.grads, NULL);
    float *once = fbuf(c.net.nparams);
    memcpy(once, c.grads, c.net.nparams * sizeof *once);
    ln_forward(&c.net, k, &c.ws, c.n, 1, 0.5f); /* backward consumes its forward's buffers */
    ln_backward(&c.net, k, &c.ws, c.n, c.grads, NULL);
    size_t bad = c.net.nparams;
    for (size_t i = 0; i < c.net.nparams && bad == c.net.nparams; i++)
        if (!(fabsf(c.grads[i] - 2.0f * once[i]) <= 1e-5f * fabsf(once[i]) + 1e-9f)) bad = i;
    cr_assert(bad == c.net.nparams, "lenet5 seed=%llu: grads[%zu] = %.9g after two backward passes, once %.9g",
              (unsigned long long)seed, bad, bad < c.net.nparams ? c.grads[bad] : 0.0f,
              bad < c.net.nparams ? once[bad] : 0.0f);
    free(once);
    net_case_free(&c);
}
