/* Convolution forward, scalar: per sample, im2col then one GEMM
 * y[oc][oh*ow] = w[oc][ic*kh*kw] . col, then the bias. */
#include "im2col_scalar.h"
#include "kernels_scalar.h"


size_t ln_conv2d_scratch_scalar(const ln_conv_shape *s)
{
    return (size_t)s->ic * s->kh * s->kw * s->oh * s->ow;
}

void ln_conv2d_fwd_scalar(const ln_conv_shape *s, const float *x, const float *w, const float *b,
                          float *y, float *scratch)
{
    int kdim = s->ic * s->kh * s->kw, npix = s->oh * s->ow;
    for (int i = 0; i < s->n; i++) {
        const float *xs = x + (size_t)i * s->ic * s->ih * s->iw;
        float *ys = y + (size_t)i * s->oc * npix;
        ln_im2col(s, xs, scratch);
        for (int o = 0; o < s->oc; o++)
            for (int p = 0; p < npix; p++) ys[(size_t)o * npix + p] = b[o];
        ln_gemm_scalar(0, 0, s->oc, npix, kdim, w, kdim, scratch, npix, 1.0f, ys, npix);
    }
}
