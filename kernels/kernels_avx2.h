/* AVX2+FMA kernels (files *_avx2.c, built with -mavx2 -mfma). */
#ifndef LN_KERNELS_AVX2_H
#define LN_KERNELS_AVX2_H
#include "kernels.h"

LN_DECLARE_KERNELS(avx2)

#endif
