/* The NEON peak loop: 16 q-register accumulators of vfmaq_f32 (AArch64
 * cores have two to four 128-bit FMA pipes of ~4 cycles latency), named
 * one by one so that they stay in registers. */
#include <arm_neon.h>

#include "fma_loops.h"

/* c += x*y in place (fmla): c creeps up until x*y is below half its ulp,
 * and stays finite */
#define FMA4(a, b, c, d) \
    a = vfmaq_f32(a, x, y), b = vfmaq_f32(b, x, y), c = vfmaq_f32(c, x, y), d = vfmaq_f32(d, x, y)

double bench_fma_loop_neon(long iters, float *sink)
{
    const float32x4_t x = vdupq_n_f32(1e-3f), y = vdupq_n_f32(1e-3f);
    float32x4_t c0 = vdupq_n_f32(1.00f), c1 = vdupq_n_f32(1.01f), c2 = vdupq_n_f32(1.02f), c3 = vdupq_n_f32(1.03f);
    float32x4_t c4 = vdupq_n_f32(1.04f), c5 = vdupq_n_f32(1.05f), c6 = vdupq_n_f32(1.06f), c7 = vdupq_n_f32(1.07f);
    float32x4_t c8 = vdupq_n_f32(1.08f), c9 = vdupq_n_f32(1.09f), c10 = vdupq_n_f32(1.10f), c11 = vdupq_n_f32(1.11f);
    float32x4_t c12 = vdupq_n_f32(1.12f), c13 = vdupq_n_f32(1.13f), c14 = vdupq_n_f32(1.14f), c15 = vdupq_n_f32(1.15f);
    for (long i = 0; i < iters; i++) {
        FMA4(c0, c1, c2, c3);
        FMA4(c4, c5, c6, c7);
        FMA4(c8, c9, c10, c11);
        FMA4(c12, c13, c14, c15);
    }
    float32x4_t s = vaddq_f32(vaddq_f32(vaddq_f32(c0, c1), vaddq_f32(c2, c3)),
                              vaddq_f32(vaddq_f32(c4, c5), vaddq_f32(c6, c7)));
    s = vaddq_f32(s, vaddq_f32(vaddq_f32(vaddq_f32(c8, c9), vaddq_f32(c10, c11)),
                               vaddq_f32(vaddq_f32(c12, c13), vaddq_f32(c14, c15))));
    *sink = vgetq_lane_f32(s, 0) + vgetq_lane_f32(s, 3);
    return (double)iters * 16 * 4 * 2;
}
