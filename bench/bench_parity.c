/* lenet-bench parity: the numerics of every kernel of every kernel set this
 * CPU runs, for users who regression-check them. Each kernel runs on
 * LeNet-5's shapes (kcase.c, at --batch) and on generated edge shapes (the
 * test suite's lists, tests/shapes.c: odd sizes, tails of 1..17 lanes, 1x1
 * planes, batch 1..9), against its scalar twin and the double-precision
 * oracle (tests/oracle.c; a few small double references below for the
 * kernels it lacks). One row per (set, kernel): the largest absolute,
 * relative and ULP errors against each, the tolerance and the verdict. A
 * kernel a set inherits from the set below it is checked all the same, and
 * its row says where it comes from.
 *
 * A row passes when every element is within the tolerance against scalar
 * (parity_tol.h, as tests/test_parity.c) and within that plus the scalar
 * kernel's own bound against the oracle (as tests/test_kernels.c); where no
 * such bound is documented (sgd, chan_affine, rbf) the oracle column is
 * information. Outputs are NaN-poisoned before each call and followed by
 * guard words, inputs checked unchanged, every other case misaligned by one
 * float.
 *
 * Self-check: LENET_BENCH_PARITY_MUTATE=KERNEL perturbs that kernel's first
 * output after every call of a set under test (for conv2d_scratch: writes
 * past the scratch it asked for), so its rows must fail and the command
 * exit 1. */
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "core/rng.h"
#include "kcase.h"
#include "oracle.h"
#include "parity_tol.h"
#include "shapes.h"

enum { MAX_SETS = 8, GUARD = 16, MAX_BUFS = 48, MAX_LENET = 64 };
static const uint32_t GUARD_BITS = 0x7fa5a5a5u; /* a signalling-NaN pattern */

typedef struct popts {
    const char *isa;
    int batch, stride, json;
} popts;

/* ---- rows ---- */

typedef struct errs {
    double abs, rel, ulp; /* the largest |d|, |d| / |ref|, |d| / ulp(ref) */
} errs;

typedef struct prow {
    const char *isa, *from, *tol;
    int kernel, elementwise, oracle_judged, has_oracle, numeric;
    long cases, failed, elems, loose;
    errs vs_scalar, vs_oracle;
    char first[480];
} prow;

typedef struct pctx {
    const ln_kernels *k;  /* the set under test (the table ln_kernels_select gave) */
    prow *rows;           /* LN_NKERNELS of them */
    prow *cur;            /* the row of the case running */
    char where[200];      /* the case running, for failure messages */
    int mutate;           /* kernel index to perturb, or -1 */
    int case_bad;         /* the case running has failed already */
} pctx;

static int kernel_index(const char *name)
{
    for (int i = 0; i < LN_NKERNELS; i++)
        if (!strcmp(ln_kernel_names[i], name)) return i;
    return -1;
}

static void begin(pctx *c, const char *kernel, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void begin(pctx *c, const char *kernel, const char *fmt, ...)
{
    int i = kernel_index(kernel);
    if (i < 0) abort(); /* a name this file spells wrong: caught by any run */
    c->cur = &c->rows[i];
    c->cur->cases++;
    c->case_bad = 0;
    int n = snprintf(c->where, sizeof c->where, "%s[%s] ", kernel, c->k->isa);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->where + n, sizeof c->where - (size_t)n, fmt, ap);
    va_end(ap);
}

static void fail(pctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(pctx *c, const char *fmt, ...)
{
    prow *r = c->cur;
    if (c->case_bad) return; /* one failure per case */
    c->case_bad = 1;
    if (r->failed++) return;
    char msg[240];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(r->first, sizeof r->first, "%s: %s", c->where, msg);
}

/* ---- buffers ---- */

typedef struct arena {
    void *blk[MAX_BUFS];
    int n, off; /* off: floats of misalignment of every float buffer */
} arena;

static void *arena_alloc(arena *a, size_t bytes)
{
    void *p = a->n < MAX_BUFS ? calloc(1, bytes ? bytes : 1) : NULL;
    if (!p) {
        fprintf(stderr, "lenet-bench parity: out of memory\n");
        exit(BENCH_RUNTIME);
    }
    return a->blk[a->n++] = p;
}

static void arena_free(arena *a)
{
    while (a->n) free(a->blk[--a->n]);
}

static float *in_buf(arena *a, size_t n) /* exactly n floats */
{
    return (float *)arena_alloc(a, (n + (size_t)a->off) * sizeof(float)) + a->off;
}

static float *out_buf(arena *a, size_t n) /* n floats, then GUARD guard words */
{
    float *p = (float *)arena_alloc(a, (n + GUARD + (size_t)a->off) * sizeof(float)) + a->off;
    for (size_t i = 0; i < GUARD; i++) memcpy(p + n + i, &GUARD_BITS, sizeof GUARD_BITS);
    return p;
}

static double *dbl(arena *a, size_t n) { return arena_alloc(a, n * sizeof(double)); } /* zeroed */

static double *to_dbl(arena *a, const float *p, size_t n)
{
    double *d = dbl(a, n);
    for (size_t i = 0; i < n; i++) d[i] = p[i];
    return d;
}

static float *copy_of(arena *a, const float *p, size_t n)
{
    float *c = in_buf(a, n);
    memcpy(c, p, n * sizeof *c);
    return c;
}

static float *abs_of(arena *a, const float *p, size_t n)
{
    float *c = in_buf(a, n);
    for (size_t i = 0; i < n; i++) c[i] = fabsf(p[i]);
    return c;
}

static void poison(float *p, size_t n)
{
    for (size_t i = 0; i < n; i++) p[i] = NAN;
}

static void fill(ln_rng *r, float *p, size_t n, float lo, float hi)
{
    for (size_t i = 0; i < n; i++) p[i] = lo + (hi - lo) * ln_rng_uniform(r);
}

static double ulp(double r)
{
    float a = fabsf((float)r);
    if (isinf(a)) a = FLT_MAX;
    return (double)nextafterf(a, INFINITY) - (double)a;
}

static int guard_ok(const float *p, size_t n)
{
    for (size_t i = 0; i < GUARD; i++)
        if (memcmp(p + n + i, &GUARD_BITS, sizeof GUARD_BITS) != 0) return 0;
    return 1;
}

/* The self-check: perturb what the kernel under test just wrote. */
static void mutate(pctx *c, float *out, size_t n)
{
    if (c->mutate < 0 || c->cur != &c->rows[c->mutate] || n == 0) return;
    float *v = &out[n / 2];
    *v += 1e-3f * (1.0f + fabsf(*v));
}

/* ---- comparisons ---- */

typedef enum { CMP_TOL, CMP_EXACT, CMP_BITS } cmp_mode;

/* One output of a call: the set's, its scalar twin's, the oracle's. */
typedef struct out_check {
    const char *what;
    const float *got, *ref;
    size_t n;
    cmp_mode mode;        /* against scalar */
    const double *tol;    /* CMP_TOL: per element */
    const double *oracle; /* NULL: none */
    const double *otol;   /* per element; NULL: reported, not judged */
} out_check;

/* |d| against |ref| floored at 2^-10 of the output's largest |ref|, so a
 * sum that cancels to ~0 is not divided by ~0 (relative and ULP alike). */
static void errs_add(errs *e, double d, double ref, double floor_, int elementwise)
{
    double m = fmax(fabs(ref), floor_);
    e->abs = fmax(e->abs, d);
    if (m > 0.0) e->rel = fmax(e->rel, d / m);
    if (elementwise) e->ulp = fmax(e->ulp, d / ulp(m));
}

/* Kept out of line, one loop per type: inlined into check_out, the
 * single fmax reduction over either pointer crashed GCC 12's AArch64
 * vectorizer (internal compiler error in vect_transform_reduction). */
static __attribute__((noinline)) double floor_of(const float *f, const double *d, size_t n)
{
    double m = 0.0;
    if (f)
        for (size_t i = 0; i < n; i++) {
            double a = fabs((double)f[i]);
            if (a > m) m = a;
        }
    else
        for (size_t i = 0; i < n; i++) {
            double a = fabs(d[i]);
            if (a > m) m = a;
        }
    return ldexp(m, -10);
}

static void check_out(pctx *c, const out_check *o)
{
    prow *r = c->cur;
    double fs = floor_of(o->ref, NULL, o->n), fo = o->oracle ? floor_of(NULL, o->oracle, o->n) : 0.0;
    int bad_s = 0, bad_o = 0;
    for (size_t i = 0; i < o->n; i++) {
        double g = o->got[i], s = o->ref[i], d = fabs(g - s);
        int ok = o->mode == CMP_BITS ? !memcmp(&o->got[i], &o->ref[i], sizeof(float))
                 : o->mode == CMP_EXACT ? o->got[i] == o->ref[i]
                                       : d <= o->tol[i];
        if (isnan(d)) d = INFINITY;
        errs_add(&r->vs_scalar, d, s, fs, r->elementwise);
        if (!ok && !bad_s++)
            fail(c, "%s[%zu] = %.9g, scalar %.9g: |d| = %.3g > %.3g (%s)", o->what, i, g, s, d,
                 o->mode == CMP_TOL ? o->tol[i] : 0.0, r->tol);
        if (o->oracle) {
            double od = fabs(g - o->oracle[i]);
            if (isnan(od)) od = INFINITY;
            errs_add(&r->vs_oracle, od, o->oracle[i], fo, r->elementwise);
            if (o->otol && !(od <= o->otol[i]) && !bad_o++)
                fail(c, "%s[%zu] = %.9g, oracle %.9g: |d| = %.3g > %.3g (the tolerance plus the scalar kernel's "
                     "bound against the oracle)", o->what, i, g, o->oracle[i], od, o->otol[i]);
        }
    }
    r->elems += (long)o->n;
    if (!guard_ok(o->got, o->n)) fail(c, "%s: wrote past the end of its %zu floats", o->what, o->n);
}

/* A double result (a loss): against scalar within tol, the oracle within otol. */
static void check_scalar_value(pctx *c, const char *what, double got, double ref, double tol, double oracle,
                               double otol)
{
    prow *r = c->cur;
    double d = fabs(got - ref), od = fabs(got - oracle);
    errs_add(&r->vs_scalar, isnan(d) ? INFINITY : d, ref, 0.0, 0);
    if (!(d <= tol)) fail(c, "%s %.12g, scalar %.12g: |d| = %.3g > %.3g", what, got, ref, d, tol);
    if (!isnan(oracle)) {
        errs_add(&r->vs_oracle, isnan(od) ? INFINITY : od, oracle, 0.0, 0);
        if (otol >= 0.0 && !(od <= otol))
            fail(c, "%s %.12g, oracle %.12g: |d| = %.3g > %.3g", what, got, oracle, od, otol);
    }
}

static void check_unchanged(pctx *c, const char *what, const float *now, const float *orig, size_t n)
{
    if (memcmp(now, orig, n * sizeof *now) != 0) fail(c, "input %s was modified", what);
}

/* ---- convolution and dense ---- */

typedef enum bop { CONV_FWD, CONV_BWD_DATA, CONV_BWD_WEIGHTS, DENSE_FWD, DENSE_BWD_DATA, DENSE_BWD_WEIGHTS } bop;
static const char *const bop_names[] = {"conv2d_fwd", "conv2d_bwd_data", "conv2d_bwd_weights",
                                        "dense_fwd",  "dense_bwd_data",  "dense_bwd_weights"};

typedef struct bcall {
    bop op;
    ln_conv_shape cs;
    int n, in, out;
    int nin, nout, acc;
    size_t in_len[3], out_len[2];
    float lim[3];
    const char *in_name[3], *out_name[2];
    char shape[96];
} bcall;

static bcall bcall_make(bop o, const ln_conv_shape *s, int n, int in, int out)
{
    bcall b = {.op = o};
    size_t nx, nw, ny, nb;
    float glorot;
    if (o <= CONV_BWD_WEIGHTS) {
        b.cs = *s;
        nx = (size_t)s->n * s->ic * s->ih * s->iw, nw = (size_t)s->oc * s->ic * s->kh * s->kw;
        ny = (size_t)s->n * s->oc * s->oh * s->ow, nb = (size_t)s->oc;
        glorot = sqrtf(6.0f / (float)((s->ic + s->oc) * s->kh * s->kw));
        snprintf(b.shape, sizeof b.shape, "n=%d ic=%d %dx%d oc=%d k=%dx%d pad=%d,%d", s->n, s->ic, s->ih, s->iw,
                 s->oc, s->kh, s->kw, s->pad_h, s->pad_w);
    } else {
        b.n = n, b.in = in, b.out = out;
        nx = (size_t)n * in, nw = (size_t)out * in, ny = (size_t)n * out, nb = (size_t)out;
        glorot = sqrtf(6.0f / (float)(in + out));
        snprintf(b.shape, sizeof b.shape, "n=%d in=%d out=%d", n, in, out);
    }
    int pass = (int)o % 3;
    if (pass == 0)
        b.nin = 3, b.nout = 1, b.in_len[0] = nx, b.in_len[1] = nw, b.in_len[2] = nb, b.out_len[0] = ny,
        b.lim[0] = 1.0f, b.lim[1] = glorot, b.lim[2] = 0.1f, b.in_name[0] = "x", b.in_name[1] = "w",
        b.in_name[2] = "b", b.out_name[0] = "y";
    else if (pass == 1)
        b.nin = 2, b.nout = 1, b.in_len[0] = ny, b.in_len[1] = nw, b.out_len[0] = nx, b.lim[0] = 1.0f,
        b.lim[1] = glorot, b.in_name[0] = "dy", b.in_name[1] = "w", b.out_name[0] = "dx";
    else
        b.nin = 2, b.nout = 2, b.acc = 1, b.in_len[0] = nx, b.in_len[1] = ny, b.out_len[0] = nw, b.out_len[1] = nb,
        b.lim[0] = b.lim[1] = 1.0f, b.in_name[0] = "x", b.in_name[1] = "dy", b.out_name[0] = "dw",
        b.out_name[1] = "db";
    return b;
}

static void bcall_run(const ln_kernels *k, const bcall *b, float *const *in, float *const *out, float *scratch)
{
    const ln_conv_shape *s = &b->cs;
    switch (b->op) {
    case CONV_FWD: k->conv2d_fwd(s, in[0], in[1], in[2], out[0], scratch); break;
    case CONV_BWD_DATA: k->conv2d_bwd_data(s, in[0], in[1], out[0], scratch); break;
    case CONV_BWD_WEIGHTS: k->conv2d_bwd_weights(s, in[0], in[1], out[0], out[1], scratch); break;
    case DENSE_FWD: k->dense_fwd(b->n, b->in, b->out, in[0], in[1], in[2], out[0]); break;
    case DENSE_BWD_DATA: k->dense_bwd_data(b->n, b->in, b->out, in[0], in[1], out[0]); break;
    case DENSE_BWD_WEIGHTS: k->dense_bwd_weights(b->n, b->in, b->out, in[0], in[1], out[0], out[1]); break;
    }
}

static void bcall_oracle(const bcall *b, double *const *in, double *const *out)
{
    const ln_conv_shape *s = &b->cs;
    switch (b->op) {
    case CONV_FWD: or_conv2d_fwd(s, in[0], in[1], in[2], out[0]); break;
    case CONV_BWD_DATA: or_conv2d_bwd_data(s, in[0], in[1], out[0]); break;
    case CONV_BWD_WEIGHTS: or_conv2d_bwd_weights(s, in[0], in[1], out[0], out[1]); break;
    case DENSE_FWD: or_dense_fwd(b->n, b->in, b->out, in[0], in[1], in[2], out[0]); break;
    case DENSE_BWD_DATA: or_dense_bwd_data(b->n, b->in, b->out, in[0], in[1], out[0]); break;
    case DENSE_BWD_WEIGHTS: or_dense_bwd_weights(b->n, b->in, b->out, in[0], in[1], out[0], out[1]); break;
    }
}

static void check_bilinear(pctx *c, const bcall *b, uint64_t seed)
{
    const ln_kernels *k = c->k, *sc = ln_kernels_scalar();
    arena a = {.off = (int)(seed & 1)};
    ln_rng r;
    ln_rng_seed(&r, seed);
    float *in[3] = {0}, *orig[3] = {0}, *absin[3] = {0}, *ref[2] = {0}, *mag[2] = {0}, *got[2] = {0};
    double *din[3] = {0}, *dout[2] = {0};
    for (int i = 0; i < b->nin; i++) {
        in[i] = in_buf(&a, b->in_len[i]);
        fill(&r, in[i], b->in_len[i], -b->lim[i], b->lim[i]);
        orig[i] = copy_of(&a, in[i], b->in_len[i]);
        absin[i] = abs_of(&a, in[i], b->in_len[i]);
        din[i] = to_dbl(&a, in[i], b->in_len[i]);
    }
    for (int o = 0; o < b->nout; o++) {
        size_t n = b->out_len[o];
        ref[o] = out_buf(&a, n), mag[o] = out_buf(&a, n), got[o] = out_buf(&a, n), dout[o] = dbl(&a, n);
        if (b->acc) { /* the same known start everywhere */
            fill(&r, ref[o], n, -0.5f, 0.5f);
            for (size_t i = 0; i < n; i++) got[o][i] = ref[o][i], mag[o][i] = fabsf(ref[o][i]), dout[o][i] = ref[o][i];
        } else {
            poison(ref[o], n), poison(mag[o], n), poison(got[o], n);
        }
    }
    int conv = b->op <= CONV_BWD_WEIGHTS;
    size_t nss = conv ? sc->conv2d_scratch(&b->cs) : 0, nks = conv ? k->conv2d_scratch(&b->cs) : 0;
    float *ss = out_buf(&a, nss), *ks = out_buf(&a, nks);
    poison(ss, nss), poison(ks, nks); /* a kernel must not rely on zeroed scratch */
    bcall_run(sc, b, in, ref, ss);
    bcall_run(sc, b, absin, mag, ss);
    bcall_oracle(b, din, dout);

    const char *name = bop_names[b->op];
    begin(c, name, "%s seed=%llu%s", b->shape, (unsigned long long)seed, a.off ? " (misaligned)" : "");
    bcall_run(k, b, in, got, ks);
    mutate(c, got[0], b->out_len[0]);
    for (int o = 0; o < b->nout; o++) {
        size_t n = b->out_len[o];
        double *tol = dbl(&a, n), *otol = dbl(&a, n);
        for (size_t i = 0; i < n; i++) {
            tol[i] = LN_TOL_BILINEAR_ABS + LN_TOL_BILINEAR_REL * (double)mag[o][i];
            otol[i] = tol[i] + LN_ORACLE_BILINEAR_ABS + LN_ORACLE_BILINEAR_REL * fabs(dout[o][i]);
            c->cur->loose += fabs((double)got[o][i] - (double)ref[o][i]) >
                             LN_TOL_BILINEAR_ABS + LN_TOL_BILINEAR_REL * fabs((double)ref[o][i]);
        }
        check_out(c, &(out_check){b->out_name[o], got[o], ref[o], n, CMP_TOL, tol, dout[o], otol});
    }
    for (int i = 0; i < b->nin; i++) check_unchanged(c, b->in_name[i], in[i], orig[i], b->in_len[i]);
    if (conv) {
        /* the conv2d_scratch row: the size it gave covers what the kernel wrote */
        begin(c, "conv2d_scratch", "for %s %s seed=%llu", name, b->shape, (unsigned long long)seed);
        if (c->mutate >= 0 && c->cur == &c->rows[c->mutate]) ks[nks] = 0.0f; /* into the guard */
        if (!guard_ok(ks, nks))
            fail(c, "%s wrote past the %zu floats of scratch conv2d_scratch asked for", name, nks);
    }
    arena_free(&a);
}

/* ---- pooling ---- */

static void check_pool(pctx *c, int max, const ln_pool_shape *s, uint64_t seed, int ties)
{
    const ln_kernels *k = c->k, *sc = ln_kernels_scalar();
    arena a = {.off = (int)(seed & 1)};
    ln_rng r;
    ln_rng_seed(&r, seed);
    size_t nx = (size_t)s->planes * s->h * s->w, ny = (size_t)s->planes * (s->h / 2) * (s->w / 2);
    float *x = in_buf(&a, nx), *dy = in_buf(&a, ny);
    fill(&r, x, nx, -1.0f, 1.0f);
    fill(&r, dy, ny, -1.0f, 1.0f);
    if (ties) /* few distinct values: many windows hold their maximum twice */
        for (size_t i = 0; i < nx; i++) x[i] = roundf(x[i] * 2.0f) * 0.5f + 0.0f;
    float *x0 = copy_of(&a, x, nx), *dy0 = copy_of(&a, dy, ny), *ax = abs_of(&a, x, nx);
    float *yref = out_buf(&a, ny), *y = out_buf(&a, ny), *ymag = out_buf(&a, ny);
    float *dxref = out_buf(&a, nx), *dx = out_buf(&a, nx);
    double *xd = to_dbl(&a, x, nx), *dyd = to_dbl(&a, dy, ny), *yo = dbl(&a, ny), *dxo = dbl(&a, nx);
    double *zero_y = dbl(&a, ny), *zero_x = dbl(&a, nx);
    const char *fname = max ? "maxpool2_fwd" : "avgpool2_fwd", *bname = max ? "maxpool2_bwd" : "avgpool2_bwd";
    char shape[80];
    snprintf(shape, sizeof shape, "planes=%d %dx%d%s seed=%llu%s", s->planes, s->h, s->w, ties ? " (ties)" : "",
             (unsigned long long)seed, a.off ? " (misaligned)" : "");

    (max ? sc->maxpool2_fwd : sc->avgpool2_fwd)(s, x, yref);
    (max ? sc->maxpool2_fwd : sc->avgpool2_fwd)(s, ax, ymag);
    (max ? or_maxpool2_fwd : or_avgpool2_fwd)(s->planes, s->h, s->w, xd, yo);
    poison(y, ny);
    begin(c, fname, "%s", shape);
    (max ? k->maxpool2_fwd : k->avgpool2_fwd)(s, x, y);
    mutate(c, y, ny);
    if (max) {
        check_out(c, &(out_check){"y", y, yref, ny, CMP_BITS, NULL, yo, zero_y});
    } else {
        double *tol = dbl(&a, ny), *otol = dbl(&a, ny);
        for (size_t i = 0; i < ny; i++) {
            tol[i] = fmax(LN_TOL_AVGPOOL_ULP * ulp(yref[i]), LN_TOL_AVGPOOL_CANCEL * (double)ymag[i]);
            otol[i] = tol[i] + LN_ORACLE_AVGPOOL_ABS;
        }
        check_out(c, &(out_check){"y", y, yref, ny, CMP_TOL, tol, yo, otol});
    }
    check_unchanged(c, "x", x, x0, nx);

    /* backward gets the scalar forward output, so only bwd is compared */
    (max ? sc->maxpool2_bwd : sc->avgpool2_bwd)(s, x, yref, dy, dxref);
    if (max) or_maxpool2_bwd(s->planes, s->h, s->w, xd, dyd, dxo);
    else or_avgpool2_bwd(s->planes, s->h, s->w, dyd, dxo);
    poison(dx, nx);
    begin(c, bname, "%s", shape);
    (max ? k->maxpool2_bwd : k->avgpool2_bwd)(s, x, yref, dy, dx);
    mutate(c, dx, nx);
    check_out(c, &(out_check){"dx", dx, dxref, nx, CMP_BITS, NULL, dxo, zero_x});
    check_unchanged(c, "x", x, x0, nx);
    check_unchanged(c, "dy", dy, dy0, ny);
    arena_free(&a);
}

/* ---- activations ---- */

/* Mostly [-6, 6], with values near 0, around the saturation point, far in
 * the flat tails, and a few special ones first (as tests/test_parity.c). */
static void fill_squash(ln_rng *r, float *x, size_t len)
{
    static const float special[] = {0.0f, -0.0f, 1e-30f, -1e-40f, 0.5f, -9.0f, 9.0f, 88.0f, -1e4f};
    for (size_t i = 0; i < len; i++) {
        float u = ln_rng_uniform(r), sgn = ln_rng_uniform(r) < 0.5f ? -1.0f : 1.0f;
        if (i < sizeof special / sizeof special[0] && len >= 32) x[i] = special[i];
        else if (i % 13 == 5) x[i] = (u - 0.5f) * 2e-4f;
        else if (i % 13 == 9) x[i] = sgn * (7.0f + 6.0f * u);
        else if (i % 29 == 17) x[i] = sgn * (20.0f + 1e4f * u);
        else x[i] = -6.0f + 12.0f * u;
    }
}

/* kind: 0 tanh, 1 stanh, 2 sigmoid */
static void check_squash(pctx *c, int kind, size_t len, uint64_t seed)
{
    static const char *const fwd_names[] = {"tanh_fwd", "stanh_fwd", "sigmoid_fwd"};
    static const char *const bwd_names[] = {"tanh_bwd", "stanh_bwd", "sigmoid_bwd"};
    const ln_kernels *k = c->k, *sc = ln_kernels_scalar();
    arena a = {.off = (int)(seed & 1)};
    ln_rng r;
    ln_rng_seed(&r, seed);
    float *x = in_buf(&a, len), *dy = in_buf(&a, len);
    fill_squash(&r, x, len);
    fill(&r, dy, len, -1.0f, 1.0f);
    float *x0 = copy_of(&a, x, len), *dy0 = copy_of(&a, dy, len);
    float *yref = out_buf(&a, len), *y = out_buf(&a, len), *dxref = out_buf(&a, len), *dx = out_buf(&a, len);
    double *tol = dbl(&a, len), *otol = dbl(&a, len), *xd = to_dbl(&a, x, len), *yo = dbl(&a, len);
    ln_act_fwd_fn f = kind == 0 ? k->tanh_fwd : kind == 1 ? k->stanh_fwd : k->sigmoid_fwd;
    ln_act_fwd_fn fref = kind == 0 ? sc->tanh_fwd : kind == 1 ? sc->stanh_fwd : sc->sigmoid_fwd;
    ln_act_bwd_fn g = kind == 0 ? k->tanh_bwd : kind == 1 ? k->stanh_bwd : k->sigmoid_bwd;
    ln_act_bwd_fn gref = kind == 0 ? sc->tanh_bwd : kind == 1 ? sc->stanh_bwd : sc->sigmoid_bwd;
    void (*of)(size_t, const double *, double *) = kind == 0 ? or_tanh_fwd : kind == 1 ? or_stanh_fwd : or_sigmoid_fwd;
    void (*og)(size_t, const double *, const double *, double *) =
        kind == 0 ? or_tanh_bwd : kind == 1 ? or_stanh_bwd : or_sigmoid_bwd;
    const char *mis = a.off ? " (misaligned)" : "";

    fref(len, x, yref);
    of(len, xd, yo);
    poison(y, len);
    begin(c, fwd_names[kind], "len=%zu seed=%llu%s", len, (unsigned long long)seed, mis);
    f(len, x, y);
    mutate(c, y, len);
    double floor_abs = kind == 2 ? LN_TOL_SIGMOID_ABS : LN_TOL_TANH_ABS;
    double orel = kind == 0 ? LN_ORACLE_TANH_REL : LN_ORACLE_SQUASH_REL;
    double oabs = kind == 0 ? LN_ORACLE_TANH_ABS : LN_ORACLE_SQUASH_ABS;
    for (size_t i = 0; i < len; i++) {
        tol[i] = fmax(LN_TOL_SQUASH_ULP * ulp(yref[i]), floor_abs);
        otol[i] = tol[i] + oabs + orel * fabs(yo[i]);
    }
    check_out(c, &(out_check){"y", y, yref, len, CMP_TOL, tol, yo, otol});
    check_unchanged(c, "x", x, x0, len);

    /* backward takes the scalar forward output */
    double *yd = to_dbl(&a, yref, len), *dyd = to_dbl(&a, dy, len), *dxo = dbl(&a, len);
    gref(len, yref, dy, dxref);
    og(len, yd, dyd, dxo);
    poison(dx, len);
    begin(c, bwd_names[kind], "len=%zu seed=%llu%s", len, (unsigned long long)seed, mis);
    g(len, yref, dy, dx);
    mutate(c, dx, len);
    double bo_abs = kind == 0 ? LN_ORACLE_TANH_BWD_ABS : LN_ORACLE_SQUASH_BWD_ABS;
    double bo_rel = kind == 0 ? 0.0 : LN_ORACLE_SQUASH_BWD_REL;
    for (size_t i = 0; i < len; i++) {
        tol[i] = LN_TOL_SQUASH_BWD_ULP * ulp(dxref[i]) + LN_TOL_SQUASH_BWD_DY * fabs((double)dy[i]);
        otol[i] = tol[i] + bo_abs + bo_rel * fabs(dxo[i]);
    }
    check_out(c, &(out_check){"dx", dx, dxref, len, CMP_TOL, tol, dxo, otol});
    check_unchanged(c, "dy", dy, dy0, len);
    float *io = out_buf(&a, len);
    memcpy(io, dy, len * sizeof *io);
    g(len, yref, io, io); /* in place, as ln_backward runs it */
    mutate(c, io, len);
    check_out(c, &(out_check){"dx (in place)", io, dxref, len, CMP_TOL, tol, dxo, otol});
    arena_free(&a);
}

static void check_relu(pctx *c, size_t len, uint64_t seed)
{
    const ln_kernels *k = c->k, *sc = ln_kernels_scalar();
    arena a = {.off = (int)(seed & 1)};
    ln_rng r;
    ln_rng_seed(&r, seed);
    float *x = in_buf(&a, len), *dy = in_buf(&a, len);
    fill(&r, x, len, -2.0f, 2.0f);
    fill(&r, dy, len, -1.0f, 1.0f);
    for (size_t i = 0; i < len; i += 5) x[i] = i % 2 ? 0.0f : -0.0f;    /* the kink itself */
    for (size_t i = 3; i < len; i += 17) x[i] = i % 2 ? 1e-40f : -1e-40f; /* subnormals */
    float *x0 = copy_of(&a, x, len), *dy0 = copy_of(&a, dy, len);
    float *yref = out_buf(&a, len), *y = out_buf(&a, len), *dxref = out_buf(&a, len), *dx = out_buf(&a, len);
    double *xd = to_dbl(&a, x, len), *dyd = to_dbl(&a, dy, len), *yo = dbl(&a, len), *dxo = dbl(&a, len);
    double *zero = dbl(&a, len);
    const char *mis = a.off ? " (misaligned)" : "";
    sc->relu_fwd(len, x, yref);
    or_relu_fwd(len, xd, yo);
    poison(y, len);
    begin(c, "relu_fwd", "len=%zu seed=%llu%s", len, (unsigned long long)seed, mis);
    k->relu_fwd(len, x, y);
    mutate(c, y, len);
    check_out(c, &(out_check){"y", y, yref, len, CMP_EXACT, NULL, yo, zero});
    check_unchanged(c, "x", x, x0, len);

    sc->relu_bwd(len, x, dy, dxref);
    or_relu_bwd(len, xd, dyd, dxo);
    poison(dx, len);
    begin(c, "relu_bwd", "len=%zu seed=%llu%s", len, (unsigned long long)seed, mis);
    k->relu_bwd(len, x, dy, dx);
    mutate(c, dx, len);
    check_out(c, &(out_check){"dx", dx, dxref, len, CMP_EXACT, NULL, dxo, zero});
    check_unchanged(c, "x", x, x0, len);
    check_unchanged(c, "dy", dy, dy0, len);
    float *io = out_buf(&a, len);
    memcpy(io, dy, len * sizeof *io);
    k->relu_bwd(len, x, io, io); /* in place */
    mutate(c, io, len);
    check_out(c, &(out_check){"dx (in place)", io, dxref, len, CMP_EXACT, NULL, dxo, zero});
    arena_free(&a);
}

/* ---- softmax + cross-entropy ---- */

static void check_softmax(pctx *c, int n, int classes, float scale, uint64_t seed)
{
    const ln_kernels *k = c->k, *sc = ln_kernels_scalar();
    arena a = {.off = (int)(seed & 1)};
    ln_rng r;
    ln_rng_seed(&r, seed);
    size_t len = (size_t)n * classes;
    float *z = in_buf(&a, len);
    uint8_t *labels = arena_alloc(&a, (size_t)n);
    fill(&r, z, len, -8.0f, 8.0f);
    for (int i = 0; i < n; i++) {
        float *row = z + (size_t)i * classes;
        labels[i] = (uint8_t)ln_rng_below(&r, (uint32_t)classes);
        float shift = i % 3 == 1 ? 80.0f : i % 3 == 2 ? -80.0f : 0.0f; /* exp would overflow unshifted */
        for (int j = 0; j < classes; j++) row[j] += shift;
        if (i % 4 == 3) row[labels[i]] += 30.0f; /* p ~ 1 for the label */
        if (i % 5 == 4)
            for (int j = 0; j < classes; j++) row[j] = 1.5f; /* all equal */
    }
    float *z0 = copy_of(&a, z, len);
    float *pref = out_buf(&a, len), *p = out_buf(&a, len), *dref = out_buf(&a, len), *d = out_buf(&a, len);
    double *ptol = dbl(&a, len), *dtol = dbl(&a, len), *potol = dbl(&a, len), *dotol = dbl(&a, len);
    double *zd = to_dbl(&a, z, len), *po = dbl(&a, len), *dlo = dbl(&a, len);
    double lref = sc->softmax_xent(n, classes, z, labels, scale, pref, dref);
    double lo = or_softmax_xent(n, classes, zd, labels, scale, po, dlo);
    for (size_t i = 0; i < len; i++) {
        ptol[i] = LN_TOL_SOFTMAX_PROBS_REL * fabs((double)pref[i]) + LN_TOL_SOFTMAX_PROBS_ABS;
        dtol[i] = fabs((double)scale) * (LN_TOL_SOFTMAX_DLOGITS_REL * (double)pref[i] + LN_TOL_SOFTMAX_DLOGITS_ABS);
        potol[i] = ptol[i] + LN_ORACLE_SOFTMAX_ABS + LN_ORACLE_SOFTMAX_REL * fabs(po[i]);
        dotol[i] = dtol[i] + LN_ORACLE_SOFTMAX_DLOGITS * fabs((double)scale) + LN_ORACLE_SOFTMAX_REL * fabs(dlo[i]);
    }
    double ltol = LN_TOL_SOFTMAX_LOSS_REL * fabs(lref) + LN_TOL_SOFTMAX_LOSS_ROW * n;
    double lotol = ltol + LN_ORACLE_SOFTMAX_LOSS_ROW * n + LN_ORACLE_SOFTMAX_LOSS_REL * fabs(lo);
    for (int mode = 0; mode < 3; mode++) { /* training; loss only; probabilities only */
        static const char *const modes[] = {"", " (no dlogits)", " (no labels)"};
        poison(p, len), poison(d, len);
        begin(c, "softmax_xent", "n=%d classes=%d scale=%g%s seed=%llu%s", n, classes, (double)scale, modes[mode],
              (unsigned long long)seed, a.off ? " (misaligned)" : "");
        double loss = k->softmax_xent(n, classes, z, mode == 2 ? NULL : labels, mode ? 0.0f : scale, p,
                                      mode ? NULL : d);
        mutate(c, p, len);
        check_out(c, &(out_check){"probs", p, pref, len, CMP_TOL, ptol, po, potol});
        if (mode == 0) check_out(c, &(out_check){"dlogits", d, dref, len, CMP_TOL, dtol, dlo, dotol});
        else if (!guard_ok(d, len)) fail(c, "dlogits (not asked for): written past the end");
        if (mode < 2) check_scalar_value(c, "loss", loss, lref, ltol, lo, lotol);
        else if (loss != 0.0) fail(c, "loss %.9g without labels, expected 0", loss);
        check_unchanged(c, "logits", z, z0, len);
    }
    arena_free(&a);
}

/* ---- SGD, per-channel affine, RBF: small double references here ---- */

static void check_sgd(pctx *c, size_t len, const ln_sgd *o, uint64_t seed)
{
    const ln_kernels *k = c->k, *sc = ln_kernels_scalar();
    arena a = {.off = (int)(seed & 1)};
    ln_rng r;
    ln_rng_seed(&r, seed);
    float *g = in_buf(&a, len), *wref = out_buf(&a, len), *vref = out_buf(&a, len), *w = out_buf(&a, len),
          *vel = out_buf(&a, len);
    fill(&r, g, len, -1.0f, 1.0f);
    fill(&r, wref, len, -0.5f, 0.5f);
    fill(&r, vref, len, -0.2f, 0.2f);
    memcpy(w, wref, len * sizeof *w);
    memcpy(vel, vref, len * sizeof *vel);
    float *g0 = copy_of(&a, g, len);
    double *wo = dbl(&a, len), *vo = dbl(&a, len), *tw = dbl(&a, len), *tv = dbl(&a, len);
    for (size_t i = 0; i < len; i++) { /* kernels.h's rule in double */
        double gi = (double)g[i] + (double)o->weight_decay * wref[i], v = vref[i];
        if (o->momentum != 0.0f) v = (double)o->momentum * v + gi;
        double step = o->momentum == 0.0f ? gi : o->nesterov ? gi + (double)o->momentum * v : v;
        wo[i] = (double)wref[i] - (double)o->lr * step, vo[i] = v;
    }
    sc->sgd(len, wref, vref, g, o);
    for (size_t i = 0; i < len; i++) tw[i] = LN_TOL_SGD_ULP * ulp(wref[i]), tv[i] = LN_TOL_SGD_ULP * ulp(vref[i]);
    begin(c, "sgd", "len=%zu lr=%g mu=%g wd=%g nesterov=%d seed=%llu%s", len, (double)o->lr, (double)o->momentum,
          (double)o->weight_decay, o->nesterov, (unsigned long long)seed, a.off ? " (misaligned)" : "");
    k->sgd(len, w, vel, g, o);
    mutate(c, w, len);
    check_out(c, &(out_check){"w", w, wref, len, CMP_TOL, tw, wo, NULL});
    check_out(c, &(out_check){"v", vel, vref, len, CMP_TOL, tv, vo, NULL});
    check_unchanged(c, "g", g, g0, len);
    arena_free(&a);
}

static void check_chan_affine(pctx *c, int n, int ch, int hw, uint64_t seed)
{
    const ln_kernels *k = c->k, *sc = ln_kernels_scalar();
    arena a = {.off = (int)(seed & 1)};
    ln_rng r;
    ln_rng_seed(&r, seed);
    size_t len = (size_t)n * ch * hw;
    float *x = in_buf(&a, len), *dy = in_buf(&a, len), *s = in_buf(&a, (size_t)ch), *b = in_buf(&a, (size_t)ch);
    fill(&r, x, len, -2.0f, 2.0f);
    fill(&r, dy, len, -1.0f, 1.0f);
    fill(&r, s, (size_t)ch, -0.6f, 0.6f);
    fill(&r, b, (size_t)ch, -0.5f, 0.5f);
    const float *bias = seed & 2 ? NULL : b, mult = 4.0f;
    float *x0 = copy_of(&a, x, len), *yref = out_buf(&a, len), *y = out_buf(&a, len);
    double *yo = dbl(&a, len), *dso = dbl(&a, (size_t)ch), *dbo = dbl(&a, (size_t)ch);
    double *ts = dbl(&a, (size_t)ch), *tb = dbl(&a, (size_t)ch);
    for (int i = 0; i < n; i++)
        for (int q = 0; q < ch; q++)
            for (int j = 0; j < hw; j++) {
                size_t o = ((size_t)i * ch + q) * hw + j;
                yo[o] = (double)s[q] * mult * x[o] + (bias ? bias[q] : 0.0);
            }
    sc->chan_affine(n, ch, hw, mult, x, s, bias, yref);
    poison(y, len);
    begin(c, "chan_affine", "n=%d c=%d hw=%d%s seed=%llu%s", n, ch, hw, bias ? "" : " (no bias)",
          (unsigned long long)seed, a.off ? " (misaligned)" : "");
    k->chan_affine(n, ch, hw, mult, x, s, bias, y);
    mutate(c, y, len);
    check_out(c, &(out_check){"y", y, yref, len, CMP_BITS, NULL, yo, NULL});
    check_unchanged(c, "x", x, x0, len);

    /* parameter gradients accumulate onto known values */
    float *dsr = out_buf(&a, (size_t)ch), *dbr = out_buf(&a, (size_t)ch), *ds = out_buf(&a, (size_t)ch),
          *db = out_buf(&a, (size_t)ch);
    for (int q = 0; q < ch; q++) {
        dsr[q] = ds[q] = 0.25f * (float)q, dbr[q] = db[q] = -0.5f;
        double as = 0.0, ab = 0.0;
        dso[q] = dsr[q], dbo[q] = dbr[q];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < hw; j++) {
                size_t o = ((size_t)i * ch + q) * hw + j;
                as += fabs(mult * (double)dy[o] * x[o]), ab += fabs((double)dy[o]);
                dso[q] += (double)dy[o] * mult * x[o], dbo[q] += dy[o];
            }
        ts[q] = LN_TOL_CHAN_PARAMS_REL * (as + 0.25 * q) + LN_TOL_CHAN_PARAMS_ULP * ulp(dsr[q]) + LN_TOL_CHAN_PARAMS_ABS;
        tb[q] = LN_TOL_CHAN_PARAMS_REL * (ab + 0.5) + LN_TOL_CHAN_PARAMS_ABS;
    }
    sc->chan_affine_params(n, ch, hw, mult, x, dy, dsr, dbr);
    begin(c, "chan_affine_params", "n=%d c=%d hw=%d seed=%llu%s", n, ch, hw, (unsigned long long)seed,
          a.off ? " (misaligned)" : "");
    k->chan_affine_params(n, ch, hw, mult, x, dy, ds, db);
    mutate(c, ds, (size_t)ch);
    check_out(c, &(out_check){"ds", ds, dsr, (size_t)ch, CMP_TOL, ts, dso, NULL});
    check_out(c, &(out_check){"db", db, dbr, (size_t)ch, CMP_TOL, tb, dbo, NULL});
    arena_free(&a);
}

/* kernels.h's RBF in double: distances, scores = -y, the loss (MAP when
 * map_j >= 0) and dx. */
static double rbf_ref(int n, int in, int out, const float *x, const float *w, const uint8_t *labels, double map_j,
                      double scale, double *scores, double *dx)
{
    double loss = 0.0, y[256], e[256];
    for (int r = 0; r < n; r++) {
        const float *xr = x + (size_t)r * in;
        for (int i = 0; i < out; i++) {
            y[i] = 0.0;
            for (int j = 0; j < in; j++) y[i] += ((double)xr[j] - w[(size_t)i * in + j]) * ((double)xr[j] - w[(size_t)i * in + j]);
            scores[(size_t)r * out + i] = -y[i];
        }
        int l = labels[r];
        double z = map_j >= 0.0 ? exp(-map_j) : 0.0;
        for (int i = 0; i < out; i++) e[i] = exp(-y[i]), z += e[i];
        loss += y[l] + (map_j >= 0.0 ? log(z) : 0.0);
        for (int j = 0; j < in; j++) {
            double s = 0.0;
            for (int i = 0; i < out; i++) {
                double g = (i == l) - (map_j >= 0.0 ? e[i] / z : 0.0);
                s += g * 2.0 * ((double)xr[j] - w[(size_t)i * in + j]);
            }
            dx[(size_t)r * in + j] = scale * s;
        }
    }
    return loss;
}

static void check_rbf(pctx *c, int n, int in, int out, float map_j, uint64_t seed)
{
    const ln_kernels *k = c->k, *sc = ln_kernels_scalar();
    arena a = {.off = (int)(seed & 1)};
    ln_rng r;
    ln_rng_seed(&r, seed);
    size_t nx = (size_t)n * in, ns = (size_t)n * out;
    float *x = in_buf(&a, nx), *w = in_buf(&a, (size_t)out * in);
    uint8_t labels[64];
    fill(&r, x, nx, -1.7f, 1.7f);
    for (size_t i = 0; i < (size_t)out * in; i++) w[i] = ln_rng_uniform(&r) < 0.5f ? -1.0f : 1.0f;
    for (int i = 0; i < n; i++) labels[i] = (uint8_t)ln_rng_below(&r, (uint32_t)out);
    float *sref = out_buf(&a, ns), *s = out_buf(&a, ns), *dref = out_buf(&a, nx), *dx = out_buf(&a, nx);
    double *ts = dbl(&a, ns), *td = dbl(&a, nx), *so = dbl(&a, ns), *dxo = dbl(&a, nx);
    double lref = sc->rbf(n, in, out, x, w, labels, map_j, 0.5f, sref, dref);
    double lo = rbf_ref(n, in, out, x, w, labels, map_j, 0.5, so, dxo);
    poison(s, ns), poison(dx, nx);
    begin(c, "rbf", "n=%d in=%d out=%d map_j=%g seed=%llu%s", n, in, out, (double)map_j, (unsigned long long)seed,
          a.off ? " (misaligned)" : "");
    double l = k->rbf(n, in, out, x, w, labels, map_j, 0.5f, s, dx);
    mutate(c, s, ns);
    for (size_t i = 0; i < ns; i++) ts[i] = LN_TOL_RBF_SCORES_REL * fabs((double)sref[i]) + LN_TOL_RBF_SCORES_ABS;
    for (size_t i = 0; i < nx; i++) td[i] = LN_TOL_RBF_DX * (1.0 + fabs((double)dref[i]));
    check_out(c, &(out_check){"scores", s, sref, ns, CMP_TOL, ts, so, NULL});
    check_out(c, &(out_check){"dx", dx, dref, nx, CMP_TOL, td, dxo, NULL});
    check_scalar_value(c, "loss", l, lref, LN_TOL_RBF_LOSS_REL * fabs(lref) + LN_TOL_RBF_LOSS_ROW * n, lo, -1.0);
    arena_free(&a);
}

/* ---- the shape lists: LeNet-5's (kcase.c) and the generated ones ---- */

typedef struct lenet_shapes {
    ln_conv_shape conv[8];
    ts_dense dense[8];
    ln_pool_shape pool[8];
    size_t act[8];
    ts_softmax softmax[4];
    int nconv, ndense, npool, nact, nsoftmax;
} lenet_shapes;

static void lenet_of(int batch, lenet_shapes *l)
{
    kcase cs[MAX_LENET];
    int m = kcases_lenet(cs, 0, MAX_LENET, batch);
    memset(l, 0, sizeof *l);
    for (int i = 0; i < m; i++) {
        const kcase *k = &cs[i];
        if (k->pass != 0) continue; /* one entry per shape */
        if (k->fam == KF_CONV && l->nconv < 8) l->conv[l->nconv++] = k->conv;
        if (k->fam == KF_DENSE && l->ndense < 8) l->dense[l->ndense++] = (ts_dense){k->n, k->in, k->out};
        if (k->fam == KF_AVGPOOL && l->npool < 8) l->pool[l->npool++] = k->pool;
        if (k->fam == KF_TANH && l->nact < 8) l->act[l->nact++] = k->len;
        if (k->fam == KF_SOFTMAX && l->nsoftmax < 4) l->softmax[l->nsoftmax++] = (ts_softmax){k->n, k->out};
    }
}

static void run_set(pctx *c, const popts *o)
{
    lenet_shapes L;
    lenet_of(o->batch, &L);
    int st = o->stride;
    static ln_conv_shape conv[256];
    static ts_dense dense[256];
    static ln_pool_shape pool[512];
    static size_t lens[128];
    static ts_softmax smx[128];
    int nconv = ts_conv_shapes(conv, 256), ndense = ts_dense_shapes(dense, 256), npool = ts_pool_shapes(pool, 512);
    int nlens = ts_act_lengths(lens, 128), nsmx = ts_softmax_shapes(smx, 128);
    if (nconv > 256 || ndense > 256 || npool > 512 || nlens > 128 || nsmx > 128) abort(); /* grow the arrays */

    for (int op = CONV_FWD; op <= CONV_BWD_WEIGHTS; op++) {
        for (int i = 0; i < L.nconv; i++) {
            bcall b = bcall_make((bop)op, &L.conv[i], 0, 0, 0);
            check_bilinear(c, &b, 900000 + 1000 * (uint64_t)op + (uint64_t)i);
        }
        for (int i = 0; i < nconv; i += st) {
            bcall b = bcall_make((bop)op, &conv[i], 0, 0, 0);
            check_bilinear(c, &b, 100000 * (uint64_t)(op + 1) + (uint64_t)i);
        }
    }
    for (int op = DENSE_FWD; op <= DENSE_BWD_WEIGHTS; op++) {
        for (int i = 0; i < L.ndense; i++) {
            bcall b = bcall_make((bop)op, NULL, L.dense[i].n, L.dense[i].in, L.dense[i].out);
            check_bilinear(c, &b, 900000 + 1000 * (uint64_t)op + (uint64_t)i);
        }
        for (int i = 0; i < ndense; i += st) {
            bcall b = bcall_make((bop)op, NULL, dense[i].n, dense[i].in, dense[i].out);
            check_bilinear(c, &b, 100000 * (uint64_t)(op + 1) + (uint64_t)i);
        }
    }
    for (int max = 0; max < 2; max++) {
        for (int i = 0; i < L.npool; i++) check_pool(c, max, &L.pool[i], 7900 + (uint64_t)i, 0);
        for (int i = 0; i < npool; i += st) {
            check_pool(c, max, &pool[i], 7000 + 2 * (uint64_t)i, 0);
            check_pool(c, max, &pool[i], 7001 + 2 * (uint64_t)i, 1);
        }
    }
    for (int kind = 0; kind < 4; kind++) { /* tanh, stanh, sigmoid, relu */
        for (int i = 0; i < L.nact + nlens; i += i < L.nact ? 1 : st) {
            size_t len = i < L.nact ? L.act[i] : lens[i - L.nact];
            uint64_t seed = 10000 + 1000 * (uint64_t)kind + (uint64_t)i;
            if (kind == 3) check_relu(c, len, seed);
            else check_squash(c, kind, len, seed);
        }
    }
    for (int i = 0; i < L.nsoftmax; i++) check_softmax(c, L.softmax[i].n, L.softmax[i].classes, 1.0f / (float)L.softmax[i].n, 12900 + (uint64_t)i);
    for (int i = 0; i < nsmx; i += st) {
        float scale = i % 3 == 0 ? 1.0f : i % 3 == 1 ? 1.0f / (float)smx[i].n : 0.25f;
        check_softmax(c, smx[i].n, smx[i].classes, scale, 12000 + (uint64_t)i);
    }
    static const ln_sgd opts[] = {
        {.lr = 0.1f}, {.lr = 0.05f, .weight_decay = 1e-3f}, {.lr = 0.01f, .momentum = 0.9f},
        {.lr = 0.05f, .momentum = 0.9f, .nesterov = 1, .weight_decay = 5e-4f},
    };
    for (int i = 0; i < nlens; i += st)
        for (int j = 0; j < 4; j++) check_sgd(c, lens[i], &opts[j], 13000 + 4 * (uint64_t)i + (uint64_t)j);
    /* the 1998 network's subsampling (6x14x14, 16x5x5 at --batch) and odd ones */
    const int ca[][3] = {{o->batch, 6, 196}, {o->batch, 16, 25}, {1, 1, 1}, {3, 16, 25}, {2, 6, 144}, {5, 3, 7},
                         {4, 16, 9},         {1, 2, 8},          {2, 1, 17}, {8, 6, 16}, {3, 5, 33}};
    for (int i = 0; i < (int)(sizeof ca / sizeof ca[0]); i++)
        check_chan_affine(c, ca[i][0], ca[i][1], ca[i][2], 16000 + (uint64_t)i);
    const int rb[][3] = {{o->batch < 64 ? o->batch : 64, 84, 10}, {1, 84, 10}, {8, 84, 10}, {3, 1, 2}, {5, 7, 3},
                         {2, 8, 10}, {4, 17, 5}, {32, 84, 10}, {6, 33, 12}};
    for (int i = 0; i < (int)(sizeof rb / sizeof rb[0]); i++) {
        check_rbf(c, rb[i][0], rb[i][1], rb[i][2], -1.0f, 17000 + (uint64_t)i);
        check_rbf(c, rb[i][0], rb[i][1], rb[i][2], 1.0f, 17100 + (uint64_t)i);
    }
}

/* ---- rows: what each kernel is held to ---- */

static void describe(prow *r)
{
    const char *n = ln_kernel_names[r->kernel];
    r->numeric = 1, r->has_oracle = 1, r->oracle_judged = 1;
    if (!strcmp(n, "conv2d_scratch"))
        r->tol = "covers what the conv kernels write (guard words)", r->numeric = 0, r->has_oracle = 0, r->oracle_judged = 0;
    else if (!strncmp(n, "conv2d_", 7) || !strncmp(n, "dense_", 6))
        r->tol = "1e-6 + 1e-5 sum|terms|, <= 1% past 1e-6 + 1e-5 |ref|";
    else if (!strcmp(n, "avgpool2_fwd")) r->tol = "1 ulp, or 2^-22 sum|x|/4", r->elementwise = 1;
    else if (strstr(n, "pool2_")) r->tol = "bit-exact", r->elementwise = 1;
    else if (!strncmp(n, "relu_", 5)) r->tol = "exact", r->elementwise = 1;
    else if (!strcmp(n, "tanh_fwd") || !strcmp(n, "stanh_fwd")) r->tol = "4 ulp, or 2^-30", r->elementwise = 1;
    else if (!strcmp(n, "sigmoid_fwd")) r->tol = "4 ulp, or 2^-126", r->elementwise = 1;
    else if (strstr(n, "_bwd")) r->tol = "4 ulp + 2^-23 |dy|", r->elementwise = 1; /* tanh, stanh, sigmoid */
    else if (!strcmp(n, "softmax_xent")) r->tol = "probs 1e-6 rel, dlogits |scale|(1e-6 p + 2^-23), loss 1e-6 rel + 2.4e-7/row";
    else if (!strcmp(n, "sgd")) r->tol = "2 ulp", r->elementwise = 1, r->oracle_judged = 0;
    else if (!strcmp(n, "chan_affine")) r->tol = "bit-exact", r->elementwise = 1, r->oracle_judged = 0;
    else if (!strcmp(n, "chan_affine_params")) r->tol = "1e-6 sum|terms|", r->oracle_judged = 0;
    else if (!strcmp(n, "rbf")) r->tol = "scores 1e-6 rel + 1e-5, dx 2e-5 (1 + |dx|), loss 1e-6 rel + 1e-5/row", r->oracle_judged = 0;
    else r->tol = "(no check yet)", r->numeric = 0, r->has_oracle = 0, r->oracle_judged = 0;
}

static void finish(prow *r)
{
    if (r->loose * 100 > r->elems * (long)(LN_TOL_BILINEAR_LOOSE_FRACTION * 100) && !r->failed++)
        snprintf(r->first, sizeof r->first, "%s[%s]: %ld of %ld elements need the condition-aware bound, over 1%%: "
                 "a systematic error, not summation order", ln_kernel_names[r->kernel], r->isa, r->loose, r->elems);
    if (r->cases == 0 && !r->failed++)
        snprintf(r->first, sizeof r->first, "%s[%s]: no case checks this kernel", ln_kernel_names[r->kernel], r->isa);
}

/* ---- output ---- */

static void fmt_err(char *b, size_t cap, double v, int applies)
{
    if (!applies) snprintf(b, cap, "-");
    else if (isinf(v)) snprintf(b, cap, "inf");
    else snprintf(b, cap, "%.2g", v);
}

static void text_rows(const prow *rows, int n)
{
    printf("%-7s %-18s %-7s %5s | %-24s | %-24s | %-6s %s\n", "set", "kernel", "from", "cases",
           "vs scalar: abs rel ulp", "vs oracle: abs rel ulp", "result", "tolerance vs scalar");
    for (int i = 0; i < n; i++) {
        const prow *r = &rows[i];
        char e[6][16], from[24];
        fmt_err(e[0], 16, r->vs_scalar.abs, r->numeric), fmt_err(e[1], 16, r->vs_scalar.rel, r->numeric);
        fmt_err(e[2], 16, r->vs_scalar.ulp, r->numeric && r->elementwise);
        fmt_err(e[3], 16, r->vs_oracle.abs, r->has_oracle), fmt_err(e[4], 16, r->vs_oracle.rel, r->has_oracle);
        fmt_err(e[5], 16, r->vs_oracle.ulp, r->has_oracle && r->elementwise);
        snprintf(from, sizeof from, "%s%s", r->from, strcmp(r->from, r->isa) ? "*" : "");
        printf("%-7s %-18s %-7s %5ld | %7s %7s %8s | %7s %7s %7s%s | %-6s %s\n", r->isa, ln_kernel_names[r->kernel],
               from, r->cases, e[0], e[1], e[2], e[3], e[4], e[5], r->has_oracle && !r->oracle_judged ? "~" : " ",
               r->failed ? "FAIL" : "pass", r->tol);
    }
}

static void json_num(const char *key, double v, int applies, int last)
{
    if (!applies) printf("\"%s\":null%s", key, last ? "" : ",");
    else if (isinf(v) || isnan(v)) printf("\"%s\":1e308%s", key, last ? "" : ",");
    else printf("\"%s\":%.4g%s", key, v, last ? "" : ",");
}

static void json_rows(const prow *rows, int n)
{
    char b1[200], b2[900];
    for (int i = 0; i < n; i++) {
        const prow *r = &rows[i];
        printf("%s\n  {\"set\":\"%s\",\"kernel\":\"%s\",\"from\":\"%s\",\"inherited\":%s,\"cases\":%ld,\"elements\":%ld,"
               "\"vs_scalar\":{",
               i ? "," : "", r->isa, ln_kernel_names[r->kernel], r->from, strcmp(r->from, r->isa) ? "true" : "false",
               r->cases, r->elems);
        json_num("max_abs", r->vs_scalar.abs, r->numeric, 0), json_num("max_rel", r->vs_scalar.rel, r->numeric, 0);
        json_num("max_ulp", r->vs_scalar.ulp, r->numeric && r->elementwise, 1);
        printf("},\"vs_oracle\":{");
        json_num("max_abs", r->vs_oracle.abs, r->has_oracle, 0), json_num("max_rel", r->vs_oracle.rel, r->has_oracle, 0);
        json_num("max_ulp", r->vs_oracle.ulp, r->has_oracle && r->elementwise, 0);
        printf("\"judged\":%s},\"tolerance\":%s,\"pass\":%s,\"failed_cases\":%ld,\"first_failure\":%s}",
               r->oracle_judged ? "true" : "false", bench_json_str(r->tol, b1, sizeof b1), r->failed ? "false" : "true",
               r->failed, r->failed ? bench_json_str(r->first, b2, sizeof b2) : "null");
    }
}

/* ---- the command ---- */

static int pick_sets(const popts *o, const ln_kernels **sets)
{
    int m = 0;
    if (strcmp(o->isa, "all") != 0) {
        if (ln_kernels_select(o->isa, &sets[0]) != LN_OK) {
            fprintf(stderr, "lenet-bench parity: --isa %s: this CPU (%s) cannot run it\n", o->isa,
                    ln_cpu()->brand[0] ? ln_cpu()->brand : "unknown CPU");
            return -1;
        }
        return 1;
    }
    for (const char *const *b = ln_kernels_built(); *b && m < MAX_SETS; b++) {
        if (!strcmp(*b, "scalar")) continue;
        if (ln_kernels_select(*b, &sets[m]) == LN_OK) m++;
        else if (!o->json) printf("(%s is built but this CPU cannot run it: not checked)\n", *b);
    }
    if (m == 0) { /* scalar alone runs here: check it against the oracle */
        sets[m++] = ln_kernels_scalar();
        if (!o->json) printf("(only the scalar set runs here: checking it against the oracle)\n");
    }
    return m;
}

int bench_parity_main(int argc, char **argv)
{
    popts o = {.isa = "all", .batch = 32, .stride = 1};
    char isa_help[200];
    snprintf(isa_help, sizeof isa_help, "kernel set to check: all (default: every one this CPU runs but scalar), %s",
             bench_sets_list());
    const bopt specs[] = {
        {"isa", BOPT_STR, &o.isa, 0, 0, "SET", isa_help},
        {"batch", BOPT_INT, &o.batch, 1, 256, "N", "batch of LeNet-5's shapes (default 32), besides the edge shapes"},
        {"stride", BOPT_INT, &o.stride, 1, 1000, "N", "check every Nth generated edge shape (default 1: all)"},
        {"json", BOPT_FLAG, &o.json, 0, 0, NULL, "print one JSON object instead of the table"},
        {NULL, 0, NULL, 0, 0, NULL, NULL},
    };
    int rc = bench_parse("parity",
                         "[options]\n\n"
                         "Checks every kernel of every kernel set this CPU runs against its scalar twin and a\n"
                         "double-precision oracle, on LeNet-5's shapes and generated edge shapes (odd sizes, vector\n"
                         "tails, 1x1 planes, batch 1..9). One row per set and kernel: the largest absolute, relative\n"
                         "and ULP errors (relative and ULP against |ref| floored at 2^-10 of the output's largest),\n"
                         "the tolerance and the verdict. A row passes when every element is within the tolerance of\n"
                         "the scalar result (as tests/test_parity.c holds the sets to) and within that plus the\n"
                         "scalar kernel's own bound of the oracle (as tests/test_kernels.c); '~' marks oracle errors\n"
                         "that are reported, not judged (no documented bound). 'from' with '*': the set inherits the\n"
                         "kernel from the set named. Outputs are NaN-poisoned and guarded, inputs checked unchanged,\n"
                         "every other case misaligned. --isa scalar checks the scalar set against the oracle alone.\n"
                         "Exit 0 when every row passes, 1 otherwise. Needs no data and no source tree.\n\n"
                         "Self-check: LENET_BENCH_PARITY_MUTATE=KERNEL (a name of a row) perturbs that kernel's\n"
                         "output in the sets checked: its rows must then fail, and the exit be 1.",
                         specs, argc, argv, 2);
    if (rc) return rc < 0 ? BENCH_OK : rc;
    if (strcmp(o.isa, "all") && !bench_is_set(o.isa))
        return bench_usage_error("parity", "--isa: unknown kernel set '%s' (expected all, %s)", o.isa,
                                 bench_sets_list());
    int mut = -1;
    const char *mname = getenv("LENET_BENCH_PARITY_MUTATE");
    if (mname && *mname) {
        if ((mut = kernel_index(mname)) < 0) {
            fprintf(stderr, "lenet-bench parity: LENET_BENCH_PARITY_MUTATE=%s: no such kernel\n", mname);
            return BENCH_USAGE;
        }
        if (!o.json) printf("self-check: perturbing %s's output in the sets checked (LENET_BENCH_PARITY_MUTATE)\n", mname);
    }
    const ln_kernels *sets[MAX_SETS];
    int nsets = pick_sets(&o, sets);
    if (nsets < 0) return BENCH_USAGE;
    prow *rows = calloc((size_t)nsets * LN_NKERNELS, sizeof *rows);
    if (!rows) {
        fprintf(stderr, "lenet-bench parity: out of memory\n");
        return BENCH_RUNTIME;
    }
    double t0 = bench_now();
    for (int s = 0; s < nsets; s++) {
        pctx c = {.k = sets[s], .rows = rows + (size_t)s * LN_NKERNELS, .mutate = mut};
        for (int i = 0; i < LN_NKERNELS; i++) {
            prow *r = &c.rows[i];
            r->isa = sets[s]->isa, r->kernel = i, r->from = ln_kernel_origin(sets[s], i);
            describe(r);
        }
        run_set(&c, &o);
        for (int i = 0; i < LN_NKERNELS; i++) finish(&c.rows[i]);
    }
    int n = nsets * LN_NKERNELS, bad = 0;
    for (int i = 0; i < n; i++) bad += rows[i].failed > 0;
    const char *cpu = ln_cpu()->brand[0] ? ln_cpu()->brand : "unknown CPU";
    char buf[200];
    if (o.json) {
        printf("{\"bench\":\"parity\",\"cpu\":%s,\"batch\":%d,\"stride\":%d,\"mutate\":", bench_json_str(cpu, buf, sizeof buf),
               o.batch, o.stride);
        printf(mut >= 0 ? "\"%s\"" : "null", mut >= 0 ? ln_kernel_names[mut] : "");
        printf(",\"seconds\":%.2f,\"rows_failed\":%d,\"pass\":%s,\"rows\":[", bench_now() - t0, bad,
               bad ? "false" : "true");
        json_rows(rows, n);
        printf("\n]}\n");
    } else {
        printf("lenet-bench parity: %s; LeNet-5's shapes at batch %d and generated edge shapes%s; %.1f s\n\n", cpu,
               o.batch, o.stride > 1 ? " (every Nth)" : "", bench_now() - t0);
        text_rows(rows, n);
        printf("\nrelative and ulp: against |ref| floored at 2^-10 of the output's largest; '~': oracle errors reported,\n"
               "not judged; '*': inherited from the set named. ");
        if (!bad) printf("All %d rows pass.\n", n);
        else {
            printf("%d of %d rows FAIL; the first failure of each:\n", bad, n);
            for (int i = 0; i < n; i++)
                if (rows[i].failed) printf("  %s (%ld of %ld cases)\n", rows[i].first, rows[i].failed, rows[i].cases);
        }
    }
    free(rows);
    return bad ? BENCH_RUNTIME : BENCH_OK;
}
