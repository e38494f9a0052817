/* 2x2 stride-2 average pooling, AVX2: bit-identical to the scalar twin.
 *
 * Eight outputs per step. Forward: two 8-float loads per input row;
 * vshufps splits them into even and odd columns in the lane order
 * [0 1 4 5 | 2 3 6 7] of the outputs, so each row's pair sums x[2j] +
 * x[2j+1] (as the scalar code adds them) are one vaddps; the two rows' sums
 * are added, scaled by 1/4, and one vpermpd restores the order. Backward:
 * 0.25*dy put in that order, then vunpcklps/vunpckhps with itself gives
 * each value twice, in order, for both rows of dx.
 *
 * Tails: a row's last 1..7 outputs are computed 8 wide. Loads may run into
 * the next row, and stores spill into memory written later in the call (the
 * next row, dx's odd last column and row, zeroed at the end), so only the
 * last step of the whole buffer uses masked loads and stores: nothing
 * outside the buffers is touched. In the backward pass a row's tail is
 * stored before its full steps, which overwrite the tail's spill into the
 * second dx row.
 * x, dx: [planes][h][w]   y, dy: [planes][h/2][w/2] */
#include <string.h>

#include "pool2_avx2.h"

/* 0.25 * the four-element sums of 8 windows, in window order */
static inline __m256 avg_step(const float *r0, const float *r1, int masked, int m)
{
    __m256 e0, o0, e1, o1;
    ln_pool2_split_row(r0, masked, m, &e0, &o0);
    ln_pool2_split_row(r1, masked, m, &e1, &o1);
    __m256 v = _mm256_add_ps(_mm256_add_ps(e0, o0), _mm256_add_ps(e1, o1));
    return _mm256_mul_ps(_mm256_set1_ps(0.25f), v);
}

void ln_avgpool2_fwd_avx2(const ln_pool_shape *s, const float *x, float *y)
{
    ln_pool2_fwd_rows(s, x, y, avg_step);
}

/* rows r0, r1 [0..16) = 0.25 * g[0..8) each twice (masked: [0..2m) from g[0..m)) */
static inline void spread(const float *g, float *r0, float *r1, int masked, int m)
{
    __m256 v = masked ? _mm256_maskload_ps(g, ln_vmask_avx2(m)) : _mm256_loadu_ps(g);
    v = ln_pool2_swap_mid(_mm256_mul_ps(_mm256_set1_ps(0.25f), v));
    __m256 lo = _mm256_unpacklo_ps(v, v), hi = _mm256_unpackhi_ps(v, v);
    if (!masked) {
        _mm256_storeu_ps(r0, lo), _mm256_storeu_ps(r0 + 8, hi);
        _mm256_storeu_ps(r1, lo), _mm256_storeu_ps(r1 + 8, hi);
    } else {
        __m256i ma = ln_vmask_avx2(2 * m), mb = ln_vmask_avx2(2 * m - 8);
        _mm256_maskstore_ps(r0, ma, lo), _mm256_maskstore_ps(r0 + 8, mb, hi);
        _mm256_maskstore_ps(r1, ma, lo), _mm256_maskstore_ps(r1 + 8, mb, hi);
    }
}

void ln_avgpool2_bwd_avx2(const ln_pool_shape *s, const float *x, const float *y, const float *dy,
                          float *dx)
{
    (void)x;
    (void)y;
    int h = s->h, w = s->w, oh = h / 2, ow = w / 2, last = (ow - 1) & ~7;
    const float *dyend = dy + (size_t)s->planes * oh * ow, *dxend = dx + (size_t)s->planes * h * w;
    if (ow == 0 || oh == 0) {
        memset(dx, 0, (size_t)(dxend - dx) * sizeof *dx);
        return;
    }
    for (int p = 0; p < s->planes; p++) {
        float *r0 = dx + (size_t)p * h * w;
        for (int i = 0; i < oh; i++, r0 += 2 * w, dy += ow) {
            /* the tail step first: its spill into row r0 + w is overwritten below */
            int masked = dyend - dy < last + 8 || dxend - r0 < w + 2 * last + 16;
            spread(dy + last, r0 + 2 * last, r0 + w + 2 * last, masked, ow - last);
            for (int j = 0; j < last; j += 8) spread(dy + j, r0 + 2 * j, r0 + w + 2 * j, 0, 8);
            if (w & 1) r0[w - 1] = r0[2 * w - 1] = 0.0f;
        }
        if (h & 1) memset(r0, 0, (size_t)w * sizeof *r0); /* r0: the last row */
    }
}
