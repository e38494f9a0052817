/* Per-channel affine, NEON: the AVX2 version's scheme four lanes at a
 * time (forward bit-identical to scalar; gradients summed per plane in
 * float lanes, then in double). */
#include <arm_neon.h>

#include "kernels_neon.h"

void ln_chan_affine_neon(int n, int c, int hw, float mult, const float *x, const float *s, const float *b, float *y)
{
    const float32x4_t m = vdupq_n_f32(mult);
    for (int i = 0; i < n; i++)
        for (int ch = 0; ch < c; ch++) {
            size_t o = ((size_t)i * c + ch) * hw;
            float sc = s[ch], bb = b ? b[ch] : 0.0f;
            const float32x4_t vs = vdupq_n_f32(sc), vb = vdupq_n_f32(bb);
            int j = 0;
            for (; j + 4 <= hw; j += 4)
                vst1q_f32(y + o + j, vaddq_f32(vmulq_f32(vs, vmulq_f32(m, vld1q_f32(x + o + j))), vb));
            for (; j < hw; j++) y[o + j] = sc * (mult * x[o + j]) + bb;
        }
}

void ln_chan_affine_params_neon(int n, int c, int hw, float mult, const float *x, const float *dy, float *ds,
                                float *db)
{
    const float32x4_t m = vdupq_n_f32(mult);
    for (int ch = 0; ch < c; ch++) {
        double a = 0.0, g = 0.0;
        for (int i = 0; i < n; i++) {
            size_t o = ((size_t)i * c + ch) * hw;
            float32x4_t va = vdupq_n_f32(0.0f), vg = vdupq_n_f32(0.0f);
            int j = 0;
            for (; j + 4 <= hw; j += 4) {
                float32x4_t d = vld1q_f32(dy + o + j);
                va = vfmaq_f32(va, d, vmulq_f32(m, vld1q_f32(x + o + j)));
                vg = vaddq_f32(vg, d);
            }
            float ta[4], tg[4];
            vst1q_f32(ta, va), vst1q_f32(tg, vg);
            for (int k = 0; k < 4; k++) a += ta[k], g += tg[k];
            for (; j < hw; j++) a += (double)dy[o + j] * (double)(mult * x[o + j]), g += dy[o + j];
        }
        ds[ch] += (float)a;
        db[ch] += (float)g;
    }
}
