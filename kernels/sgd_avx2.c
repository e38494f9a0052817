/* SGD step, AVX2: the scalar loop eight parameters at a time, with the same
 * separate multiplies and adds (no FMA), so the bits match it. The step is
 * bound by streaming w and v (16 bytes per parameter each way); the vector
 * loop matters because the engine's own code is built for baseline x86-64. */
#include "gemm_util_avx2.h"
#include "kernels_avx2.h"

/* One vector of parameters at p (masked to cnt lanes when cnt < 8). */
LN_AVX2_INLINE void step8(float *w, float *v, const float *g, size_t p, int cnt, __m256 lr, __m256 mu, __m256 wd,
                          int momentum, int nesterov)
{
    __m256 wv = cnt == 8 ? _mm256_loadu_ps(w + p) : ln_load_n_avx2(w + p, cnt);
    __m256 gv = cnt == 8 ? _mm256_loadu_ps(g + p) : ln_load_n_avx2(g + p, cnt);
    gv = _mm256_add_ps(gv, _mm256_mul_ps(wd, wv));
    if (momentum) {
        __m256 vv = cnt == 8 ? _mm256_loadu_ps(v + p) : ln_load_n_avx2(v + p, cnt);
        vv = _mm256_add_ps(_mm256_mul_ps(mu, vv), gv);
        if (cnt == 8) _mm256_storeu_ps(v + p, vv);
        else ln_store_n_avx2(v + p, vv, cnt);
        gv = nesterov ? _mm256_add_ps(gv, _mm256_mul_ps(mu, vv)) : vv;
    }
    wv = _mm256_sub_ps(wv, _mm256_mul_ps(lr, gv));
    if (cnt == 8) _mm256_storeu_ps(w + p, wv);
    else ln_store_n_avx2(w + p, wv, cnt);
}

LN_AVX2_INLINE void sgd_loop(size_t len, float *w, float *v, const float *g, const ln_sgd *o, int momentum,
                             int nesterov)
{
    const __m256 lr = _mm256_set1_ps(o->lr), mu = _mm256_set1_ps(o->momentum), wd = _mm256_set1_ps(o->weight_decay);
    size_t p = 0;
    for (; p + 8 <= len; p += 8) step8(w, v, g, p, 8, lr, mu, wd, momentum, nesterov);
    if (p < len) step8(w, v, g, p, (int)(len - p), lr, mu, wd, momentum, nesterov);
}

void ln_sgd_avx2(size_t len, float *w, float *v, const float *g, const ln_sgd *o)
{
    if (o->momentum == 0.0f) sgd_loop(len, w, v, g, o, 0, 0);
    else if (o->nesterov) sgd_loop(len, w, v, g, o, 1, 1);
    else sgd_loop(len, w, v, g, o, 1, 0);
}
