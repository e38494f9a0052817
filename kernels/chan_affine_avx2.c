/* Per-channel affine, AVX2. The forward is the scalar's operations in its
 * order (a product, a product, a sum; no FMA): bit-identical. The
 * parameter gradients sum eight lanes in float with FMA, then the lanes
 * in double: not the scalar's order (tolerance in test_parity). */
#include "gemm_util_avx2.h"
#include "kernels_avx2.h"

void ln_chan_affine_avx2(int n, int c, int hw, float mult, const float *x, const float *s, const float *b, float *y)
{
    const __m256 m = _mm256_set1_ps(mult);
    for (int i = 0; i < n; i++)
        for (int ch = 0; ch < c; ch++) {
            size_t o = ((size_t)i * c + ch) * hw;
            const __m256 sc = _mm256_set1_ps(s[ch]), bb = _mm256_set1_ps(b ? b[ch] : 0.0f);
            int j = 0;
            for (; j + 8 <= hw; j += 8)
                _mm256_storeu_ps(y + o + j, _mm256_add_ps(_mm256_mul_ps(sc, _mm256_mul_ps(m, _mm256_loadu_ps(x + o + j))), bb));
            if (j < hw) {
                __m256 v = _mm256_add_ps(_mm256_mul_ps(sc, _mm256_mul_ps(m, ln_load_n_avx2(x + o + j, hw - j))), bb);
                ln_store_n_avx2(y + o + j, v, hw - j);
            }
        }
}

static double hsum8(__m256 v)
{
    float t[8];
    _mm256_storeu_ps(t, v);
    double s = 0.0;
    for (int i = 0; i < 8; i++) s += t[i];
    return s;
}

void ln_chan_affine_params_avx2(int n, int c, int hw, float mult, const float *x, const float *dy, float *ds,
                                float *db)
{
    const __m256 m = _mm256_set1_ps(mult);
    for (int ch = 0; ch < c; ch++) {
        double a = 0.0, g = 0.0;
        for (int i = 0; i < n; i++) {
            size_t o = ((size_t)i * c + ch) * hw;
            __m256 va = _mm256_setzero_ps(), vg = _mm256_setzero_ps();
            int j = 0;
            for (; j + 8 <= hw; j += 8) {
                __m256 d = _mm256_loadu_ps(dy + o + j);
                va = _mm256_fmadd_ps(d, _mm256_mul_ps(m, _mm256_loadu_ps(x + o + j)), va);
                vg = _mm256_add_ps(vg, d);
            }
            if (j < hw) {
                __m256 d = ln_load_n_avx2(dy + o + j, hw - j);
                va = _mm256_fmadd_ps(d, _mm256_mul_ps(m, ln_load_n_avx2(x + o + j, hw - j)), va);
                vg = _mm256_add_ps(vg, d);
            }
            a += hsum8(va), g += hsum8(vg);
        }
        ds[ch] += (float)a;
        db[ch] += (float)g;
    }
}
