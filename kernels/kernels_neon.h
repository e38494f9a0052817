/* NEON (AArch64 Advanced SIMD) kernels, files *_neon.c. Advanced SIMD is
 * part of the AArch64 baseline, so they need no extra compiler flags. */
#ifndef LN_KERNELS_NEON_H
#define LN_KERNELS_NEON_H
#include "kernels.h"

/* convolution and dense (matrix products, on the packed GEMM of gemm_neon.h) */
size_t ln_conv2d_scratch_neon(const ln_conv_shape *s);
void ln_conv2d_fwd_neon(const ln_conv_shape *s, const float *x, const float *w, const float *b, float *y,
                        float *scratch);
void ln_conv2d_bwd_data_neon(const ln_conv_shape *s, const float *dy, const float *w, float *dx,
                             float *scratch);
void ln_conv2d_bwd_weights_neon(const ln_conv_shape *s, const float *x, const float *dy, float *dw, float *db,
                                float *scratch);
void ln_dense_fwd_neon(int n, int in, int out, const float *x, const float *w, const float *b, float *y);
void ln_dense_bwd_data_neon(int n, int in, int out, const float *dy, const float *w, float *dx);
void ln_dense_bwd_weights_neon(int n, int in, int out, const float *x, const float *dy, float *dw, float *db);

/* pooling, activations, softmax */
void ln_avgpool2_fwd_neon(const ln_pool_shape *s, const float *x, float *y);
void ln_avgpool2_bwd_neon(const ln_pool_shape *s, const float *x, const float *y, const float *dy, float *dx);
void ln_maxpool2_fwd_neon(const ln_pool_shape *s, const float *x, float *y);
void ln_maxpool2_bwd_neon(const ln_pool_shape *s, const float *x, const float *y, const float *dy, float *dx);
void ln_tanh_fwd_neon(size_t len, const float *x, float *y);
void ln_tanh_bwd_neon(size_t len, const float *y, const float *dy, float *dx);
void ln_relu_fwd_neon(size_t len, const float *x, float *y);
void ln_relu_bwd_neon(size_t len, const float *x, const float *dy, float *dx);
double ln_softmax_xent_neon(int n, int classes, const float *logits, const uint8_t *labels, float scale,
                            float *probs, float *dlogits);
void ln_sgd_neon(size_t len, float *w, float *v, const float *g, const ln_sgd *o);
void ln_stanh_fwd_neon(size_t len, const float *x, float *y);
void ln_stanh_bwd_neon(size_t len, const float *y, const float *dy, float *dx);
void ln_sigmoid_fwd_neon(size_t len, const float *x, float *y);
void ln_sigmoid_bwd_neon(size_t len, const float *y, const float *dy, float *dx);
void ln_chan_affine_neon(int n, int c, int hw, float mult, const float *x, const float *s, const float *b, float *y);
void ln_chan_affine_params_neon(int n, int c, int hw, float mult, const float *x, const float *dy, float *ds, float *db);
double ln_rbf_neon(int n, int in, int out, const float *x, const float *w, const uint8_t *labels, float map_j,
                   float scale, float *scores, float *dx);

#endif
