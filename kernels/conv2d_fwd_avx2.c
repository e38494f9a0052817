/* Convolution forward, AVX2+FMA: y = conv(x, w) + b as a register-blocked
 * GEMM (conv_gemm_avx2.c), M = oc, K = ic*kh*kw, N = output positions,
 * after packing the weights into strips of the tile's height. Also the
 * scratch size of all three AVX2 convolution passes. */
#include "conv_gemm_avx2.h"
#include "conv_pack_avx2.h"
#include "conv_parts_avx2.h"
#include "kernels_avx2.h"

size_t ln_conv2d_scratch_avx2(const ln_conv_shape *s)
{
    ln_conv_shape t = ln_conv_bwd_data_shape_avx2(s);
    size_t f = ln_cgemm_scratch_avx2(s), b = ln_cgemm_scratch_avx2(&t);
    size_t w = ln_conv_bwd_weights_scratch_avx2(s), m = f > b ? f : b;
    return m > w ? m : w;
}

/* x: [n][ic][ih][iw]  w: [oc][ic][kh][kw]  b: [oc]  y: [n][oc][oh][ow] */
void ln_conv2d_fwd_avx2(const ln_conv_shape *s, const float *x, const float *w, const float *b, float *y,
                        float *scratch)
{
    ln_cgemm_plan p;
    ln_cgemm_plan_avx2(s, &p);
    int k = s->ic * s->kh * s->kw;
    ln_pack_strips_avx2(p.mr, s->oc, k, k, w, (size_t)k, 0, 0, ln_cgemm_strips_avx2(scratch));
    ln_cgemm_run_avx2(&p, s, x, b, y, scratch);
}
