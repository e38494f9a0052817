/* The NEON table: the scalar table with every kernel overridden. Advanced
 * SIMD is mandatory on AArch64, so kernels/cpu.c always reports it there. */
#include "kernels_neon.h"

void ln_kernels_fill_neon(ln_kernels *t);

void ln_kernels_fill_neon(ln_kernels *t)
{
    t->isa = "neon";
    /* convolution and dense (matrix products) */
    t->conv2d_scratch = ln_conv2d_scratch_neon;
    t->conv2d_fwd = ln_conv2d_fwd_neon;
    t->conv2d_bwd_data = ln_conv2d_bwd_data_neon;
    t->conv2d_bwd_weights = ln_conv2d_bwd_weights_neon;
    t->dense_fwd = ln_dense_fwd_neon;
    t->dense_bwd_data = ln_dense_bwd_data_neon;
    t->dense_bwd_weights = ln_dense_bwd_weights_neon;
    /* pooling, activations, softmax */
    t->avgpool2_fwd = ln_avgpool2_fwd_neon;
    t->avgpool2_bwd = ln_avgpool2_bwd_neon;
    t->maxpool2_fwd = ln_maxpool2_fwd_neon;
    t->maxpool2_bwd = ln_maxpool2_bwd_neon;
    t->tanh_fwd = ln_tanh_fwd_neon;
    t->tanh_bwd = ln_tanh_bwd_neon;
    t->relu_fwd = ln_relu_fwd_neon;
    t->relu_bwd = ln_relu_bwd_neon;
    t->softmax_xent = ln_softmax_xent_neon;
    t->sgd = ln_sgd_neon;
    t->stanh_fwd = ln_stanh_fwd_neon;
    t->stanh_bwd = ln_stanh_bwd_neon;
    t->sigmoid_fwd = ln_sigmoid_fwd_neon;
    t->sigmoid_bwd = ln_sigmoid_bwd_neon;
    t->chan_affine = ln_chan_affine_neon;
    t->chan_affine_params = ln_chan_affine_params_neon;
    t->rbf = ln_rbf_neon;
}
