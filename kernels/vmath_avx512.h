/* AVX-512 vector tanh and exp, 16 floats at a time: the algorithms and
 * constants of kernels/vmath.h, step for step as kernels/vmath_avx2.h, so
 * each lane is bitwise identical to ln_vtanh_avx2 / ln_vexp_avx2 on the same
 * CPU (checked over all 2^32 floats on Zen 4, docs/VMATH.md) and their
 * measured bounds carry over: tanh max 1.066 ulp, exp max 0.78 ulp.
 *
 * Two steps use a different instruction for the same value:
 * - 2^k scaling: vscalefps e * 2^k rounds once, exactly as AVX2's two exact
 *   power-of-two products with one final rounding (k1 = k>>1, k - k1), and
 *   needs no float-to-int conversion.
 * - the reciprocal estimate of tanh's quotient is vrcpps on each 256-bit
 *   half, not vrcp14ps: the same 12-bit table as the AVX2 lanes, so the
 *   Newton step and the corrected quotient see the same bits.
 *
 * Like vmath_avx2.h the functions carry their own target attribute, so a
 * test built without AVX-512 flags can call them from a function with the
 * same attribute once ln_cpu() has seen AVX-512 F/BW/DQ/VL and ZMM state.
 * In the SIMDe build (LN_AVX512_SIMDE) they are plain inline functions. */
#ifndef LN_VMATH_AVX512_H
#define LN_VMATH_AVX512_H
#include "avx512_intrin.h"
#include "vmath.h"

#if defined(LN_AVX512_SIMDE)
#define LN_AVX512_INLINE static inline
#else
#define LN_AVX512_INLINE \
    static inline __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")))
#endif

/* The first n of 16 lanes (n <= 0: none, n >= 16: all): a tail's mask. */
LN_AVX512_INLINE __mmask16 ln_vmask_avx512(int n)
{
    return (__mmask16)(n <= 0 ? 0u : n >= 16 ? 0xffffu : (1u << n) - 1u);
}

/* e^r with x = k ln2 + r, k returned as a float integer: the steps of
 * ln_vexp_reduce_avx2. */
LN_AVX512_INLINE __m512 ln_vexp_reduce_avx512(__m512 x, __m512 *kf)
{
    const __m512 one = _mm512_set1_ps(1.0f);
    __m512 k = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(LN_EXP_LOG2E)),
                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r1 = _mm512_fnmadd_ps(k, _mm512_set1_ps(LN_EXP_LN2_HI), x);
    __m512 c = _mm512_mul_ps(k, _mm512_set1_ps(-LN_EXP_LN2_LO)), r = _mm512_add_ps(r1, c);
    __m512 p = _mm512_fmadd_ps(_mm512_set1_ps(LN_EXP_E6), r, _mm512_set1_ps(LN_EXP_E5));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(LN_EXP_E4));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(LN_EXP_E3));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(LN_EXP_E2));
    *kf = k;
    /* s = 1 + r1 and its exact rounding error lo */
    __m512 s = _mm512_add_ps(one, r1);
    __m512 lo = _mm512_sub_ps(r1, _mm512_sub_ps(s, one));
    return _mm512_add_ps(s, _mm512_fmadd_ps(_mm512_mul_ps(r, r), p, _mm512_add_ps(lo, c)));
}

/* exp(x) on the whole float range: see vmath.h. */
LN_AVX512_INLINE __m512 ln_vexp_avx512(__m512 x)
{
    /* max/min return their second operand when one is NaN: keep x there */
    x = _mm512_min_ps(_mm512_set1_ps(LN_EXP_MAX), _mm512_max_ps(_mm512_set1_ps(LN_EXP_MIN), x));
    __m512 k;
    __m512 e = ln_vexp_reduce_avx512(x, &k);
    /* e * 2^k rounded once: a subnormal result as AVX2's two-step scale */
    return _mm512_scalef_ps(e, k);
}

/* vrcpps of each 256-bit half: the AVX2 lanes' 12-bit estimate */
LN_AVX512_INLINE __m512 ln_vrcp_avx512(__m512 v)
{
    __m256 lo = _mm256_rcp_ps(_mm512_castps512_ps256(v));
    __m256 hi = _mm256_rcp_ps(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
    return _mm512_insertf32x8(_mm512_castps256_ps512(lo), hi, 1);
}

/* tanh(x): odd; a + a^3 R(a^2) below LN_TANH_SMALL, 1 - 2F/(1 + F) with
 * F = e^(-2a) above (a = |x|), the sign of x put back. */
LN_AVX512_INLINE __m512 ln_vtanh_avx512(__m512 x)
{
    const __m512 sign = _mm512_set1_ps(-0.0f), one = _mm512_set1_ps(1.0f);
    __m512 a = _mm512_andnot_ps(sign, x), s = _mm512_mul_ps(a, a);
    /* small: R is degree 4 in s */
    __m512 p = _mm512_fmadd_ps(_mm512_set1_ps(LN_TANH_R4), s, _mm512_set1_ps(LN_TANH_R3));
    p = _mm512_fmadd_ps(p, s, _mm512_set1_ps(LN_TANH_R2));
    p = _mm512_fmadd_ps(p, s, _mm512_set1_ps(LN_TANH_R1));
    p = _mm512_fmadd_ps(p, s, _mm512_set1_ps(LN_TANH_R0));
    __m512 ys = _mm512_fmadd_ps(_mm512_mul_ps(a, s), p, a);
    /* large: F = e^(-2a), -2a clamped at LN_TANH_EXP_MIN (NaN kept) */
    __m512 t = _mm512_max_ps(_mm512_set1_ps(LN_TANH_EXP_MIN), _mm512_mul_ps(a, _mm512_set1_ps(-2.0f)));
    __m512 k;
    __m512 f = ln_vexp_reduce_avx512(t, &k);
    f = _mm512_scalef_ps(f, k);
    /* d = 2F / (1 + F): reciprocal estimate, one Newton step, the quotient
     * corrected by the residual of the unrounded divisor (vmath.h) */
    __m512 f1 = _mm512_add_ps(f, one), f2 = _mm512_add_ps(f, f), r = ln_vrcp_avx512(f1);
    r = _mm512_fmadd_ps(r, _mm512_fnmadd_ps(f1, r, one), r);
    __m512 d = _mm512_mul_ps(f2, r);
    d = _mm512_fmadd_ps(r, _mm512_fnmadd_ps(f, d, _mm512_sub_ps(f2, d)), d);
    __m512 yl = _mm512_sub_ps(one, d);
    __m512 y = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(a, _mm512_set1_ps(LN_TANH_SMALL), _CMP_GE_OQ), ys, yl);
    return _mm512_or_ps(y, _mm512_and_ps(x, sign));
}

#endif
