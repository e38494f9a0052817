/* 2x2 stride-2 average pooling, AVX-512: bit-identical to the scalar twin.
 *
 * Sixteen windows per step, laid out as pool2_avx512.h describes (one row
 * of a wide map, or two rows of a map up to 16 wide). Forward: the corners
 * split into even and odd columns by vpermt2ps, then 0.25 * ((x00 + x01) +
 * (x10 + x11)) as the scalar code adds them. Backward: 0.25 * dy, then one
 * vpermps per 16 dx floats puts each value twice in a row (both dx rows of
 * a window are the same); an odd last column and row are written as 0.
 * Tails are masked; nothing outside the buffers is touched.
 * Zen 4, 1 thread, batch 8 of LeNet's 6x28x28 / 16x14x14 / 16x10x10 maps,
 * speedup over the avx2 kernels: fwd 1.28x / 1.87x / 2.05x (103..106 GB/s),
 * bwd 1.25x / 1.42x / 1.5x (lenet-bench kernels --batch 8 --isa avx512;
 * 10x10 from a direct timing loop, the bench has no such row).
 * x, dx: [planes][h][w]   y, dy: [planes][h/2][w/2] */
#include <string.h>

#include "pool2_avx512.h"

static inline __m512 avg_comb(__m512 e0, __m512 o0, __m512 e1, __m512 o1)
{
    __m512 v = _mm512_add_ps(_mm512_add_ps(e0, o0), _mm512_add_ps(e1, o1));
    return _mm512_mul_ps(_mm512_set1_ps(0.25f), v);
}

void ln_avgpool2_fwd_avx512(const ln_pool_shape *s, const float *x, float *y)
{
    ln_pool2_fwd_avx512(s, x, y, avg_comb);
}

void ln_avgpool2_bwd_avx512(const ln_pool_shape *s, const float *x, const float *y, const float *dy,
                            float *dx)
{
    (void)x;
    (void)y;
    int w = s->w, oh = s->h / 2, ow = w / 2;
    size_t rows = (size_t)s->planes * oh;
    if (ow == 0 || oh == 0) {
        memset(dx, 0, (size_t)s->planes * s->h * w * sizeof *dx);
        return;
    }
    const __m512 q = _mm512_set1_ps(0.25f);
    ln_pool2_rows c = ln_pool2_rows_begin(s);
    if (w <= 16) { /* pair mode: dy rows A, B in lanes [0, ow), [ow, 2 ow) */
        const __m512i ia = ln_pool2_spread(0, 0), ib = ln_pool2_spread(ow, 0);
        const __mmask16 k = ln_vmask_avx512(2 * ow), kw = ln_vmask_avx512(w);
        size_t r = 0;
        for (; r + 1 < rows; r += 2, dy += 2 * ow) { /* masks constant in the loop: no kmov */
            float *a = dx + c.row;
            ln_pool2_rows_next(&c);
            float *b = dx + c.row;
            ln_pool2_rows_next(&c);
            __m512 g = _mm512_mul_ps(q, _mm512_maskz_loadu_ps(k, dy));
            /* lanes past 2 ow: 0 (an odd last column) */
            __m512 va = _mm512_maskz_permutexvar_ps(k, ia, g), vb = _mm512_maskz_permutexvar_ps(k, ib, g);
            _mm512_mask_storeu_ps(a, kw, va), _mm512_mask_storeu_ps(a + w, kw, va);
            _mm512_mask_storeu_ps(b, kw, vb), _mm512_mask_storeu_ps(b + w, kw, vb);
        }
        if (r < rows) { /* an odd last row: A alone */
            float *a = dx + c.row;
            __m512 g = _mm512_mul_ps(q, _mm512_maskz_loadu_ps(ln_vmask_avx512(ow), dy));
            __m512 va = _mm512_maskz_permutexvar_ps(k, ia, g);
            _mm512_mask_storeu_ps(a, kw, va), _mm512_mask_storeu_ps(a + w, kw, va);
        }
    } else { /* row mode */
        const __m512i ilo = ln_pool2_spread(0, 0), ihi = ln_pool2_spread(8, 0);
        const ln_pool2_tail t = ln_pool2_tail_of(w);
        for (size_t r = 0; r < rows; r++, dy += ow, ln_pool2_rows_next(&c)) {
            float *r0 = dx + c.row, *r1 = r0 + w;
            for (int j = 0; j < t.j; j += 16) {
                __m512 g = _mm512_mul_ps(q, _mm512_loadu_ps(dy + j));
                __m512 lo = _mm512_permutexvar_ps(ilo, g), hi = _mm512_permutexvar_ps(ihi, g);
                _mm512_storeu_ps(r0 + 2 * j, lo), _mm512_storeu_ps(r0 + 2 * j + 16, hi);
                _mm512_storeu_ps(r1 + 2 * j, lo), _mm512_storeu_ps(r1 + 2 * j + 16, hi);
            }
            /* the tail: lanes past 2m are 0 as g is (an odd last column) */
            if (t.n) {
                __m512 g = _mm512_mul_ps(q, _mm512_maskz_loadu_ps(t.km, dy + t.j));
                __m512 lo = _mm512_permutexvar_ps(ilo, g), hi = _mm512_permutexvar_ps(ihi, g);
                float *u0 = r0 + 2 * t.j, *u1 = r1 + 2 * t.j;
                _mm512_mask_storeu_ps(u0, t.da, lo), _mm512_mask_storeu_ps(u0 + 16, t.db, hi);
                _mm512_mask_storeu_ps(u1, t.da, lo), _mm512_mask_storeu_ps(u1 + 16, t.db, hi);
            }
        }
    }
    ln_pool2_zero_odd_rows(s, dx);
}
