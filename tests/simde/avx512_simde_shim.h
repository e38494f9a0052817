/* Test-only: the AVX-512 intrinsics of the kernels/<op>_avx512.c files on
 * any x86-64 CPU with AVX2, for the emulated avx512 table (lenet_avx512emu in
 * tests/CMakeLists.txt; kernels/avx512_intrin.h includes this file under
 * LN_AVX512_SIMDE). SIMDe's portable versions under their native names,
 * plus the intrinsics the kernels use that Debian 12's SIMDe 0.7.4 lacks,
 * each written lane by lane after Intel's description:
 *   mask types and mask operations   __mmask16, _cvtu32_mask16, _kand_mask16, _kortestz_mask16_u8, ...
 *   masked loads and stores          _mm512_maskz_loadu_ps, _mm512_mask_storeu_ps (and _epi32, _pd,
 *                                    _epi8; the _mm256_ and _mm_ forms)
 *   horizontal reductions            _mm512_reduce_add_ps, _max_ps, _min_ps, _add_pd, _add_epi32,
 *                                    paired in GCC's order, so they round as natively built code
 *   the rest                         conversions (_mm512_cvtps_pd, _cvtpd_ps, _cvtss_f32, ...),
 *                                    extracts, shifts, masked FMA forms, compares, permutes,
 *                                    gathers (see each section)
 * A masked load or store touches only the lanes of its mask, as the
 * hardware does: the ASan build catches a kernel whose tail mask reaches
 * past a buffer. rcp14/rsqrt14 return the exact quotient (within the
 * hardware's 2^-14 bound, but not its bits).
 *
 * Lanes are copied to plain arrays with memcpy (SIMDe's vector types may be
 * GCC vectors, whose elements have no address). Each alias is #undef'd
 * first: the compiler's own headers (included by SIMDe when it uses AVX2)
 * define some of these names as macros. */
#ifndef LN_AVX512_SIMDE_SHIM_H
#define LN_AVX512_SIMDE_SHIM_H

#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/x86/avx512.h>

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* SIMDe aliases the vector types but not the mask types */
#undef __mmask8
#define __mmask8 simde__mmask8
#undef __mmask16
#define __mmask16 simde__mmask16
#undef __mmask32
#define __mmask32 simde__mmask32
#undef __mmask64
#define __mmask64 simde__mmask64

#define LN_SHIM static inline

/* ---- mask registers ---- */

LN_SHIM simde__mmask16 ln_shim_mask16(unsigned a) { return (simde__mmask16)a; }
LN_SHIM simde__mmask8 ln_shim_mask8(unsigned a) { return (simde__mmask8)a; }
LN_SHIM unsigned char ln_shim_kortestz(simde__mmask16 a, simde__mmask16 b) { return (simde__mmask16)(a | b) == 0; }
LN_SHIM unsigned char ln_shim_kortestc(simde__mmask16 a, simde__mmask16 b) { return (simde__mmask16)(a | b) == 0xffff; }

#undef _cvtu32_mask16
#define _cvtu32_mask16(a) ln_shim_mask16(a)
#undef _cvtmask16_u32
#define _cvtmask16_u32(a) ((unsigned)(simde__mmask16)(a))
#undef _cvtu32_mask8
#define _cvtu32_mask8(a) ln_shim_mask8(a)
#undef _cvtmask8_u32
#define _cvtmask8_u32(a) ((unsigned)(simde__mmask8)(a))
#undef _mm512_int2mask
#define _mm512_int2mask(a) ln_shim_mask16((unsigned)(a))
#undef _mm512_mask2int
#define _mm512_mask2int(a) ((int)(simde__mmask16)(a))
#undef _kand_mask16
#define _kand_mask16(a, b) ln_shim_mask16((a) & (b))
#undef _kandn_mask16
#define _kandn_mask16(a, b) ln_shim_mask16(~(unsigned)(a) & (b))
#undef _kor_mask16
#define _kor_mask16(a, b) ln_shim_mask16((a) | (b))
#undef _kxor_mask16
#define _kxor_mask16(a, b) ln_shim_mask16((a) ^ (b))
#undef _kxnor_mask16
#define _kxnor_mask16(a, b) ln_shim_mask16(~((unsigned)(a) ^ (b)))
#undef _knot_mask16
#define _knot_mask16(a) ln_shim_mask16(~(unsigned)(a))
#undef _kshiftli_mask16
#define _kshiftli_mask16(a, n) ln_shim_mask16((unsigned)(a) << (n))
#undef _kshiftri_mask16
#define _kshiftri_mask16(a, n) ln_shim_mask16((unsigned)(simde__mmask16)(a) >> (n))
#undef _kortestz_mask16_u8
#define _kortestz_mask16_u8(a, b) ln_shim_kortestz(a, b)
#undef _kortestc_mask16_u8
#define _kortestc_mask16_u8(a, b) ln_shim_kortestc(a, b)
#undef _kand_mask8
#define _kand_mask8(a, b) ln_shim_mask8((a) & (b))
#undef _kor_mask8
#define _kor_mask8(a, b) ln_shim_mask8((a) | (b))
#undef _knot_mask8
#define _knot_mask8(a) ln_shim_mask8(~(unsigned)(a))
#undef _mm512_kand
#define _mm512_kand(a, b) _kand_mask16(a, b)
#undef _mm512_kandn
#define _mm512_kandn(a, b) _kandn_mask16(a, b)
#undef _mm512_kor
#define _mm512_kor(a, b) _kor_mask16(a, b)
#undef _mm512_kxor
#define _mm512_kxor(a, b) _kxor_mask16(a, b)
#undef _mm512_kxnor
#define _mm512_kxnor(a, b) _kxnor_mask16(a, b)
#undef _mm512_knot
#define _mm512_knot(a) _knot_mask16(a)
#undef _mm512_kmov
#define _mm512_kmov(a) ln_shim_mask16(a)
#undef _mm512_kortestz
#define _mm512_kortestz(a, b) ((int)ln_shim_kortestz(a, b))
#undef _mm512_kortestc
#define _mm512_kortestc(a, b) ((int)ln_shim_kortestc(a, b))

/* ---- masked loads and stores: lane by lane, only the lanes of the mask ---- */

/* LN_SHIM_MASKED(NAME, VEC, ELEM, LANES, MASK): ln_shim_NAME_mask_loadu,
 * _maskz_loadu and _mask_storeu for LANES lanes of ELEM in VEC, mask MASK. */
#define LN_SHIM_MASKED(name, vec, elem, lanes, mask)                                               \
    LN_SHIM vec ln_shim_##name##_mask_loadu(vec src, mask k, const void *p)                        \
    {                                                                                              \
        elem v[lanes];                                                                             \
        memcpy(v, &src, sizeof v);                                                                 \
        for (int i = 0; i < (lanes); i++)                                                          \
            if ((k >> i) & 1) memcpy(&v[i], (const char *)p + (size_t)i * sizeof(elem), sizeof(elem)); \
        memcpy(&src, v, sizeof v);                                                                 \
        return src;                                                                                \
    }                                                                                              \
    LN_SHIM vec ln_shim_##name##_maskz_loadu(mask k, const void *p)                                \
    {                                                                                              \
        vec z;                                                                                     \
        memset(&z, 0, sizeof z);                                                                   \
        return ln_shim_##name##_mask_loadu(z, k, p);                                               \
    }                                                                                              \
    LN_SHIM void ln_shim_##name##_mask_storeu(void *p, mask k, vec a)                              \
    {                                                                                              \
        elem v[lanes];                                                                             \
        memcpy(v, &a, sizeof v);                                                                   \
        for (int i = 0; i < (lanes); i++)                                                          \
            if ((k >> i) & 1) memcpy((char *)p + (size_t)i * sizeof(elem), &v[i], sizeof(elem));  \
    }

LN_SHIM_MASKED(m512_ps, simde__m512, float, 16, simde__mmask16)
LN_SHIM_MASKED(m512_epi32, simde__m512i, int32_t, 16, simde__mmask16)
LN_SHIM_MASKED(m512_pd, simde__m512d, double, 8, simde__mmask8)
LN_SHIM_MASKED(m512_epi8, simde__m512i, int8_t, 64, simde__mmask64)
LN_SHIM_MASKED(m256_ps, simde__m256, float, 8, simde__mmask8)
LN_SHIM_MASKED(m256_epi32, simde__m256i, int32_t, 8, simde__mmask8)
LN_SHIM_MASKED(m256_pd, simde__m256d, double, 4, simde__mmask8)
LN_SHIM_MASKED(m128_ps, simde__m128, float, 4, simde__mmask8)
LN_SHIM_MASKED(m128_epi32, simde__m128i, int32_t, 4, simde__mmask8)

#undef _mm512_maskz_loadu_ps
#define _mm512_maskz_loadu_ps(k, p) ln_shim_m512_ps_maskz_loadu(k, p)
#undef _mm512_mask_loadu_ps
#define _mm512_mask_loadu_ps(s, k, p) ln_shim_m512_ps_mask_loadu(s, k, p)
#undef _mm512_mask_storeu_ps
#define _mm512_mask_storeu_ps(p, k, a) ln_shim_m512_ps_mask_storeu(p, k, a)
#undef _mm512_maskz_loadu_epi32
#define _mm512_maskz_loadu_epi32(k, p) ln_shim_m512_epi32_maskz_loadu(k, p)
#undef _mm512_mask_loadu_epi32
#define _mm512_mask_loadu_epi32(s, k, p) ln_shim_m512_epi32_mask_loadu(s, k, p)
#undef _mm512_mask_storeu_epi32
#define _mm512_mask_storeu_epi32(p, k, a) ln_shim_m512_epi32_mask_storeu(p, k, a)
#undef _mm512_maskz_loadu_pd
#define _mm512_maskz_loadu_pd(k, p) ln_shim_m512_pd_maskz_loadu(k, p)
#undef _mm512_mask_loadu_pd
#define _mm512_mask_loadu_pd(s, k, p) ln_shim_m512_pd_mask_loadu(s, k, p)
#undef _mm512_mask_storeu_pd
#define _mm512_mask_storeu_pd(p, k, a) ln_shim_m512_pd_mask_storeu(p, k, a)
#undef _mm512_maskz_loadu_epi8
#define _mm512_maskz_loadu_epi8(k, p) ln_shim_m512_epi8_maskz_loadu(k, p)
#undef _mm512_mask_loadu_epi8
#define _mm512_mask_loadu_epi8(s, k, p) ln_shim_m512_epi8_mask_loadu(s, k, p)
#undef _mm512_mask_storeu_epi8
#define _mm512_mask_storeu_epi8(p, k, a) ln_shim_m512_epi8_mask_storeu(p, k, a)
#undef _mm256_maskz_loadu_ps
#define _mm256_maskz_loadu_ps(k, p) ln_shim_m256_ps_maskz_loadu(k, p)
#undef _mm256_mask_loadu_ps
#define _mm256_mask_loadu_ps(s, k, p) ln_shim_m256_ps_mask_loadu(s, k, p)
#undef _mm256_mask_storeu_ps
#define _mm256_mask_storeu_ps(p, k, a) ln_shim_m256_ps_mask_storeu(p, k, a)
#undef _mm256_maskz_loadu_epi32
#define _mm256_maskz_loadu_epi32(k, p) ln_shim_m256_epi32_maskz_loadu(k, p)
#undef _mm256_mask_loadu_epi32
#define _mm256_mask_loadu_epi32(s, k, p) ln_shim_m256_epi32_mask_loadu(s, k, p)
#undef _mm256_mask_storeu_epi32
#define _mm256_mask_storeu_epi32(p, k, a) ln_shim_m256_epi32_mask_storeu(p, k, a)
#undef _mm256_maskz_loadu_pd
#define _mm256_maskz_loadu_pd(k, p) ln_shim_m256_pd_maskz_loadu(k, p)
#undef _mm256_mask_loadu_pd
#define _mm256_mask_loadu_pd(s, k, p) ln_shim_m256_pd_mask_loadu(s, k, p)
#undef _mm256_mask_storeu_pd
#define _mm256_mask_storeu_pd(p, k, a) ln_shim_m256_pd_mask_storeu(p, k, a)
#undef _mm_maskz_loadu_ps
#define _mm_maskz_loadu_ps(k, p) ln_shim_m128_ps_maskz_loadu(k, p)
#undef _mm_mask_loadu_ps
#define _mm_mask_loadu_ps(s, k, p) ln_shim_m128_ps_mask_loadu(s, k, p)
#undef _mm_mask_storeu_ps
#define _mm_mask_storeu_ps(p, k, a) ln_shim_m128_ps_mask_storeu(p, k, a)
#undef _mm_maskz_loadu_epi32
#define _mm_maskz_loadu_epi32(k, p) ln_shim_m128_epi32_maskz_loadu(k, p)
#undef _mm_mask_loadu_epi32
#define _mm_mask_loadu_epi32(s, k, p) ln_shim_m128_epi32_mask_loadu(s, k, p)
#undef _mm_mask_storeu_epi32
#define _mm_mask_storeu_epi32(p, k, a) ln_shim_m128_epi32_mask_storeu(p, k, a)

/* ---- lane-wise helpers for what follows ---- */

typedef struct { float f[16]; } ln_shim_ps;
typedef struct { int32_t i[16]; } ln_shim_si;
typedef struct { double d[8]; } ln_shim_pd;
LN_SHIM ln_shim_ps ln_shim_ps_of(simde__m512 a) { ln_shim_ps r; memcpy(&r, &a, sizeof r); return r; }
LN_SHIM ln_shim_si ln_shim_si_of(simde__m512i a) { ln_shim_si r; memcpy(&r, &a, sizeof r); return r; }
LN_SHIM ln_shim_pd ln_shim_pd_of(simde__m512d a) { ln_shim_pd r; memcpy(&r, &a, sizeof r); return r; }
LN_SHIM simde__m512 ln_shim_ps_to(ln_shim_ps a) { simde__m512 r; memcpy(&r, &a, sizeof r); return r; }
LN_SHIM simde__m512i ln_shim_si_to(ln_shim_si a) { simde__m512i r; memcpy(&r, &a, sizeof r); return r; }

/* ---- horizontal reductions, paired as GCC's avx512fintrin.h pairs
 * them: the 256-bit halves, the 128-bit halves, lanes (0,2) and (1,3),
 * then those two ---- */

LN_SHIM float ln_shim_maxf(float a, float b) { return a > b ? a : b; } /* maxps: b when unordered or equal */
LN_SHIM float ln_shim_minf(float a, float b) { return a < b ? a : b; }
LN_SHIM float ln_shim_addf(float a, float b) { return a + b; }
LN_SHIM float ln_shim_mulf(float a, float b) { return a * b; }

LN_SHIM float ln_shim_reduce_ps(simde__m512 a, float (*op)(float, float))
{
    ln_shim_ps v = ln_shim_ps_of(a);
    float t[8], u[4];
    for (int i = 0; i < 8; i++) t[i] = op(v.f[i + 8], v.f[i]);
    for (int i = 0; i < 4; i++) u[i] = op(t[i + 4], t[i]);
    return op(op(u[0], u[2]), op(u[1], u[3]));
}
#undef _mm512_reduce_add_ps
#define _mm512_reduce_add_ps(a) ln_shim_reduce_ps(a, ln_shim_addf)
#undef _mm512_reduce_mul_ps
#define _mm512_reduce_mul_ps(a) ln_shim_reduce_ps(a, ln_shim_mulf)
#undef _mm512_reduce_max_ps
#define _mm512_reduce_max_ps(a) ln_shim_reduce_ps(a, ln_shim_maxf)
#undef _mm512_reduce_min_ps
#define _mm512_reduce_min_ps(a) ln_shim_reduce_ps(a, ln_shim_minf)
#undef _mm512_mask_reduce_add_ps
#define _mm512_mask_reduce_add_ps(k, a) ln_shim_reduce_ps(simde_mm512_maskz_mov_ps(k, a), ln_shim_addf)
#undef _mm512_mask_reduce_max_ps
#define _mm512_mask_reduce_max_ps(k, a)                                                            \
    ln_shim_reduce_ps(simde_mm512_mask_mov_ps(simde_mm512_set1_ps(-INFINITY), k, a), ln_shim_maxf)
#undef _mm512_mask_reduce_min_ps
#define _mm512_mask_reduce_min_ps(k, a)                                                            \
    ln_shim_reduce_ps(simde_mm512_mask_mov_ps(simde_mm512_set1_ps(INFINITY), k, a), ln_shim_minf)

LN_SHIM double ln_shim_reduce_add_pd(simde__m512d a)
{
    ln_shim_pd v = ln_shim_pd_of(a);
    double t[4];
    for (int i = 0; i < 4; i++) t[i] = v.d[i + 4] + v.d[i];
    return (t[2] + t[0]) + (t[3] + t[1]);
}
LN_SHIM double ln_shim_reduce_max_pd(simde__m512d a)
{
    ln_shim_pd v = ln_shim_pd_of(a);
    double t[4];
    for (int i = 0; i < 4; i++) t[i] = v.d[i + 4] > v.d[i] ? v.d[i + 4] : v.d[i];
    double x = t[2] > t[0] ? t[2] : t[0], y = t[3] > t[1] ? t[3] : t[1];
    return x > y ? x : y;
}
#undef _mm512_reduce_add_pd
#define _mm512_reduce_add_pd(a) ln_shim_reduce_add_pd(a)
#undef _mm512_reduce_max_pd
#define _mm512_reduce_max_pd(a) ln_shim_reduce_max_pd(a)

LN_SHIM int ln_shim_reduce_add_epi32(simde__m512i a)
{
    ln_shim_si v = ln_shim_si_of(a);
    uint32_t s = 0;
    for (int i = 0; i < 16; i++) s += (uint32_t)v.i[i]; /* wraps, as the hardware */
    return (int)s;
}
#undef _mm512_reduce_add_epi32
#define _mm512_reduce_add_epi32(a) ln_shim_reduce_add_epi32(a)

/* ---- scalar extracts, conversions ---- */

LN_SHIM float ln_shim_cvtss_f32(simde__m512 a) { return ln_shim_ps_of(a).f[0]; }
LN_SHIM double ln_shim_cvtsd_f64(simde__m512d a) { return ln_shim_pd_of(a).d[0]; }
LN_SHIM int ln_shim_cvtsi512_si32(simde__m512i a) { return ln_shim_si_of(a).i[0]; }
#undef _mm512_cvtss_f32
#define _mm512_cvtss_f32(a) ln_shim_cvtss_f32(a)
#undef _mm512_cvtsd_f64
#define _mm512_cvtsd_f64(a) ln_shim_cvtsd_f64(a)
#undef _mm512_cvtsi512_si32
#define _mm512_cvtsi512_si32(a) ln_shim_cvtsi512_si32(a)

LN_SHIM simde__m512 ln_shim_cvtepi32_ps(simde__m512i a)
{
    ln_shim_si v = ln_shim_si_of(a);
    ln_shim_ps r;
    for (int i = 0; i < 16; i++) r.f[i] = (float)v.i[i];
    return ln_shim_ps_to(r);
}
/* float -> int32 rounded by the current mode (cvtps) or truncated
 * (cvttps); NaN and out-of-range lanes give INT32_MIN, the hardware's
 * "integer indefinite" */
LN_SHIM simde__m512i ln_shim_cvtps_epi32(simde__m512 a, int trunc)
{
    ln_shim_ps v = ln_shim_ps_of(a);
    ln_shim_si r;
    for (int i = 0; i < 16; i++) {
        float x = trunc ? truncf(v.f[i]) : nearbyintf(v.f[i]);
        r.i[i] = x >= -2147483648.0f && x < 2147483648.0f ? (int32_t)x : INT32_MIN;
    }
    return ln_shim_si_to(r);
}
/* float <-> double: widening is exact; narrowing rounds by the current mode */
LN_SHIM simde__m512d ln_shim_cvtps_pd(simde__m256 a)
{
    float f[8];
    ln_shim_pd r;
    memcpy(f, &a, sizeof f);
    for (int i = 0; i < 8; i++) r.d[i] = f[i];
    simde__m512d v;
    memcpy(&v, &r, sizeof v);
    return v;
}
LN_SHIM simde__m256 ln_shim_cvtpd_ps(simde__m512d a)
{
    ln_shim_pd v = ln_shim_pd_of(a);
    float f[8];
    for (int i = 0; i < 8; i++) f[i] = (float)v.d[i];
    simde__m256 r;
    memcpy(&r, f, sizeof r);
    return r;
}
#undef _mm512_cvtps_pd
#define _mm512_cvtps_pd(a) ln_shim_cvtps_pd(a)
#undef _mm512_cvtpd_ps
#define _mm512_cvtpd_ps(a) ln_shim_cvtpd_ps(a)
#undef _mm512_cvtepi32_ps
#define _mm512_cvtepi32_ps(a) ln_shim_cvtepi32_ps(a)
#undef _mm512_cvtps_epi32
#define _mm512_cvtps_epi32(a) ln_shim_cvtps_epi32(a, 0)
#undef _mm512_cvttps_epi32
#define _mm512_cvttps_epi32(a) ln_shim_cvtps_epi32(a, 1)

/* ---- 256- and 128-bit parts ---- */

LN_SHIM simde__m256 ln_shim_extractf32x8_ps(simde__m512 a, int imm)
{
    ln_shim_ps v = ln_shim_ps_of(a);
    simde__m256 r;
    memcpy(&r, &v.f[(imm & 1) * 8], sizeof r);
    return r;
}
LN_SHIM simde__m512 ln_shim_zext_ps(const void *a, size_t bytes)
{
    ln_shim_ps r;
    memset(&r, 0, sizeof r);
    memcpy(&r, a, bytes);
    return ln_shim_ps_to(r);
}
LN_SHIM simde__m512 ln_shim_zextps256_ps512(simde__m256 a) { return ln_shim_zext_ps(&a, sizeof a); }
LN_SHIM simde__m512 ln_shim_zextps128_ps512(simde__m128 a) { return ln_shim_zext_ps(&a, sizeof a); }
#undef _mm512_extractf32x8_ps
#define _mm512_extractf32x8_ps(a, imm) ln_shim_extractf32x8_ps(a, imm)
#undef _mm512_zextps256_ps512
#define _mm512_zextps256_ps512(a) ln_shim_zextps256_ps512(a)
#undef _mm512_zextps128_ps512
#define _mm512_zextps128_ps512(a) ln_shim_zextps128_ps512(a)
#undef _mm512_undefined_ps
#define _mm512_undefined_ps() simde_mm512_setzero_ps()

/* ---- integer shifts ---- */

LN_SHIM simde__m512i ln_shim_srai_epi32(simde__m512i a, unsigned imm)
{
    ln_shim_si v = ln_shim_si_of(a), r;
    for (int i = 0; i < 16; i++) r.i[i] = imm > 31 ? (v.i[i] < 0 ? -1 : 0) : v.i[i] >> imm;
    return ln_shim_si_to(r);
}
#undef _mm512_srai_epi32
#define _mm512_srai_epi32(a, imm) ln_shim_srai_epi32(a, (unsigned)(imm))

/* ---- masked FMA forms: fused, one rounding (fmaf) ---- */

/* neg 1: -(a*b); sub 1: - c; lanes outside k keep a (keep 1: the mask_
 * forms), c (keep 2: mask3_) or become 0 (keep 0: maskz_) */
LN_SHIM simde__m512 ln_shim_fma(int neg, int sub, simde__m512 a, simde__m512 b, simde__m512 c, simde__mmask16 k,
                                int keep)
{
    ln_shim_ps x = ln_shim_ps_of(a), y = ln_shim_ps_of(b), z = ln_shim_ps_of(c), r;
    for (int i = 0; i < 16; i++)
        r.f[i] = (k >> i) & 1 ? fmaf(neg ? -x.f[i] : x.f[i], y.f[i], sub ? -z.f[i] : z.f[i])
                 : keep == 1  ? x.f[i]
                 : keep == 2  ? z.f[i]
                              : 0.0f;
    return ln_shim_ps_to(r);
}
#undef _mm512_mask3_fmadd_ps
#define _mm512_mask3_fmadd_ps(a, b, c, k) ln_shim_fma(0, 0, a, b, c, k, 2)
#undef _mm512_mask_fnmadd_ps
#define _mm512_mask_fnmadd_ps(a, k, b, c) ln_shim_fma(1, 0, a, b, c, k, 1)
#undef _mm512_maskz_fnmadd_ps
#define _mm512_maskz_fnmadd_ps(k, a, b, c) ln_shim_fma(1, 0, a, b, c, k, 0)
#undef _mm512_mask3_fnmadd_ps
#define _mm512_mask3_fnmadd_ps(a, b, c, k) ln_shim_fma(1, 0, a, b, c, k, 2)
#undef _mm512_mask_fmsub_ps
#define _mm512_mask_fmsub_ps(a, k, b, c) ln_shim_fma(0, 1, a, b, c, k, 1)
#undef _mm512_maskz_fmsub_ps
#define _mm512_maskz_fmsub_ps(k, a, b, c) ln_shim_fma(0, 1, a, b, c, k, 0)
#undef _mm512_mask3_fmsub_ps
#define _mm512_mask3_fmsub_ps(a, b, c, k) ln_shim_fma(0, 1, a, b, c, k, 2)
#undef _mm512_mask_fnmsub_ps
#define _mm512_mask_fnmsub_ps(a, k, b, c) ln_shim_fma(1, 1, a, b, c, k, 1)
#undef _mm512_maskz_fnmsub_ps
#define _mm512_maskz_fnmsub_ps(k, a, b, c) ln_shim_fma(1, 1, a, b, c, k, 0)

/* ---- compares to a mask ---- */

#undef _mm512_cmpneq_ps_mask
#define _mm512_cmpneq_ps_mask(a, b) simde_mm512_cmp_ps_mask(a, b, SIMDE_CMP_NEQ_UQ)
#undef _mm512_cmple_ps_mask
#define _mm512_cmple_ps_mask(a, b) simde_mm512_cmp_ps_mask(a, b, SIMDE_CMP_LE_OS)
#undef _mm512_cmpnlt_ps_mask
#define _mm512_cmpnlt_ps_mask(a, b) simde_mm512_cmp_ps_mask(a, b, SIMDE_CMP_NLT_US)
#undef _mm512_cmpnle_ps_mask
#define _mm512_cmpnle_ps_mask(a, b) simde_mm512_cmp_ps_mask(a, b, SIMDE_CMP_NLE_US)
#undef _mm512_cmpord_ps_mask
#define _mm512_cmpord_ps_mask(a, b) simde_mm512_cmp_ps_mask(a, b, SIMDE_CMP_ORD_Q)
#undef _mm512_cmpunord_ps_mask
#define _mm512_cmpunord_ps_mask(a, b) simde_mm512_cmp_ps_mask(a, b, SIMDE_CMP_UNORD_Q)
#undef _mm512_mask_cmp_ps_mask
#define _mm512_mask_cmp_ps_mask(k, a, b, imm) ln_shim_mask16((k) & simde_mm512_cmp_ps_mask(a, b, imm))

/* imm: _MM_CMPINT_EQ 0, LT 1, LE 2, FALSE 3, NE 4, NLT 5, NLE 6, TRUE 7 */
LN_SHIM simde__mmask16 ln_shim_cmp_epi32(simde__m512i a, simde__m512i b, int imm)
{
    ln_shim_si x = ln_shim_si_of(a), y = ln_shim_si_of(b);
    unsigned r = 0;
    for (int i = 0; i < 16; i++) {
        int32_t p = x.i[i], q = y.i[i];
        int t[8] = {p == q, p < q, p <= q, 0, p != q, p >= q, p > q, 1};
        r |= (unsigned)t[imm & 7] << i;
    }
    return (simde__mmask16)r;
}
#undef _mm512_cmp_epi32_mask
#define _mm512_cmp_epi32_mask(a, b, imm) ln_shim_cmp_epi32(a, b, imm)
#undef _mm512_cmplt_epi32_mask
#define _mm512_cmplt_epi32_mask(a, b) ln_shim_cmp_epi32(a, b, 1)
#undef _mm512_cmpneq_epi32_mask
#define _mm512_cmpneq_epi32_mask(a, b) ln_shim_cmp_epi32(a, b, 4)

/* ---- permutes, gathers ---- */

LN_SHIM simde__m512 ln_shim_permutevar_ps(simde__m512 a, simde__m512i c)
{
    ln_shim_ps v = ln_shim_ps_of(a), r;
    ln_shim_si idx = ln_shim_si_of(c);
    for (int i = 0; i < 16; i++) r.f[i] = v.f[(i & ~3) + (idx.i[i] & 3)];
    return ln_shim_ps_to(r);
}
#undef _mm512_permutevar_ps
#define _mm512_permutevar_ps(a, c) ln_shim_permutevar_ps(a, c)
#undef _mm512_permute_ps
#define _mm512_permute_ps(a, imm)                                                                  \
    ln_shim_permutevar_ps(a, simde_mm512_set4_epi32(((imm) >> 6) & 3, ((imm) >> 4) & 3, ((imm) >> 2) & 3, (imm) & 3))

LN_SHIM simde__m512 ln_shim_movedup_ps(simde__m512 a, int odd)
{
    ln_shim_ps v = ln_shim_ps_of(a), r;
    for (int i = 0; i < 16; i++) r.f[i] = v.f[(i & ~1) + odd];
    return ln_shim_ps_to(r);
}
#undef _mm512_moveldup_ps
#define _mm512_moveldup_ps(a) ln_shim_movedup_ps(a, 0)
#undef _mm512_movehdup_ps
#define _mm512_movehdup_ps(a) ln_shim_movedup_ps(a, 1)

LN_SHIM simde__m512 ln_shim_shuffle_f32x4(simde__m512 a, simde__m512 b, int imm)
{
    ln_shim_ps x = ln_shim_ps_of(a), y = ln_shim_ps_of(b), r;
    for (int q = 0; q < 4; q++) memcpy(&r.f[q * 4], &(q < 2 ? &x : &y)->f[((imm >> (2 * q)) & 3) * 4], 4 * sizeof(float));
    return ln_shim_ps_to(r);
}
#undef _mm512_shuffle_f32x4
#define _mm512_shuffle_f32x4(a, b, imm) ln_shim_shuffle_f32x4(a, b, imm)

/* reads only the lanes of the mask (every lane unmasked) */
LN_SHIM simde__m512 ln_shim_i32gather_ps(simde__m512 src, simde__mmask16 k, simde__m512i idx, const void *base,
                                         int scale)
{
    ln_shim_ps r = ln_shim_ps_of(src);
    ln_shim_si ix = ln_shim_si_of(idx);
    for (int i = 0; i < 16; i++)
        if ((k >> i) & 1) memcpy(&r.f[i], (const char *)base + (ptrdiff_t)ix.i[i] * scale, sizeof(float));
    return ln_shim_ps_to(r);
}
#undef _mm512_i32gather_ps
#define _mm512_i32gather_ps(idx, base, scale) ln_shim_i32gather_ps(simde_mm512_setzero_ps(), 0xffff, idx, base, scale)
#undef _mm512_mask_i32gather_ps
#define _mm512_mask_i32gather_ps(src, k, idx, base, scale) ln_shim_i32gather_ps(src, k, idx, base, scale)

/* ---- approximations (exact here) ---- */

LN_SHIM simde__m512 ln_shim_rcp(simde__m512 a, int rsqrt)
{
    ln_shim_ps v = ln_shim_ps_of(a), r;
    for (int i = 0; i < 16; i++) r.f[i] = rsqrt ? 1.0f / sqrtf(v.f[i]) : 1.0f / v.f[i];
    return ln_shim_ps_to(r);
}
#undef _mm512_rcp14_ps
#define _mm512_rcp14_ps(a) ln_shim_rcp(a, 0)
#undef _mm512_rsqrt14_ps
#define _mm512_rsqrt14_ps(a) ln_shim_rcp(a, 1)

#endif
