/* What the three AVX2 convolution files share: the transposed shape that
 * turns the data gradient into a forward convolution, and the scratch each
 * pass needs (conv2d_scratch reports the largest). */
#ifndef LN_CONV_PARTS_AVX2_H
#define LN_CONV_PARTS_AVX2_H
#include <stddef.h>

#include "kernels.h"

/* dx = conv(dy, w flipped and transposed) with padding k-1-pad: the shape
 * of that forward convolution (input dy: [n][oc][oh][ow], output dx). */
ln_conv_shape ln_conv_bwd_data_shape_avx2(const ln_conv_shape *s);
size_t ln_conv_bwd_weights_scratch_avx2(const ln_conv_shape *s);

#endif
