/* Convolution data gradient, scalar: per sample,
 * col[ic*kh*kw][oh*ow] = w^T . dy, then col2im scatters onto dx. */
#include "im2col_scalar.h"
#include "kernels_scalar.h"


void ln_conv2d_bwd_data_scalar(const ln_conv_shape *s, const float *dy, const float *w, float *dx,
                               float *scratch)
{
    int kdim = s->ic * s->kh * s->kw, npix = s->oh * s->ow;
    for (int i = 0; i < s->n; i++) {
        const float *dys = dy + (size_t)i * s->oc * npix;
        ln_gemm_scalar(1, 0, kdim, npix, s->oc, w, kdim, dys, npix, 0.0f, scratch, npix);
        ln_col2im(s, scratch, dx + (size_t)i * s->ic * s->ih * s->iw);
    }
}
