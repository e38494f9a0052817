/* Euclidean RBF output, AVX-512: distances along `in` sixteen at a time in
 * float (FMA; the last 1..15 masked), the row's loss in double
 * (rbf_loss.h), and the input gradient as a sum over the prototypes with
 * nonzero dloss/dy (only the label's for the plain criterion). Within
 * test_parity's tolerance of the scalar's double sums. Measured (Zen 4,
 * one thread, 8 x 84 -> 10 with the MAP criterion and dx, best of 2000):
 * 1.71 us, avx2 1.95.
 * x: [n][in]  w: [out][in]  scores: [n][out]  dx: [n][in] */
#include "avx512_intrin.h"
#include "kernels_avx512.h"
#include "rbf_loss.h"
#include "vmath_avx512.h" /* ln_vmask_avx512 */

static float dist2(const float *x, const float *w, int in, __mmask16 tail)
{
    __m512 acc = _mm512_setzero_ps();
    int j = 0;
    for (; j + 16 <= in; j += 16) {
        __m512 d = _mm512_sub_ps(_mm512_loadu_ps(x + j), _mm512_loadu_ps(w + j));
        acc = _mm512_fmadd_ps(d, d, acc);
    }
    if (j < in) {
        __m512 d = _mm512_sub_ps(_mm512_maskz_loadu_ps(tail, x + j), _mm512_maskz_loadu_ps(tail, w + j));
        acc = _mm512_fmadd_ps(d, d, acc);
    }
    return _mm512_reduce_add_ps(acc);
}

double ln_rbf_avx512(int n, int in, int out, const float *x, const float *w, const uint8_t *labels, float map_j,
                     float scale, float *scores, float *dx)
{
    const __mmask16 tail = ln_vmask_avx512(in & 15), full = (__mmask16)0xffff;
    double loss = 0.0, y[256], g[256];
    for (int r = 0; r < n; r++) {
        const float *xr = x + (size_t)r * in;
        for (int i = 0; i < out; i++) {
            y[i] = dist2(xr, w + (size_t)i * in, in, tail);
            scores[(size_t)r * out + i] = (float)-y[i];
        }
        if (!labels) continue;
        loss += ln_rbf_row_loss(out, y, labels[r], map_j, g);
        if (!dx) continue;
        float *dr = dx + (size_t)r * in;
        /* dx = 2 scale (sum_i g_i x - sum_i g_i w_i) */
        float gs = 0.0f;
        for (int i = 0; i < out; i++) gs += (float)g[i];
        const __m512 two_s = _mm512_set1_ps(2.0f * scale), vgs = _mm512_set1_ps(gs);
        for (int j = 0; j < in; j += 16) {
            __mmask16 k = in - j < 16 ? tail : full;
            __m512 a = _mm512_mul_ps(vgs, _mm512_maskz_loadu_ps(k, xr + j));
            for (int i = 0; i < out; i++)
                if (g[i] != 0.0)
                    a = _mm512_fnmadd_ps(_mm512_set1_ps((float)g[i]), _mm512_maskz_loadu_ps(k, w + (size_t)i * in + j), a);
            _mm512_mask_storeu_ps(dr + j, k, _mm512_mul_ps(two_s, a));
        }
    }
    return loss;
}
