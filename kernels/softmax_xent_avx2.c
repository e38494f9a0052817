/* Softmax + cross-entropy, AVX2, 8 classes a step.
 *
 * As the scalar twin: zmax (a vector max: exact, order-free), p = e^(z -
 * zmax) by ln_vexp_avx2 (kernels/vmath.h: max 0.78 ulp where expf is
 * within about 0.5), the sum of p added one by one in the scalar twin's
 * order, p *= 1/sum, loss = log(sum) - (z[label] - zmax) in double, dlogits
 * = (p - onehot) * scale. Only exp differs from the scalar twin: measured
 * against it, probabilities agree to 3e-7 relative, the loss to 3e-8.
 * No loss or dlogits without labels.
 *
 * A row's last 1..7 classes are computed 8 wide: loads may run into the
 * next row and stores spill into it (rewritten when that row comes), so
 * only the steps that would pass the end of the buffers are masked. probs
 * and dlogits must not overlap logits (nor may the scalar twin's: its loss
 * reads z after p is written).
 * logits, probs, dlogits: [n][classes] */
#include <math.h>

#include "kernels_avx2.h"
#include "vmath_avx2.h"

static inline __m256 load8(const float *p, int masked, __m256i m)
{
    return masked ? _mm256_maskload_ps(p, m) : _mm256_loadu_ps(p);
}

static inline void store8(float *p, int masked, __m256i m, __m256 v)
{
    if (masked)
        _mm256_maskstore_ps(p, m, v);
    else
        _mm256_storeu_ps(p, v);
}

double ln_softmax_xent_avx2(int n, int classes, const float *logits, const uint8_t *labels,
                            float scale, float *probs, float *dlogits)
{
    const __m256 ninf = _mm256_set1_ps(-INFINITY), one = _mm256_set1_ps(1.0f);
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const float *zend = logits + (size_t)n * classes;
    int last = (classes - 1) & ~7; /* the step with the row's last classes */
    __m256i tail = ln_vmask_avx2(classes - last);
    double loss = 0.0;
    for (int i = 0; i < n; i++) {
        const float *z = logits + (size_t)i * classes;
        float *p = probs + (size_t)i * classes;
        /* same offsets in probs and dlogits, so one test covers all three */
        int masked = z + last + 8 > zend;
        __m256 vmax = ninf;
        for (int c = 0; c < last; c += 8) vmax = _mm256_max_ps(vmax, _mm256_loadu_ps(z + c));
        vmax = _mm256_max_ps(vmax, _mm256_blendv_ps(ninf, load8(z + last, masked, tail), _mm256_castsi256_ps(tail)));
        __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(vmax), _mm256_extractf128_ps(vmax, 1));
        m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
        float zmax = _mm_cvtss_f32(_mm_max_ss(m4, _mm_movehdup_ps(m4)));
        __m256 vz = _mm256_set1_ps(zmax);
        for (int c = 0; c < last; c += 8) _mm256_storeu_ps(p + c, ln_vexp_avx2(_mm256_sub_ps(_mm256_loadu_ps(z + c), vz)));
        store8(p + last, masked, tail, ln_vexp_avx2(_mm256_sub_ps(load8(z + last, masked, tail), vz)));
        float sum = 0.0f;
        for (int c = 0; c < classes; c++) sum += p[c];
        __m256 inv = _mm256_set1_ps(1.0f / sum);
        for (int c = 0; c < last; c += 8) _mm256_storeu_ps(p + c, _mm256_mul_ps(_mm256_loadu_ps(p + c), inv));
        store8(p + last, masked, tail, _mm256_mul_ps(load8(p + last, masked, tail), inv));
        if (!labels) continue;
        loss += log((double)sum) - (double)(z[labels[i]] - zmax);
        if (!dlogits) continue;
        float *d = dlogits + (size_t)i * classes;
        const __m256 vs = _mm256_set1_ps(scale);
        for (int c = 0; c <= last; c += 8) {
            __m256 hot = _mm256_castsi256_ps(_mm256_cmpeq_epi32(lanes, _mm256_set1_epi32(labels[i] - c)));
            int mk = masked && c == last;
            __m256 v = _mm256_sub_ps(load8(p + c, mk, tail), _mm256_and_ps(hot, one));
            store8(d + c, mk, tail, _mm256_mul_ps(v, vs));
        }
    }
    return loss;
}
