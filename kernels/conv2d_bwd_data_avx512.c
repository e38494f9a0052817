/* Convolution data gradient, AVX-512. dx[c][iy][ix] =
 * sum_{o,u,v} w[o][c][u][v] dy[o][iy+pad-u][ix+pad-v] is a forward
 * convolution of dy padded by k-1-pad, with the weights flipped in both
 * taps and in and out channels swapped: it runs on the forward GEMM
 * (conv_gemm_avx512.c), which writes each element of dx once. */
#include "conv_gemm_avx512.h"
#include "conv_pack_avx512.h"
#include "kernels_avx512.h"

ln_conv_shape ln_conv_bwd_data_shape_avx512(const ln_conv_shape *s)
{
    return (ln_conv_shape){.n = s->n, .ic = s->oc, .ih = s->oh, .iw = s->ow, .oc = s->ic, .oh = s->ih,
                           .ow = s->iw, .kh = s->kh, .kw = s->kw, .pad_h = s->kh - 1 - s->pad_h,
                           .pad_w = s->kw - 1 - s->pad_w};
}

/* dy: [n][oc][oh][ow]  w: [oc][ic][kh][kw]  dx: [n][ic][ih][iw] (overwritten) */
void ln_conv2d_bwd_data_avx512(const ln_conv_shape *s, const float *dy, const float *w, float *dx, float *scratch)
{
    ln_conv_shape t = ln_conv_bwd_data_shape_avx512(s);
    ln_cgemm512_plan p;
    ln_cgemm512_plan_avx512(&t, &p);
    /* strip row c, (o, u, v) = w[o][c][kh-1-u][kw-1-v] */
    int taps = s->kh * s->kw;
    ln_pack_strips_avx512(p.mr, s->ic, s->oc * taps, taps, w, (size_t)taps, (size_t)s->ic * taps, 1,
                          ln_cgemm512_strips_avx512(scratch));
    ln_cgemm512_run_avx512(&p, &t, dy, NULL, dx, scratch);
}
