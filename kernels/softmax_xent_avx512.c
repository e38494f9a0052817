/* Softmax + cross-entropy, AVX-512, 16 classes a step, a row's last 1..16
 * classes masked (LeNet's 10 classes: one masked vector a row; nothing
 * outside a row is read or written).
 *
 * As the scalar twin: zmax (a vector max: exact, order-free), p = e^(z -
 * zmax) by ln_vexp_avx512 (vmath_avx512.h: lane for lane ln_vexp_avx2, max
 * 0.78 ulp where expf is within about 0.5), the sum of p added one by one
 * in the scalar twin's order, p *= 1/sum, loss = log(sum) - (z[label] -
 * zmax) in double, dlogits = (p - onehot) * scale. Only exp differs from
 * the scalar twin. No loss or dlogits without labels. probs and dlogits
 * must not overlap logits (nor may the scalar twin's). Measured (Zen 4,
 * one thread, 8 x 10, best of 2000): 0.21 us, avx2 0.27.
 * logits, probs, dlogits: [n][classes] */
#include <math.h>

#include "avx512_intrin.h"
#include "kernels_avx512.h"
#include "vmath_avx512.h"

double ln_softmax_xent_avx512(int n, int classes, const float *logits, const uint8_t *labels, float scale,
                              float *probs, float *dlogits)
{
    const __m512 ninf = _mm512_set1_ps(-INFINITY), one = _mm512_set1_ps(1.0f), vs = _mm512_set1_ps(scale);
    const __m512i lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const int last = (classes - 1) & ~15; /* the step with the row's last classes */
    const __mmask16 full = (__mmask16)0xffff, tail = ln_vmask_avx512(classes - last);
    double loss = 0.0;
    for (int i = 0; i < n; i++) {
        const float *z = logits + (size_t)i * classes;
        float *p = probs + (size_t)i * classes;
        __m512 vmax = ninf;
        for (int c = 0; c <= last; c += 16)
            vmax = _mm512_max_ps(vmax, _mm512_mask_loadu_ps(ninf, c == last ? tail : full, z + c));
        float zmax = _mm512_reduce_max_ps(vmax);
        __m512 vz = _mm512_set1_ps(zmax);
        int hot = labels ? labels[i] : -1;
        float *d = labels && dlogits ? dlogits + (size_t)i * classes : NULL;
        float sum = 0.0f;
        if (last == 0) {
            /* one vector a row (LeNet's 10 classes): e stays in a register;
             * its lanes are summed from a plain store to the stack (a masked
             * store into probs would not forward to the scalar loads) */
            __m512 e = ln_vexp_avx512(_mm512_sub_ps(_mm512_maskz_loadu_ps(tail, z), vz));
            float t[16];
            _mm512_storeu_ps(t, e);
            for (int c = 0; c < classes; c++) sum += t[c];
            __m512 v = _mm512_mul_ps(e, _mm512_set1_ps(1.0f / sum));
            _mm512_mask_storeu_ps(p, tail, v);
            if (d) {
                __mmask16 h = _mm512_cmpeq_epi32_mask(lanes, _mm512_set1_epi32(hot));
                _mm512_mask_storeu_ps(d, tail, _mm512_mul_ps(_mm512_mask_sub_ps(v, h, v, one), vs));
            }
        } else {
            for (int c = 0; c <= last; c += 16) {
                __mmask16 k = c == last ? tail : full;
                _mm512_mask_storeu_ps(p + c, k, ln_vexp_avx512(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, z + c), vz)));
            }
            for (int c = 0; c < classes; c++) sum += p[c];
            __m512 inv = _mm512_set1_ps(1.0f / sum);
            for (int c = 0; c <= last; c += 16) {
                __mmask16 k = c == last ? tail : full;
                __m512 v = _mm512_mul_ps(_mm512_maskz_loadu_ps(k, p + c), inv);
                _mm512_mask_storeu_ps(p + c, k, v);
                if (!d) continue;
                __mmask16 h = _mm512_cmpeq_epi32_mask(lanes, _mm512_set1_epi32(hot - c));
                _mm512_mask_storeu_ps(d + c, k, _mm512_mul_ps(_mm512_mask_sub_ps(v, h, v, one), vs));
            }
        }
        if (labels) loss += log((double)sum) - (double)(z[hot] - zmax);
    }
    return loss;
}
