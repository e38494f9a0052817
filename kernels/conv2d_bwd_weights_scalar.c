/* Convolution weight and bias gradients, scalar, accumulating: per sample,
 * dw[oc][ic*kh*kw] += dy[oc][oh*ow] . col^T and db[oc] += sum(dy[oc]). */
#include "im2col_scalar.h"
#include "kernels_scalar.h"


void ln_conv2d_bwd_weights_scalar(const ln_conv_shape *s, const float *x, const float *dy, float *dw,
                                  float *db, float *scratch)
{
    int kdim = s->ic * s->kh * s->kw, npix = s->oh * s->ow;
    for (int i = 0; i < s->n; i++) {
        const float *dys = dy + (size_t)i * s->oc * npix;
        ln_im2col(s, x + (size_t)i * s->ic * s->ih * s->iw, scratch);
        ln_gemm_scalar(0, 1, s->oc, kdim, npix, dys, npix, scratch, npix, 1.0f, dw, kdim);
        for (int o = 0; o < s->oc; o++) {
            float acc = 0.0f;
            for (int p = 0; p < npix; p++) acc += dys[(size_t)o * npix + p];
            db[o] += acc;
        }
    }
}
