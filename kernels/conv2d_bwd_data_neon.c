/* Convolution data gradient, NEON: the transposed convolution as an
 * implicit-im2col GEMM over input pixels, batch folded into N,
 *   dX[c][(img, iy, ix)] = sum_{o,u,v} W[o][c][u][v] dy[img][o][iy-u+pad][ix-v+pad]
 * i.e. A(c, (o,u,v)) = w[o][c][u][v] (gathered by the A packer below) and
 * B read from dy by the im2col packer with the kernel flipped. Every dx
 * element is written once (overwrites); no col2im scatter, no atomics. */
#include <limits.h>

#include "conv_pack_neon.h"
#include "kernels_neon.h"

typedef struct wt_geom {
    int ic, khw;
} wt_geom;

static int min_i(int a, int b) { return a < b ? a : b; }

/* A(c, k) = w[(o*ic + c)*khw + uv] with k = o*khw + uv: panels of MR
 * channels, each k reading MR weights khw apart. */
static void pack_a_wt(const ln_gemm_neon *g, int m0, int mc, int k0, int kc, float *dst)
{
    const wt_geom *wg = g->geom_a;
    const float *w = g->a;
    for (int i = 0; i < mc; i += LN_GEMM_MR, dst += (size_t)kc * LN_GEMM_MR) {
        int rows = min_i(LN_GEMM_MR, mc - i);
        for (int kk = 0; kk < kc; kk++) {
            int k = k0 + kk, o = k / wg->khw, uv = k % wg->khw;
            const float *src = w + ((size_t)o * wg->ic + m0 + i) * wg->khw + uv;
            float *d = dst + (size_t)kk * LN_GEMM_MR;
            int r = 0;
            for (; r < rows; r++) d[r] = src[(size_t)r * wg->khw];
            for (; r < LN_GEMM_MR; r++) d[r] = 0.0f;
        }
    }
}

void ln_conv2d_bwd_data_neon(const ln_conv_shape *s, const float *dy, const float *w, float *dx,
                             float *scratch)
{
    int pix = s->ih * s->iw, khw = s->kh * s->kw;
    ln_im2col_neon geom = {.src = dy, .ch = s->oc, .sh = s->oh, .sw = s->ow, .gh = s->ih, .gw = s->iw,
                           .kh = s->kh, .kw = s->kw, .sign = -1, .off_h = s->pad_h, .off_w = s->pad_w};
    wt_geom wg = {.ic = s->ic, .khw = khw};
    ln_gemm_neon g = {.m = s->ic, .n = s->n * pix, .k = s->oc * khw, .mc = LN_GEMM_MC, .nc = LN_GEMM_NC,
                      .kc = LN_GEMM_KC, .pack_a = pack_a_wt, .pack_b = ln_conv_pack_b_im2col_neon,
                      .a = w, .geom_a = &wg, .geom_b = &geom,
                      .c = dx, .ldc = (size_t)pix, .seg = pix, .seg_stride = (size_t)s->ic * pix,
                      .accumulate = 0};
    ln_gemm_neon_run(&g, scratch);
}
