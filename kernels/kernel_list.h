/* The one list of kernels and kernel sets. Everything that enumerates
 * them — the ln_kernels struct, the per-ISA prototypes, the tables'
 * fills, the ISA names that `lenet info`, `--help`, the bench and the
 * tests print — expands these X-macros, so adding a kernel or an ISA is an
 * edit here, its source files, and one CMake line.
 *
 * Included by kernels.h after the kernel function types. */
#ifndef LN_KERNEL_LIST_H
#define LN_KERNEL_LIST_H

/* X(name, type, what): every kernel of a table, in table order. `type` is
 * the function type (kernels.h); `what` is a one-line description. */
#define LN_KERNEL_FIELDS(X)                                                                          \
    X(conv2d_scratch, ln_conv2d_scratch_kernel, "scratch floats of the conv kernels")               \
    X(conv2d_fwd, ln_conv2d_fwd_kernel, "convolution forward")                                      \
    X(conv2d_bwd_data, ln_conv2d_bwd_data_kernel, "convolution data gradient")                      \
    X(conv2d_bwd_weights, ln_conv2d_bwd_weights_kernel, "convolution weight and bias gradients")    \
    X(avgpool2_fwd, ln_pool_fwd_kernel, "2x2 average pooling forward")                              \
    X(avgpool2_bwd, ln_pool_bwd_kernel, "2x2 average pooling backward")                             \
    X(maxpool2_fwd, ln_pool_fwd_kernel, "2x2 max pooling forward")                                  \
    X(maxpool2_bwd, ln_pool_bwd_kernel, "2x2 max pooling backward")                                 \
    X(dense_fwd, ln_dense_fwd_kernel, "dense forward")                                              \
    X(dense_bwd_data, ln_dense_bwd_data_kernel, "dense data gradient")                              \
    X(dense_bwd_weights, ln_dense_bwd_weights_kernel, "dense weight and bias gradients")            \
    X(tanh_fwd, ln_act_fwd_kernel, "tanh")                                                          \
    X(tanh_bwd, ln_act_bwd_kernel, "tanh backward")                                                 \
    X(relu_fwd, ln_act_fwd_kernel, "ReLU")                                                          \
    X(relu_bwd, ln_act_bwd_kernel, "ReLU backward")                                                 \
    X(stanh_fwd, ln_act_fwd_kernel, "scaled tanh 1.7159 tanh(2x/3)")                                \
    X(stanh_bwd, ln_act_bwd_kernel, "scaled tanh backward")                                         \
    X(sigmoid_fwd, ln_act_fwd_kernel, "sigmoid")                                                    \
    X(sigmoid_bwd, ln_act_bwd_kernel, "sigmoid backward")                                           \
    X(chan_affine, ln_chan_affine_kernel, "per-channel affine (1998 subsampling)")                  \
    X(chan_affine_params, ln_chan_affine_params_kernel, "per-channel affine gradients")             \
    X(rbf, ln_rbf_kernel, "Euclidean RBF output and its loss")                                      \
    X(softmax_xent, ln_softmax_xent_kernel, "softmax + cross-entropy")                              \
    X(sgd, ln_sgd_kernel, "SGD update")

/* X(isa, parent): the kernel sets of this architecture, each after the
 * one it falls back to. A set's table starts as a copy of its parent's
 * and overrides the kernels of LN_KERNELS_<isa> (the ladder: a kernel
 * avx512 lacks comes from avx2, never straight from scalar); `auto` takes
 * the last set the CPU and OS can run. */
#if defined(__x86_64__) || defined(_M_X64)
#define LN_ISA_LIST(X) X(scalar, scalar) X(avx2, scalar) X(avx512, avx2)
#elif defined(__aarch64__)
#define LN_ISA_LIST(X) X(scalar, scalar) X(neon, scalar)
#else
#define LN_ISA_LIST(X) X(scalar, scalar)
#endif

/* X(isa, name): the kernels each set implements itself (files
 * kernels/<op>_<isa>.c, functions ln_<name>_<isa>). The scalar set is
 * complete; the others list what they override. */
#define LN_KERNELS_scalar(X)                                                                         \
    X(scalar, conv2d_scratch) X(scalar, conv2d_fwd) X(scalar, conv2d_bwd_data)                       \
    X(scalar, conv2d_bwd_weights) X(scalar, avgpool2_fwd) X(scalar, avgpool2_bwd)                    \
    X(scalar, maxpool2_fwd) X(scalar, maxpool2_bwd) X(scalar, dense_fwd) X(scalar, dense_bwd_data)   \
    X(scalar, dense_bwd_weights) X(scalar, tanh_fwd) X(scalar, tanh_bwd) X(scalar, relu_fwd)         \
    X(scalar, relu_bwd) X(scalar, stanh_fwd) X(scalar, stanh_bwd) X(scalar, sigmoid_fwd)             \
    X(scalar, sigmoid_bwd) X(scalar, chan_affine) X(scalar, chan_affine_params) X(scalar, rbf)       \
    X(scalar, softmax_xent) X(scalar, sgd)

#define LN_KERNELS_avx2(X)                                                                           \
    X(avx2, conv2d_scratch) X(avx2, conv2d_fwd) X(avx2, conv2d_bwd_data) X(avx2, conv2d_bwd_weights) \
    X(avx2, avgpool2_fwd) X(avx2, avgpool2_bwd) X(avx2, maxpool2_fwd) X(avx2, maxpool2_bwd)          \
    X(avx2, dense_fwd) X(avx2, dense_bwd_data) X(avx2, dense_bwd_weights) X(avx2, tanh_fwd)          \
    X(avx2, tanh_bwd) X(avx2, relu_fwd) X(avx2, relu_bwd) X(avx2, stanh_fwd) X(avx2, stanh_bwd)      \
    X(avx2, sigmoid_fwd) X(avx2, sigmoid_bwd) X(avx2, chan_affine) X(avx2, chan_affine_params)       \
    X(avx2, rbf) X(avx2, softmax_xent) X(avx2, sgd)

/* One line per kernel, so kernels can be added independently. The conv
 * kernels come as a group with their conv2d_scratch (which must cover
 * every conv kernel the table then holds). */
#define LN_KERNELS_avx512(X)                                                                         \
    LN_AVX512_CONV(X)                                                                                \
    LN_AVX512_DENSE(X)                                                                               \
    LN_AVX512_POOL(X)                                                                                \
    LN_AVX512_ACT(X)                                                                                 \
    LN_AVX512_OTHER(X)
#define LN_AVX512_CONV(X) X(avx512, conv2d_scratch) X(avx512, conv2d_fwd) X(avx512, conv2d_bwd_data) X(avx512, conv2d_bwd_weights)
#define LN_AVX512_DENSE(X) X(avx512, dense_fwd) X(avx512, dense_bwd_data) X(avx512, dense_bwd_weights)
#define LN_AVX512_POOL(X) X(avx512, avgpool2_fwd) X(avx512, avgpool2_bwd) X(avx512, maxpool2_fwd) X(avx512, maxpool2_bwd)
#define LN_AVX512_ACT(X) X(avx512, tanh_fwd) X(avx512, tanh_bwd) X(avx512, relu_fwd) X(avx512, relu_bwd) X(avx512, stanh_fwd) X(avx512, stanh_bwd) X(avx512, sigmoid_fwd) X(avx512, sigmoid_bwd)
#define LN_AVX512_OTHER(X) X(avx512, softmax_xent) X(avx512, sgd) X(avx512, chan_affine) X(avx512, chan_affine_params) X(avx512, rbf)

#define LN_KERNELS_neon(X)                                                                           \
    X(neon, conv2d_scratch) X(neon, conv2d_fwd) X(neon, conv2d_bwd_data) X(neon, conv2d_bwd_weights) \
    X(neon, avgpool2_fwd) X(neon, avgpool2_bwd) X(neon, maxpool2_fwd) X(neon, maxpool2_bwd)          \
    X(neon, dense_fwd) X(neon, dense_bwd_data) X(neon, dense_bwd_weights) X(neon, tanh_fwd)          \
    X(neon, tanh_bwd) X(neon, relu_fwd) X(neon, relu_bwd) X(neon, stanh_fwd) X(neon, stanh_bwd)      \
    X(neon, sigmoid_fwd) X(neon, sigmoid_bwd) X(neon, chan_affine) X(neon, chan_affine_params)       \
    X(neon, rbf) X(neon, softmax_xent) X(neon, sgd)

/* Prototypes of one set's kernels: LN_DECLARE_KERNELS(avx2) declares
 * ln_conv2d_fwd_avx2 and the rest with their kernel types. */
#define LN_DECLARE_KERNEL_(isa, name) ln_##name##_kernel_t ln_##name##_##isa;
#define LN_DECLARE_KERNELS(isa) LN_KERNELS_##isa(LN_DECLARE_KERNEL_)

#endif
