/* 2x2 stride-2 max pooling, AVX-512: bit-identical to the scalar twin,
 * ties, signed zeros and NaNs included.
 *
 * Sixteen windows per step, laid out as pool2_avx512.h describes (one row
 * of a wide map, or two rows of a map up to 16 wide). vmaxps(a, b) is
 * exactly the scalar `a > b ? a : b` (b when they are equal or either is
 * NaN), so the forward is max(max(x00, x01), max(x10, x11)) as the scalar
 * code nests it. Backward: ordered compares with y give mask registers; the
 * gradient goes to the first of x00, x01, x10 that equals y, else to x11,
 * as the scalar search does, and vpermt2ps interleaves the (even, odd)
 * results back into each dx row; an odd last column and row are written as
 * 0. Tails are masked; nothing outside the buffers is touched.
 * Zen 4, 1 thread, batch 8 of LeNet's 6x28x28 / 16x14x14 / 16x10x10 maps,
 * speedup over the avx2 kernels: fwd 1.23x / 1.79x / 2.0x (~104 GB/s), bwd
 * 0.9x / 1.22x / 1.23x (lenet-bench kernels --batch 8 --isa avx512; 10x10
 * from a direct timing loop). The 28-wide backward, one masked step a row,
 * stays ~10% behind avx2's two spilling 8-wide steps; splitting with
 * in-lane vshufps + vunpck (2 lane-crossing permutes instead of 8) and
 * routing in dx order on mask bits (kmov round trips) were both slower.
 * x, dx: [planes][h][w]   y, dy: [planes][h/2][w/2] */
#include <string.h>

#include "pool2_avx512.h"

static inline __m512 max_comb(__m512 e0, __m512 o0, __m512 e1, __m512 o1)
{
    return _mm512_max_ps(_mm512_max_ps(e0, o0), _mm512_max_ps(e1, o1));
}

void ln_maxpool2_fwd_avx512(const ln_pool_shape *s, const float *x, float *y)
{
    ln_pool2_fwd_avx512(s, x, y, max_comb);
}

/* dy routed to the corner the scalar search picks: g0..g3 for x00, x01,
 * x10, x11 (0 elsewhere) */
static inline void route(__m512 e0, __m512 o0, __m512 e1, __m512 yv, __m512 g, __m512 *g0, __m512 *g1,
                         __m512 *g2, __m512 *g3)
{
    const __m512 zero = _mm512_setzero_ps();
    __mmask16 k0 = _mm512_cmp_ps_mask(e0, yv, _CMP_EQ_OQ), k1 = _mm512_cmp_ps_mask(o0, yv, _CMP_EQ_OQ);
    __mmask16 k2 = _mm512_cmp_ps_mask(e1, yv, _CMP_EQ_OQ);
    /* what is left of dy after each corner takes its lanes */
    *g0 = _mm512_maskz_mov_ps(k0, g), g = _mm512_mask_mov_ps(g, k0, zero);
    *g1 = _mm512_maskz_mov_ps(k1, g), g = _mm512_mask_mov_ps(g, k1, zero);
    *g2 = _mm512_maskz_mov_ps(k2, g), *g3 = _mm512_mask_mov_ps(g, k2, zero);
}

void ln_maxpool2_bwd_avx512(const ln_pool_shape *s, const float *x, const float *y, const float *dy,
                            float *dx)
{
    int w = s->w, oh = s->h / 2, ow = w / 2;
    size_t rows = (size_t)s->planes * oh;
    if (ow == 0 || oh == 0) {
        memset(dx, 0, (size_t)s->planes * s->h * w * sizeof *dx);
        return;
    }
    ln_pool2_rows c = ln_pool2_rows_begin(s);
    __m512 e0, o0, e1, o1, g0, g1, g2, g3;
    if (w <= 16) { /* pair mode: rows A, B in lanes [0, ow), [ow, 2 ow) */
        const __m512i ie = ln_pool2_pair_cols(ow, 0), io = ln_pool2_pair_cols(ow, 1);
        const __m512i ma = ln_pool2_spread(0, 1), mb = ln_pool2_spread(ow, 1);
        const __mmask16 k = ln_vmask_avx512(2 * ow), kw = ln_vmask_avx512(w);
        size_t r = 0;
        for (; r + 1 < rows; r += 2, y += 2 * ow, dy += 2 * ow) { /* masks constant in the loop: no kmov */
            size_t a = c.row;
            ln_pool2_rows_next(&c);
            size_t b = c.row;
            ln_pool2_rows_next(&c);
            ln_pool2_load_pair(x + a, x + b, w, k, k, ie, io, &e0, &o0, &e1, &o1);
            route(e0, o0, e1, _mm512_maskz_loadu_ps(k, y), _mm512_maskz_loadu_ps(k, dy), &g0, &g1, &g2, &g3);
            /* lanes past 2 ow: 0 (an odd last column) */
            _mm512_mask_storeu_ps(dx + a, kw, _mm512_maskz_permutex2var_ps(k, g0, ma, g1));
            _mm512_mask_storeu_ps(dx + a + w, kw, _mm512_maskz_permutex2var_ps(k, g2, ma, g3));
            _mm512_mask_storeu_ps(dx + b, kw, _mm512_maskz_permutex2var_ps(k, g0, mb, g1));
            _mm512_mask_storeu_ps(dx + b + w, kw, _mm512_maskz_permutex2var_ps(k, g2, mb, g3));
        }
        if (r < rows) { /* an odd last row: A alone */
            size_t a = c.row;
            __mmask16 kg = ln_vmask_avx512(ow);
            ln_pool2_load_pair(x + a, x + a, w, k, 0, ie, io, &e0, &o0, &e1, &o1);
            route(e0, o0, e1, _mm512_maskz_loadu_ps(kg, y), _mm512_maskz_loadu_ps(kg, dy), &g0, &g1, &g2, &g3);
            _mm512_mask_storeu_ps(dx + a, kw, _mm512_maskz_permutex2var_ps(k, g0, ma, g1));
            _mm512_mask_storeu_ps(dx + a + w, kw, _mm512_maskz_permutex2var_ps(k, g2, ma, g3));
        }
    } else { /* row mode */
        const __m512i ilo = ln_pool2_spread(0, 1), ihi = ln_pool2_spread(8, 1);
        const ln_pool2_tail t = ln_pool2_tail_of(w);
        for (size_t r = 0; r < rows; r++, y += ow, dy += ow, ln_pool2_rows_next(&c)) {
            const float *r0 = x + c.row, *r1 = r0 + w;
            float *d0 = dx + c.row, *d1 = d0 + w;
            for (int j = 0; j < t.j; j += 16) {
                ln_pool2_load_row(r0 + 2 * j, r1 + 2 * j, 0, 0, 0, &e0, &o0, &e1, &o1);
                route(e0, o0, e1, _mm512_loadu_ps(y + j), _mm512_loadu_ps(dy + j), &g0, &g1, &g2, &g3);
                _mm512_storeu_ps(d0 + 2 * j, _mm512_permutex2var_ps(g0, ilo, g1));
                _mm512_storeu_ps(d0 + 2 * j + 16, _mm512_permutex2var_ps(g0, ihi, g1));
                _mm512_storeu_ps(d1 + 2 * j, _mm512_permutex2var_ps(g2, ilo, g3));
                _mm512_storeu_ps(d1 + 2 * j + 16, _mm512_permutex2var_ps(g2, ihi, g3));
            }
            /* the tail: lanes past m load as 0, so g0..g3 are 0 there (and
             * in an odd last column) */
            if (t.n) {
                const float *yt = y + t.j, *gt = dy + t.j;
                float *u0 = d0 + 2 * t.j, *u1 = d1 + 2 * t.j;
                ln_pool2_load_row(r0 + 2 * t.j, r1 + 2 * t.j, 1, t.xa, t.xb, &e0, &o0, &e1, &o1);
                route(e0, o0, e1, _mm512_maskz_loadu_ps(t.km, yt), _mm512_maskz_loadu_ps(t.km, gt), &g0, &g1, &g2,
                      &g3);
                _mm512_mask_storeu_ps(u0, t.da, _mm512_permutex2var_ps(g0, ilo, g1));
                _mm512_mask_storeu_ps(u0 + 16, t.db, _mm512_permutex2var_ps(g0, ihi, g1));
                _mm512_mask_storeu_ps(u1, t.da, _mm512_permutex2var_ps(g2, ilo, g3));
                _mm512_mask_storeu_ps(u1 + 16, t.db, _mm512_permutex2var_ps(g2, ihi, g3));
            }
        }
    }
    ln_pool2_zero_odd_rows(s, dx);
}
