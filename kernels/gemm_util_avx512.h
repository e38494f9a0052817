/* Small AVX-512 helpers of the convolution kernels: forced inlining, the
 * register barrier, integers kept in float scratch, and the 64-float
 * transposer that moves between sample-interleaved vectors ([P][G]: P
 * positions of G samples, sample fastest) and per-sample rows ([G][P]).
 * Include only from files built with the avx512 flags. */
#ifndef LN_GEMM_UTIL_AVX512_H
#define LN_GEMM_UTIL_AVX512_H
#include <stdint.h>
#include <string.h>

#include "avx512_intrin.h"

/* Micro-kernels take compile-time tile sizes and are expanded at each
 * call site, so their loops unroll and their accumulators stay in
 * registers. */
#define LN_AVX512_INLINE static inline __attribute__((always_inline))

/* Keeps a loaded vector in a register (GCC may otherwise fold the load
 * into every FMA that uses it); nothing in the emulated build. */
#if defined(LN_AVX512_SIMDE)
#define LN_IN_ZMM(v) ((void)0)
#else
#define LN_IN_ZMM(v) __asm__("" : "+v"(v))
#endif

LN_AVX512_INLINE int32_t ln_geti_avx512(const float *p)
{
    int32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

LN_AVX512_INLINE void ln_puti_avx512(float *p, int32_t v) { memcpy(p, &v, sizeof v); }

/* Lanes [0, cnt) of a 16-lane mask (cnt clamped to 0..16). */
LN_AVX512_INLINE __mmask16 ln_mask16(int cnt)
{
    return cnt >= 16 ? (__mmask16)0xFFFF : cnt <= 0 ? (__mmask16)0 : (__mmask16)((1u << cnt) - 1u);
}

/* Sums of 16 vectors: lane 4*(i%4) + i/4 holds the sum of a[i]'s lanes
 * (a shuffle tree, 15 adds and 30 shuffles, instead of 16 reductions). */
LN_AVX512_INLINE __m512 ln_hsum16_avx512(const __m512 *a)
{
    __m512 s[8], u[4], x[2];
#pragma GCC unroll 8
    for (int p = 0; p < 8; p++)
        s[p] = _mm512_add_ps(_mm512_shuffle_f32x4(a[2 * p], a[2 * p + 1], 0x44),
                             _mm512_shuffle_f32x4(a[2 * p], a[2 * p + 1], 0xEE));
#pragma GCC unroll 4
    for (int q = 0; q < 4; q++)
        u[q] = _mm512_add_ps(_mm512_shuffle_f32x4(s[2 * q], s[2 * q + 1], 0x88),
                             _mm512_shuffle_f32x4(s[2 * q], s[2 * q + 1], 0xDD));
#pragma GCC unroll 2
    for (int h = 0; h < 2; h++)
        x[h] = _mm512_add_ps(_mm512_shuffle_ps(u[2 * h], u[2 * h + 1], 0x44),
                             _mm512_shuffle_ps(u[2 * h], u[2 * h + 1], 0xEE));
    return _mm512_add_ps(_mm512_shuffle_ps(x[0], x[1], 0x88), _mm512_shuffle_ps(x[0], x[1], 0xDD));
}

/* A permutation of 64 floats held in four vectors, as two levels of
 * two-source permutes: t0,t1 from (a0,a1), t2,t3 from (a2,a3); then
 * o0,o1 from (t0,t2), o2,o3 from (t1,t3). It exists when exactly 16 of
 * a0,a1's elements go to o0,o1 — true of the [P][G] <-> [G][P]
 * transposes for G = 2..32. */
typedef struct ln_tr512 {
    int32_t i[4][16], j[4][16];
} ln_tr512;

/* dest[e]: where element e (vector e/16, lane e%16) goes. Returns 0 when
 * the two-level network cannot do it. */
static inline int ln_tr512_make(const int *dest, ln_tr512 *t)
{
    int src[64], where[64], cnt[4] = {0, 0, 0, 0};
    for (int e = 0; e < 64; e++) src[dest[e]] = e;
    for (int o = 0; o < 64; o++) {
        int e = src[o], T = (e >= 32) * 2 + (o >= 32);
        if (cnt[T] >= 16) return 0;
        where[e] = T * 16 + cnt[T];
        t->i[T][cnt[T]++] = e & 31;
    }
    for (int o = 0; o < 64; o++) {
        int w = where[src[o]];
        t->j[o / 16][o % 16] = (w % 16) + ((w / 16) >= 2 ? 16 : 0);
    }
    return 1;
}

/* [P][G] -> [G][P] (dir 0) or [G][P] -> [P][G] (dir 1), P = 64/G. */
static inline int ln_tr512_transpose(int G, int dir, ln_tr512 *t)
{
    int dest[64], P = 64 / G;
    for (int p = 0; p < P; p++)
        for (int g = 0; g < G; g++) {
            if (dir == 0) dest[p * G + g] = g * P + p;
            else dest[g * P + p] = p * G + g;
        }
    return ln_tr512_make(dest, t);
}

LN_AVX512_INLINE void ln_tr512_apply(const ln_tr512 *t, const __m512 *a, __m512 *o)
{
    __m512 t0 = _mm512_permutex2var_ps(a[0], _mm512_loadu_si512(t->i[0]), a[1]);
    __m512 t1 = _mm512_permutex2var_ps(a[0], _mm512_loadu_si512(t->i[1]), a[1]);
    __m512 t2 = _mm512_permutex2var_ps(a[2], _mm512_loadu_si512(t->i[2]), a[3]);
    __m512 t3 = _mm512_permutex2var_ps(a[2], _mm512_loadu_si512(t->i[3]), a[3]);
    o[0] = _mm512_permutex2var_ps(t0, _mm512_loadu_si512(t->j[0]), t2);
    o[1] = _mm512_permutex2var_ps(t0, _mm512_loadu_si512(t->j[1]), t2);
    o[2] = _mm512_permutex2var_ps(t1, _mm512_loadu_si512(t->j[2]), t3);
    o[3] = _mm512_permutex2var_ps(t1, _mm512_loadu_si512(t->j[3]), t3);
}

/* Stores floats [0, cnt) of row g of a [G][P] block held in o[4]
 * (P = 64/G; G = 1 means o is one row of 64) at dst. */
LN_AVX512_INLINE void ln_store_row_avx512(const __m512 *o, int G, int g, float *dst, int cnt)
{
    if (cnt <= 0) return;
    if (G == 8) {
        __m512 v = o[g >> 1];
        __m256 h = (g & 1) ? _mm512_extractf32x8_ps(v, 1) : _mm512_castps512_ps256(v);
        _mm256_mask_storeu_ps(dst, (__mmask8)(cnt >= 8 ? 0xFF : (1u << cnt) - 1u), h);
    } else if (G == 4) {
        _mm512_mask_storeu_ps(dst, ln_mask16(cnt), o[g]);
    } else if (G == 2) {
        _mm512_mask_storeu_ps(dst, ln_mask16(cnt), o[2 * g]);
        if (cnt > 16) _mm512_mask_storeu_ps(dst + 16, ln_mask16(cnt - 16), o[2 * g + 1]);
    } else {
        for (int k = 0; k < 4 && cnt > 16 * k; k++) _mm512_mask_storeu_ps(dst + 16 * k, ln_mask16(cnt - 16 * k), o[k]);
    }
}

#endif
