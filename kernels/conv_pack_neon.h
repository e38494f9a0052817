/* Implicit im2col for the NEON convolutions: packs GEMM B panels straight
 * from an NCHW tensor, never materializing the im2col matrix.
 *
 * B(k, j) with k = (c, u, v) over ch x kh x kw and j = (img, gy, gx) over
 * the output grid of every image (the batch folded into N):
 *   B(k, j) = src[img][c][gy + sign*u + off_h][gx + sign*v + off_w]
 * and zero outside the source plane (the convolution's padding).
 *   forward:   src = x,  grid oh x ow, sign +1, off = -pad
 *   bwd data:  src = dy, grid ih x iw, sign -1, off = +pad (kernel flipped) */
#ifndef LN_CONV_PACK_NEON_H
#define LN_CONV_PACK_NEON_H
#include "gemm_neon.h"

typedef struct ln_im2col_neon {
    const float *src; /* [n][ch][sh][sw] */
    int ch, sh, sw;   /* source planes */
    int gh, gw;       /* output grid of one image */
    int kh, kw;
    int sign, off_h, off_w;
} ln_im2col_neon;

/* A ln_gemm_pack_b_fn; g->geom_b points at an ln_im2col_neon. */
void ln_conv_pack_b_im2col_neon(const ln_gemm_neon *g, int k0, int kc, int j0, int nc, float *dst);

#endif
