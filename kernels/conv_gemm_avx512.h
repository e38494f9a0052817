/* A forward-shaped stride-1 convolution as a register-blocked GEMM for the
 * AVX-512 kernels: y[n][M][OH][OW] = conv(x[n][C][H][W], A) (+ b), M =
 * s->oc, over the flat interleaved planes of conv_pack_avx512.h (GEMM N =
 * the output positions of a group of G samples, 16 lanes a vector, no
 * im2col). conv2d_fwd runs it on the layer's shape, conv2d_bwd_data on
 * the transposed problem. The tile (MR channels x NV vectors) comes from
 * a cost model of the shape; the scratch does not depend on n. */
#ifndef LN_CONV_GEMM_AVX512_H
#define LN_CONV_GEMM_AVX512_H
#include "kernels.h"

typedef struct ln_cgemm512_plan {
    int variant, mr, nv, gmax; /* tile; samples interleaved, at most */
    size_t a_len, off_len; /* packed strips, tap offsets (floats) */
} ln_cgemm512_plan;

void ln_cgemm512_plan_avx512(const ln_conv_shape *s, ln_cgemm512_plan *p);
/* Floats of scratch for any n and any plan (the strips come first). */
size_t ln_cgemm512_scratch_avx512(const ln_conv_shape *s);
/* Where the caller packs the weights (ln_pack_strips_avx512 with mr). */
static inline float *ln_cgemm512_strips_avx512(float *scratch) { return scratch; }
/* x: [n][C][H][W], b: [M] or NULL (zero), y: [n][M][OH][OW] (overwritten). */
void ln_cgemm512_run_avx512(const ln_cgemm512_plan *p, const ln_conv_shape *s, const float *x, const float *b,
                            float *y, float *scratch);

/* The transposed shape of the data gradient (dy as input, dx as output,
 * padding k-1-pad); and the scratch of the weight gradient. */
ln_conv_shape ln_conv_bwd_data_shape_avx512(const ln_conv_shape *s);
size_t ln_conv_bwd_weights_scratch_avx512(const ln_conv_shape *s);

#endif
