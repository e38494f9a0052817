/* AVX2+FMA kernels (files *_avx2.c, built with -mavx2 -mfma). */
#ifndef LN_KERNELS_AVX2_H
#define LN_KERNELS_AVX2_H
#include "kernels.h"

/* convolution and dense (matrix products) */
size_t ln_conv2d_scratch_avx2(const ln_conv_shape *s);
void ln_conv2d_fwd_avx2(const ln_conv_shape *s, const float *x, const float *w, const float *b, float *y,
                        float *scratch);
void ln_conv2d_bwd_data_avx2(const ln_conv_shape *s, const float *dy, const float *w, float *dx, float *scratch);
void ln_conv2d_bwd_weights_avx2(const ln_conv_shape *s, const float *x, const float *dy, float *dw, float *db,
                                float *scratch);
void ln_dense_fwd_avx2(int n, int in, int out, const float *x, const float *w, const float *b, float *y);
void ln_dense_bwd_data_avx2(int n, int in, int out, const float *dy, const float *w, float *dx);
void ln_dense_bwd_weights_avx2(int n, int in, int out, const float *x, const float *dy, float *dw, float *db);

/* pooling, activations, softmax */
void ln_avgpool2_fwd_avx2(const ln_pool_shape *s, const float *x, float *y);
void ln_avgpool2_bwd_avx2(const ln_pool_shape *s, const float *x, const float *y, const float *dy,
                          float *dx);
void ln_maxpool2_fwd_avx2(const ln_pool_shape *s, const float *x, float *y);
void ln_maxpool2_bwd_avx2(const ln_pool_shape *s, const float *x, const float *y, const float *dy,
                          float *dx);
void ln_tanh_fwd_avx2(size_t len, const float *x, float *y);
void ln_tanh_bwd_avx2(size_t len, const float *y, const float *dy, float *dx);
void ln_relu_fwd_avx2(size_t len, const float *x, float *y);
void ln_relu_bwd_avx2(size_t len, const float *x, const float *dy, float *dx);
double ln_softmax_xent_avx2(int n, int classes, const float *logits, const uint8_t *labels,
                            float scale, float *probs, float *dlogits);
void ln_sgd_avx2(size_t len, float *w, float *v, const float *g, const ln_sgd *o);
void ln_stanh_fwd_avx2(size_t len, const float *x, float *y);
void ln_stanh_bwd_avx2(size_t len, const float *y, const float *dy, float *dx);
void ln_sigmoid_fwd_avx2(size_t len, const float *x, float *y);
void ln_sigmoid_bwd_avx2(size_t len, const float *y, const float *dy, float *dx);
void ln_chan_affine_avx2(int n, int c, int hw, float mult, const float *x, const float *s, const float *b, float *y);
void ln_chan_affine_params_avx2(int n, int c, int hw, float mult, const float *x, const float *dy, float *ds, float *db);
double ln_rbf_avx2(int n, int in, int out, const float *x, const float *w, const uint8_t *labels, float map_j,
                   float scale, float *scores, float *dx);

#endif
