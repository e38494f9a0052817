/* Small AVX2 helpers shared by the convolution and dense kernels: tail
 * masks, partial loads and stores, horizontal sums, and integers kept in
 * float scratch. Include only from files built with -mavx2 -mfma. */
#ifndef LN_GEMM_UTIL_AVX2_H
#define LN_GEMM_UTIL_AVX2_H
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

/* Micro-kernels are written once with compile-time tile sizes and expanded
 * at each call site, so their loops unroll and their accumulators live in
 * registers. */
#define LN_AVX2_INLINE static inline __attribute__((always_inline))

/* Keeps a loaded vector in a register: without it GCC may fold the load
 * into each FMA that uses the vector, loading it again for every one. */
#define LN_IN_REG(v) __asm__("" : "+x"(v))

/* Lane mask with the first cnt (0..8) lanes set. */
LN_AVX2_INLINE __m256i ln_tail_mask_avx2(int cnt)
{
    static const int32_t bits[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
    return _mm256_loadu_si256((const __m256i *)(bits + 8 - cnt));
}

/* Stores the first cnt lanes of v at p (cnt >= 8 stores all 8, cnt <= 0
 * none). A tail goes out in 4-, 2- and 1-lane pieces: vmaskmovps stores
 * are microcoded on AMD Zen (~15-20 cycles each, measured here). */
LN_AVX2_INLINE void ln_store_n_avx2(float *p, __m256 v, int cnt)
{
    if (cnt >= 8) {
        _mm256_storeu_ps(p, v);
        return;
    }
    if (cnt <= 0) return;
    __m128 h = _mm256_castps256_ps128(v);
    if (cnt & 4) {
        _mm_storeu_ps(p, h);
        h = _mm256_extractf128_ps(v, 1);
        p += 4;
    }
    if (cnt & 2) {
        _mm_storel_pi((__m64 *)p, h);
        h = _mm_movehl_ps(h, h);
        p += 2;
    }
    if (cnt & 1) _mm_store_ss(p, h);
}

/* Loads cnt lanes from p, zero in the others (cnt >= 8 loads all 8, cnt
 * <= 0 none). Masked loads, unlike masked stores, are fast. */
LN_AVX2_INLINE __m256 ln_load_n_avx2(const float *p, int cnt)
{
    if (cnt >= 8) return _mm256_loadu_ps(p);
    return _mm256_maskload_ps(p, ln_tail_mask_avx2(cnt < 0 ? 0 : cnt));
}

/* {sum(a), sum(b), sum(c), sum(d)}: in-lane adds, then one 128-bit fold. */
LN_AVX2_INLINE __m128 ln_hsum4_avx2(__m256 a, __m256 b, __m256 c, __m256 d)
{
    __m256 s = _mm256_hadd_ps(_mm256_hadd_ps(a, b), _mm256_hadd_ps(c, d));
    return _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
}

/* Offset tables live in float scratch; memcpy keeps the type punning
 * defined and compiles to a plain move. */
LN_AVX2_INLINE int32_t ln_get_i32(const float *p)
{
    int32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

LN_AVX2_INLINE void ln_put_i32(float *p, int32_t v) { memcpy(p, &v, sizeof v); }

#endif
