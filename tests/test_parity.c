/* Parity: every kernel of each SIMD table this build has and this CPU runs
 * (avx2, avx512, neon) against its scalar twin over the shape lists of
 * shapes.c, then 200 LeNet-5 training steps with each table against the
 * scalar one from the same initialisation. Where only the scalar table can
 * run, `tables_expected` checks that this is right for the build and the
 * CPU. Built a second time as test_parity_avx512emu (LENET_TEST_AVX512EMU)
 * against the emulated library (tests/CMakeLists.txt), it checks the
 * avx512 table alone, which must run wherever avx2 does.
 *
 * Every output is poisoned with NaN before the call (accumulating kernels
 * start from the same known random values in both tables); guard words
 * follow each output and the scratch buffer (sized by the table's own
 * conv2d_scratch, NaN-poisoned too). Inputs are allocated at their exact
 * size (an over-read reaches ASan's redzone in the sanitizer build), every
 * other case misaligned by one float, and checked unchanged after the call.
 * A crash prints the case it was running. `harness_catches_bugs` feeds the
 * checks deliberately broken kernels, so a pass means something.
 *
 * Tolerances, |simd - scalar| <= bound (NaN never passes):
 *   conv2d_*, dense_*         1e-6 + 1e-5 * sum|terms|, sum|terms| being the
 *                             scalar kernel run on |inputs| (plus |start| when
 *                             accumulating). Where no term cancels it equals
 *                             |ref| and this is 1e-6 + 1e-5 |ref|; where a long
 *                             sum cancels to ~0 a |ref| bound only measures
 *                             summation order (the first avx2 kernels broke it
 *                             in 0.15% of conv2d_bwd_weights' elements, 0.08%
 *                             of dense_fwd's), so the bound follows the terms,
 *                             and at most 1% of a family's elements may need
 *                             more than 1e-6 + 1e-5 |ref|.
 *   avgpool2_fwd              1 ULP, or 2^-22 * sum|x|/4 where the window's
 *                             terms cancel (re-associating a sum of four)
 *   avgpool2_bwd, maxpool2_*  bit-exact (max pool ties: first maximum, row-major)
 *   relu_fwd, relu_bwd        exact (value equality: -0 == +0)
 *   tanh_fwd, stanh_fwd       4 ULP, or 2^-30 absolute (near 0)
 *   sigmoid_fwd               4 ULP, or 2^-126 absolute (underflow)
 *   tanh/stanh/sigmoid_bwd    4 ULP + 2^-23 |dy| (scalar rounds y*y before
 *                             1 - y*y, an FMA does not); also in place
 *   softmax_xent              probs 1e-6 relative (+1e-30); dlogits
 *                             |scale| (1e-6 p + 2^-23) (p - 1 cancels for the
 *                             label); loss 1e-6 relative + 2.4e-7 per row
 *                             (log of a sum >= 1 that rounds by ~2 ulp)
 *   sgd                       w and v within 2 ULP (bit-exact on x86-64; a
 *                             compiler may fuse the scalar loop's multiply-adds
 *                             elsewhere), for plain, momentum, Nesterov, decay
 *   chan_affine               bit-exact; its parameter gradients 1e-6 of
 *                             sum |terms| (float lanes, then double)
 *   rbf                       scores 1e-6 relative + 1e-5, dx 2e-5 (1 + |dx|),
 *                             loss 1e-6 relative + 1e-5 a row (float lanes
 *                             against the scalar's double sums)
 *   lenet5, 200 steps         loss within 1e-3 relative at every step
 * Every failure names the kernel, the ISA, the shape and the seed. */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/rng.h"
#include "kernels.h"
#include "../bench/parity_tol.h" /* the tolerances above, shared with lenet-bench parity */
#include "shapes.h"
#include "support.h"
#include "train/trainer.h"

/* ---- the tables under test ---- */

enum { MAX_TABLES = 4 };

static int is_built(const char *isa)
{
    for (const char *const *b = ln_kernels_built(); *b; b++)
        if (!strcmp(*b, isa)) return 1;
    return 0;
}

#if defined(LENET_TEST_AVX512EMU)
enum { EMULATED = 1 };
#else
enum { EMULATED = 0 };
#endif

/* The tables other than scalar that this build has and this CPU runs (the
 * emulated build: avx512 alone, the others are the native test's); skips
 * the test where there are none. */
static int simd_tables(const ln_kernels **out)
{
    int m = 0;
    for (const char *const *b = ln_kernels_built(); *b && m < MAX_TABLES; b++) {
        const ln_kernels *k;
        if (strcmp(*b, "scalar") && (!EMULATED || !strcmp(*b, "avx512")) && ln_kernels_select(*b, &k) == LN_OK)
            out[m++] = k;
    }
    if (EMULATED)
        cr_assert(m == 1 || !ln_cpu_runs("avx2"), "the emulated avx512 table does not run on this AVX2 CPU (%s): %s",
                  ln_cpu()->brand, is_built("avx512") ? ln_last_error() : "not built");
    if (m == 0) cr_skip_test("only the scalar table runs here (see parity::tables_expected)");
    return m;
}

static const ln_kernels *scalar(void) { return ln_kernels_scalar(); }

/* ---- verdicts: count failing cases, keep the first message ---- */

typedef struct verdict {
    int cases, failed, case_bad;
    long elems, loose; /* conv and dense: elements checked, elements past 1e-6 + 1e-5 |ref| */
    char ctx[256], first[1040];
} verdict;

static char crash_ctx[256]; /* the case running now, for the crash note */

static void begin_case(verdict *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void begin_case(verdict *v, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->ctx, sizeof v->ctx, fmt, ap);
    va_end(ap);
    memcpy(crash_ctx, v->ctx, sizeof crash_ctx);
    v->cases++, v->case_bad = 0;
}

static void failf(verdict *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void failf(verdict *v, const char *fmt, ...)
{
    if (v->case_bad) return; /* one failure per case */
    v->case_bad = 1;
    if (v->failed++) return;
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(v->first, sizeof v->first, "%s: %s", v->ctx, msg);
}

static void expect_clean(const verdict *v, const char *isa)
{
    cr_assert(v->cases > 0, "%s: no cases ran", isa);
    cr_assert(v->failed == 0, "%s vs scalar: %d of %d cases fail; the first: %s", isa, v->failed, v->cases,
              v->first);
    cr_assert((double)v->loose <= LN_TOL_BILINEAR_LOOSE_FRACTION * (double)v->elems,
              "%s vs scalar: %ld of %ld elements are only within the condition-aware bound, over 1%%: a "
              "systematic error, not summation order", isa, v->loose, v->elems);
}

/* On a crash, name the case (or the one just before), then let the
 * previous handler (the default, or ASan's) take the re-raised fault. */
static struct sigaction old_action[32];

static void on_crash(int sig)
{
    static const char pre[] = "\ntest_parity: fatal signal while running ";
    ssize_t ignored = write(STDERR_FILENO, pre, sizeof pre - 1);
    ignored += write(STDERR_FILENO, crash_ctx, strnlen(crash_ctx, sizeof crash_ctx));
    ignored += write(STDERR_FILENO, "\n", 1);
    (void)ignored;
    sigaction(sig, &old_action[sig], NULL);
}

static void install_crash_note(void)
{
    static const int sigs[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT}; /* SIGABRT: the allocator saw an overrun */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_crash;
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) sigaction(sigs[i], &sa, &old_action[sigs[i]]);
}

TestSuite(parity, .init = install_crash_note);

/* ---- buffers ---- */

enum { GUARD = 16, MAX_BUFS = 32 };
static const uint32_t GUARD_BITS = 0x7fa5a5a5u; /* a signalling-NaN pattern */

typedef struct arena {
    void *blk[MAX_BUFS];
    int n, off; /* off: floats of misalignment of every buffer */
} arena;

static void *arena_alloc(arena *a, size_t bytes)
{
    cr_assert(a->n < MAX_BUFS, "test arena full");
    void *p = malloc(bytes ? bytes : 1);
    cr_assert_not_null(p);
    return a->blk[a->n++] = p;
}

static void arena_free(arena *a)
{
    while (a->n) free(a->blk[--a->n]);
}

/* An input of exactly n floats: nothing follows it, so reading past the end
 * reaches the allocator's (or ASan's) territory. */
static float *in_buf(arena *a, size_t n)
{
    return (float *)arena_alloc(a, (n + (size_t)a->off) * sizeof(float)) + a->off;
}

/* An output of n floats followed by GUARD guard words. */
static float *out_buf(arena *a, size_t n)
{
    float *p = (float *)arena_alloc(a, (n + GUARD + (size_t)a->off) * sizeof(float)) + a->off;
    for (size_t i = 0; i < GUARD; i++) memcpy(p + n + i, &GUARD_BITS, sizeof GUARD_BITS);
    return p;
}

static double *tol_buf(arena *a, size_t n) { return arena_alloc(a, n * sizeof(double)); }

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

/* The spacing of floats at |r|. */
static double ulp(float r)
{
    float a = fabsf(r);
    return (double)nextafterf(a, INFINITY) - (double)a;
}

/* ---- comparisons ---- */

static void expect_guard(verdict *v, const char *what, const float *p, size_t n)
{
    for (size_t i = 0; i < GUARD; i++)
        if (memcmp(p + n + i, &GUARD_BITS, sizeof GUARD_BITS) != 0) {
            failf(v, "%s: wrote past the end of its %zu floats (guard word %zu)", what, n, i);
            return;
        }
}

/* |got - ref| <= tol[i] for all i (NaN never passes), then the guard. */
static void expect_within(verdict *v, const char *what, const float *got, const float *ref, const double *tol,
                          size_t n, const char *bound)
{
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)got[i] - (double)ref[i]);
        if (!(d <= tol[i])) {
            failf(v, "%s[%zu] = %.9g, scalar %.9g: |d| = %.3g > %.3g (%s)", what, i, (double)got[i],
                  (double)ref[i], d, tol[i], bound);
            return;
        }
    }
    expect_guard(v, what, got, n);
}

static void expect_bits(verdict *v, const char *what, const float *got, const float *ref, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (memcmp(&got[i], &ref[i], sizeof(float)) != 0) {
            failf(v, "%s[%zu] = %.9g (%a), scalar %.9g (%a): must be bit-exact", what, i, (double)got[i],
                  (double)got[i], (double)ref[i], (double)ref[i]);
            return;
        }
    expect_guard(v, what, got, n);
}

static void expect_exact(verdict *v, const char *what, const float *got, const float *ref, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!(got[i] == ref[i])) {
            failf(v, "%s[%zu] = %.9g, scalar %.9g: must be exact", what, i, (double)got[i], (double)ref[i]);
            return;
        }
    expect_guard(v, what, got, n);
}

static void expect_unchanged(verdict *v, const char *what, const float *now, const float *orig, size_t n)
{
    if (memcmp(now, orig, n * sizeof *now) != 0) failf(v, "input %s was modified", what);
}

/* ---- convolution and dense: bilinear kernels ---- */

typedef enum op {
    CONV_FWD, CONV_BWD_DATA, CONV_BWD_WEIGHTS, DENSE_FWD, DENSE_BWD_DATA, DENSE_BWD_WEIGHTS
} op;
static const char *const op_names[] = {"conv2d_fwd", "conv2d_bwd_data", "conv2d_bwd_weights",
                                       "dense_fwd",  "dense_bwd_data",  "dense_bwd_weights"};

/* One call: up to three inputs (uniform in [-lim, lim]), one or two outputs. */
typedef struct bilinear {
    op op;
    ln_conv_shape cs;   /* convolutions */
    int n, in, out;     /* dense */
    int nin, nout, accumulates;
    size_t in_len[3], out_len[2];
    const char *in_name[3], *out_name[2];
    float lim[3];
    char shape[96];
} bilinear;

static bilinear bl_conv(op o, const ln_conv_shape *s)
{
    size_t nx = (size_t)s->n * s->ic * s->ih * s->iw, nw = (size_t)s->oc * s->ic * s->kh * s->kw;
    size_t ny = (size_t)s->n * s->oc * s->oh * s->ow;
    float glorot = sqrtf(6.0f / (float)((s->ic + s->oc) * s->kh * s->kw));
    bilinear b;
    if (o == CONV_FWD)
        b = (bilinear){.nin = 3, .nout = 1, .in_len = {nx, nw, (size_t)s->oc}, .out_len = {ny},
                       .in_name = {"x", "w", "b"}, .out_name = {"y"}, .lim = {1.0f, glorot, 0.1f}};
    else if (o == CONV_BWD_DATA)
        b = (bilinear){.nin = 2, .nout = 1, .in_len = {ny, nw}, .out_len = {nx}, .in_name = {"dy", "w"},
                       .out_name = {"dx"}, .lim = {1.0f, glorot}};
    else
        b = (bilinear){.nin = 2, .nout = 2, .accumulates = 1, .in_len = {nx, ny},
                       .out_len = {nw, (size_t)s->oc}, .in_name = {"x", "dy"}, .out_name = {"dw", "db"},
                       .lim = {1.0f, 1.0f}};
    b.op = o, b.cs = *s;
    snprintf(b.shape, sizeof b.shape, "n=%d ic=%d %dx%d oc=%d k=%dx%d pad=%d,%d", s->n, s->ic, s->ih, s->iw, s->oc,
             s->kh, s->kw, s->pad_h, s->pad_w);
    return b;
}

static bilinear bl_dense(op o, ts_dense d)
{
    size_t nx = (size_t)d.n * d.in, nw = (size_t)d.out * d.in, ny = (size_t)d.n * d.out;
    float glorot = sqrtf(6.0f / (float)(d.in + d.out));
    bilinear b;
    if (o == DENSE_FWD)
        b = (bilinear){.nin = 3, .nout = 1, .in_len = {nx, nw, (size_t)d.out}, .out_len = {ny},
                       .in_name = {"x", "w", "b"}, .out_name = {"y"}, .lim = {1.0f, glorot, 0.1f}};
    else if (o == DENSE_BWD_DATA)
        b = (bilinear){.nin = 2, .nout = 1, .in_len = {ny, nw}, .out_len = {nx}, .in_name = {"dy", "w"},
                       .out_name = {"dx"}, .lim = {1.0f, glorot}};
    else
        b = (bilinear){.nin = 2, .nout = 2, .accumulates = 1, .in_len = {nx, ny}, .out_len = {nw, (size_t)d.out},
                       .in_name = {"x", "dy"}, .out_name = {"dw", "db"}, .lim = {1.0f, 1.0f}};
    b.op = o, b.n = d.n, b.in = d.in, b.out = d.out;
    snprintf(b.shape, sizeof b.shape, "n=%d in=%d out=%d", d.n, d.in, d.out);
    return b;
}

static size_t bl_scratch(const ln_kernels *k, const bilinear *b)
{
    return b->op <= CONV_BWD_WEIGHTS ? k->conv2d_scratch(&b->cs) : 0;
}

static void bl_call(const ln_kernels *k, const bilinear *b, float *const *in, float *const *out, float *scratch)
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

static void check_bilinear(const ln_kernels *k, const bilinear *b, uint64_t seed, verdict *v)
{
    arena a = {.off = (int)(seed & 1)};
    ln_rng r;
    ln_rng_seed(&r, seed);
    float *in[3] = {0}, *orig[3] = {0}, *absin[3] = {0}, *ref[2] = {0}, *mag[2] = {0}, *got[2] = {0};
    for (int i = 0; i < b->nin; i++) {
        in[i] = in_buf(&a, b->in_len[i]);
        fill(&r, in[i], b->in_len[i], -b->lim[i], b->lim[i]);
        orig[i] = copy_of(&a, in[i], b->in_len[i]);
        absin[i] = abs_of(&a, in[i], b->in_len[i]);
    }
    for (int o = 0; o < b->nout; o++) {
        size_t n = b->out_len[o];
        ref[o] = out_buf(&a, n), mag[o] = out_buf(&a, n), got[o] = out_buf(&a, n);
        if (b->accumulates) { /* the same known start in both tables */
            fill(&r, ref[o], n, -0.5f, 0.5f);
            for (size_t i = 0; i < n; i++) got[o][i] = ref[o][i], mag[o][i] = fabsf(ref[o][i]);
        } else {
            poison(ref[o], n), poison(mag[o], n), poison(got[o], n);
        }
    }
    size_t nss = bl_scratch(scalar(), b), nks = bl_scratch(k, b);
    float *ss = out_buf(&a, nss), *ks = out_buf(&a, nks);
    poison(ss, nss), poison(ks, nks); /* a kernel must not rely on zeroed scratch */
    bl_call(scalar(), b, in, ref, ss);
    bl_call(scalar(), b, absin, mag, ss);

    begin_case(v, "%s[%s] %s seed=%llu%s", op_names[b->op], k->isa, b->shape, (unsigned long long)seed,
               a.off ? " (misaligned)" : "");
    bl_call(k, b, in, got, ks);
    for (int o = 0; o < b->nout; o++) {
        size_t n = b->out_len[o];
        double *tol = tol_buf(&a, n);
        for (size_t i = 0; i < n; i++) {
            tol[i] = LN_TOL_BILINEAR_ABS + LN_TOL_BILINEAR_REL * (double)mag[o][i];
            v->loose += fabs((double)got[o][i] - (double)ref[o][i]) >
                        LN_TOL_BILINEAR_ABS + LN_TOL_BILINEAR_REL * fabs((double)ref[o][i]);
        }
        v->elems += (long)n;
        expect_within(v, b->out_name[o], got[o], ref[o], tol, n, "1e-6 + 1e-5 sum|terms|");
    }
    expect_guard(v, "scratch", ks, nks);
    for (int i = 0; i < b->nin; i++) expect_unchanged(v, b->in_name[i], in[i], orig[i], b->in_len[i]);
    arena_free(&a);
}

static void conv_all(const ln_kernels *k, op o, int stride, verdict *v)
{
    ln_conv_shape s[200];
    int m = ts_conv_shapes(s, 200);
    cr_assert(m <= 200 && m >= 100, "%d conv shapes", m);
    for (int i = 0; i < m; i += stride) {
        bilinear b = bl_conv(o, &s[i]);
        check_bilinear(k, &b, 100000 * (uint64_t)(o + 1) + (uint64_t)i, v);
    }
}

static void dense_all(const ln_kernels *k, op o, int stride, verdict *v)
{
    ts_dense d[200];
    int m = ts_dense_shapes(d, 200);
    cr_assert(m <= 200 && m >= 100, "%d dense shapes", m);
    for (int i = 0; i < m; i += stride) {
        bilinear b = bl_dense(o, d[i]);
        check_bilinear(k, &b, 100000 * (uint64_t)(o + 1) + (uint64_t)i, v);
    }
}

/* ---- pooling ---- */

static void check_pool(const ln_kernels *k, int max, const ln_pool_shape *s, uint64_t seed, int ties, verdict *v)
{
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
    const char *const name[2][2] = {{"avgpool2_fwd", "avgpool2_bwd"}, {"maxpool2_fwd", "maxpool2_bwd"}};
    ln_pool_fwd_fn sfwd = max ? scalar()->maxpool2_fwd : scalar()->avgpool2_fwd;
    ln_pool_fwd_fn kfwd = max ? k->maxpool2_fwd : k->avgpool2_fwd;
    ln_pool_bwd_fn sbwd = max ? scalar()->maxpool2_bwd : scalar()->avgpool2_bwd;
    ln_pool_bwd_fn kbwd = max ? k->maxpool2_bwd : k->avgpool2_bwd;
#define POOL_CASE(pass)                                                                                      \
    begin_case(v, "%s[%s] planes=%d %dx%d%s seed=%llu%s", name[max][pass], k->isa, s->planes, s->h, s->w,  \
               ties ? " (ties)" : "", (unsigned long long)seed, a.off ? " (misaligned)" : "")

    sfwd(s, x, yref);
    sfwd(s, ax, ymag);
    poison(y, ny);
    POOL_CASE(0);
    kfwd(s, x, y);
    if (max) {
        expect_bits(v, "y", y, yref, ny);
    } else {
        double *tol = tol_buf(&a, ny);
        for (size_t i = 0; i < ny; i++) tol[i] = fmax(LN_TOL_AVGPOOL_ULP * ulp(yref[i]), LN_TOL_AVGPOOL_CANCEL * (double)ymag[i]);
        expect_within(v, "y", y, yref, tol, ny, "1 ulp, or 2^-22 sum|x|/4");
    }
    expect_unchanged(v, "x", x, x0, nx);

    /* backward gets the scalar forward output, so only bwd is compared */
    sbwd(s, x, yref, dy, dxref);
    poison(dx, nx);
    POOL_CASE(1);
    kbwd(s, x, yref, dy, dx);
    expect_bits(v, "dx", dx, dxref, nx);
    expect_unchanged(v, "x", x, x0, nx);
    expect_unchanged(v, "dy", dy, dy0, ny);
#undef POOL_CASE
    arena_free(&a);
}

static void pool_all(const ln_kernels *k, int max, int stride, verdict *v)
{
    ln_pool_shape s[400];
    int m = ts_pool_shapes(s, 400);
    cr_assert(m <= 400 && m >= 300, "%d pool shapes", m);
    for (int i = 0; i < m; i += stride) {
        check_pool(k, max, &s[i], 7000 + 2 * (uint64_t)i, 0, v);
        check_pool(k, max, &s[i], 7001 + 2 * (uint64_t)i, 1, v);
    }
}

/* ---- activations ---- */

/* Mostly [-6, 6], with values near 0, around the saturation point, far in
 * the flat tails, and a few special ones first. */
static void fill_tanh(ln_rng *r, float *x, size_t len)
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

/* tanh (kind 0), stanh (2) or sigmoid (3): the same checks. */
static void check_squash(const ln_kernels *k, int kind, size_t len, uint64_t seed, verdict *v)
{
    arena a = {.off = (int)(seed & 1)};
    ln_rng r;
    ln_rng_seed(&r, seed);
    float *x = in_buf(&a, len), *dy = in_buf(&a, len);
    fill_tanh(&r, x, len);
    fill(&r, dy, len, -1.0f, 1.0f);
    float *x0 = copy_of(&a, x, len), *dy0 = copy_of(&a, dy, len);
    float *yref = out_buf(&a, len), *y = out_buf(&a, len), *dxref = out_buf(&a, len), *dx = out_buf(&a, len);
    double *tol = tol_buf(&a, len);

    static const char *const names[] = {"tanh", "relu", "stanh", "sigmoid"};
    ln_act_fwd_fn f = kind == 0 ? k->tanh_fwd : kind == 2 ? k->stanh_fwd : k->sigmoid_fwd;
    ln_act_fwd_fn fref = kind == 0 ? scalar()->tanh_fwd : kind == 2 ? scalar()->stanh_fwd : scalar()->sigmoid_fwd;
    ln_act_bwd_fn g = kind == 0 ? k->tanh_bwd : kind == 2 ? k->stanh_bwd : k->sigmoid_bwd;
    ln_act_bwd_fn gref = kind == 0 ? scalar()->tanh_bwd : kind == 2 ? scalar()->stanh_bwd : scalar()->sigmoid_bwd;
    fref(len, x, yref);
    poison(y, len);
    begin_case(v, "%s_fwd[%s] len=%zu seed=%llu%s", names[kind], k->isa, len, (unsigned long long)seed,
               a.off ? " (misaligned)" : "");
    f(len, x, y);
    for (size_t i = 0; i < len; i++) tol[i] = fmax(LN_TOL_SQUASH_ULP * ulp(yref[i]), kind == 3 ? LN_TOL_SIGMOID_ABS : LN_TOL_TANH_ABS);
    expect_within(v, "y", y, yref, tol, len, "4 ulp, or 2^-30");
    expect_unchanged(v, "x", x, x0, len);

    /* backward takes the scalar forward output, as a y in [-1, 1] */
    gref(len, yref, dy, dxref);
    poison(dx, len);
    begin_case(v, "%s_bwd[%s] len=%zu seed=%llu%s", names[kind], k->isa, len, (unsigned long long)seed,
               a.off ? " (misaligned)" : "");
    g(len, yref, dy, dx);
    for (size_t i = 0; i < len; i++) tol[i] = LN_TOL_SQUASH_BWD_ULP * ulp(dxref[i]) + LN_TOL_SQUASH_BWD_DY * fabs((double)dy[i]);
    expect_within(v, "dx", dx, dxref, tol, len, "4 ulp + 2^-23 |dy|");
    expect_unchanged(v, "dy", dy, dy0, len);
    float *io = out_buf(&a, len);
    memcpy(io, dy, len * sizeof *io);
    g(len, yref, io, io); /* in place, as ln_backward runs it */
    expect_within(v, "dx (in place)", io, dxref, tol, len, "4 ulp + 2^-23 |dy|");
    arena_free(&a);
}

static void check_relu(const ln_kernels *k, size_t len, uint64_t seed, verdict *v)
{
    arena a = {.off = (int)(seed & 1)};
    ln_rng r;
    ln_rng_seed(&r, seed);
    float *x = in_buf(&a, len), *dy = in_buf(&a, len);
    fill(&r, x, len, -2.0f, 2.0f);
    fill(&r, dy, len, -1.0f, 1.0f);
    for (size_t i = 0; i < len; i += 5) x[i] = i % 2 ? 0.0f : -0.0f; /* the kink itself */
    for (size_t i = 3; i < len; i += 17) x[i] = i % 2 ? 1e-40f : -1e-40f; /* subnormals */
    float *x0 = copy_of(&a, x, len), *dy0 = copy_of(&a, dy, len);
    float *yref = out_buf(&a, len), *y = out_buf(&a, len), *dxref = out_buf(&a, len), *dx = out_buf(&a, len);

    scalar()->relu_fwd(len, x, yref);
    poison(y, len);
    begin_case(v, "relu_fwd[%s] len=%zu seed=%llu%s", k->isa, len, (unsigned long long)seed,
               a.off ? " (misaligned)" : "");
    k->relu_fwd(len, x, y);
    expect_exact(v, "y", y, yref, len);
    expect_unchanged(v, "x", x, x0, len);

    scalar()->relu_bwd(len, x, dy, dxref);
    poison(dx, len);
    begin_case(v, "relu_bwd[%s] len=%zu seed=%llu%s", k->isa, len, (unsigned long long)seed,
               a.off ? " (misaligned)" : "");
    k->relu_bwd(len, x, dy, dx);
    expect_exact(v, "dx", dx, dxref, len);
    expect_unchanged(v, "x", x, x0, len);
    expect_unchanged(v, "dy", dy, dy0, len);
    float *io = out_buf(&a, len);
    memcpy(io, dy, len * sizeof *io);
    k->relu_bwd(len, x, io, io); /* in place */
    expect_exact(v, "dx (in place)", io, dxref, len);
    arena_free(&a);
}

static void act_all(const ln_kernels *k, int relu, int stride, verdict *v)
{
    size_t lens[80];
    int m = ts_act_lengths(lens, 80);
    cr_assert(m <= 80 && m >= 50, "%d lengths", m);
    for (int i = 0; i < m; i += stride) {
        if (relu == 1) check_relu(k, lens[i], 11000 + (uint64_t)i, v);
        else check_squash(k, relu, lens[i], 10000 + 1000 * (uint64_t)relu + (uint64_t)i, v);
    }
}

/* ---- softmax + cross-entropy ---- */

static void expect_loss(verdict *v, const char *what, double got, double ref, int n)
{
    double tol = LN_TOL_SOFTMAX_LOSS_REL * fabs(ref) + LN_TOL_SOFTMAX_LOSS_ROW * n;
    if (!(fabs(got - ref) <= tol))
        failf(v, "%s %.12g, scalar %.12g: |d| = %.3g > %.3g (1e-6 relative + 2.4e-7 per row)", what, got, ref,
              fabs(got - ref), tol);
}

static void check_softmax(const ln_kernels *k, ts_softmax sh, float scale, uint64_t seed, verdict *v)
{
    arena a = {.off = (int)(seed & 1)};
    ln_rng r;
    ln_rng_seed(&r, seed);
    int n = sh.n, classes = sh.classes;
    size_t len = (size_t)n * classes;
    float *z = in_buf(&a, len);
    uint8_t *labels = arena_alloc(&a, (size_t)n);
    fill(&r, z, len, -8.0f, 8.0f);
    for (int i = 0; i < n; i++) {
        float *row = z + (size_t)i * classes;
        labels[i] = (uint8_t)ln_rng_below(&r, (uint32_t)classes);
        float shift = i % 3 == 1 ? 80.0f : i % 3 == 2 ? -80.0f : 0.0f; /* exp would overflow unshifted */
        for (int c = 0; c < classes; c++) row[c] += shift;
        if (i % 4 == 3) row[labels[i]] += 30.0f; /* p ~ 1 for the label */
        if (i % 5 == 4)
            for (int c = 0; c < classes; c++) row[c] = 1.5f; /* all equal */
    }
    float *z0 = copy_of(&a, z, len);
    float *pref = out_buf(&a, len), *p = out_buf(&a, len), *dref = out_buf(&a, len), *d = out_buf(&a, len);
    double *ptol = tol_buf(&a, len), *dtol = tol_buf(&a, len);

    double lref = scalar()->softmax_xent(n, classes, z, labels, scale, pref, dref);
    for (size_t i = 0; i < len; i++) {
        ptol[i] = LN_TOL_SOFTMAX_PROBS_REL * fabs((double)pref[i]) + LN_TOL_SOFTMAX_PROBS_ABS;
        dtol[i] = fabs((double)scale) * (LN_TOL_SOFTMAX_DLOGITS_REL * (double)pref[i] + LN_TOL_SOFTMAX_DLOGITS_ABS);
    }
    for (int mode = 0; mode < 3; mode++) { /* training; loss only; probabilities only */
        static const char *const modes[] = {"", " (no dlogits)", " (no labels)"};
        poison(p, len), poison(d, len);
        begin_case(v, "softmax_xent[%s] n=%d classes=%d scale=%g%s seed=%llu%s", k->isa, n, classes,
                   (double)scale, modes[mode], (unsigned long long)seed, a.off ? " (misaligned)" : "");
        double loss = k->softmax_xent(n, classes, z, mode == 2 ? NULL : labels, mode ? 0.0f : scale, p,
                                      mode ? NULL : d);
        expect_within(v, "probs", p, pref, ptol, len, "1e-6 relative");
        if (mode == 0) expect_within(v, "dlogits", d, dref, dtol, len, "|scale| (1e-6 p + 2^-23)");
        else expect_guard(v, "dlogits (not asked for)", d, len);
        if (mode < 2) expect_loss(v, "loss", loss, lref, n);
        else if (loss != 0.0) failf(v, "loss %.9g without labels, expected 0", loss);
        expect_unchanged(v, "logits", z, z0, len);
    }
    arena_free(&a);
}

static void softmax_all(const ln_kernels *k, int stride, verdict *v)
{
    ts_softmax s[64];
    int m = ts_softmax_shapes(s, 64);
    cr_assert(m <= 64 && m >= 30, "%d softmax shapes", m);
    for (int i = 0; i < m; i += stride) {
        float scale = i % 3 == 0 ? 1.0f : i % 3 == 1 ? 1.0f / (float)s[i].n : 0.25f;
        check_softmax(k, s[i], scale, 12000 + (uint64_t)i, v);
    }
}

/* ---- SGD step ---- */

static void check_sgd(const ln_kernels *k, size_t len, const ln_sgd *o, uint64_t seed, verdict *v)
{
    arena a = {.off = (int)(seed & 1)};
    ln_rng r;
    ln_rng_seed(&r, seed);
    float *g = in_buf(&a, len), *wref = out_buf(&a, len), *vref = out_buf(&a, len), *w = out_buf(&a, len),
          *vel = out_buf(&a, len);
    double *tw = tol_buf(&a, len), *tv = tol_buf(&a, len);
    fill(&r, g, len, -1.0f, 1.0f);
    fill(&r, wref, len, -0.5f, 0.5f);
    fill(&r, vref, len, -0.2f, 0.2f);
    memcpy(w, wref, len * sizeof *w);
    memcpy(vel, vref, len * sizeof *vel);
    float *g0 = copy_of(&a, g, len);
    scalar()->sgd(len, wref, vref, g, o);
    for (size_t i = 0; i < len; i++) tw[i] = LN_TOL_SGD_ULP * ulp(wref[i]), tv[i] = LN_TOL_SGD_ULP * ulp(vref[i]);
    begin_case(v, "sgd[%s] len=%zu lr=%g mu=%g wd=%g nesterov=%d seed=%llu%s", k->isa, len, (double)o->lr,
               (double)o->momentum, (double)o->weight_decay, o->nesterov, (unsigned long long)seed,
               a.off ? " (misaligned)" : "");
    k->sgd(len, w, vel, g, o);
    expect_within(v, "w", w, wref, tw, len, "2 ULP");
    expect_within(v, "v", vel, vref, tv, len, "2 ULP");
    expect_unchanged(v, "g", g, g0, len);
    arena_free(&a);
}

static void sgd_family(const ln_kernels *k, int arg, int stride, verdict *v)
{
    (void)arg;
    static const ln_sgd opts[] = {
        {.lr = 0.1f}, {.lr = 0.05f, .weight_decay = 1e-3f}, {.lr = 0.01f, .momentum = 0.9f},
        {.lr = 0.05f, .momentum = 0.9f, .nesterov = 1, .weight_decay = 5e-4f},
    };
    size_t lens[80];
    int m = ts_act_lengths(lens, 80);
    for (int i = 0; i < m; i += stride)
        for (int j = 0; j < 4; j++) check_sgd(k, lens[i], &opts[j], 13000 + 4 * (uint64_t)i + (uint64_t)j, v);
}

/* ---- per-channel affine (trainable subsampling) ---- */

static void check_chan_affine(const ln_kernels *k, int n, int c, int hw, uint64_t seed, verdict *v)
{
    arena a = {.off = (int)(seed & 1)};
    ln_rng r;
    ln_rng_seed(&r, seed);
    size_t len = (size_t)n * c * hw;
    float *x = in_buf(&a, len), *dy = in_buf(&a, len), *s = in_buf(&a, (size_t)c), *b = in_buf(&a, (size_t)c);
    fill(&r, x, len, -2.0f, 2.0f);
    fill(&r, dy, len, -1.0f, 1.0f);
    fill(&r, s, (size_t)c, -0.6f, 0.6f);
    fill(&r, b, (size_t)c, -0.5f, 0.5f);
    float *x0 = copy_of(&a, x, len);
    float *yref = out_buf(&a, len), *y = out_buf(&a, len);
    scalar()->chan_affine(n, c, hw, 4.0f, x, s, seed & 2 ? NULL : b, yref);
    poison(y, len);
    begin_case(v, "chan_affine[%s] n=%d c=%d hw=%d seed=%llu%s", k->isa, n, c, hw, (unsigned long long)seed,
               a.off ? " (misaligned)" : "");
    k->chan_affine(n, c, hw, 4.0f, x, s, seed & 2 ? NULL : b, y);
    expect_bits(v, "y", y, yref, len);
    expect_unchanged(v, "x", x, x0, len);
    /* parameter gradients accumulate onto known values; float lanes then a
     * double sum against the scalar's double sum: 1e-6 of sum |terms| */
    float *dsr = out_buf(&a, (size_t)c), *dbr = out_buf(&a, (size_t)c), *ds = out_buf(&a, (size_t)c),
          *db = out_buf(&a, (size_t)c);
    double *ts = tol_buf(&a, (size_t)c), *tb = tol_buf(&a, (size_t)c);
    for (int ch = 0; ch < c; ch++) {
        dsr[ch] = ds[ch] = 0.25f * (float)ch, dbr[ch] = db[ch] = -0.5f;
        double as = 0.0, ab = 0.0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < hw; j++) {
                size_t o = ((size_t)i * c + ch) * hw + j;
                as += fabs(4.0 * dy[o] * x[o]), ab += fabs(dy[o]);
            }
        ts[ch] = LN_TOL_CHAN_PARAMS_REL * (as + 0.25 * ch) + LN_TOL_CHAN_PARAMS_ULP * ulp(dsr[ch]) + LN_TOL_CHAN_PARAMS_ABS;
        tb[ch] = LN_TOL_CHAN_PARAMS_REL * (ab + 0.5) + LN_TOL_CHAN_PARAMS_ABS;
    }
    scalar()->chan_affine_params(n, c, hw, 4.0f, x, dy, dsr, dbr);
    begin_case(v, "chan_affine_params[%s] n=%d c=%d hw=%d seed=%llu%s", k->isa, n, c, hw, (unsigned long long)seed,
               a.off ? " (misaligned)" : "");
    k->chan_affine_params(n, c, hw, 4.0f, x, dy, ds, db);
    expect_within(v, "ds", ds, dsr, ts, (size_t)c, "1e-6 sum|terms|");
    expect_within(v, "db", db, dbr, tb, (size_t)c, "1e-6 sum|terms|");
    arena_free(&a);
}

static void chan_affine_family(const ln_kernels *k, int arg, int stride, verdict *v)
{
    (void)arg;
    static const int shapes[][3] = {{1, 1, 1}, {1, 6, 196}, {3, 16, 25}, {2, 6, 144}, {5, 3, 7}, {4, 16, 9},
                                    {1, 2, 8},  {2, 1, 17},  {8, 6, 16}, {3, 5, 33}};
    for (int i = 0; i < 10; i += stride)
        check_chan_affine(k, shapes[i][0], shapes[i][1], shapes[i][2], 16000 + (uint64_t)i, v);
}

/* ---- RBF output and loss ---- */

static void check_rbf(const ln_kernels *k, int n, int in, int out, float map_j, uint64_t seed, verdict *v)
{
    arena a = {.off = (int)(seed & 1)};
    ln_rng r;
    ln_rng_seed(&r, seed);
    float *x = in_buf(&a, (size_t)n * in), *w = in_buf(&a, (size_t)out * in);
    uint8_t labels[64];
    fill(&r, x, (size_t)n * in, -1.7f, 1.7f);
    for (size_t i = 0; i < (size_t)out * in; i++) w[i] = ln_rng_uniform(&r) < 0.5f ? -1.0f : 1.0f;
    for (int i = 0; i < n; i++) labels[i] = (uint8_t)ln_rng_below(&r, (uint32_t)out);
    float *sref = out_buf(&a, (size_t)n * out), *s = out_buf(&a, (size_t)n * out);
    float *dref = out_buf(&a, (size_t)n * in), *dx = out_buf(&a, (size_t)n * in);
    double *ts = tol_buf(&a, (size_t)n * out), *td = tol_buf(&a, (size_t)n * in);
    double lref = scalar()->rbf(n, in, out, x, w, labels, map_j, 0.5f, sref, dref);
    poison(s, (size_t)n * out), poison(dx, (size_t)n * in);
    begin_case(v, "rbf[%s] n=%d in=%d out=%d map_j=%g seed=%llu%s", k->isa, n, in, out, (double)map_j,
               (unsigned long long)seed, a.off ? " (misaligned)" : "");
    double l = k->rbf(n, in, out, x, w, labels, map_j, 0.5f, s, dx);
    /* distances: float FMA lanes against a double sum of in squares up to ~7 */
    for (size_t i = 0; i < (size_t)n * out; i++) ts[i] = LN_TOL_RBF_SCORES_REL * fabs((double)sref[i]) + LN_TOL_RBF_SCORES_ABS;
    for (size_t i = 0; i < (size_t)n * in; i++) td[i] = LN_TOL_RBF_DX * (1.0 + fabs((double)dref[i]));
    expect_within(v, "scores", s, sref, ts, (size_t)n * out, "1e-6 relative + 1e-5");
    expect_within(v, "dx", dx, dref, td, (size_t)n * in, "2e-5 (1 + |dx|)");
    if (!(fabs(l - lref) <= LN_TOL_RBF_LOSS_REL * fabs(lref) + LN_TOL_RBF_LOSS_ROW * n))
        failf(v, "loss %.12g, scalar %.12g", l, lref);
    arena_free(&a);
}

static void rbf_family(const ln_kernels *k, int arg, int stride, verdict *v)
{
    (void)arg;
    static const int shapes[][3] = {{1, 84, 10}, {8, 84, 10}, {3, 1, 2}, {5, 7, 3}, {2, 8, 10}, {4, 17, 5},
                                    {32, 84, 10}, {6, 33, 12}};
    for (int i = 0; i < 8; i += stride) {
        check_rbf(k, shapes[i][0], shapes[i][1], shapes[i][2], -1.0f, 17000 + (uint64_t)i, v);
        check_rbf(k, shapes[i][0], shapes[i][1], shapes[i][2], 1.0f, 17100 + (uint64_t)i, v);
    }
}

/* ---- one test per kernel family, over every SIMD table ---- */

typedef void (*family_fn)(const ln_kernels *k, int arg, int stride, verdict *v);

static void conv_family(const ln_kernels *k, int o, int stride, verdict *v) { conv_all(k, (op)o, stride, v); }
static void dense_family(const ln_kernels *k, int o, int stride, verdict *v) { dense_all(k, (op)o, stride, v); }
static void pool_family(const ln_kernels *k, int max, int stride, verdict *v) { pool_all(k, max, stride, v); }
static void act_family(const ln_kernels *k, int relu, int stride, verdict *v) { act_all(k, relu, stride, v); }
static void softmax_family(const ln_kernels *k, int arg, int stride, verdict *v)
{
    (void)arg;
    softmax_all(k, stride, v);
}

static void each_simd_table(family_fn fn, int arg)
{
    const ln_kernels *t[MAX_TABLES];
    int m = simd_tables(t);
    for (int i = 0; i < m; i++) {
        verdict v = {0};
        fn(t[i], arg, 1, &v);
        expect_clean(&v, t[i]->isa);
        cr_log_info("%s vs scalar: %d cases pass", t[i]->isa, v.cases);
    }
}

Test(parity, conv2d_fwd) { each_simd_table(conv_family, CONV_FWD); }
Test(parity, conv2d_bwd_data) { each_simd_table(conv_family, CONV_BWD_DATA); }
Test(parity, conv2d_bwd_weights) { each_simd_table(conv_family, CONV_BWD_WEIGHTS); }
Test(parity, dense_fwd) { each_simd_table(dense_family, DENSE_FWD); }
Test(parity, dense_bwd_data) { each_simd_table(dense_family, DENSE_BWD_DATA); }
Test(parity, dense_bwd_weights) { each_simd_table(dense_family, DENSE_BWD_WEIGHTS); }
Test(parity, avgpool2) { each_simd_table(pool_family, 0); }
Test(parity, maxpool2) { each_simd_table(pool_family, 1); }
Test(parity, tanh) { each_simd_table(act_family, 0); }
Test(parity, relu) { each_simd_table(act_family, 1); }
Test(parity, stanh) { each_simd_table(act_family, 2); }
Test(parity, sigmoid) { each_simd_table(act_family, 3); }
Test(parity, softmax_xent) { each_simd_table(softmax_family, 0); }
Test(parity, sgd) { each_simd_table(sgd_family, 0); }
Test(parity, chan_affine) { each_simd_table(chan_affine_family, 0); }
Test(parity, rbf) { each_simd_table(rbf_family, 0); }

/* The best table the CPU and OS can run must be there and be what auto
 * picks: an x86-64 build on a CPU with AVX2+FMA (and OS-saved YMM state)
 * has avx2, with AVX-512 F/BW/DQ/VL (and OS-saved ZMM state) avx512 (the
 * emulated build: avx512 wherever avx2 runs); an AArch64 build has neon.
 * Anywhere else scalar alone is right. */
Test(parity, tables_expected)
{
    const ln_cpu_info *ci = ln_cpu();
    const ln_kernels *k;
    const char *want = NULL;
#if defined(__x86_64__) || defined(__i386__)
    if (ci->avx2 && ci->fma && ci->os_ymm) want = "avx2";
    if (want && ((ci->avx512f && ci->avx512bw && ci->avx512dq && ci->avx512vl && ci->os_zmm) || EMULATED))
        want = "avx512";
#elif defined(__aarch64__)
    if (ci->neon) want = "neon";
#endif
    if (!want) {
        cr_log_info("CPU '%s' has no SIMD table this build targets: scalar only, as expected", ci->brand);
        return;
    }
    cr_assert(is_built(want), "this CPU (%s) runs %s, but lenet was built without the %s table", ci->brand, want,
              want);
    cr_assert_eq(ln_kernels_select(want, &k), LN_OK, "%s is built but cannot be selected: %s", want,
                 ln_last_error());
    cr_assert_str_eq(k->isa, want);
    cr_assert_eq(ln_kernels_select("auto", &k), LN_OK);
    cr_assert_str_eq(k->isa, want, "auto picks %s, not %s", k->isa, want);
}

/* ---- the checks catch what they are meant to catch ---- */

static size_t conv_y_len(const ln_conv_shape *s) { return (size_t)s->n * s->oc * s->oh * s->ow; }

static void mut_conv_fwd_overrun(const ln_conv_shape *s, const float *x, const float *w, const float *b, float *y,
                                 float *scratch)
{
    scalar()->conv2d_fwd(s, x, w, b, y, scratch);
    y[conv_y_len(s)] = 0.0f;
}

static void mut_conv_fwd_skips_last(const ln_conv_shape *s, const float *x, const float *w, const float *b,
                                    float *y, float *scratch)
{
    size_t last = conv_y_len(s) - 1;
    float keep = y[last];
    scalar()->conv2d_fwd(s, x, w, b, y, scratch);
    y[last] = keep;
}

static void mut_conv_fwd_off_last(const ln_conv_shape *s, const float *x, const float *w, const float *b,
                                  float *y, float *scratch)
{
    scalar()->conv2d_fwd(s, x, w, b, y, scratch);
    y[conv_y_len(s) - 1] += 0.01f;
}

static size_t mut_scratch_size(const ln_conv_shape *s)
{
    (void)s;
    return 4;
}

static void mut_conv_bwd_data_scratch(const ln_conv_shape *s, const float *dy, const float *w, float *dx,
                                      float *scratch)
{
    scalar()->conv2d_bwd_data(s, dy, w, dx, scratch);
    scratch[4] = 1.0f;
}

static void mut_conv_bwd_weights_overwrites(const ln_conv_shape *s, const float *x, const float *dy, float *dw,
                                            float *db, float *scratch)
{
    memset(dw, 0, (size_t)s->oc * s->ic * s->kh * s->kw * sizeof *dw);
    memset(db, 0, (size_t)s->oc * sizeof *db);
    scalar()->conv2d_bwd_weights(s, x, dy, dw, db, scratch);
}

static void mut_dense_fwd_writes_input(int n, int in, int out, const float *x, const float *w, const float *b,
                                       float *y)
{
    scalar()->dense_fwd(n, in, out, x, w, b, y);
    ((float *)x)[0] += 1.0f;
}

static void mut_avgpool_fwd_2ulp(const ln_pool_shape *s, const float *x, float *y)
{
    scalar()->avgpool2_fwd(s, x, y);
    for (size_t i = 0; i < (size_t)s->planes * (s->h / 2) * (s->w / 2); i++) y[i] *= 1.0f + 0x1p-21f;
}

/* Ties to the last maximum instead of the first. */
static void mut_maxpool_bwd_last_tie(const ln_pool_shape *s, const float *x, const float *y, const float *dy,
                                     float *dx)
{
    int oh = s->h / 2, ow = s->w / 2;
    memset(dx, 0, (size_t)s->planes * s->h * s->w * sizeof *dx);
    for (int p = 0; p < s->planes; p++)
        for (int i = 0; i < oh; i++)
            for (int j = 0; j < ow; j++) {
                size_t base = (size_t)p * s->h * s->w + (size_t)(2 * i) * s->w + 2 * j;
                size_t o = ((size_t)p * oh + i) * ow + j;
                size_t at[4] = {base, base + 1, base + s->w, base + s->w + 1};
                int k = 3;
                while (k > 0 && x[at[k]] != y[o]) k--;
                dx[at[k]] = dy[o];
            }
}

static void mut_tanh_5ulp(size_t len, const float *x, float *y)
{
    scalar()->tanh_fwd(len, x, y);
    for (size_t i = 0; i < len; i++)
        for (int u = 0; u < 5; u++) y[i] = nextafterf(y[i], 0.0f);
}

static void mut_relu_skips_tail(size_t len, const float *x, float *y) { scalar()->relu_fwd(len - len % 8, x, y); }

static double mut_softmax_loss(int n, int classes, const float *logits, const uint8_t *labels, float scale,
                               float *probs, float *dlogits)
{
    return scalar()->softmax_xent(n, classes, logits, labels, scale, probs, dlogits) * (1.0 + 1e-5);
}

/* Plain momentum where Nesterov was asked for. */
static void mut_sgd_ignores_nesterov(size_t len, float *w, float *v, const float *g, const ln_sgd *o)
{
    ln_sgd plain = *o;
    plain.nesterov = 0;
    scalar()->sgd(len, w, v, g, &plain);
}

typedef struct mutant {
    const char *name, *expect; /* expect: a part of the first failure's message */
    family_fn fn;
    int arg;
    void (*patch)(ln_kernels *t);
} mutant;

static void p_overrun(ln_kernels *t) { t->conv2d_fwd = mut_conv_fwd_overrun; }
static void p_skips_last(ln_kernels *t) { t->conv2d_fwd = mut_conv_fwd_skips_last; }
static void p_off_last(ln_kernels *t) { t->conv2d_fwd = mut_conv_fwd_off_last; }
static void p_scratch(ln_kernels *t)
{
    t->conv2d_scratch = mut_scratch_size;
    t->conv2d_bwd_data = mut_conv_bwd_data_scratch;
}
static void p_overwrites(ln_kernels *t) { t->conv2d_bwd_weights = mut_conv_bwd_weights_overwrites; }
static void p_writes_input(ln_kernels *t) { t->dense_fwd = mut_dense_fwd_writes_input; }
static void p_avg_2ulp(ln_kernels *t) { t->avgpool2_fwd = mut_avgpool_fwd_2ulp; }
static void p_last_tie(ln_kernels *t) { t->maxpool2_bwd = mut_maxpool_bwd_last_tie; }
static void p_tanh(ln_kernels *t) { t->tanh_fwd = mut_tanh_5ulp; }
static void p_relu_tail(ln_kernels *t) { t->relu_fwd = mut_relu_skips_tail; }
static void p_loss(ln_kernels *t) { t->softmax_xent = mut_softmax_loss; }
static void p_sgd(ln_kernels *t) { t->sgd = mut_sgd_ignores_nesterov; }

Test(parity, harness_catches_bugs)
{
    static const mutant mutants[] = {
        {"conv2d_fwd writes past y", "y: wrote past the end", conv_family, CONV_FWD, p_overrun},
        {"conv2d_fwd skips its last output", "= nan", conv_family, CONV_FWD, p_skips_last},
        {"conv2d_fwd last output off by 0.01", "1e-6 + 1e-5 sum|terms|", conv_family, CONV_FWD, p_off_last},
        {"conv2d_bwd_data overruns scratch", "scratch: wrote past the end", conv_family, CONV_BWD_DATA, p_scratch},
        {"conv2d_bwd_weights overwrites", "dw[", conv_family, CONV_BWD_WEIGHTS, p_overwrites},
        {"dense_fwd modifies x", "input x was modified", dense_family, DENSE_FWD, p_writes_input},
        {"avgpool2_fwd 2 ulp off", "1 ulp", pool_family, 0, p_avg_2ulp},
        {"maxpool2_bwd last maximum", "must be bit-exact", pool_family, 1, p_last_tie},
        {"tanh_fwd 5 ulp off", "4 ulp", act_family, 0, p_tanh},
        {"relu_fwd skips the tail", "must be exact", act_family, 1, p_relu_tail},
        {"softmax_xent loss 1e-5 off", "loss", softmax_family, 0, p_loss},
        {"sgd ignores Nesterov", "nesterov=1", sgd_family, 0, p_sgd},
    };
    for (size_t i = 0; i < sizeof mutants / sizeof mutants[0]; i++) {
        const mutant *m = &mutants[i];
        ln_kernels t = *scalar();
        t.isa = "mutant";
        m->patch(&t);
        verdict v = {0};
        m->fn(&t, m->arg, 5, &v);
        cr_assert(v.failed > 0, "mutant '%s' passed all %d cases", m->name, v.cases);
        cr_assert(strstr(v.first, m->expect), "mutant '%s': expected a failure about '%s', got: %s", m->name,
                  m->expect, v.first);
        cr_log_info("mutant '%s' caught in %d of %d cases: %s", m->name, v.failed, v.cases, v.first);
    }
    /* and the scalar table passes against itself */
    static const struct { family_fn fn; int arg; } all[] = {
        {conv_family, CONV_FWD}, {conv_family, CONV_BWD_DATA}, {conv_family, CONV_BWD_WEIGHTS},
        {dense_family, DENSE_FWD}, {dense_family, DENSE_BWD_DATA}, {dense_family, DENSE_BWD_WEIGHTS},
        {pool_family, 0}, {pool_family, 1}, {act_family, 0}, {act_family, 1}, {act_family, 2}, {act_family, 3},
        {softmax_family, 0}, {sgd_family, 0}, {chan_affine_family, 0}, {rbf_family, 0},
    };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        verdict v = {0};
        all[i].fn(scalar(), all[i].arg, 5, &v);
        expect_clean(&v, "scalar");
    }
}

/* ---- the whole network: 200 training steps per table from one start ---- */

/* Batch 32 natively; an emulated cross build (qemu, ~20x slower) and the
 * emulated avx512 table under ASan pass a smaller one so CI stays within
 * minutes. */
#ifndef LENET_PARITY_NET_BATCH
#define LENET_PARITY_NET_BATCH 32
#endif
enum { NET_STEPS = 200, NET_BATCH = LENET_PARITY_NET_BATCH, NET_THREADS = 2, NET_SEED = 7 };

/* Mean loss of each of NET_STEPS SGD steps on batches idx[s*B .. s*B+B). */
static void train_losses(const ln_kernels *k, const ln_dataset *d, const uint32_t *idx, double *loss)
{
    ln_net net;
    ln_trainer tr;
    cr_assert_eq(ln_net_build("lenet5", 1, 28, 28, 10, &net), LN_OK, "%s", ln_last_error());
    ln_net_init(&net, NET_SEED);
    cr_assert_eq(ln_trainer_init(&tr, &net, k, NET_THREADS, NET_BATCH), LN_OK, "%s", ln_last_error());
    const ln_sgd opt = {.lr = 0.01f, .momentum = 0.9f};
    for (int s = 0; s < NET_STEPS; s++) {
        int right;
        ln_status st = ln_trainer_step(&tr, d, idx + (size_t)s * NET_BATCH, NET_BATCH, &opt, &loss[s], &right);
        cr_assert_eq(st, LN_OK, "lenet5[%s] training step %d: %s", k->isa, s, ln_last_error());
        loss[s] /= NET_BATCH;
    }
    ln_trainer_free(&tr);
    ln_net_free(&net);
}

static double mean(const double *v, int n)
{
    double s = 0.0;
    for (int i = 0; i < n; i++) s += v[i];
    return s / n;
}

Test(parity, lenet5_training, .timeout = 900)
{
    const ln_kernels *t[MAX_TABLES];
    int m = simd_tables(t);
    ln_dataset d;
    const char *data = "Fashion-MNIST";
    if (ln_mnist_load(LN_DEFAULT_DATA_DIR, "train", &d) != LN_OK) {
        cr_log_warn("%s; training on random images instead", ln_last_error());
        d = random_dataset(NET_STEPS * NET_BATCH, NET_SEED), data = "random images";
    }
    uint32_t *idx = malloc((size_t)d.n * sizeof *idx);
    cr_assert_not_null(idx);
    for (int i = 0; i < d.n; i++) idx[i] = (uint32_t)i;
    ln_rng r;
    ln_rng_seed(&r, NET_SEED);
    ln_rng_shuffle(&r, idx, (uint32_t)d.n);
    cr_assert(d.n >= NET_STEPS * NET_BATCH);

    double ref[NET_STEPS], got[NET_STEPS];
    train_losses(scalar(), &d, idx, ref);
    cr_assert(mean(ref + NET_STEPS - 20, 20) < mean(ref, 20), "scalar training does not learn: loss %.4f -> %.4f",
              mean(ref, 20), mean(ref + NET_STEPS - 20, 20));
    for (int i = 0; i < m; i++) {
        train_losses(t[i], &d, idx, got);
        double worst = 0.0;
        for (int s = 0; s < NET_STEPS; s++) {
            double rel = fabs(got[s] - ref[s]) / fabs(ref[s]);
            cr_assert(rel <= LN_TOL_NET_LOSS_REL, "lenet5[%s] vs scalar, %s, batch %d, threads %d, lr 0.01, momentum 0.9, "
                      "init seed %d: step %d loss %.7f vs %.7f (relative %.2g > 1e-3)", t[i]->isa, data, NET_BATCH,
                      NET_THREADS, NET_SEED, s, got[s], ref[s], rel);
            worst = fmax(worst, rel);
        }
        cr_log_info("lenet5[%s]: %d steps, largest relative loss difference %.2g", t[i]->isa, NET_STEPS, worst);
    }
    free(idx);
    ln_dataset_free(&d);
}
