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

#include "lenet/status.h"

/* Stride-1 2-D convolution (cross-correlation, as PyTorch and Keras).
 * x: [n][ic][ih][iw]  w: [oc][ic][kh][kw]  b: [oc]  y: [n][oc][oh][ow]
 * with oh = ih + 2*pad_h - kh + 1 (likewise ow); zero padding. */
typedef struct ln_conv_shape {
    int n, ic, ih, iw, oc, oh, ow, kh, kw, pad_h, pad_w;
} ln_conv_shape;

/* Floats of scratch the conv kernels of a table need for shape s. */
typedef size_t ln_conv2d_scratch_kernel(const ln_conv_shape *s);
typedef ln_conv2d_scratch_kernel *ln_conv2d_scratch_fn;
/* y = conv(x, w) + b */
typedef void ln_conv2d_fwd_kernel(const ln_conv_shape *s, const float *x, const float *w,
                                 const float *b, float *y, float *scratch);
typedef ln_conv2d_fwd_kernel *ln_conv2d_fwd_fn;
/* dx = conv_transpose(dy, w)            dx: [n][ic][ih][iw] */
typedef void ln_conv2d_bwd_data_kernel(const ln_conv_shape *s, const float *dy, const float *w,
                                      float *dx, float *scratch);
typedef ln_conv2d_bwd_data_kernel *ln_conv2d_bwd_data_fn;
/* dw += corr(x, dy), db += sum(dy)      (accumulates) */
typedef void ln_conv2d_bwd_weights_kernel(const ln_conv_shape *s, const float *x, const float *dy,
                                         float *dw, float *db, float *scratch);
typedef ln_conv2d_bwd_weights_kernel *ln_conv2d_bwd_weights_fn;

/* 2x2 stride-2 pooling over [n*c] planes of h x w; output floor(h/2) x
 * floor(w/2); an odd last row/column is dropped (as Keras 'valid').
 * bwd overwrites dx (zero where no window reads). */
typedef struct ln_pool_shape {
    int planes, h, w;
} ln_pool_shape;
typedef void ln_pool_fwd_kernel(const ln_pool_shape *s, const float *x, float *y);
typedef ln_pool_fwd_kernel *ln_pool_fwd_fn;
typedef void ln_pool_bwd_kernel(const ln_pool_shape *s, const float *x, const float *y,
                               const float *dy, float *dx);
typedef ln_pool_bwd_kernel *ln_pool_bwd_fn;

/* Dense layer, weights as PyTorch's Linear: w: [out][in], b: [out].
 * fwd: y[n][out] = x[n][in] w^T + b
 * bwd_data: dx[n][in] = dy[n][out] w
 * bwd_weights: dw += dy^T x, db += sum_n dy   (accumulates) */
typedef void ln_dense_fwd_kernel(int n, int in, int out, const float *x, const float *w,
                                const float *b, float *y);
typedef ln_dense_fwd_kernel *ln_dense_fwd_fn;
typedef void ln_dense_bwd_data_kernel(int n, int in, int out, const float *dy, const float *w,
                                     float *dx);
typedef ln_dense_bwd_data_kernel *ln_dense_bwd_data_fn;
typedef void ln_dense_bwd_weights_kernel(int n, int in, int out, const float *x, const float *dy,
                                        float *dw, float *db);
typedef ln_dense_bwd_weights_kernel *ln_dense_bwd_weights_fn;

/* Elementwise activations over len floats. bwd takes the forward output y
 * (tanh) or input x (relu), and may run in place (dx == dy). */
typedef void ln_act_fwd_kernel(size_t len, const float *x, float *y);
typedef ln_act_fwd_kernel *ln_act_fwd_fn;
typedef void ln_act_bwd_kernel(size_t len, const float *xy, const float *dy, float *dx);
typedef ln_act_bwd_kernel *ln_act_bwd_fn;

/* Per-channel affine over [n][c] planes of hw floats, the trainable part
 * of LeCun's subsampling (a 2x2 sum times a coefficient plus a bias, per
 * map): y = s[c] * (mult * x) + b[c] (b may be NULL: no bias);
 * params: ds[c] += sum(dy * (mult * x)), db[c] += sum(dy) (accumulate). */
typedef void ln_chan_affine_kernel(int n, int c, int hw, float mult, const float *x, const float *s,
                                  const float *b, float *y);
typedef ln_chan_affine_kernel *ln_chan_affine_fn;
typedef void ln_chan_affine_params_kernel(int n, int c, int hw, float mult, const float *x, const float *dy,
                                         float *ds, float *db);
typedef ln_chan_affine_params_kernel *ln_chan_affine_params_fn;

/* Euclidean RBF output and its loss (LeCun et al. 1998): for each of n rows
 * of `in` values, y_i = sum_j (x_j - w[i][j])^2 for the `out` prototypes
 * w; scores = -y (so the largest score is the prediction). With labels,
 * returns the summed loss: y_label, or with map_j >= 0 the MAP criterion
 * y_label + log(exp(-map_j) + sum_i exp(-y_i)); and if dx, writes
 * dx_j = scale * sum_i g_i * 2 (x_j - w[i][j]) with g_i = dloss/dy_i. */
typedef double ln_rbf_kernel(int n, int in, int out, const float *x, const float *w, const uint8_t *labels,
                            float map_j, float scale, float *scores, float *dx);
typedef ln_rbf_kernel *ln_rbf_fn;

/* The scaled tanh of LeCun et al. 1998: f(a) = A tanh(S a). Its backward
 * is dx = dy * (A*S - (S/A) * (y*y)) in that order of operations. */
#define LN_STANH_A 1.7159f
#define LN_STANH_S (2.0f / 3.0f)
#define LN_STANH_AS (LN_STANH_A * LN_STANH_S)
#define LN_STANH_SA (LN_STANH_S / LN_STANH_A)

/* Softmax + cross-entropy over n rows of `classes` logits.
 * probs: [n][classes]; dlogits = (probs - onehot(label)) * scale;
 * returns the summed (not averaged) loss of the n rows, in double. */
typedef double ln_softmax_xent_kernel(int n, int classes, const float *logits,
                                     const uint8_t *labels, float scale, float *probs,
                                     float *dlogits);
typedef ln_softmax_xent_kernel *ln_softmax_xent_fn;

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
typedef void ln_sgd_kernel(size_t len, float *w, float *v, const float *g, const ln_sgd *o);
typedef ln_sgd_kernel *ln_sgd_fn;

#include "kernel_list.h"

/* ln_<name>_kernel_t: the function type of each kernel, by its name. */
#define LN_KERNEL_TYPEDEF_(name, type, what) typedef type ln_##name##_kernel_t;
LN_KERNEL_FIELDS(LN_KERNEL_TYPEDEF_)

typedef struct ln_kernels {
    const char *isa; /* the set's name in LN_ISA_LIST */
#define LN_KERNEL_FIELD_(name, type, what) ln_##name##_kernel_t *name;
    LN_KERNEL_FIELDS(LN_KERNEL_FIELD_)
} ln_kernels;

/* LN_KERNEL_<name>: each kernel's index in table order; LN_NKERNELS. */
enum {
#define LN_KERNEL_INDEX_(name, type, what) LN_KERNEL_##name,
    LN_KERNEL_FIELDS(LN_KERNEL_INDEX_) LN_NKERNELS
};
/* Kernel names and descriptions in table order, LN_NKERNELS of each; and
 * a table's kernel by index (as a generic pointer, for listing and
 * comparing tables). */
extern const char *const ln_kernel_names[LN_NKERNELS];
extern const char *const ln_kernel_whats[LN_NKERNELS];
void (*ln_kernel_at(const ln_kernels *t, int i))(void);

/* CPU features, detected once (kernels/cpu.c, built without ISA flags).
 * os_ymm / os_zmm: the OS saves YMM / opmask and ZMM state (XCR0). */
typedef struct ln_cpu_info {
    char brand[64];
    int avx2, fma, avx512f, avx512bw, avx512dq, avx512vl, neon;
    int os_ymm, os_zmm;
} ln_cpu_info;
const ln_cpu_info *ln_cpu(void);
/* Whether this CPU and OS can run a set ("scalar", "avx2", ...); 0 for a
 * name this build does not know. */
int ln_cpu_runs(const char *isa);

/* "auto" or a set of LN_ISA_LIST; NULL means $LENET_KERNELS or auto.
 * Asking for a set this CPU or build lacks is LN_ERR_UNSUPPORTED, an
 * unknown name LN_ERR_ARG. */
ln_status ln_kernels_select(const char *want, const ln_kernels **out);
const ln_kernels *ln_kernels_scalar(void);
/* Names of the sets this build has, NULL-terminated, in ladder order. */
const char *const *ln_kernels_built(void);
/* "auto, scalar, avx2, avx512": the accepted --kernels values, for help
 * texts and error messages. */
const char *ln_kernels_choices(void);
/* "kernel set: auto (default), scalar, ...": the --kernels help line. */
const char *ln_kernels_help(void);
/* Which set a table's kernel `i` comes from ("avx2" in the avx512 table
 * for a kernel avx512 lacks). */
const char *ln_kernel_origin(const ln_kernels *t, int i);

#endif
