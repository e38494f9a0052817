/* Kernel function types and the dispatch table.
 *
 * Kernels are single-threaded, never allocate, never print: the engine owns
 * memory and OpenMP. Layout is NCHW, float32. A kernel that "accumulates"
 * adds (+=) into its output; every other kernel overwrites it.
 *
 * The scalar table (plain, readable C loops) is complete and is the
 * numerics oracle, not a tuning target;
 * an ISA table starts as a copy of it and overrides what it implements, so
 * a missing kernel never leaves a hole. */
#ifndef LN_KERNELS_H
#define LN_KERNELS_H
#include <stddef.h>
#include <stdint.h>

#include "lenet/lenet.h"

/* Stride-1 2-D convolution (cross-correlation, as PyTorch and Keras).
 * x: [n][ic][ih][iw]  w: [oc][ic][kh][kw]  b: [oc]  y: [n][oc][oh][ow]
 * with oh = ih + 2*pad_h - kh + 1 (likewise ow); zero padding. */
typedef struct ln_conv_shape {
    int n, ic, ih, iw, oc, oh, ow, kh, kw, pad_h, pad_w;
} ln_conv_shape;

/* Floats of scratch the conv kernels of a table need for shape s. */
typedef size_t (*ln_conv2d_scratch_fn)(const ln_conv_shape *s);
/* y = conv(x, w) + b */
typedef void (*ln_conv2d_fwd_fn)(const ln_conv_shape *s, const float *x, const float *w,
                                 const float *b, float *y, float *scratch);
/* dx = conv_transpose(dy, w)            dx: [n][ic][ih][iw] */
typedef void (*ln_conv2d_bwd_data_fn)(const ln_conv_shape *s, const float *dy, const float *w,
                                      float *dx, float *scratch);
/* dw += corr(x, dy), db += sum(dy)      (accumulates) */
typedef void (*ln_conv2d_bwd_weights_fn)(const ln_conv_shape *s, const float *x, const float *dy,
                                         float *dw, float *db, float *scratch);

/* 2x2 stride-2 pooling over [n*c] planes of h x w; output floor(h/2) x
 * floor(w/2); an odd last row/column is dropped (as Keras 'valid').
 * bwd overwrites dx (zero where no window reads). */
typedef struct ln_pool_shape {
    int planes, h, w;
} ln_pool_shape;
typedef void (*ln_pool_fwd_fn)(const ln_pool_shape *s, const float *x, float *y);
typedef void (*ln_pool_bwd_fn)(const ln_pool_shape *s, const float *x, const float *y,
                               const float *dy, float *dx);

/* Dense layer, weights as PyTorch's Linear: w: [out][in], b: [out].
 * fwd: y[n][out] = x[n][in] w^T + b
 * bwd_data: dx[n][in] = dy[n][out] w
 * bwd_weights: dw += dy^T x, db += sum_n dy   (accumulates) */
typedef void (*ln_dense_fwd_fn)(int n, int in, int out, const float *x, const float *w,
                                const float *b, float *y);
typedef void (*ln_dense_bwd_data_fn)(int n, int in, int out, const float *dy, const float *w,
                                     float *dx);
typedef void (*ln_dense_bwd_weights_fn)(int n, int in, int out, const float *x, const float *dy,
                                        float *dw, float *db);

/* Elementwise activations over len floats. bwd takes the forward output y
 * (tanh) or input x (relu), and may run in place (dx == dy). */
typedef void (*ln_act_fwd_fn)(size_t len, const float *x, float *y);
typedef void (*ln_act_bwd_fn)(size_t len, const float *xy, const float *dy, float *dx);

/* Per-channel affine over [n][c] planes of hw floats, the trainable part
 * of LeCun's subsampling (a 2x2 sum times a coefficient plus a bias, per
 * map): y = s[c] * (mult * x) + b[c] (b may be NULL: no bias);
 * params: ds[c] += sum(dy * (mult * x)), db[c] += sum(dy) (accumulate). */
typedef void (*ln_chan_affine_fn)(int n, int c, int hw, float mult, const float *x, const float *s,
                                  const float *b, float *y);
typedef void (*ln_chan_affine_params_fn)(int n, int c, int hw, float mult, const float *x, const float *dy,
                                         float *ds, float *db);

/* Euclidean RBF output and its loss (LeCun et al. 1998): for each of n rows
 * of `in` values, y_i = sum_j (x_j - w[i][j])^2 for the `out` prototypes
 * w; scores = -y (so the largest score is the prediction). With labels,
 * returns the summed loss: y_label, or with map_j >= 0 the MAP criterion
 * y_label + log(exp(-map_j) + sum_i exp(-y_i)); and if dx, writes
 * dx_j = scale * sum_i g_i * 2 (x_j - w[i][j]) with g_i = dloss/dy_i. */
typedef double (*ln_rbf_fn)(int n, int in, int out, const float *x, const float *w, const uint8_t *labels,
                            float map_j, float scale, float *scores, float *dx);

/* The scaled tanh of LeCun et al. 1998: f(a) = A tanh(S a). Its backward
 * is dx = dy * (A*S - (S/A) * (y*y)) in that order of operations. */
#define LN_STANH_A 1.7159f
#define LN_STANH_S (2.0f / 3.0f)
#define LN_STANH_AS (LN_STANH_A * LN_STANH_S)
#define LN_STANH_SA (LN_STANH_S / LN_STANH_A)

/* Softmax + cross-entropy over n rows of `classes` logits.
 * probs: [n][classes]; dlogits = (probs - onehot(label)) * scale;
 * returns the summed (not averaged) loss of the n rows, in double. */
typedef double (*ln_softmax_xent_fn)(int n, int classes, const float *logits,
                                     const uint8_t *labels, float scale, float *probs,
                                     float *dlogits);

/* One SGD step over len parameters with PyTorch's rules, weight decay
 * folded into the gradient: g' = g + wd*w; with momentum mu != 0,
 * v = mu*v + g' and the step is v (or g' + mu*v with Nesterov); w -= lr *
 * step. v is untouched when mu == 0. The vector versions round each
 * multiply and add separately (no fused multiply-add), as the scalar loop
 * does where the compiler keeps its roundings. */
typedef struct ln_sgd {
    float lr, momentum, weight_decay;
    int nesterov;
} ln_sgd;
typedef void (*ln_sgd_fn)(size_t len, float *w, float *v, const float *g, const ln_sgd *o);

typedef struct ln_kernels {
    const char *isa; /* "scalar", "avx2", "neon" */
    ln_conv2d_scratch_fn conv2d_scratch;
    ln_conv2d_fwd_fn conv2d_fwd;
    ln_conv2d_bwd_data_fn conv2d_bwd_data;
    ln_conv2d_bwd_weights_fn conv2d_bwd_weights;
    ln_pool_fwd_fn avgpool2_fwd;
    ln_pool_bwd_fn avgpool2_bwd;
    ln_pool_fwd_fn maxpool2_fwd;
    ln_pool_bwd_fn maxpool2_bwd;
    ln_dense_fwd_fn dense_fwd;
    ln_dense_bwd_data_fn dense_bwd_data;
    ln_dense_bwd_weights_fn dense_bwd_weights;
    ln_act_fwd_fn tanh_fwd;
    ln_act_bwd_fn tanh_bwd;
    ln_act_fwd_fn relu_fwd;
    ln_act_bwd_fn relu_bwd;
    ln_act_fwd_fn stanh_fwd;   /* LeCun's squashing 1.7159 tanh(2x/3); bwd takes y */
    ln_act_bwd_fn stanh_bwd;
    ln_act_fwd_fn sigmoid_fwd; /* 1 / (1 + exp(-x)); bwd takes y */
    ln_act_bwd_fn sigmoid_bwd;
    ln_chan_affine_fn chan_affine;
    ln_chan_affine_params_fn chan_affine_params;
    ln_rbf_fn rbf;
    ln_softmax_xent_fn softmax_xent;
    ln_sgd_fn sgd;
} ln_kernels;

/* CPU features, detected once (kernels/cpu.c, built without ISA flags). */
typedef struct ln_cpu_info {
    char brand[64];
    int avx2, fma, avx512f, neon;
    int os_ymm; /* OS saves YMM state (XGETBV) */
} ln_cpu_info;
const ln_cpu_info *ln_cpu(void);

/* "auto" | "scalar" | "avx2" | "neon"; NULL means $LENET_KERNELS or auto.
 * Asking for an ISA this CPU or build lacks is LN_ERR_UNSUPPORTED. */
ln_status ln_kernels_select(const char *want, const ln_kernels **out);
const ln_kernels *ln_kernels_scalar(void);
/* Names of the tables this build has, NULL-terminated. */
const char *const *ln_kernels_built(void);

#endif
