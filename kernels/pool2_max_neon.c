/* 2x2 stride-2 max pooling, NEON, bit-identical to the scalar kernel.
 * fwd: vld2q splits each row pair into even/odd columns; every max is the
 * scalar's select a > b ? a : b (vcgtq + vbslq: the second operand on ties
 * and NaN, so -0/+0 and NaN come out as in scalar; vmaxq would differ).
 * bwd: the gradient goes to the first window element, in row-major order,
 * that equals y (the last one if none does, as scalar): four exclusive
 * lane masks, then vst2q interleaves the masked dy into both rows. Dropped
 * odd last columns and rows get zero. */
#include <arm_neon.h>
#include <string.h>

#include "kernels_neon.h"

static float32x4_t sel_max(float32x4_t a, float32x4_t b) { return vbslq_f32(vcgtq_f32(a, b), a, b); }

void ln_maxpool2_fwd_neon(const ln_pool_shape *s, const float *x, float *y)
{
    int oh = s->h / 2, ow = s->w / 2;
    for (int p = 0; p < s->planes; p++) {
        const float *xp = x + (size_t)p * s->h * s->w;
        float *yp = y + (size_t)p * oh * ow;
        for (int i = 0; i < oh; i++) {
            const float *r0 = xp + (size_t)(2 * i) * s->w, *r1 = r0 + s->w;
            float *yr = yp + (size_t)i * ow;
            int j = 0;
            for (; j + 4 <= ow; j += 4) {
                float32x4x2_t a = vld2q_f32(r0 + 2 * j), b = vld2q_f32(r1 + 2 * j);
                vst1q_f32(yr + j, sel_max(sel_max(a.val[0], a.val[1]), sel_max(b.val[0], b.val[1])));
            }
            for (; j < ow; j++) {
                float a = r0[2 * j] > r0[2 * j + 1] ? r0[2 * j] : r0[2 * j + 1];
                float b = r1[2 * j] > r1[2 * j + 1] ? r1[2 * j] : r1[2 * j + 1];
                yr[j] = a > b ? a : b;
            }
        }
    }
}

static float32x4_t masked(uint32x4_t m, float32x4_t g)
{
    return vreinterpretq_f32_u32(vandq_u32(m, vreinterpretq_u32_f32(g)));
}

void ln_maxpool2_bwd_neon(const ln_pool_shape *s, const float *x, const float *y, const float *dy, float *dx)
{
    int oh = s->h / 2, ow = s->w / 2;
    for (int p = 0; p < s->planes; p++) {
        const float *xp = x + (size_t)p * s->h * s->w;
        float *dxp = dx + (size_t)p * s->h * s->w;
        const float *yp = y + (size_t)p * oh * ow, *dyp = dy + (size_t)p * oh * ow;
        for (int i = 0; i < oh; i++) {
            const float *r0 = xp + (size_t)(2 * i) * s->w, *r1 = r0 + s->w;
            float *d0 = dxp + (size_t)(2 * i) * s->w, *d1 = d0 + s->w;
            const float *yr = yp + (size_t)i * ow, *gr = dyp + (size_t)i * ow;
            int j = 0;
            for (; j + 4 <= ow; j += 4) {
                float32x4x2_t a = vld2q_f32(r0 + 2 * j), b = vld2q_f32(r1 + 2 * j);
                float32x4_t yv = vld1q_f32(yr + j), g = vld1q_f32(gr + j);
                uint32x4_t m0 = vceqq_f32(a.val[0], yv);
                uint32x4_t m1 = vbicq_u32(vceqq_f32(a.val[1], yv), m0);
                uint32x4_t taken = vorrq_u32(m0, m1);
                uint32x4_t m2 = vbicq_u32(vceqq_f32(b.val[0], yv), taken);
                uint32x4_t m3 = vmvnq_u32(vorrq_u32(taken, m2));
                float32x4x2_t top = {{masked(m0, g), masked(m1, g)}}, bot = {{masked(m2, g), masked(m3, g)}};
                vst2q_f32(d0 + 2 * j, top);
                vst2q_f32(d1 + 2 * j, bot);
            }
            for (; j < ow; j++) {
                float *at[4] = {d0 + 2 * j, d0 + 2 * j + 1, d1 + 2 * j, d1 + 2 * j + 1};
                const float v[4] = {r0[2 * j], r0[2 * j + 1], r1[2 * j], r1[2 * j + 1]};
                int k = 0;
                while (k < 3 && v[k] != yr[j]) k++;
                for (int e = 0; e < 4; e++) *at[e] = e == k ? gr[j] : 0.0f;
            }
            if (s->w & 1) d0[s->w - 1] = d1[s->w - 1] = 0.0f;
        }
        if (s->h & 1) memset(dxp + (size_t)(s->h - 1) * s->w, 0, (size_t)s->w * sizeof(float));
    }
}
