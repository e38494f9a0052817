/* Shared by the AVX2 2x2 pooling kernels (pool2_avg_avx2.c,
 * pool2_max_avx2.c): the even/odd column split in window lane order
 * [0 1 4 5 | 2 3 6 7], the permute that restores output order, and the
 * forward row walk with its tail handling.
 *
 * Tails: a row's last 1..7 windows are computed 8 wide. Loads may run into
 * the next row and stores spill into memory written later in the call, so
 * only the last step of the whole buffer is masked: nothing outside the
 * buffers is touched. */
#ifndef LN_POOL2_AVX2_H
#define LN_POOL2_AVX2_H
#include "kernels_avx2.h"
#include "vmath_avx2.h"

/* [0 1 2 3 | 4 5 6 7] <-> [0 1 4 5 | 2 3 6 7] (64-bit pairs 0 2 1 3) */
static inline __m256 ln_pool2_swap_mid(__m256 v)
{
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(v), _MM_SHUFFLE(3, 1, 2, 0)));
}

/* the even and odd columns of r[0..16) in window order (masked: r[0..2m)) */
static inline void ln_pool2_split_row(const float *r, int masked, int m, __m256 *even, __m256 *odd)
{
    __m256 a, b;
    if (!masked) {
        a = _mm256_loadu_ps(r), b = _mm256_loadu_ps(r + 8);
    } else {
        a = _mm256_maskload_ps(r, ln_vmask_avx2(2 * m));
        b = _mm256_maskload_ps(r + 8, ln_vmask_avx2(2 * m - 8));
    }
    *even = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));
    *odd = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1));
}

/* One forward step: 8 window results, in window lane order, from input rows
 * r0, r1 [0..16) (masked: only [0..2m) may be read). */
typedef __m256 (*ln_pool2_step_fn)(const float *r0, const float *r1, int masked, int m);

static inline void ln_pool2_store8(const float *r0, const float *r1, float *y, int masked, int m,
                                   ln_pool2_step_fn step)
{
    __m256 v = ln_pool2_swap_mid(step(r0, r1, masked, m));
    if (!masked)
        _mm256_storeu_ps(y, v);
    else
        _mm256_maskstore_ps(y, ln_vmask_avx2(m), v);
}

/* y[planes][h/2][w/2] = step over each 2x2 window of x[planes][h][w]. Inline
 * with a constant `step`, so each kernel gets its own specialised loop. */
static inline void ln_pool2_fwd_rows(const ln_pool_shape *s, const float *x, float *y, ln_pool2_step_fn step)
{
    int h = s->h, w = s->w, oh = h / 2, ow = w / 2, last = (ow - 1) & ~7;
    const float *xend = x + (size_t)s->planes * h * w, *yend = y + (size_t)s->planes * oh * ow;
    if (ow == 0) return;
    for (int p = 0; p < s->planes; p++) {
        const float *r0 = x + (size_t)p * h * w;
        for (int i = 0; i < oh; i++, r0 += 2 * w, y += ow) {
            if (xend - r0 >= w + 2 * last + 16 && yend - y >= last + 8) {
                for (int j = 0; j < ow; j += 8) ln_pool2_store8(r0 + 2 * j, r0 + w + 2 * j, y + j, 0, 8, step);
            } else { /* the last rows: mask the step that would run past a buffer */
                for (int j = 0; j < last; j += 8) ln_pool2_store8(r0 + 2 * j, r0 + w + 2 * j, y + j, 0, 8, step);
                ln_pool2_store8(r0 + 2 * last, r0 + w + 2 * last, y + last, 1, ow - last, step);
            }
        }
    }
}

#endif
