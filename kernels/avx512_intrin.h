/* The AVX-512 intrinsics for the kernels/<op>_avx512.c files: the compiler's own, or,
 * in the test-only emulated build (LN_AVX512_SIMDE), SIMDe's portable
 * versions plus the few Debian's SIMDe lacks (tests/simde/). */
#ifndef LN_AVX512_INTRIN_H
#define LN_AVX512_INTRIN_H
#if defined(LN_AVX512_SIMDE)
#include "avx512_simde_shim.h"
#else
#include <immintrin.h>
#endif
#endif
