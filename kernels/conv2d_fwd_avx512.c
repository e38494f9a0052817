/* Convolution forward, AVX-512: y = conv(x, w) + b as a register-blocked
 * GEMM over flat sample-interleaved planes (conv_gemm_avx512.c), M = oc,
 * K = ic*kh*kw, N = output positions x samples, after packing the weights
 * into strips of the tile's height. Also the scratch size of all three
 * AVX-512 convolution passes (none grows with n). */
#include "conv_gemm_avx512.h"
#include "conv_pack_avx512.h"
#include "kernels_avx512.h"

size_t ln_conv2d_scratch_avx512(const ln_conv_shape *s)
{
    ln_conv_shape t = ln_conv_bwd_data_shape_avx512(s);
    size_t f = ln_cgemm512_scratch_avx512(s), b = ln_cgemm512_scratch_avx512(&t);
    size_t w = ln_conv_bwd_weights_scratch_avx512(s), m = f > b ? f : b;
    return m > w ? m : w;
}

/* x: [n][ic][ih][iw]  w: [oc][ic][kh][kw]  b: [oc]  y: [n][oc][oh][ow] */
void ln_conv2d_fwd_avx512(const ln_conv_shape *s, const float *x, const float *w, const float *b, float *y,
                          float *scratch)
{
    ln_cgemm512_plan p;
    ln_cgemm512_plan_avx512(s, &p);
    int k = s->ic * s->kh * s->kw;
    ln_pack_strips_avx512(p.mr, s->oc, k, k, w, (size_t)k, 0, 0, ln_cgemm512_strips_avx512(scratch));
    ln_cgemm512_run_avx512(&p, s, x, b, y, scratch);
}
