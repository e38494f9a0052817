/* SGD step, NEON: the scalar loop four parameters at a time with separate
 * multiplies and adds (vmulq + vaddq, never vfmaq); the tail runs the
 * scalar loop. */
#include <arm_neon.h>

#include "kernels_neon.h"
#include "kernels_scalar.h"

void ln_sgd_neon(size_t len, float *w, float *v, const float *g, const ln_sgd *o)
{
    const float32x4_t lr = vdupq_n_f32(o->lr), mu = vdupq_n_f32(o->momentum), wd = vdupq_n_f32(o->weight_decay);
    const int momentum = o->momentum != 0.0f, nesterov = o->nesterov;
    size_t p = 0;
    for (; p + 4 <= len; p += 4) {
        float32x4_t wv = vld1q_f32(w + p), gv = vaddq_f32(vld1q_f32(g + p), vmulq_f32(wd, wv));
        if (momentum) {
            float32x4_t vv = vaddq_f32(vmulq_f32(mu, vld1q_f32(v + p)), gv);
            vst1q_f32(v + p, vv);
            gv = nesterov ? vaddq_f32(gv, vmulq_f32(mu, vv)) : vv;
        }
        vst1q_f32(w + p, vsubq_f32(wv, vmulq_f32(lr, gv)));
    }
    if (p < len) ln_sgd_scalar(len - p, w + p, v + p, g + p, o);
}
