/* NEON vector tanh and exp, 4 floats at a time: the algorithms of
 * kernels/vmath.h (which describes them and holds their constants), step
 * for step as kernels/vmath_avx2.h, so both ISAs compute the same
 * approximation. Differences are only in the instructions:
 *   round to nearest even: vrndnq_f32 (AVX2 _mm256_round_ps);
 *   max/min: vmaxq/vminq return NaN for a NaN operand (the AVX2 versions
 *     keep x in the NaN-carrying position), so NaN propagates in both;
 *   1/(1 + F): vmath.h asks for an estimate of 12 bits or better before
 *     its Newton step; vrecpeq gives 8, so one vrecpsq step first (about
 *     16 bits), then vmath.h's Newton step and residual correction. */
#ifndef LN_VMATH_NEON_H
#define LN_VMATH_NEON_H
#include <arm_neon.h>

#include "vmath.h"

/* e^r with x = k ln2 + r, |r| <= ln2/2, k returned as integers: the steps
 * of vmath.h. r is kept as r1 + c (r1 = x - k*hi exact, c = -k*lo tiny) and
 * e^r summed as (1 + r1) + ((err of 1 + r1) + c + r^2 P(r)). */
static inline float32x4_t ln_vexp_reduce_neon(float32x4_t x, int32x4_t *k)
{
    const float32x4_t one = vdupq_n_f32(1.0f);
    float32x4_t kf = vrndnq_f32(vmulq_f32(x, vdupq_n_f32(LN_EXP_LOG2E)));
    float32x4_t r1 = vfmsq_f32(x, kf, vdupq_n_f32(LN_EXP_LN2_HI));
    float32x4_t c = vmulq_f32(kf, vdupq_n_f32(-LN_EXP_LN2_LO)), r = vaddq_f32(r1, c);
    float32x4_t p = vfmaq_f32(vdupq_n_f32(LN_EXP_E5), vdupq_n_f32(LN_EXP_E6), r);
    p = vfmaq_f32(vdupq_n_f32(LN_EXP_E4), p, r);
    p = vfmaq_f32(vdupq_n_f32(LN_EXP_E3), p, r);
    p = vfmaq_f32(vdupq_n_f32(LN_EXP_E2), p, r);
    *k = vcvtnq_s32_f32(kf);
    /* s = 1 + r1 and its exact rounding error lo (|r1| < 1, s - 1 exact) */
    float32x4_t s = vaddq_f32(one, r1);
    float32x4_t lo = vsubq_f32(r1, vsubq_f32(s, one));
    return vaddq_f32(s, vfmaq_f32(vaddq_f32(lo, c), vmulq_f32(r, r), p));
}

/* 2^k as a float, -126 <= k <= 127 */
static inline float32x4_t ln_vpow2i_neon(int32x4_t k)
{
    return vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(k, vdupq_n_s32(127)), 23));
}

/* exp(x) on the whole float range: see vmath.h. */
static inline float32x4_t ln_vexp_neon(float32x4_t x)
{
    x = vminq_f32(vdupq_n_f32(LN_EXP_MAX), vmaxq_f32(vdupq_n_f32(LN_EXP_MIN), x));
    int32x4_t k;
    float32x4_t e = ln_vexp_reduce_neon(x, &k);
    /* 2^k = 2^k1 * 2^(k-k1), k1 = floor(k/2): both scales normal, and a
     * subnormal result is rounded once, by the last product */
    int32x4_t k1 = vshrq_n_s32(k, 1);
    e = vmulq_f32(e, ln_vpow2i_neon(k1));
    return vmulq_f32(e, ln_vpow2i_neon(vsubq_s32(k, k1)));
}

/* tanh(x): odd; a + a^3 R(a^2) below LN_TANH_SMALL, 1 - 2F/(1 + F) with
 * F = e^(-2a) above (a = |x|), the sign of x put back. */
static inline float32x4_t ln_vtanh_neon(float32x4_t x)
{
    const float32x4_t one = vdupq_n_f32(1.0f);
    float32x4_t a = vabsq_f32(x), s = vmulq_f32(a, a);
    /* small: R is degree 4 in s */
    float32x4_t p = vfmaq_f32(vdupq_n_f32(LN_TANH_R3), vdupq_n_f32(LN_TANH_R4), s);
    p = vfmaq_f32(vdupq_n_f32(LN_TANH_R2), p, s);
    p = vfmaq_f32(vdupq_n_f32(LN_TANH_R1), p, s);
    p = vfmaq_f32(vdupq_n_f32(LN_TANH_R0), p, s);
    float32x4_t ys = vfmaq_f32(a, vmulq_f32(a, s), p);
    /* large: F = e^(-2a), -2a clamped at LN_TANH_EXP_MIN (NaN kept) */
    float32x4_t t = vmaxq_f32(vdupq_n_f32(LN_TANH_EXP_MIN), vmulq_f32(a, vdupq_n_f32(-2.0f)));
    int32x4_t k;
    float32x4_t f = ln_vexp_reduce_neon(t, &k);
    f = vmulq_f32(f, ln_vpow2i_neon(k));
    /* d = 2F / (1 + F): reciprocal of the rounded 1 + F, then the quotient
     * corrected by the residual of the unrounded divisor, 2F - d0 - F d0 */
    float32x4_t f2 = vaddq_f32(f, f), den = vaddq_f32(f, one);
    float32x4_t r = vrecpeq_f32(den);
    r = vmulq_f32(r, vrecpsq_f32(den, r));
    r = vfmaq_f32(r, r, vfmsq_f32(one, den, r));
    float32x4_t d = vmulq_f32(f2, r);
    d = vfmaq_f32(d, r, vfmsq_f32(vsubq_f32(f2, d), f, d));
    float32x4_t y = vbslq_f32(vcgeq_f32(a, vdupq_n_f32(LN_TANH_SMALL)), vsubq_f32(one, d), ys);
    const uint32x4_t sign = vdupq_n_u32(0x80000000u);
    return vreinterpretq_f32_u32(
        vorrq_u32(vreinterpretq_u32_f32(y), vandq_u32(vreinterpretq_u32_f32(x), sign)));
}

#endif
