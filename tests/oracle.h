/* Double-precision reference ("oracle") for the kernels and the network.
 *
 * Written straight from the definitions in kernels/kernels.h with direct
 * nested loops (no im2col, no GEMM, no blocking), so it shares neither code
 * nor structure with what it checks. Shapes and layouts are the kernels'
 * (NCHW; dense weights [out][in]); every array is double. Kernels that
 * accumulate in the library accumulate here too (marked "+="). */
#ifndef LN_TEST_ORACLE_H
#define LN_TEST_ORACLE_H
#include <stddef.h>
#include <stdint.h>

#include "kernels.h"
#include "nn/net.h"

/* y = conv(x, w) + b  (stride 1, zero padding s->pad_h/pad_w) */
void or_conv2d_fwd(const ln_conv_shape *s, const double *x, const double *w, const double *b,
                   double *y);
/* dx = d(sum dy*y)/dx  (overwrites dx) */
void or_conv2d_bwd_data(const ln_conv_shape *s, const double *dy, const double *w, double *dx);
/* dw += d(sum dy*y)/dw, db += sum dy */
void or_conv2d_bwd_weights(const ln_conv_shape *s, const double *x, const double *dy, double *dw,
                           double *db);

/* 2x2 stride-2 pooling over `planes` planes of h x w (odd edge dropped).
 * Max pooling sends the gradient to the first maximum in row-major order. */
void or_avgpool2_fwd(int planes, int h, int w, const double *x, double *y);
void or_avgpool2_bwd(int planes, int h, int w, const double *dy, double *dx);
void or_maxpool2_fwd(int planes, int h, int w, const double *x, double *y);
void or_maxpool2_bwd(int planes, int h, int w, const double *x, const double *dy, double *dx);

/* y[n][out] = x[n][in] w^T + b;  dx = dy w;  dw += dy^T x, db += sum_n dy */
void or_dense_fwd(int n, int in, int out, const double *x, const double *w, const double *b,
                  double *y);
void or_dense_bwd_data(int n, int in, int out, const double *dy, const double *w, double *dx);
void or_dense_bwd_weights(int n, int in, int out, const double *x, const double *dy, double *dw,
                          double *db);

void or_tanh_fwd(size_t len, const double *x, double *y);
void or_tanh_bwd(size_t len, const double *y, const double *dy, double *dx); /* y: tanh output */
void or_stanh_fwd(size_t len, const double *x, double *y);  /* 1.7159 tanh(2x/3) */
void or_stanh_bwd(size_t len, const double *y, const double *dy, double *dx);
void or_sigmoid_fwd(size_t len, const double *x, double *y);
void or_sigmoid_bwd(size_t len, const double *y, const double *dy, double *dx);
void or_relu_fwd(size_t len, const double *x, double *y);
void or_relu_bwd(size_t len, const double *x, const double *dy, double *dx); /* x: relu input */

/* Softmax + cross-entropy of n rows: probs; dlogits = (probs - onehot) *
 * scale when dlogits and labels are non-NULL; returns the summed loss
 * (0 when labels is NULL). */
double or_softmax_xent(int n, int classes, const double *logits, const uint8_t *labels,
                       double scale, double *probs, double *dlogits);

/* Mean cross-entropy of n samples x ([n][in_c][in_h][in_w]) through net,
 * with the parameters `params` (laid out as net->params) in double. NaN if
 * the net has a layer the oracle does not model (resize). */
double or_net_loss(const ln_net *net, const double *params, const float *x, const uint8_t *labels,
                   int n);
/* The same with float parameters (converted exactly). */
double or_net_loss_f(const ln_net *net, const float *params, const float *x, const uint8_t *labels,
                     int n);

#endif
