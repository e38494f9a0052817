/* NEON (AArch64 Advanced SIMD) kernels, files *_neon.c. Advanced SIMD is
 * part of the AArch64 baseline, so they need no extra compiler flags. */
#ifndef LN_KERNELS_NEON_H
#define LN_KERNELS_NEON_H
#include "kernels.h"

LN_DECLARE_KERNELS(neon)

#endif
