/* Convolution data gradient, AVX2+FMA. dx[c][iy][ix] =
 * sum_{o,u,v} w[o][c][u][v] dy[o][iy+pad-u][ix+pad-v] is itself a forward
 * convolution of dy, padded by k-1-pad, with the weights flipped in both
 * taps and with in and out channels swapped: it runs on the forward GEMM
 * (conv_gemm_avx2.c), which writes each element of dx once (no zeroing
 * pass, no scatter-add).
 *
 * Measured against GEMM-then-col2im (dcol = w^T dy as a 1x1 convolution
 * with M = ic*kh*kw and the batch folded into N, then the shifted dcol
 * planes summed into dx): on LeNet's conv3 (16 <- 120, 7x7) that was
 * 59-67 GFLOP/s against 69-70 for this, the col2im pass costing more than
 * the spare lanes this wastes on a 7-wide plane; on conv2 it was 2x
 * slower. So only this one is kept. */
#include "conv_gemm_avx2.h"
#include "conv_pack_avx2.h"
#include "conv_parts_avx2.h"
#include "kernels_avx2.h"

ln_conv_shape ln_conv_bwd_data_shape_avx2(const ln_conv_shape *s)
{
    return (ln_conv_shape){.n = s->n, .ic = s->oc, .ih = s->oh, .iw = s->ow, .oc = s->ic, .oh = s->ih,
                           .ow = s->iw, .kh = s->kh, .kw = s->kw, .pad_h = s->kh - 1 - s->pad_h,
                           .pad_w = s->kw - 1 - s->pad_w};
}

/* dy: [n][oc][oh][ow]  w: [oc][ic][kh][kw]  dx: [n][ic][ih][iw] (overwritten) */
void ln_conv2d_bwd_data_avx2(const ln_conv_shape *s, const float *dy, const float *w, float *dx, float *scratch)
{
    ln_conv_shape t = ln_conv_bwd_data_shape_avx2(s);
    ln_cgemm_plan p;
    ln_cgemm_plan_avx2(&t, &p);
    /* strip row c, column (o, tap) = w[o][c][taps-1-tap] */
    int taps = s->kh * s->kw;
    ln_pack_strips_avx2(p.mr, s->ic, s->oc * taps, taps, w, (size_t)taps, (size_t)s->ic * taps, 1,
                        ln_cgemm_strips_avx2(scratch));
    ln_cgemm_run_avx2(&p, &t, dy, NULL, dx, scratch);
}
