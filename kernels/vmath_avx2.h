/* AVX2+FMA vector tanh and exp, 8 floats at a time: the algorithms of
 * kernels/vmath.h (which describes them and holds their constants).
 *
 * The functions carry their own target attribute, so a file built without
 * -mavx2 -mfma (a test) can use them from a function with the same
 * attribute, called only after ln_cpu() has seen AVX2, FMA and YMM state.
 *
 * Measured over all 2^32 floats against tanh and exp in double
 * (docs/VMATH.md): ln_vtanh_avx2 max 1.066 ulp; ln_vexp_avx2 max 0.78 ulp,
 * relative 5.96e-8 for normal results. */
#ifndef LN_VMATH_AVX2_H
#define LN_VMATH_AVX2_H
#include <immintrin.h>

#include "vmath.h"

#define LN_AVX2_INLINE static inline __attribute__((target("avx2,fma")))

/* All-ones in the first n of 8 lanes (n < 0: none, n > 8: all): the mask
 * of a tail's masked loads and stores. */
LN_AVX2_INLINE __m256i ln_vmask_avx2(int n)
{
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/* e^r with x = k ln2 + r, |r| <= ln2/2, k returned as integers: the steps
 * of vmath.h. r is kept as r1 + c (r1 = x - k*hi exact, c = -k*lo tiny) and
 * e^r summed as (1 + r1) + ((err of 1 + r1) + c + r^2 P(r)). */
LN_AVX2_INLINE __m256 ln_vexp_reduce_avx2(__m256 x, __m256i *k)
{
    const __m256 one = _mm256_set1_ps(1.0f);
    __m256 kf = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(LN_EXP_LOG2E)),
                                _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r1 = _mm256_fnmadd_ps(kf, _mm256_set1_ps(LN_EXP_LN2_HI), x);
    __m256 c = _mm256_mul_ps(kf, _mm256_set1_ps(-LN_EXP_LN2_LO)), r = _mm256_add_ps(r1, c);
    __m256 p = _mm256_fmadd_ps(_mm256_set1_ps(LN_EXP_E6), r, _mm256_set1_ps(LN_EXP_E5));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(LN_EXP_E4));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(LN_EXP_E3));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(LN_EXP_E2));
    *k = _mm256_cvtps_epi32(kf);
    /* s = 1 + r1 and its exact rounding error lo (|r1| < 1, s - 1 exact) */
    __m256 s = _mm256_add_ps(one, r1);
    __m256 lo = _mm256_sub_ps(r1, _mm256_sub_ps(s, one));
    return _mm256_add_ps(s, _mm256_fmadd_ps(_mm256_mul_ps(r, r), p, _mm256_add_ps(lo, c)));
}

/* 2^k as a float, -126 <= k <= 127 */
LN_AVX2_INLINE __m256 ln_vpow2i_avx2(__m256i k)
{
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(k, _mm256_set1_epi32(127)), 23));
}

/* exp(x) on the whole float range: see vmath.h. */
LN_AVX2_INLINE __m256 ln_vexp_avx2(__m256 x)
{
    /* max/min return their second operand when one is NaN: keep x there */
    x = _mm256_min_ps(_mm256_set1_ps(LN_EXP_MAX), _mm256_max_ps(_mm256_set1_ps(LN_EXP_MIN), x));
    __m256i k;
    __m256 e = ln_vexp_reduce_avx2(x, &k);
    /* 2^k = 2^k1 * 2^(k-k1), k1 = floor(k/2): both scales normal, and a
     * subnormal result is rounded once, by the last product */
    __m256i k1 = _mm256_srai_epi32(k, 1);
    e = _mm256_mul_ps(e, ln_vpow2i_avx2(k1));
    return _mm256_mul_ps(e, ln_vpow2i_avx2(_mm256_sub_epi32(k, k1)));
}

/* tanh(x): odd; a + a^3 R(a^2) below LN_TANH_SMALL, 1 - 2F/(1 + F) with
 * F = e^(-2a) above (a = |x|), the sign of x put back. */
LN_AVX2_INLINE __m256 ln_vtanh_avx2(__m256 x)
{
    const __m256 sign = _mm256_set1_ps(-0.0f), one = _mm256_set1_ps(1.0f);
    __m256 a = _mm256_andnot_ps(sign, x), s = _mm256_mul_ps(a, a);
    /* small: R is degree 4 in s */
    __m256 p = _mm256_fmadd_ps(_mm256_set1_ps(LN_TANH_R4), s, _mm256_set1_ps(LN_TANH_R3));
    p = _mm256_fmadd_ps(p, s, _mm256_set1_ps(LN_TANH_R2));
    p = _mm256_fmadd_ps(p, s, _mm256_set1_ps(LN_TANH_R1));
    p = _mm256_fmadd_ps(p, s, _mm256_set1_ps(LN_TANH_R0));
    __m256 ys = _mm256_fmadd_ps(_mm256_mul_ps(a, s), p, a);
    /* large: F = e^(-2a), -2a clamped at LN_TANH_EXP_MIN (NaN kept) */
    __m256 t = _mm256_max_ps(_mm256_set1_ps(LN_TANH_EXP_MIN), _mm256_mul_ps(a, _mm256_set1_ps(-2.0f)));
    __m256i k;
    __m256 f = ln_vexp_reduce_avx2(t, &k);
    f = _mm256_mul_ps(f, ln_vpow2i_avx2(k));
    /* d = 2F / (1 + F): reciprocal estimate of the rounded 1 + F, one
     * Newton step, then the quotient corrected by the residual of the
     * unrounded divisor, 2F - d0 - F d0 (2F - d0 is exact) */
    __m256 f2 = _mm256_add_ps(f, f), r = _mm256_rcp_ps(_mm256_add_ps(f, one));
    r = _mm256_fmadd_ps(r, _mm256_fnmadd_ps(_mm256_add_ps(f, one), r, one), r);
    __m256 d = _mm256_mul_ps(f2, r);
    d = _mm256_fmadd_ps(r, _mm256_fnmadd_ps(f, d, _mm256_sub_ps(f2, d)), d);
    __m256 yl = _mm256_sub_ps(one, d);
    __m256 y = _mm256_blendv_ps(ys, yl, _mm256_cmp_ps(a, _mm256_set1_ps(LN_TANH_SMALL), _CMP_GE_OQ));
    return _mm256_or_ps(y, _mm256_and_ps(x, sign));
}

#endif
