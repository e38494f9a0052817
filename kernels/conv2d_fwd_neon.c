/* Convolution forward, NEON: an implicit-im2col GEMM with the batch folded
 * into N,  Y[o][(img, oy, ox)] = b[o] + sum_k W[o][k] B[k][(img, oy, ox)]
 * with k = (c, u, v), W the weights as stored ([oc][ic*kh*kw], packed as
 * plain rows) and B read from x by the im2col packer (conv_pack_neon.h).
 * The bias seeds the accumulators; each image's output plane is one C
 * segment. Scratch holds the packed panels of all three convolutions. */
#include <limits.h>

#include "conv_pack_neon.h"
#include "kernels_neon.h"

static size_t max_sz(size_t a, size_t b) { return a > b ? a : b; }

size_t ln_conv2d_scratch_neon(const ln_conv_shape *s)
{
    /* bounds that do not depend on s->n: the engine sizes scratch for one
     * image and runs whole chunks (INT_MAX: the folded dimension) */
    int khw = s->kh * s->kw;
    size_t fwd = ln_gemm_neon_scratch(s->oc, INT_MAX, s->ic * khw, LN_GEMM_MC, LN_GEMM_NC, LN_GEMM_KC);
    size_t bwd_data = ln_gemm_neon_scratch(s->ic, INT_MAX, s->oc * khw, LN_GEMM_MC, LN_GEMM_NC, LN_GEMM_KC);
    size_t bwd_w = ln_gemm_neon_scratch(s->oc, s->ic * khw, INT_MAX, LN_GEMM_MC, LN_GEMM_NC, LN_GEMM_KC);
    return max_sz(fwd, max_sz(bwd_data, bwd_w));
}

void ln_conv2d_fwd_neon(const ln_conv_shape *s, const float *x, const float *w, const float *b, float *y,
                        float *scratch)
{
    int pix = s->oh * s->ow, k = s->ic * s->kh * s->kw;
    ln_im2col_neon geom = {.src = x, .ch = s->ic, .sh = s->ih, .sw = s->iw, .gh = s->oh, .gw = s->ow,
                           .kh = s->kh, .kw = s->kw, .sign = 1, .off_h = -s->pad_h, .off_w = -s->pad_w};
    ln_gemm_neon g = {.m = s->oc, .n = s->n * pix, .k = k, .mc = LN_GEMM_MC, .nc = LN_GEMM_NC, .kc = LN_GEMM_KC,
                      .pack_a = ln_gemm_pack_a_rows, .pack_b = ln_conv_pack_b_im2col_neon,
                      .a = w, .lda = (size_t)k, .geom_b = &geom,
                      .c = y, .ldc = (size_t)pix, .seg = pix, .seg_stride = (size_t)s->oc * pix,
                      .accumulate = 0, .row_bias = b};
    ln_gemm_neon_run(&g, scratch);
}
