/* 2x2 stride-2 max pooling, AVX2: bit-identical to the scalar twin,
 * ties, signed zeros and NaNs included.
 *
 * Eight windows per step. vshufps splits two 8-float loads of a row into
 * its even and odd columns, in the lane order [0 1 4 5 | 2 3 6 7] of the
 * windows. vmaxps(a, b) is exactly the scalar `a > b ? a : b` (b when they
 * are equal or either is NaN), so the forward is max(max(e0, o0),
 * max(e1, o1)) as the scalar code nests it; one vpermpd restores the order.
 * Backward: y and dy are put in that lane order; the gradient goes to the
 * first of x00, x01, x10 that equals y (ordered compare), else to x11, as
 * the scalar search does, and vunpcklps/vunpckhps of the (even, odd)
 * results give each dx row's 16 floats back in order.
 *
 * Tails: a row's last 1..7 windows are computed 8 wide. Loads may run into
 * the next row, and stores spill into memory written later in the call (the
 * next row, dx's odd last column and row, zeroed at the end), so only the
 * last step of the whole buffer uses masked loads and stores: nothing
 * outside the buffers is touched. In the backward pass a row's tail is
 * stored before its full steps, which overwrite the tail's spill into the
 * second dx row.
 * x, dx: [planes][h][w]   y, dy: [planes][h/2][w/2] */
#include <string.h>

#include "pool2_avx2.h"

/* max(max(x00, x01), max(x10, x11)) of 8 windows, in window order */
static inline __m256 max_step(const float *r0, const float *r1, int masked, int m)
{
    __m256 e0, o0, e1, o1;
    ln_pool2_split_row(r0, masked, m, &e0, &o0);
    ln_pool2_split_row(r1, masked, m, &e1, &o1);
    return _mm256_max_ps(_mm256_max_ps(e0, o0), _mm256_max_ps(e1, o1));
}

void ln_maxpool2_fwd_avx2(const ln_pool_shape *s, const float *x, float *y)
{
    ln_pool2_fwd_rows(s, x, y, max_step);
}

/* dx row r[0..16) from the (even, odd) column values in window order
 * (masked: r[0..2m)) */
static inline void merge_row(float *r, int masked, int m, __m256 even, __m256 odd)
{
    __m256 lo = _mm256_unpacklo_ps(even, odd), hi = _mm256_unpackhi_ps(even, odd);
    if (!masked) {
        _mm256_storeu_ps(r, lo), _mm256_storeu_ps(r + 8, hi);
    } else {
        _mm256_maskstore_ps(r, ln_vmask_avx2(2 * m), lo);
        _mm256_maskstore_ps(r + 8, ln_vmask_avx2(2 * m - 8), hi);
    }
}

/* one step of 8 windows (m valid): rows r0, r1 of x and d0, d1 of dx */
static inline void max_bwd8(const float *r0, const float *r1, const float *yr, const float *gr,
                            float *d0, float *d1, int masked, int m)
{
    __m256 e0, o0, e1, o1, yv, g;
    ln_pool2_split_row(r0, masked, m, &e0, &o0);
    ln_pool2_split_row(r1, masked, m, &e1, &o1);
    if (!masked) {
        yv = _mm256_loadu_ps(yr), g = _mm256_loadu_ps(gr);
    } else {
        yv = _mm256_maskload_ps(yr, ln_vmask_avx2(m)), g = _mm256_maskload_ps(gr, ln_vmask_avx2(m));
    }
    yv = ln_pool2_swap_mid(yv), g = ln_pool2_swap_mid(g);
    __m256 q0 = _mm256_cmp_ps(e0, yv, _CMP_EQ_OQ), q1 = _mm256_cmp_ps(o0, yv, _CMP_EQ_OQ);
    __m256 q2 = _mm256_cmp_ps(e1, yv, _CMP_EQ_OQ), q01 = _mm256_or_ps(q0, q1);
    __m256 g0 = _mm256_and_ps(q0, g), g1 = _mm256_andnot_ps(q0, _mm256_and_ps(q1, g));
    __m256 g2 = _mm256_andnot_ps(q01, _mm256_and_ps(q2, g));
    __m256 g3 = _mm256_andnot_ps(_mm256_or_ps(q01, q2), g);
    merge_row(d0, masked, m, g0, g1);
    merge_row(d1, masked, m, g2, g3);
}

void ln_maxpool2_bwd_avx2(const ln_pool_shape *s, const float *x, const float *y, const float *dy,
                          float *dx)
{
    int h = s->h, w = s->w, oh = h / 2, ow = w / 2, last = (ow - 1) & ~7;
    /* dx has x's offsets and dy y's, so x and y's ends bound all four */
    const float *xend = x + (size_t)s->planes * h * w, *yend = y + (size_t)s->planes * oh * ow;
    if (ow == 0 || oh == 0) {
        memset(dx, 0, (size_t)(xend - x) * sizeof *dx);
        return;
    }
    for (int p = 0; p < s->planes; p++) {
        const float *r0 = x + (size_t)p * h * w;
        float *d0 = dx + (size_t)p * h * w;
        for (int i = 0; i < oh; i++, r0 += 2 * w, d0 += 2 * w, y += ow, dy += ow) {
            /* the tail step first: its spill into row d0 + w is overwritten below */
            int masked = xend - r0 < w + 2 * last + 16 || yend - y < last + 8;
            max_bwd8(r0 + 2 * last, r0 + w + 2 * last, y + last, dy + last, d0 + 2 * last, d0 + w + 2 * last,
                     masked, ow - last);
            for (int j = 0; j < last; j += 8)
                max_bwd8(r0 + 2 * j, r0 + w + 2 * j, y + j, dy + j, d0 + 2 * j, d0 + w + 2 * j, 0, 8);
            if (w & 1) d0[w - 1] = d0[2 * w - 1] = 0.0f;
        }
        if (h & 1) memset(d0, 0, (size_t)w * sizeof *d0); /* d0: the last row */
    }
}
