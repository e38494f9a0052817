/* Every kernel of the scalar table against the double-precision oracle
 * (oracle.c), over a generated list of shapes (batch 1..5, channels 1, 2, 3,
 * 6, 16, sizes 1..17 square and not, kernels 1x1/3x3/5x5 'same' and
 * 'valid', a few odd kernels and paddings, LeNet's exact layer shapes),
 * plus a few cases worked out by hand.
 *
 * Each output is poisoned with NaN before the call (so an element the
 * kernel forgets is caught), or, for the accumulating kernels, set to known
 * non-zero values that the oracle adds to (so overwriting instead of
 * accumulating is caught). Guard words after every output and the conv
 * scratch buffer (sized exactly by conv2d_scratch) catch writes past the
 * end; the inputs are checked to be left untouched.
 *
 * Tolerances, as |kernel - oracle| <= atol + rtol * |oracle|:
 * - conv and dense: 1e-5 + 1e-4 |ref|. Inputs are in [-1, 1], weights
 *   Glorot-scaled as ln_net_init draws them, and the dy of the weight
 *   gradients gradient-sized, in [-0.1, 0.1] (with dy in [-1, 1] a sum of
 *   ~1000 products that cancels to ~0 carries ~5e-6 of float error, too
 *   close to 1e-5), so the float sums (up to 5880 terms) carry rounding
 *   errors of order 1e-6 at most; an indexing error is off by O(0.01..1).
 * - pooling and ReLU: exact (a maximum, a selection, or a sum of four
 *   scaled by 1/4) apart from avg-pool's float sum of four: 1e-6 absolute.
 * - tanh: 3e-7 |ref| + 1e-9 (tanhf is within 2 ulp); tanh backward
 *   dy(1 - y^2): 3e-7 absolute (y^2 rounds to 6e-8 before the subtraction).
 * - softmax: probabilities 4e-6 relative (float z - max rounds by up to
 *   2^-20 for logits spread over 16, which exp turns into a relative
 *   error); dlogits the same plus 1e-6 * scale absolute (p - 1 cancels
 *   for the label when p ~ 1); the loss 2e-6 per row.
 * Every failure names the kernel, the shape and the seed. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "kernels.h"
#include "oracle.h"

/* ---- buffers: guarded, poisoned, compared ---- */

enum { GUARD = 16 };
static const uint32_t GUARD_BITS = 0x7fa5a5a5u; /* a signalling-NaN pattern */

static float *gbuf(size_t n)
{
    float *p = malloc((n + GUARD) * sizeof *p);
    cr_assert_not_null(p);
    for (size_t i = 0; i < GUARD; i++) memcpy(p + n + i, &GUARD_BITS, sizeof GUARD_BITS);
    return p;
}

static int guard_ok(const float *p, size_t n)
{
    for (size_t i = 0; i < GUARD; i++)
        if (memcmp(p + n + i, &GUARD_BITS, sizeof GUARD_BITS) != 0) return 0;
    return 1;
}

static void poison(float *p, size_t n)
{
    for (size_t i = 0; i < n; i++) p[i] = NAN;
}

static double *dbuf(size_t n)
{
    double *p = malloc((n ? n : 1) * sizeof *p);
    cr_assert_not_null(p);
    return p;
}

static double *to_double(const float *p, size_t n)
{
    double *d = dbuf(n);
    for (size_t i = 0; i < n; i++) d[i] = p[i];
    return d;
}

static float *dup_float(const float *p, size_t n)
{
    float *d = malloc((n ? n : 1) * sizeof *d);
    cr_assert_not_null(d);
    memcpy(d, p, n * sizeof *d);
    return d;
}

static void fill(ln_rng *r, float *p, size_t n, float lo, float hi)
{
    for (size_t i = 0; i < n; i++) p[i] = lo + (hi - lo) * ln_rng_uniform(r);
}

/* got[0..n) against ref within atol + rtol |ref| (NaN fails), then the guard. */
static void expect_close(const char *ctx, const char *what, const float *got, const double *ref,
                         size_t n, double atol, double rtol)
{
    size_t bad = n;
    for (size_t i = 0; i < n && bad == n; i++)
        if (!(fabs((double)got[i] - ref[i]) <= atol + rtol * fabs(ref[i]))) bad = i;
    cr_assert(bad == n, "%s: %s[%zu] = %.9g, oracle %.9g (|d| = %.3g > %.3g)", ctx, what, bad,
              bad < n ? got[bad] : 0.0, bad < n ? ref[bad] : 0.0,
              bad < n ? fabs((double)got[bad] - ref[bad]) : 0.0,
              bad < n ? atol + rtol * fabs(ref[bad]) : 0.0);
    cr_assert(guard_ok(got, n), "%s: %s: wrote past the end of its %zu floats", ctx, what, n);
}

static void expect_unchanged(const char *ctx, const char *what, const float *now, const float *orig,
                             size_t n)
{
    cr_assert(memcmp(now, orig, n * sizeof *now) == 0, "%s: input %s was modified", ctx, what);
}

/* ---- convolution ---- */

static ln_conv_shape conv_shape(int n, int ic, int ih, int iw, int oc, int kh, int kw, int ph, int pw)
{
    return (ln_conv_shape){.n = n, .ic = ic, .ih = ih, .iw = iw, .oc = oc, .kh = kh, .kw = kw,
                           .pad_h = ph, .pad_w = pw, .oh = ih + 2 * ph - kh + 1,
                           .ow = iw + 2 * pw - kw + 1};
}

static int conv_shapes(ln_conv_shape *out, int cap)
{
    static const int chans[] = {1, 2, 3, 6, 16};
    int m = 0, t = 0;
    for (int size = 1; size <= 17; size++)
        for (int k = 1; k <= 5; k += 2)
            for (int same = 0; same < 2; same++, t++) {
                int ih = size, iw = t % 3 == 0 ? size : 1 + (size * 5 + t) % 17, pad = same ? k / 2 : 0;
                ln_conv_shape s = conv_shape(1 + (t / 2) % 5, chans[t % 5], ih, iw, chans[(t / 3 + 2) % 5],
                                             k, k, pad, pad);
                if (s.oh < 1 || s.ow < 1) continue; /* 'valid' with the image smaller than the kernel */
                cr_assert(m < cap);
                out[m++] = s;
            }
    /* odd kernels and paddings the built-in model does not use */
    const ln_conv_shape extra[] = {
        conv_shape(2, 3, 9, 7, 5, 3, 5, 1, 2),  /* 'same' with a non-square kernel */
        conv_shape(1, 2, 6, 6, 4, 2, 2, 0, 0),  /* even kernel */
        conv_shape(2, 1, 5, 5, 2, 3, 3, 2, 2),  /* 'full' padding */
        conv_shape(1, 4, 8, 3, 3, 3, 1, 1, 0),  /* 3x1 */
        conv_shape(1, 1, 3, 3, 1, 5, 5, 2, 2),  /* kernel larger than the image */
        conv_shape(3, 2, 2, 17, 6, 1, 5, 0, 2), /* 1x5 on a 2-row image */
    };
    for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++) {
        cr_assert(m < cap);
        out[m++] = extra[i];
    }
    return m;
}

static const ln_conv_shape lenet_convs[] = {
    {.n = 2, .ic = 1, .ih = 28, .iw = 28, .oc = 6, .oh = 28, .ow = 28, .kh = 5, .kw = 5, .pad_h = 2, .pad_w = 2},
    {.n = 2, .ic = 6, .ih = 14, .iw = 14, .oc = 16, .oh = 14, .ow = 14, .kh = 5, .kw = 5, .pad_h = 2, .pad_w = 2},
    {.n = 2, .ic = 16, .ih = 7, .iw = 7, .oc = 120, .oh = 7, .ow = 7, .kh = 5, .kw = 5, .pad_h = 2, .pad_w = 2},
};

typedef struct conv_case {
    ln_conv_shape s;
    size_t nx, nw, ny;
    float *x, *w, *b, *dy, *scratch;
    size_t nscratch;
    char ctx[200];
} conv_case;

static void conv_case_make(conv_case *c, const ln_kernels *k, const char *kernel, ln_conv_shape s,
                           uint64_t seed)
{
    ln_rng r;
    ln_rng_seed(&r, seed);
    c->s = s;
    c->nx = (size_t)s.n * s.ic * s.ih * s.iw;
    c->nw = (size_t)s.oc * s.ic * s.kh * s.kw;
    c->ny = (size_t)s.n * s.oc * s.oh * s.ow;
    float lim = sqrtf(6.0f / (float)((s.ic + s.oc) * s.kh * s.kw));
    c->x = gbuf(c->nx), c->w = gbuf(c->nw), c->b = gbuf((size_t)s.oc), c->dy = gbuf(c->ny);
    fill(&r, c->x, c->nx, -1.0f, 1.0f);
    fill(&r, c->w, c->nw, -lim, lim);
    fill(&r, c->b, (size_t)s.oc, -0.1f, 0.1f);
    fill(&r, c->dy, c->ny, -1.0f, 1.0f);
    c->nscratch = k->conv2d_scratch(&s);
    c->scratch = gbuf(c->nscratch);
    poison(c->scratch, c->nscratch); /* a kernel must not rely on zeroed scratch */
    snprintf(c->ctx, sizeof c->ctx, "%s[%s] n=%d ic=%d %dx%d oc=%d k=%dx%d pad=%d,%d seed=%llu",
             kernel, k->isa, s.n, s.ic, s.ih, s.iw, s.oc, s.kh, s.kw, s.pad_h, s.pad_w,
             (unsigned long long)seed);
}

static void conv_case_free(conv_case *c)
{
    cr_assert(guard_ok(c->scratch, c->nscratch), "%s: scratch overrun (%zu floats reported)", c->ctx,
              c->nscratch);
    free(c->x), free(c->w), free(c->b), free(c->dy), free(c->scratch);
}

static void check_conv_fwd(const ln_kernels *k, ln_conv_shape s, uint64_t seed)
{
    conv_case c;
    conv_case_make(&c, k, "conv2d_fwd", s, seed);
    float *x0 = dup_float(c.x, c.nx), *y = gbuf(c.ny);
    poison(y, c.ny);
    k->conv2d_fwd(&c.s, c.x, c.w, c.b, y, c.scratch);
    double *xd = to_double(c.x, c.nx), *wd = to_double(c.w, c.nw), *bd = to_double(c.b, (size_t)s.oc);
    double *yd = dbuf(c.ny);
    or_conv2d_fwd(&c.s, xd, wd, bd, yd);
    expect_close(c.ctx, "y", y, yd, c.ny, 1e-5, 1e-4);
    expect_unchanged(c.ctx, "x", c.x, x0, c.nx);
    free(x0), free(y), free(xd), free(wd), free(bd), free(yd);
    conv_case_free(&c);
}

static void check_conv_bwd_data(const ln_kernels *k, ln_conv_shape s, uint64_t seed)
{
    conv_case c;
    conv_case_make(&c, k, "conv2d_bwd_data", s, seed);
    float *dy0 = dup_float(c.dy, c.ny), *dx = gbuf(c.nx);
    poison(dx, c.nx);
    k->conv2d_bwd_data(&c.s, c.dy, c.w, dx, c.scratch);
    double *dyd = to_double(c.dy, c.ny), *wd = to_double(c.w, c.nw), *dxd = dbuf(c.nx);
    or_conv2d_bwd_data(&c.s, dyd, wd, dxd);
    expect_close(c.ctx, "dx", dx, dxd, c.nx, 1e-5, 1e-4);
    expect_unchanged(c.ctx, "dy", c.dy, dy0, c.ny);
    free(dy0), free(dx), free(dyd), free(wd), free(dxd);
    conv_case_free(&c);
}

static void check_conv_bwd_weights(const ln_kernels *k, ln_conv_shape s, uint64_t seed)
{
    conv_case c;
    conv_case_make(&c, k, "conv2d_bwd_weights", s, seed);
    ln_rng r;
    ln_rng_seed(&r, seed ^ 0xacc);
    float *dw = gbuf(c.nw), *db = gbuf((size_t)s.oc), *x0 = dup_float(c.x, c.nx);
    for (size_t i = 0; i < c.ny; i++) c.dy[i] *= 0.1f; /* gradient-sized */
    fill(&r, dw, c.nw, -0.5f, 0.5f); /* accumulates: start from known values */
    fill(&r, db, (size_t)s.oc, -0.5f, 0.5f);
    double *dwd = to_double(dw, c.nw), *dbd = to_double(db, (size_t)s.oc);
    k->conv2d_bwd_weights(&c.s, c.x, c.dy, dw, db, c.scratch);
    double *xd = to_double(c.x, c.nx), *dyd = to_double(c.dy, c.ny);
    or_conv2d_bwd_weights(&c.s, xd, dyd, dwd, dbd);
    expect_close(c.ctx, "dw", dw, dwd, c.nw, 1e-5, 1e-4);
    expect_close(c.ctx, "db", db, dbd, (size_t)s.oc, 1e-5, 1e-4);
    expect_unchanged(c.ctx, "x", c.x, x0, c.nx);
    free(dw), free(db), free(x0), free(dwd), free(dbd), free(xd), free(dyd);
    conv_case_free(&c);
}

typedef void (*conv_check_fn)(const ln_kernels *k, ln_conv_shape s, uint64_t seed);

static void each_conv_shape(conv_check_fn check, uint64_t seed0)
{
    ln_conv_shape shapes[160];
    int m = conv_shapes(shapes, 160);
    cr_assert(m >= 90, "only %d conv shapes", m);
    for (int i = 0; i < m; i++) check(ln_kernels_scalar(), shapes[i], seed0 + (uint64_t)i);
}

Test(kernels, conv2d_fwd) { each_conv_shape(check_conv_fwd, 1000); }
Test(kernels, conv2d_bwd_data) { each_conv_shape(check_conv_bwd_data, 2000); }
Test(kernels, conv2d_bwd_weights) { each_conv_shape(check_conv_bwd_weights, 3000); }

Test(kernels, conv2d_lenet_shapes)
{
    for (int i = 0; i < 3; i++) {
        check_conv_fwd(ln_kernels_scalar(), lenet_convs[i], 4000 + (uint64_t)i);
        check_conv_bwd_data(ln_kernels_scalar(), lenet_convs[i], 4100 + (uint64_t)i);
        check_conv_bwd_weights(ln_kernels_scalar(), lenet_convs[i], 4200 + (uint64_t)i);
    }
}

/* ---- dense ---- */

typedef struct dense_case {
    int n, in, out;
    float *x, *w, *b, *dy;
    double *xd, *wd, *bd, *dyd;
    char ctx[160];
} dense_case;

static void dense_case_make(dense_case *c, const char *kernel, int n, int in, int out, uint64_t seed)
{
    ln_rng r;
    ln_rng_seed(&r, seed);
    c->n = n, c->in = in, c->out = out;
    size_t nx = (size_t)n * in, nw = (size_t)out * in, ny = (size_t)n * out;
    float lim = sqrtf(6.0f / (float)(in + out));
    c->x = gbuf(nx), c->w = gbuf(nw), c->b = gbuf((size_t)out), c->dy = gbuf(ny);
    fill(&r, c->x, nx, -1.0f, 1.0f);
    fill(&r, c->w, nw, -lim, lim);
    fill(&r, c->b, (size_t)out, -0.1f, 0.1f);
    fill(&r, c->dy, ny, -1.0f, 1.0f);
    c->xd = to_double(c->x, nx), c->wd = to_double(c->w, nw);
    c->bd = to_double(c->b, (size_t)out), c->dyd = to_double(c->dy, ny);
    snprintf(c->ctx, sizeof c->ctx, "%s[scalar] n=%d in=%d out=%d seed=%llu", kernel, n, in, out,
             (unsigned long long)seed);
}

static void dense_case_free(dense_case *c)
{
    free(c->x), free(c->w), free(c->b), free(c->dy);
    free(c->xd), free(c->wd), free(c->bd), free(c->dyd);
}

static void check_dense(const ln_kernels *k, int n, int in, int out, uint64_t seed)
{
    dense_case c;
    size_t nx = (size_t)n * in, nw = (size_t)out * in, ny = (size_t)n * out;

    dense_case_make(&c, "dense_fwd", n, in, out, seed);
    float *y = gbuf(ny);
    double *yd = dbuf(ny);
    poison(y, ny);
    k->dense_fwd(n, in, out, c.x, c.w, c.b, y);
    or_dense_fwd(n, in, out, c.xd, c.wd, c.bd, yd);
    expect_close(c.ctx, "y", y, yd, ny, 1e-5, 1e-4);
    free(y), free(yd);
    dense_case_free(&c);

    dense_case_make(&c, "dense_bwd_data", n, in, out, seed + 1);
    float *dx = gbuf(nx);
    double *dxd = dbuf(nx);
    poison(dx, nx);
    k->dense_bwd_data(n, in, out, c.dy, c.w, dx);
    or_dense_bwd_data(n, in, out, c.dyd, c.wd, dxd);
    expect_close(c.ctx, "dx", dx, dxd, nx, 1e-5, 1e-4);
    free(dx), free(dxd);
    dense_case_free(&c);

    dense_case_make(&c, "dense_bwd_weights", n, in, out, seed + 2);
    ln_rng r;
    ln_rng_seed(&r, seed ^ 0xacc);
    float *dw = gbuf(nw), *db = gbuf((size_t)out);
    for (size_t i = 0; i < ny; i++) c.dy[i] *= 0.1f, c.dyd[i] = c.dy[i]; /* gradient-sized */
    fill(&r, dw, nw, -0.5f, 0.5f); /* accumulates: start from known values */
    fill(&r, db, (size_t)out, -0.5f, 0.5f);
    double *dwd = to_double(dw, nw), *dbd = to_double(db, (size_t)out);
    k->dense_bwd_weights(n, in, out, c.x, c.dy, dw, db);
    or_dense_bwd_weights(n, in, out, c.xd, c.dyd, dwd, dbd);
    expect_close(c.ctx, "dw", dw, dwd, nw, 1e-5, 1e-4);
    expect_close(c.ctx, "db", db, dbd, (size_t)out, 1e-5, 1e-4);
    free(dw), free(db), free(dwd), free(dbd);
    dense_case_free(&c);
}

Test(kernels, dense_shapes)
{
    /* sizes around the GEMM's tiles (4 x 16, k-slices of 256, 128 columns) */
    static const int ins[] = {1, 2, 3, 5, 16, 17, 31, 100, 257};
    static const int outs[] = {1, 2, 4, 10, 16, 17, 33, 129};
    int t = 0;
    for (size_t i = 0; i < sizeof ins / sizeof ins[0]; i++)
        for (size_t o = 0; o < sizeof outs / sizeof outs[0]; o++, t++)
            check_dense(ln_kernels_scalar(), 1 + t % 5, ins[i], outs[o], 5000 + 3 * (uint64_t)t);
}

Test(kernels, dense_lenet_shapes)
{
    check_dense(ln_kernels_scalar(), 3, 5880, 84, 6000);
    check_dense(ln_kernels_scalar(), 5, 84, 10, 6010);
}

/* ---- pooling ---- */

static void check_pool(const ln_kernels *k, int planes, int h, int w, uint64_t seed, int ties)
{
    ln_rng r;
    ln_rng_seed(&r, seed);
    size_t nx = (size_t)planes * h * w, ny = (size_t)planes * (h / 2) * (w / 2);
    float *x = gbuf(nx), *dy = gbuf(ny), *y = gbuf(ny), *dx = gbuf(nx);
    fill(&r, x, nx, -1.0f, 1.0f);
    if (ties) /* few distinct values: many windows hold their maximum twice */
        for (size_t i = 0; i < nx; i++) x[i] = (float)ln_rng_below(&r, 3);
    fill(&r, dy, ny, -1.0f, 1.0f);
    double *xd = to_double(x, nx), *dyd = to_double(dy, ny), *yd = dbuf(ny), *dxd = dbuf(nx);
    char ctx[160];
    const char *names[4] = {"avgpool2_fwd", "avgpool2_bwd", "maxpool2_fwd", "maxpool2_bwd"};
#define CTX(i) (snprintf(ctx, sizeof ctx, "%s[%s] planes=%d %dx%d%s seed=%llu", names[i], k->isa, \
                         planes, h, w, ties ? " (ties)" : "", (unsigned long long)seed), ctx)
    poison(y, ny);
    k->avgpool2_fwd(&(ln_pool_shape){planes, h, w}, x, y);
    or_avgpool2_fwd(planes, h, w, xd, yd);
    expect_close(CTX(0), "y", y, yd, ny, 1e-6, 0.0);

    poison(dx, nx);
    k->avgpool2_bwd(&(ln_pool_shape){planes, h, w}, x, y, dy, dx);
    or_avgpool2_bwd(planes, h, w, dyd, dxd);
    expect_close(CTX(1), "dx", dx, dxd, nx, 0.0, 0.0);

    poison(y, ny);
    k->maxpool2_fwd(&(ln_pool_shape){planes, h, w}, x, y);
    or_maxpool2_fwd(planes, h, w, xd, yd);
    expect_close(CTX(2), "y", y, yd, ny, 0.0, 0.0);

    poison(dx, nx);
    k->maxpool2_bwd(&(ln_pool_shape){planes, h, w}, x, y, dy, dx);
    or_maxpool2_bwd(planes, h, w, xd, dyd, dxd);
    expect_close(CTX(3), "dx", dx, dxd, nx, 0.0, 0.0);
#undef CTX
    free(x), free(dy), free(y), free(dx), free(xd), free(dyd), free(yd), free(dxd);
}

Test(kernels, pool2_shapes)
{
    static const int planes[] = {1, 2, 3, 6, 16, 5 * 16};
    int t = 0;
    for (int h = 1; h <= 17; h++)
        for (int w = 1; w <= 17; w++, t++) {
            check_pool(ln_kernels_scalar(), planes[t % 6], h, w, 7000 + (uint64_t)t, 0);
            check_pool(ln_kernels_scalar(), planes[(t + 3) % 6], h, w, 8000 + (uint64_t)t, 1);
        }
    check_pool(ln_kernels_scalar(), 2 * 6, 28, 28, 9000, 0);
    check_pool(ln_kernels_scalar(), 2 * 16, 14, 14, 9001, 0);
}

/* ---- activations ---- */

static const size_t act_lens[] = {1, 2, 3, 7, 8, 15, 16, 17, 31, 33, 64, 100, 1000, 2 * 4704};

static void check_tanh(const ln_kernels *k, size_t len, uint64_t seed)
{
    ln_rng r;
    ln_rng_seed(&r, seed);
    float *x = gbuf(len), *y = gbuf(len), *dy = gbuf(len), *dx = gbuf(len);
    fill(&r, x, len, -6.0f, 6.0f);
    fill(&r, dy, len, -1.0f, 1.0f);
    char ctx[120];
    snprintf(ctx, sizeof ctx, "tanh_fwd[%s] len=%zu seed=%llu", k->isa, len, (unsigned long long)seed);
    poison(y, len);
    k->tanh_fwd(len, x, y);
    double *xd = to_double(x, len), *yd = dbuf(len), *dyd = to_double(dy, len), *dxd = dbuf(len);
    or_tanh_fwd(len, xd, yd);
    expect_close(ctx, "y", y, yd, len, 1e-9, 3e-7);

    snprintf(ctx, sizeof ctx, "tanh_bwd[%s] len=%zu seed=%llu", k->isa, len, (unsigned long long)seed);
    double *yk = to_double(y, len); /* backward takes the kernel's own forward output */
    or_tanh_bwd(len, yk, dyd, dxd);
    poison(dx, len);
    k->tanh_bwd(len, y, dy, dx);
    expect_close(ctx, "dx", dx, dxd, len, 3e-7, 0.0);
    k->tanh_bwd(len, y, dy, dy); /* in place, as ln_backward runs it */
    expect_close(ctx, "dx (in place)", dy, dxd, len, 3e-7, 0.0);
    free(x), free(y), free(dy), free(dx), free(xd), free(yd), free(dyd), free(dxd), free(yk);
}

static void check_relu(const ln_kernels *k, size_t len, uint64_t seed)
{
    ln_rng r;
    ln_rng_seed(&r, seed);
    float *x = gbuf(len), *y = gbuf(len), *dy = gbuf(len), *dx = gbuf(len);
    fill(&r, x, len, -2.0f, 2.0f);
    for (size_t i = 0; i < len; i += 5) x[i] = i % 2 ? 0.0f : -0.0f; /* the kink itself */
    fill(&r, dy, len, -1.0f, 1.0f);
    char ctx[120];
    snprintf(ctx, sizeof ctx, "relu_fwd[%s] len=%zu seed=%llu", k->isa, len, (unsigned long long)seed);
    poison(y, len);
    k->relu_fwd(len, x, y);
    double *xd = to_double(x, len), *yd = dbuf(len), *dyd = to_double(dy, len), *dxd = dbuf(len);
    or_relu_fwd(len, xd, yd);
    expect_close(ctx, "y", y, yd, len, 0.0, 0.0);

    snprintf(ctx, sizeof ctx, "relu_bwd[%s] len=%zu seed=%llu", k->isa, len, (unsigned long long)seed);
    or_relu_bwd(len, xd, dyd, dxd);
    poison(dx, len);
    k->relu_bwd(len, x, dy, dx);
    expect_close(ctx, "dx", dx, dxd, len, 0.0, 0.0);
    k->relu_bwd(len, x, dy, dy); /* in place */
    expect_close(ctx, "dx (in place)", dy, dxd, len, 0.0, 0.0);
    free(x), free(y), free(dy), free(dx), free(xd), free(yd), free(dyd), free(dxd);
}

/* stanh (LeCun's 1.7159 tanh(2x/3)) and sigmoid against the double oracle:
 * forward within 4e-7 relative (tanhf/expf are within 2 ulp, then a product
 * or a division), backward from the kernel's own forward output. */
static void check_squash(const ln_kernels *k, int sigmoid, size_t len, uint64_t seed)
{
    ln_rng r;
    ln_rng_seed(&r, seed);
    float *x = gbuf(len), *y = gbuf(len), *dy = gbuf(len), *dx = gbuf(len);
    fill(&r, x, len, -9.0f, 9.0f);
    fill(&r, dy, len, -1.0f, 1.0f);
    char ctx[120];
    const char *name = sigmoid ? "sigmoid" : "stanh";
    snprintf(ctx, sizeof ctx, "%s_fwd[%s] len=%zu seed=%llu", name, k->isa, len, (unsigned long long)seed);
    poison(y, len);
    (sigmoid ? k->sigmoid_fwd : k->stanh_fwd)(len, x, y);
    double *xd = to_double(x, len), *yd = dbuf(len), *dyd = to_double(dy, len), *dxd = dbuf(len);
    (sigmoid ? or_sigmoid_fwd : or_stanh_fwd)(len, xd, yd);
    expect_close(ctx, "y", y, yd, len, 1e-9, 4e-7);
    snprintf(ctx, sizeof ctx, "%s_bwd[%s] len=%zu seed=%llu", name, k->isa, len, (unsigned long long)seed);
    double *yk = to_double(y, len);
    (sigmoid ? or_sigmoid_bwd : or_stanh_bwd)(len, yk, dyd, dxd);
    poison(dx, len);
    (sigmoid ? k->sigmoid_bwd : k->stanh_bwd)(len, y, dy, dx);
    expect_close(ctx, "dx", dx, dxd, len, 3e-7, 1e-6); /* A*S - (S/A) y^2 cancels near |y| = A */
    (sigmoid ? k->sigmoid_bwd : k->stanh_bwd)(len, y, dy, dy); /* in place */
    expect_close(ctx, "dx (in place)", dy, dxd, len, 3e-7, 1e-6);
    free(x), free(y), free(dy), free(dx), free(xd), free(yd), free(dyd), free(dxd), free(yk);
}

Test(kernels, stanh_sigmoid_lengths)
{
    for (size_t i = 0; i < sizeof act_lens / sizeof act_lens[0]; i++) {
        check_squash(ln_kernels_scalar(), 0, act_lens[i], 14000 + (uint64_t)i);
        check_squash(ln_kernels_scalar(), 1, act_lens[i], 15000 + (uint64_t)i);
    }
    /* the fixed points the 1998 paper chose the constants for: f(1) = 1, f(-1) = -1 */
    float one = 1.0f, y;
    ln_kernels_scalar()->stanh_fwd(1, &one, &y);
    cr_assert(fabsf(y - 1.0f) < 1e-4f, "stanh(1) = %.7g", (double)y);
}

Test(kernels, tanh_lengths)
{
    for (size_t i = 0; i < sizeof act_lens / sizeof act_lens[0]; i++)
        check_tanh(ln_kernels_scalar(), act_lens[i], 10000 + (uint64_t)i);
}

Test(kernels, relu_lengths)
{
    for (size_t i = 0; i < sizeof act_lens / sizeof act_lens[0]; i++)
        check_relu(ln_kernels_scalar(), act_lens[i], 11000 + (uint64_t)i);
}

/* ---- softmax + cross-entropy ---- */

static void check_softmax(const ln_kernels *k, int n, int classes, float scale, uint64_t seed)
{
    ln_rng r;
    ln_rng_seed(&r, seed);
    size_t len = (size_t)n * classes;
    float *z = gbuf(len), *p = gbuf(len), *d = gbuf(len);
    uint8_t *labels = malloc((size_t)n);
    cr_assert_not_null(labels);
    fill(&r, z, len, -8.0f, 8.0f);
    for (int i = 0; i < n; i++) {
        labels[i] = (uint8_t)ln_rng_below(&r, (uint32_t)classes);
        float shift = i % 3 == 1 ? 80.0f : i % 3 == 2 ? -80.0f : 0.0f; /* exp would overflow unshifted */
        for (int c = 0; c < classes; c++) z[(size_t)i * classes + c] += shift;
    }
    char ctx[160];
    snprintf(ctx, sizeof ctx, "softmax_xent[%s] n=%d classes=%d scale=%g seed=%llu", k->isa, n, classes,
             (double)scale, (unsigned long long)seed);
    poison(p, len), poison(d, len);
    double loss = k->softmax_xent(n, classes, z, labels, scale, p, d);
    double *zd = to_double(z, len), *pd = dbuf(len), *dd = dbuf(len);
    double ref = or_softmax_xent(n, classes, zd, labels, scale, pd, dd);
    cr_assert(fabs(loss - ref) <= 2e-6 * n + 1e-6 * fabs(ref), "%s: loss %.9g, oracle %.9g", ctx, loss, ref);
    expect_close(ctx, "probs", p, pd, len, 1e-9, 4e-6);
    expect_close(ctx, "dlogits", d, dd, len, 1e-6 * scale, 4e-6);

    /* probabilities only (labels NULL, dlogits NULL), as evaluation runs it */
    poison(p, len);
    k->softmax_xent(n, classes, z, NULL, 0.0f, p, NULL);
    expect_close(ctx, "probs (no labels)", p, pd, len, 1e-9, 4e-6);
    free(z), free(p), free(d), free(labels), free(zd), free(pd), free(dd);
}

Test(kernels, softmax_xent_shapes)
{
    static const int classes[] = {2, 3, 5, 10, 16, 17, 33, 256};
    int t = 0;
    for (size_t c = 0; c < sizeof classes / sizeof classes[0]; c++)
        for (int n = 1; n <= 5; n++, t++) {
            float scale = t % 3 == 0 ? 1.0f : t % 3 == 1 ? 1.0f / (float)n : 0.25f;
            check_softmax(ln_kernels_scalar(), n, classes[c], scale, 12000 + (uint64_t)t);
        }
}

/* ---- cases worked out by hand ---- */

static void expect_literal(const char *ctx, const float *got, const double *want, size_t n, double tol)
{
    for (size_t i = 0; i < n; i++)
        cr_assert(fabs((double)got[i] - want[i]) <= tol, "%s: [%zu] = %.9g, expected %.9g", ctx, i,
                  got[i], want[i]);
}

/* x = 1..9 (3x3), w = [[1,2],[3,4]], b = 0.5:
 * valid: y = [[1+4+12+20, 2+6+15+24], [4+10+21+32, 5+12+24+36]] + 0.5 */
Test(kernels, hand_conv_valid)
{
    const ln_kernels *k = ln_kernels_scalar();
    ln_conv_shape s = conv_shape(1, 1, 3, 3, 1, 2, 2, 0, 0);
    float x[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, w[4] = {1, 2, 3, 4}, b[1] = {0.5f};
    float y[4], ones[4] = {1, 1, 1, 1}, dx[9], dw[4] = {0}, db[1] = {0}, scratch[64];
    cr_assert(k->conv2d_scratch(&s) <= 64);
    k->conv2d_fwd(&s, x, w, b, y, scratch);
    expect_literal("conv2d_fwd 3x3 k2 valid", y, (const double[]){37.5, 47.5, 67.5, 77.5}, 4, 0.0);
    /* dy = 1: dx counts how often each pixel meets each weight */
    k->conv2d_bwd_data(&s, ones, w, dx, scratch);
    expect_literal("conv2d_bwd_data 3x3 k2 valid", dx,
                   (const double[]){1, 3, 2, 4, 10, 6, 3, 7, 4}, 9, 0.0);
    /* dy = 1: dw[u][v] = sum of the 2x2 block of x at (u, v); db = 4 */
    k->conv2d_bwd_weights(&s, x, ones, dw, db, scratch);
    expect_literal("conv2d_bwd_weights 3x3 k2 valid", dw, (const double[]){12, 16, 24, 28}, 4, 0.0);
    expect_literal("conv2d_bwd_weights 3x3 k2 valid (db)", db, (const double[]){4}, 1, 0.0);
}

/* The same x and w with padding 1: a 4x4 output, zero outside the image. */
Test(kernels, hand_conv_padded)
{
    const ln_kernels *k = ln_kernels_scalar();
    ln_conv_shape s = conv_shape(1, 1, 3, 3, 1, 2, 2, 1, 1);
    float x[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, w[4] = {1, 2, 3, 4}, b[1] = {0}, y[16], scratch[128];
    cr_assert(s.oh == 4 && s.ow == 4 && k->conv2d_scratch(&s) <= 128);
    k->conv2d_fwd(&s, x, w, b, y, scratch);
    expect_literal("conv2d_fwd 3x3 k2 pad1", y,
                   (const double[]){4, 11, 18, 9, 18, 37, 47, 21, 36, 67, 77, 33, 14, 23, 26, 9}, 16, 0.0);
}

Test(kernels, hand_pool4x4)
{
    const ln_kernels *k = ln_kernels_scalar();
    const float x[16] = {1, 9, 3, 2, 4, 0, 8, 5, 7, 6, -1, -2, 2, 3, -3, -4};
    const float dy[4] = {1, 2, 3, 4};
    float y[4], dx[16];
    ln_pool_shape s = {1, 4, 4};
    k->avgpool2_fwd(&s, x, y);
    expect_literal("avgpool2_fwd 4x4", y, (const double[]){3.5, 4.5, 4.5, -2.5}, 4, 0.0);
    k->avgpool2_bwd(&s, x, y, dy, dx);
    expect_literal("avgpool2_bwd 4x4", dx,
                   (const double[]){.25, .25, .5, .5, .25, .25, .5, .5, .75, .75, 1, 1, .75, .75, 1, 1}, 16, 0.0);
    k->maxpool2_fwd(&s, x, y);
    expect_literal("maxpool2_fwd 4x4", y, (const double[]){9, 8, 7, -1}, 4, 0.0);
    k->maxpool2_bwd(&s, x, y, dy, dx);
    expect_literal("maxpool2_bwd 4x4", dx,
                   (const double[]){0, 1, 0, 0, 0, 0, 2, 0, 3, 0, 4, 0, 0, 0, 0, 0}, 16, 0.0);
}

/* Ties go to the first maximum in row-major order. */
Test(kernels, hand_maxpool_ties)
{
    const ln_kernels *k = ln_kernels_scalar();
    const float x[8] = {5, 5, 5, 5, 1, 7, 7, 7}; /* two 2x2 planes */
    const float dy[2] = {2, 3};
    float y[2], dx[8];
    ln_pool_shape s = {2, 2, 2};
    k->maxpool2_fwd(&s, x, y);
    expect_literal("maxpool2_fwd ties", y, (const double[]){5, 7}, 2, 0.0);
    k->maxpool2_bwd(&s, x, y, dy, dx);
    expect_literal("maxpool2_bwd ties", dx, (const double[]){2, 0, 0, 0, 0, 3, 0, 0}, 8, 0.0);
}

/* exp of [0, ln 2, ln 3] is [1, 2, 3]: probs 1/6, 2/6, 3/6; label 2 costs
 * -ln(1/2) = ln 2; dlogits = probs - onehot. Shifting by 50 changes nothing. */
Test(kernels, hand_softmax)
{
    const ln_kernels *k = ln_kernels_scalar();
    const float z[6] = {0.0f, 0.69314718f, 1.09861229f, 50.0f, 50.69314718f, 51.09861229f};
    const uint8_t labels[2] = {2, 0};
    float p[6], d[6];
    double loss = k->softmax_xent(2, 3, z, labels, 1.0f, p, d);
    const double probs[6] = {1 / 6.0, 2 / 6.0, 3 / 6.0, 1 / 6.0, 2 / 6.0, 3 / 6.0};
    expect_literal("softmax probs", p, probs, 6, 1e-5); /* 50 + ln 2 in float: ulp 4e-6 */
    expect_literal("softmax dlogits", d,
                   (const double[]){1 / 6.0, 2 / 6.0, -0.5, 1 / 6.0 - 1, 2 / 6.0, 3 / 6.0}, 6, 1e-5);
    cr_assert(fabs(loss - (log(2.0) + log(6.0))) < 1e-5, "softmax loss %.9g, expected ln 2 + ln 6", loss);
}

Test(kernels, hand_tanh_relu)
{
    const ln_kernels *k = ln_kernels_scalar();
    const float x[7] = {0.0f, 0.5f, 1.0f, -2.0f, 20.0f, -20.0f, 1e-4f};
    float y[7];
    k->tanh_fwd(7, x, y);
    expect_literal("tanh", y,
                   (const double[]){0.0, 0.46211715726000974, 0.7615941559557649, -0.9640275800758169,
                                    1.0, -1.0, 9.999999966666668e-05},
                   7, 1e-7);
    k->relu_fwd(7, x, y);
    expect_literal("relu", y, (const double[]){0, 0.5, 1, 0, 20, 0, 1e-4f}, 7, 0.0);
}
