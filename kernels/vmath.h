/* Vector tanh and exp: the algorithms and their constants, for every SIMD
 * port (kernels/vmath_<isa>.h implements them with that ISA's intrinsics;
 * this file has none). Constants are float literals, so every port rounds
 * them to the same floats. How the coefficients were fitted and measured:
 * docs/VMATH.md.
 *
 * tanh(x), odd, so computed on a = |x| and the sign bit of x ORed back in
 * (-0 -> -0); two pieces, both computed, one kept per lane:
 *   a <  LN_TANH_SMALL: tanh(a) = a + a^3 R(a^2), R a degree-4 polynomial
 *       (R0 + s*(R1 + ... + s*R4), Horner with FMA), minimax for the error
 *       relative to tanh on [0, 0.625] (4.4e-9 before rounding to float).
 *       The final a + (a*s)*R is one FMA: the correction is at most 13% of
 *       the result, so its own rounding errors shrink by that much, and
 *       tiny and subnormal x return x exactly.
 *   a >= LN_TANH_SMALL: tanh(a) = 1 - d, d = 2F/(1 + F), F = e^(-2a) by the
 *       exp below (-2a clamped at LN_TANH_EXP_MIN, one 2^k scale). The
 *       quotient, from a reciprocal estimate r0 of the rounded 1 + F (12
 *       bits or better):
 *         r = r0 + r0*(1 - (1 + F)*r0)            (one Newton step)
 *         d0 = 2F * r
 *         d = d0 + r*((2F - d0) - F*d0)           (2F - d0 exact)
 *       the residual being that of the unrounded divisor, so d is within
 *       about 1/2 ulp whatever bits the estimate has on a given CPU.
 *       d <= 0.45, so the errors of F and d shrink by half or more in 1 - d.
 *   NaN in gives NaN (the comparison that picks the piece is false, and
 *   the small piece keeps the NaN); +-inf and |x| >= 9.011 give +-1.
 *   Measured over all 2^32 floats against tanh in double: max 1.066 ulp
 *   (relative 1.14e-7), at |x| = 0.682033837.
 *
 * exp(x), for softmax (inputs x - max <= 0) but valid on the float range:
 *   x clamped to [LN_EXP_MIN, LN_EXP_MAX] (NaN kept)
 *   k = round(x * LN_EXP_LOG2E); Cody-Waite with ln2 = LN_EXP_LN2_HI +
 *       LN_EXP_LN2_LO: r1 = x - k*HI (one FMA; exact, as HI has 15
 *       significant bits and |k| <= 150), c = k*(-LO), r = r1 + c,
 *       |r| <= ln2/2 (plus rounding)
 *   P = E2 + r*(E3 + r*(E4 + r*(E5 + r*E6)))   (Horner, FMA), so that
 *       e^r ~ 1 + r + r^2 P, degree 6, minimax in relative error with 1 + r
 *       fixed (3.1e-9 before rounding to float)
 *   e^r summed as s + ((lo + c) + (r*r)*P) (the inner sum one FMA), with
 *       s = 1 + r1 and lo = r1 - (s - 1) its exact rounding error: one
 *       rounding of weight 1, the others on terms below 0.07
 *   e^x = e^r * 2^(k>>1) * 2^(k - (k>>1)): two exact power-of-two scales, so
 *       subnormal results round once (as expf) and x >= 88.73 overflows to
 *       inf; x <= LN_EXP_MIN gives 0. Inside tanh, -20 <= x <= 0 and one
 *       scale 2^k does.
 *   Measured over all 2^32 floats against exp in double: max 0.78 ulp (at
 *   a subnormal result), 0.69 ulp and relative 5.96e-8 where the result is
 *   normal. */
#ifndef LN_VMATH_H
#define LN_VMATH_H

/* tanh, |x| < LN_TANH_SMALL: tanh(a) = a + a^3 R(a^2) */
#define LN_TANH_SMALL 0.625f
#define LN_TANH_R0 (-0.333332807f)
#define LN_TANH_R1 0.133314416f
#define LN_TANH_R2 (-0.0537397005f)
#define LN_TANH_R3 0.020639034f
#define LN_TANH_R4 (-0.005704924f)
/* tanh, |x| >= LN_TANH_SMALL: e^(-2a) with -2a clamped here; e^-20 is
 * below 2^-26, where 1 - 2F/(1 + F) rounds to 1 */
#define LN_TANH_EXP_MIN (-20.0f)

/* exp: range reduction and the polynomial of e^r */
#define LN_EXP_LOG2E 1.44269502f
#define LN_EXP_LN2_HI 0.693145751953125f /* 0x3f317200: 15 significant bits */
#define LN_EXP_LN2_LO 1.42860677e-06f    /* ln 2 - LN_EXP_LN2_HI */
#define LN_EXP_MIN (-104.0f)             /* e^-104 < 2^-150: rounds to 0 */
#define LN_EXP_MAX 89.0f                 /* e^89 > FLT_MAX: inf */
#define LN_EXP_E2 0.49999994f
#define LN_EXP_E3 0.166665211f
#define LN_EXP_E4 0.041668389f
#define LN_EXP_E5 0.00836871192f
#define LN_EXP_E6 0.00138146139f

#endif
