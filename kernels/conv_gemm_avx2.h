/* A forward-shaped stride-1 convolution as a GEMM for the AVX2 kernels:
 * y[n][M][OH][OW] = conv(x[n][C][H][W], A) (+ b), M = s->oc, C = s->ic,
 * with the weights pre-packed into strips. conv2d_fwd runs it on the
 * layer's shape; conv2d_bwd_data on the transposed problem (dy as input,
 * flipped weights, padding k-1-pad). A plan fixes the micro-tile and the
 * method (implicit GEMM over padded planes, its row-reusing form for a
 * single output channel, or im2col blocks that fold the batch into the
 * GEMM's N) from a cost model of the shape and its n; the scratch does
 * not depend on n or on the plan (the engine sizes it with n = 1). */
#ifndef LN_CONV_GEMM_AVX2_H
#define LN_CONV_GEMM_AVX2_H
#include "kernels.h"

typedef struct ln_cgemm_plan {
    int variant;            /* row of the variant table in conv_gemm_avx2.c */
    int mr, tr, tc, gemm;   /* tile: mr channels x tr rows x tc*8 columns; gemm: im2col */
    int nb;                 /* gemm: columns per im2col block */
    int ph, pw, rows;       /* padded planes ph x pw, stored with `rows` rows */
    size_t a_len, off_len, pad_len, col_len; /* scratch parts, floats */
} ln_cgemm_plan;

void ln_cgemm_plan_avx2(const ln_conv_shape *s, ln_cgemm_plan *p);
/* Floats of scratch any plan of s needs, for any n; the packed strips
 * come first. */
size_t ln_cgemm_scratch_avx2(const ln_conv_shape *s);
/* Where the caller packs the weights: [ceil(M/mr)][C*kh*kw][mr]. */
float *ln_cgemm_strips_avx2(float *scratch);
/* x: [n][C][H][W], b: [M] or NULL (zero), y: [n][M][OH][OW] (overwritten). */
void ln_cgemm_run_avx2(const ln_cgemm_plan *p, const ln_conv_shape *s, const float *x, const float *b, float *y,
                       float *scratch);

#endif
