/* The AVX2+FMA table: the scalar table with these overrides. Compiled
 * without ISA flags (it only stores pointers) and called only after
 * kernels/cpu.c has seen AVX2, FMA and OS-saved YMM state. */
#include "kernels_avx2.h"

void ln_kernels_fill_avx2(ln_kernels *t);

void ln_kernels_fill_avx2(ln_kernels *t)
{
    t->isa = "avx2";
    /* convolution and dense (matrix products) */
    t->conv2d_scratch = ln_conv2d_scratch_avx2;
    t->conv2d_fwd = ln_conv2d_fwd_avx2;
    t->conv2d_bwd_data = ln_conv2d_bwd_data_avx2;
    t->conv2d_bwd_weights = ln_conv2d_bwd_weights_avx2;
    t->dense_fwd = ln_dense_fwd_avx2;
    t->dense_bwd_data = ln_dense_bwd_data_avx2;
    t->dense_bwd_weights = ln_dense_bwd_weights_avx2;
    /* pooling, activations, softmax */
    t->avgpool2_fwd = ln_avgpool2_fwd_avx2;
    t->avgpool2_bwd = ln_avgpool2_bwd_avx2;
    t->maxpool2_fwd = ln_maxpool2_fwd_avx2;
    t->maxpool2_bwd = ln_maxpool2_bwd_avx2;
    t->tanh_fwd = ln_tanh_fwd_avx2;
    t->tanh_bwd = ln_tanh_bwd_avx2;
    t->relu_fwd = ln_relu_fwd_avx2;
    t->relu_bwd = ln_relu_bwd_avx2;
    t->softmax_xent = ln_softmax_xent_avx2;
    t->sgd = ln_sgd_avx2;
    t->stanh_fwd = ln_stanh_fwd_avx2;
    t->stanh_bwd = ln_stanh_bwd_avx2;
    t->sigmoid_fwd = ln_sigmoid_fwd_avx2;
    t->sigmoid_bwd = ln_sigmoid_bwd_avx2;
    t->chan_affine = ln_chan_affine_avx2;
    t->chan_affine_params = ln_chan_affine_params_avx2;
    t->rbf = ln_rbf_avx2;
}
