/* Softmax + cross-entropy, NEON. Per row: the maximum (vmaxq), then
 * p = e^(z - max) with the vector exp of vmath_neon.h and its sum, p
 * scaled by 1/sum; loss = log(sum) - (z[label] - max) in double as scalar;
 * dlogits = p * scale with the label's entry (p - 1) * scale. A row tail
 * of fewer than 4 classes goes through a padded stack vector; its padding
 * lanes are never stored nor summed. labels NULL: no loss, no dlogits. */
#include <arm_neon.h>
#include <math.h>
#include <string.h>

#include "kernels_neon.h"
#include "vmath_neon.h"

static float row_max(const float *z, int classes)
{
    float m = z[0];
    int c = 0;
    if (classes >= 4) {
        float32x4_t v = vld1q_f32(z);
        for (c = 4; c + 4 <= classes; c += 4) v = vmaxq_f32(v, vld1q_f32(z + c));
        m = vmaxvq_f32(v);
    }
    for (; c < classes; c++) m = z[c] > m ? z[c] : m;
    return m;
}

/* p[c] = e^(z[c] - zmax); returns the sum. */
static float exp_row(const float *z, float zmax, float *p, int classes)
{
    const float32x4_t mv = vdupq_n_f32(zmax);
    float32x4_t acc = vdupq_n_f32(0.0f);
    int c = 0;
    for (; c + 4 <= classes; c += 4) {
        float32x4_t e = ln_vexp_neon(vsubq_f32(vld1q_f32(z + c), mv));
        vst1q_f32(p + c, e);
        acc = vaddq_f32(acc, e);
    }
    float sum = vaddvq_f32(acc);
    if (c < classes) {
        int rest = classes - c;
        float t[4] = {zmax, zmax, zmax, zmax};
        memcpy(t, z + c, (size_t)rest * sizeof(float));
        vst1q_f32(t, ln_vexp_neon(vsubq_f32(vld1q_f32(t), mv)));
        for (int q = 0; q < rest; q++) p[c + q] = t[q], sum += t[q];
    }
    return sum;
}

static void scale_row(float *dst, const float *src, float s, int classes)
{
    const float32x4_t sv = vdupq_n_f32(s);
    int c = 0;
    for (; c + 4 <= classes; c += 4) vst1q_f32(dst + c, vmulq_f32(vld1q_f32(src + c), sv));
    for (; c < classes; c++) dst[c] = src[c] * s;
}

double ln_softmax_xent_neon(int n, int classes, const float *logits, const uint8_t *labels, float scale,
                            float *probs, float *dlogits)
{
    double loss = 0.0;
    for (int i = 0; i < n; i++) {
        const float *z = logits + (size_t)i * classes;
        float *p = probs + (size_t)i * classes;
        float zmax = row_max(z, classes);
        float sum = exp_row(z, zmax, p, classes);
        scale_row(p, p, 1.0f / sum, classes);
        if (!labels) continue;
        int label = labels[i];
        loss += log((double)sum) - (double)(z[label] - zmax);
        if (dlogits) {
            float *d = dlogits + (size_t)i * classes;
            scale_row(d, p, scale, classes);
            d[label] = (p[label] - 1.0f) * scale;
        }
    }
    return loss;
}
