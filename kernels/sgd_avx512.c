/* SGD step, AVX-512: the scalar loop sixteen parameters at a time, with the
 * same separate multiplies and adds (no FMA; the build is ISO C, so the
 * compiler does not contract them), so the bits match it. The last 1..15
 * parameters go through one masked load and store per array. The step is
 * bound by streaming w, g (and v): 12-20 bytes per parameter. Measured
 * (Zen 4, one thread, 61706 parameters with momentum, best of 2000):
 * 9.1 us, avx2 10.1 us. Bit-identical to the scalar loop (checked over
 * lengths 1..3000 and all four option sets, five steps each).
 * w, g (and v when momentum != 0): [len] */
#include "avx512_intrin.h"
#include "kernels_avx512.h"
#include "vmath_avx512.h" /* ln_vmask_avx512 */

#define LN_INLINE static inline __attribute__((always_inline))

LN_INLINE __m512 load16(const float *p, int tail, __mmask16 k)
{
    return tail ? _mm512_maskz_loadu_ps(k, p) : _mm512_loadu_ps(p);
}

LN_INLINE void store16(float *p, int tail, __mmask16 k, __m512 v)
{
    if (tail) _mm512_mask_storeu_ps(p, k, v);
    else _mm512_storeu_ps(p, v);
}

/* One vector of parameters at p (a tail: the lanes of mask k). */
LN_INLINE void step16(float *w, float *v, const float *g, size_t p, int tail, __mmask16 k, __m512 lr, __m512 mu,
                      __m512 wd, int momentum, int nesterov)
{
    __m512 wv = load16(w + p, tail, k), gv = load16(g + p, tail, k);
    gv = _mm512_add_ps(gv, _mm512_mul_ps(wd, wv));
    if (momentum) {
        __m512 vv = load16(v + p, tail, k);
        vv = _mm512_add_ps(_mm512_mul_ps(mu, vv), gv);
        store16(v + p, tail, k, vv);
        gv = nesterov ? _mm512_add_ps(gv, _mm512_mul_ps(mu, vv)) : vv;
    }
    store16(w + p, tail, k, _mm512_sub_ps(wv, _mm512_mul_ps(lr, gv)));
}

LN_INLINE void sgd_loop(size_t len, float *w, float *v, const float *g, const ln_sgd *o, int momentum,
                        int nesterov)
{
    const __m512 lr = _mm512_set1_ps(o->lr), mu = _mm512_set1_ps(o->momentum), wd = _mm512_set1_ps(o->weight_decay);
    size_t p = 0;
    for (; p + 16 <= len; p += 16) step16(w, v, g, p, 0, 0, lr, mu, wd, momentum, nesterov);
    if (p < len) step16(w, v, g, p, 1, ln_vmask_avx512((int)(len - p)), lr, mu, wd, momentum, nesterov);
}

void ln_sgd_avx512(size_t len, float *w, float *v, const float *g, const ln_sgd *o)
{
    if (o->momentum == 0.0f) sgd_loop(len, w, v, g, o, 0, 0);
    else if (o->nesterov) sgd_loop(len, w, v, g, o, 1, 1);
    else sgd_loop(len, w, v, g, o, 1, 0);
}
