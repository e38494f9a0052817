/* Generated shape lists for kernel tests: every tail a vector kernel can get
 * wrong (output widths 1..17 and wider ones that are not a multiple of 4 or
 * 8), batch 1..9, 1..3 and 16 input channels, 3x3 and 5x5 kernels 'same'
 * and 'valid', a few odd kernels and paddings, and LeNet's exact shapes.
 *
 * Each generator writes at most `cap` entries and returns how many the full
 * list has (as snprintf does), so a caller asserts the result <= cap. */
#ifndef LN_TEST_SHAPES_H
#define LN_TEST_SHAPES_H
#include <stddef.h>

#include "kernels.h"

typedef struct ts_dense {
    int n, in, out;
} ts_dense;

typedef struct ts_softmax {
    int n, classes;
} ts_softmax;

/* A stride-1 convolution shape with oh, ow derived from the padding. */
ln_conv_shape ts_conv(int n, int ic, int ih, int iw, int oc, int kh, int kw, int pad_h, int pad_w);

/* LeNet-5's three convolutions (conv1 1->6 28x28, conv2 6->16 14x14,
 * conv3 16->120 7x7; 5x5 'same') with batch n. */
ln_conv_shape ts_lenet_conv(int layer, int n);

int ts_conv_shapes(ln_conv_shape *out, int cap);
int ts_dense_shapes(ts_dense *out, int cap);
int ts_pool_shapes(ln_pool_shape *out, int cap);
int ts_act_lengths(size_t *out, int cap);
int ts_softmax_shapes(ts_softmax *out, int cap);

#endif
