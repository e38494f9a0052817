/* Shared by the AVX-512 2x2 pooling kernels (pool2_avg_avx512.c,
 * pool2_max_avx512.c): the two ways a step of 16 windows is laid out, their
 * permute indices, and the walk over output rows.
 *
 * Row mode (w > 16): a step is 16 windows of one output row. Its two input
 * rows are loaded as 32 floats each (two zmm); vpermt2ps with [0 2 .. 30]
 * and [1 3 .. 31] splits them into even and odd columns already in output
 * order (no fix-up permute as in AVX2). A row's last 1..15 windows use
 * masked loads and stores.
 *
 * Pair mode (w <= 16, LeNet's 14- and 10-wide maps): one step holds two
 * output rows, A in lanes [0, ow) and B in [ow, 2 ow), so a 7-wide output
 * row does not leave half of each vector empty. Each input row is one
 * masked load of 2*ow floats; vpermt2ps picks A's even (odd) columns from
 * the first source and B's from the second, in the order the two output
 * rows lie in y; one masked store writes both. Rows are paired across
 * planes (y is contiguous), an odd last row goes alone.
 *
 * Every access outside the data is masked off: nothing outside the buffers
 * is read or written. Masks are built once per call, outside the loops
 * (ln_pool2_tail, the pair loop's constant masks): a kmov from a general
 * register inside the loop cost Zen 4 up to 30% here. */
#ifndef LN_POOL2_AVX512_H
#define LN_POOL2_AVX512_H
#include "avx512_intrin.h"
#include "kernels_avx512.h"
#include "vmath_avx512.h"

/* [add, add + 2, ..., add + 30]: even (add 0) or odd (1) columns of 32 */
static inline __m512i ln_pool2_cols(int add)
{
    return _mm512_add_epi32(_mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30),
                            _mm512_set1_epi32(add));
}

/* Pair mode: lane o < ow takes column 2o of row A (first source), lane
 * o >= ow column 2(o - ow) of row B (second source); + add (1: odd). */
static inline __m512i ln_pool2_pair_cols(int ow, int add)
{
    int idx[16];
    for (int o = 0; o < 16; o++) idx[o] = (o < ow ? 2 * o : 16 + 2 * (o - ow)) + add;
    return _mm512_loadu_si512((const void *)idx);
}

/* Pair mode, back to dx: lane l of an input row gets window l/2 + off of
 * the (even, odd) window values: (l & 1 ? 16 : 0) + off + l/2 when two
 * sources are merged (`two`), off + l/2 otherwise. */
static inline __m512i ln_pool2_spread(int off, int two)
{
    int idx[16];
    for (int l = 0; l < 16; l++) idx[l] = (two && (l & 1) ? 16 : 0) + off + l / 2;
    return _mm512_loadu_si512((const void *)idx);
}

/* A walk over the planes * oh output rows of a pooling shape: the first of
 * the two input rows (or dx rows) of the current output row. */
typedef struct ln_pool2_rows {
    size_t row;  /* offset of the current output row's first input row */
    int i, oh;   /* its index in the plane, rows in a plane */
    size_t step, skip; /* 2w; w more at a plane's end when h is odd */
} ln_pool2_rows;

static inline ln_pool2_rows ln_pool2_rows_begin(const ln_pool_shape *s)
{
    return (ln_pool2_rows){0, 0, s->h / 2, 2 * (size_t)s->w, (size_t)(s->h & 1) * s->w};
}

static inline void ln_pool2_rows_next(ln_pool2_rows *c)
{
    c->row += c->step;
    if (++c->i == c->oh) c->i = 0, c->row += c->skip;
}

/* The four window corners of a step, as (even, odd) columns of the top row
 * (e0, o0) and bottom row (e1, o1). Row mode: r0, r1 [0, 32), or with
 * `masked` only the floats of masks ka, kb of [0, 16) and [16, 32). */
static inline void ln_pool2_load_row(const float *r0, const float *r1, int masked, __mmask16 ka, __mmask16 kb,
                                     __m512 *e0, __m512 *o0, __m512 *e1, __m512 *o1)
{
    const __m512i ie = ln_pool2_cols(0), io = ln_pool2_cols(1);
    __m512 a0, b0, a1, b1;
    if (!masked) {
        a0 = _mm512_loadu_ps(r0), b0 = _mm512_loadu_ps(r0 + 16);
        a1 = _mm512_loadu_ps(r1), b1 = _mm512_loadu_ps(r1 + 16);
    } else {
        a0 = _mm512_maskz_loadu_ps(ka, r0), b0 = _mm512_maskz_loadu_ps(kb, r0 + 16);
        a1 = _mm512_maskz_loadu_ps(ka, r1), b1 = _mm512_maskz_loadu_ps(kb, r1 + 16);
    }
    *e0 = _mm512_permutex2var_ps(a0, ie, b0), *o0 = _mm512_permutex2var_ps(a0, io, b0);
    *e1 = _mm512_permutex2var_ps(a1, ie, b1), *o1 = _mm512_permutex2var_ps(a1, io, b1);
}

/* Row mode's tail: the last m = ow - j < 16 windows of a row, from j =
 * ow & ~15, and n = w - 2j dx floats (an odd last column included), with
 * their masks: windows, input floats and dx floats of [0, 16), [16, 32). */
typedef struct ln_pool2_tail {
    int j, m, n;
    __mmask16 km, xa, xb, da, db;
} ln_pool2_tail;

static inline ln_pool2_tail ln_pool2_tail_of(int w)
{
    int ow = w / 2, j = ow & ~15, m = ow - j, n = w - 2 * j;
    return (ln_pool2_tail){j, m, n, ln_vmask_avx512(m), ln_vmask_avx512(2 * m), ln_vmask_avx512(2 * m - 16),
                           ln_vmask_avx512(n), ln_vmask_avx512(n - 16)};
}

/* Pair mode: rows A (a, a + w) and, with kb set, B (b, b + w), 2*ow floats
 * each under masks ka, kb; ie, io from ln_pool2_pair_cols. */
static inline void ln_pool2_load_pair(const float *a, const float *b, int w, __mmask16 ka, __mmask16 kb,
                                      __m512i ie, __m512i io, __m512 *e0, __m512 *o0, __m512 *e1, __m512 *o1)
{
    __m512 a0 = _mm512_maskz_loadu_ps(ka, a), a1 = _mm512_maskz_loadu_ps(ka, a + w);
    __m512 b0 = _mm512_maskz_loadu_ps(kb, b), b1 = _mm512_maskz_loadu_ps(kb, b + w);
    *e0 = _mm512_permutex2var_ps(a0, ie, b0), *o0 = _mm512_permutex2var_ps(a0, io, b0);
    *e1 = _mm512_permutex2var_ps(a1, ie, b1), *o1 = _mm512_permutex2var_ps(a1, io, b1);
}

/* One window value per lane from the four corners. */
typedef __m512 (*ln_pool2_comb_fn)(__m512 e0, __m512 o0, __m512 e1, __m512 o1);

/* y[planes][h/2][w/2] = comb over each 2x2 window of x[planes][h][w].
 * Inline with a constant `comb`, so each kernel gets its own loop. */
static inline void ln_pool2_fwd_avx512(const ln_pool_shape *s, const float *x, float *y, ln_pool2_comb_fn comb)
{
    int w = s->w, oh = s->h / 2, ow = w / 2;
    size_t rows = (size_t)s->planes * oh;
    if (ow == 0 || oh == 0) return;
    ln_pool2_rows c = ln_pool2_rows_begin(s);
    __m512 e0, o0, e1, o1;
    if (w <= 16) {
        const __m512i ie = ln_pool2_pair_cols(ow, 0), io = ln_pool2_pair_cols(ow, 1);
        const __mmask16 k = ln_vmask_avx512(2 * ow);
        size_t r = 0;
        for (; r + 1 < rows; r += 2, y += 2 * ow) { /* masks constant in the loop: no kmov */
            const float *a = x + c.row;
            ln_pool2_rows_next(&c);
            const float *b = x + c.row;
            ln_pool2_rows_next(&c);
            ln_pool2_load_pair(a, b, w, k, k, ie, io, &e0, &o0, &e1, &o1);
            _mm512_mask_storeu_ps(y, k, comb(e0, o0, e1, o1));
        }
        if (r < rows) { /* an odd last row: A alone */
            ln_pool2_load_pair(x + c.row, x + c.row, w, k, 0, ie, io, &e0, &o0, &e1, &o1);
            _mm512_mask_storeu_ps(y, ln_vmask_avx512(ow), comb(e0, o0, e1, o1));
        }
        return;
    }
    const ln_pool2_tail t = ln_pool2_tail_of(w);
    for (size_t r = 0; r < rows; r++, y += ow, ln_pool2_rows_next(&c)) {
        const float *r0 = x + c.row, *r1 = r0 + w;
        for (int j = 0; j < t.j; j += 16) {
            ln_pool2_load_row(r0 + 2 * j, r1 + 2 * j, 0, 0, 0, &e0, &o0, &e1, &o1);
            _mm512_storeu_ps(y + j, comb(e0, o0, e1, o1));
        }
        if (t.m) {
            ln_pool2_load_row(r0 + 2 * t.j, r1 + 2 * t.j, 1, t.xa, t.xb, &e0, &o0, &e1, &o1);
            _mm512_mask_storeu_ps(y + t.j, t.km, comb(e0, o0, e1, o1));
        }
    }
}

/* dx's last row of each plane when h is odd: no window reads it. */
static inline void ln_pool2_zero_odd_rows(const ln_pool_shape *s, float *dx)
{
    if (!(s->h & 1)) return;
    const __m512 zero = _mm512_setzero_ps();
    for (int p = 0; p < s->planes; p++) {
        float *r = dx + ((size_t)p * s->h + s->h - 1) * s->w;
        int j = 0;
        for (; j + 16 <= s->w; j += 16) _mm512_storeu_ps(r + j, zero);
        if (j < s->w) _mm512_mask_storeu_ps(r + j, ln_vmask_avx512(s->w - j), zero);
    }
}

#endif
