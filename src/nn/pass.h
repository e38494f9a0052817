/* Forward and backward passes of one chunk of samples through a network,
 * on one thread, in a workspace of its own. */
#ifndef LN_PASS_H
#define LN_PASS_H
#include "net.h"

typedef struct ln_workspace {
    int cap;                      /* samples the buffers hold */
    float *x0;                    /* input: [cap][in_c][in_h][in_w] */
    float *act[LN_MAX_LAYERS];    /* layer outputs (flatten aliases its input) */
    float *d0, *d1;               /* gradient ping-pong buffers */
    float *scratch;               /* conv kernel scratch */
    uint8_t *labels;              /* [cap] */
    void *blob_;
} ln_workspace;

ln_status ln_ws_alloc(const ln_net *net, const ln_kernels *k, int cap, ln_workspace *ws);
/* The same without gradient buffers: for forward passes without a loss
 * gradient (grad_scale 0) only. */
ln_status ln_ws_alloc_infer(const ln_net *net, const ln_kernels *k, int cap, ln_workspace *ws);
void ln_ws_free(ln_workspace *ws);

/* Run n <= cap samples (ws->x0) forward. With labels (ws->labels), return
 * the summed cross-entropy loss and, if grad_scale != 0, leave
 * dloss/dlogits * grad_scale ready for ln_backward. Probabilities end in
 * ln_ws_probs(). */
double ln_forward(const ln_net *net, const ln_kernels *k, ln_workspace *ws, int n, int with_labels,
                  float grad_scale);
/* Layers whose weight gradient is formed once per batch instead of per
 * chunk: the backward pass leaves each such layer's input rows and
 * output-gradient rows at rows row0.. of these batch buffers, and the
 * trainer splits the batch-wide product into blocks.
 * Dense (dW = dY^T X, a real matrix product): x[i] is column-blocked: block
 * b, at b*rows*cb, holds columns b*cb.. as a contiguous [rows][width]
 * matrix (the last block is narrower), a plain matrix for the dense kernel;
 * dy[i] is [rows][out].
 * Convolution: x[i] is [rows][ic][ih][iw]; dy[i] is blocked by output
 * channel: block b, at b*rows*cb*oh*ow, holds channels b*cb.. as a
 * contiguous [rows][width][oh][ow] tensor, so the weight-gradient kernel
 * takes one block of channels over the whole batch.
 * NULL entries are not deferred. */
typedef struct ln_defer {
    int rows, row0;
    int cb[LN_MAX_LAYERS];
    float *x[LN_MAX_LAYERS], *dy[LN_MAX_LAYERS];
} ln_defer;

/* Accumulate (+=) the parameter gradients of the last forward into grads
 * (laid out as net->params), except those of layers deferred by df (may be
 * NULL). */
void ln_backward(const ln_net *net, const ln_kernels *k, ln_workspace *ws, int n, float *grads,
                 const ln_defer *df);
/* Zero the gradient of the connections a convolution's table leaves out,
 * for output channels [o0, o1): dw is [o1-o0][in_c][k][k] (a missing
 * connection has no gradient, so its weight stays zero). */
void ln_conv_table_mask(const ln_layer *l, int o0, int o1, float *dw);
const float *ln_ws_probs(const ln_net *net, const ln_workspace *ws);

/* Each of `planes` h x w planes with a zero border of p pixels. */
void ln_pad_zero(int planes, int h, int w, int p, const float *x, float *y);
/* Bilinear resize (half-pixel centres, as Keras's Resizing) of n images of
 * [c][ih][iw] to [c][oh][ow]. */
void ln_resize_bilinear(int n, int c, int ih, int iw, int oh, int ow, const float *x, float *y);

#endif
