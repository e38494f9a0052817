/* 2x2 stride-2 average pooling, NEON. vld2q splits two input rows into
 * even and odd columns, so 4 windows reduce with 3 vector adds, in the
 * scalar kernel's order, 0.25 * ((a + b) + (c + d)): bit-identical to it.
 * bwd writes every dx element once: 0.25 dy interleaved into both rows
 * with vst2q, zero for a dropped odd last column or row. */
#include <arm_neon.h>
#include <string.h>

#include "kernels_neon.h"

void ln_avgpool2_fwd_neon(const ln_pool_shape *s, const float *x, float *y)
{
    int oh = s->h / 2, ow = s->w / 2;
    const float32x4_t quarter = vdupq_n_f32(0.25f);
    for (int p = 0; p < s->planes; p++) {
        const float *xp = x + (size_t)p * s->h * s->w;
        float *yp = y + (size_t)p * oh * ow;
        for (int i = 0; i < oh; i++) {
            const float *r0 = xp + (size_t)(2 * i) * s->w, *r1 = r0 + s->w;
            float *yr = yp + (size_t)i * ow;
            int j = 0;
            for (; j + 4 <= ow; j += 4) {
                float32x4x2_t a = vld2q_f32(r0 + 2 * j), b = vld2q_f32(r1 + 2 * j);
                float32x4_t sum = vaddq_f32(vaddq_f32(a.val[0], a.val[1]), vaddq_f32(b.val[0], b.val[1]));
                vst1q_f32(yr + j, vmulq_f32(quarter, sum));
            }
            for (; j < ow; j++) yr[j] = 0.25f * ((r0[2 * j] + r0[2 * j + 1]) + (r1[2 * j] + r1[2 * j + 1]));
        }
    }
}

void ln_avgpool2_bwd_neon(const ln_pool_shape *s, const float *x, const float *y, const float *dy, float *dx)
{
    (void)x;
    (void)y;
    int oh = s->h / 2, ow = s->w / 2;
    const float32x4_t quarter = vdupq_n_f32(0.25f);
    for (int p = 0; p < s->planes; p++) {
        const float *dyp = dy + (size_t)p * oh * ow;
        float *dxp = dx + (size_t)p * s->h * s->w;
        for (int i = 0; i < oh; i++) {
            float *r0 = dxp + (size_t)(2 * i) * s->w, *r1 = r0 + s->w;
            const float *dr = dyp + (size_t)i * ow;
            int j = 0;
            for (; j + 4 <= ow; j += 4) {
                float32x4_t g = vmulq_f32(quarter, vld1q_f32(dr + j));
                float32x4x2_t gg = {{g, g}};
                vst2q_f32(r0 + 2 * j, gg);
                vst2q_f32(r1 + 2 * j, gg);
            }
            for (; j < ow; j++) {
                float g = 0.25f * dr[j];
                r0[2 * j] = r0[2 * j + 1] = r1[2 * j] = r1[2 * j + 1] = g;
            }
            if (s->w & 1) r0[s->w - 1] = r1[s->w - 1] = 0.0f;
        }
        if (s->h & 1) memset(dxp + (size_t)(s->h - 1) * s->w, 0, (size_t)s->w * sizeof(float));
    }
}
