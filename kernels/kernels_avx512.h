/* AVX-512 kernels (files *_avx512.c, built with -mavx512f -mavx512bw
 * -mavx512dq -mavx512vl -mfma; or, for the test-only emulated table,
 * against SIMDe: include avx512_intrin.h, not immintrin.h). */
#ifndef LN_KERNELS_AVX512_H
#define LN_KERNELS_AVX512_H
#include "kernels.h"

LN_DECLARE_KERNELS(avx512)

#endif
