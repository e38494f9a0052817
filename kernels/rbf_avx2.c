/* Euclidean RBF output, AVX2: distances along `in` eight at a time in
 * float (FMA), the row's loss in double (rbf_loss.h), and the input
 * gradient as a sum over the prototypes with nonzero dloss/dy (only the
 * label's for the plain criterion). Within test_parity's tolerance of the
 * scalar's double sums. */
#include "gemm_util_avx2.h"
#include "kernels_avx2.h"
#include "rbf_loss.h"

static float dist2(const float *x, const float *w, int in)
{
    __m256 acc = _mm256_setzero_ps();
    int j = 0;
    for (; j + 8 <= in; j += 8) {
        __m256 d = _mm256_sub_ps(_mm256_loadu_ps(x + j), _mm256_loadu_ps(w + j));
        acc = _mm256_fmadd_ps(d, d, acc);
    }
    if (j < in) {
        __m256 d = _mm256_sub_ps(ln_load_n_avx2(x + j, in - j), ln_load_n_avx2(w + j, in - j));
        acc = _mm256_fmadd_ps(d, d, acc);
    }
    float t[8];
    _mm256_storeu_ps(t, acc);
    return ((t[0] + t[4]) + (t[1] + t[5])) + ((t[2] + t[6]) + (t[3] + t[7]));
}

double ln_rbf_avx2(int n, int in, int out, const float *x, const float *w, const uint8_t *labels, float map_j,
                   float scale, float *scores, float *dx)
{
    double loss = 0.0, y[256], g[256];
    for (int r = 0; r < n; r++) {
        const float *xr = x + (size_t)r * in;
        for (int i = 0; i < out; i++) {
            y[i] = dist2(xr, w + (size_t)i * in, in);
            scores[(size_t)r * out + i] = (float)-y[i];
        }
        if (!labels) continue;
        loss += ln_rbf_row_loss(out, y, labels[r], map_j, g);
        if (!dx) continue;
        float *dr = dx + (size_t)r * in;
        /* dx = 2 scale (sum_i g_i x - sum_i g_i w_i) */
        float gs = 0.0f;
        for (int i = 0; i < out; i++) gs += (float)g[i];
        int j = 0;
        for (; j < in; j += 8) {
            int cnt = in - j < 8 ? in - j : 8;
            __m256 a = _mm256_mul_ps(_mm256_set1_ps(gs), ln_load_n_avx2(xr + j, cnt));
            for (int i = 0; i < out; i++)
                if (g[i] != 0.0) a = _mm256_fnmadd_ps(_mm256_set1_ps((float)g[i]), ln_load_n_avx2(w + (size_t)i * in + j, cnt), a);
            ln_store_n_avx2(dr + j, _mm256_mul_ps(_mm256_set1_ps(2.0f * scale), a), cnt);
        }
    }
    return loss;
}
