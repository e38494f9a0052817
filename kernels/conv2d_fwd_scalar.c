/* Convolution forward, scalar reference: direct loops,
 * y[n][o][oy][ox] = b[o] + sum_{c,u,v} w[o][c][u][v] * x[n][c][oy+u-pad][ox+v-pad]. */
#include "conv_geom_scalar.h"
#include "kernels_scalar.h"

size_t ln_conv2d_scratch_scalar(const ln_conv_shape *s)
{
    (void)s;
    return 0;
}

void ln_conv2d_fwd_scalar(const ln_conv_shape *s, const float *x, const float *w, const float *b,
                          float *y, float *scratch)
{
    (void)scratch;
    for (int n = 0; n < s->n; n++)
        for (int o = 0; o < s->oc; o++) {
            float *yp = y + ((size_t)n * s->oc + o) * s->oh * s->ow;
            for (int i = 0; i < s->oh * s->ow; i++) yp[i] = b[o];
            for (int c = 0; c < s->ic; c++) {
                const float *xp = x + ((size_t)n * s->ic + c) * s->ih * s->iw;
                const float *wp = w + ((size_t)o * s->ic + c) * s->kh * s->kw;
                for (int u = 0; u < s->kh; u++)
                    for (int v = 0; v < s->kw; v++) {
                        float wv = wp[u * s->kw + v];
                        int lo, hi;
                        ln_conv_cols(v, s->pad_w, s->iw, s->ow, &lo, &hi);
                        for (int oy = 0; oy < s->oh; oy++) {
                            int iy = oy + u - s->pad_h;
                            if (iy < 0 || iy >= s->ih) continue;
                            const float *xr = xp + (size_t)iy * s->iw + v - s->pad_w;
                            float *yr = yp + (size_t)oy * s->ow;
                            for (int ox = lo; ox < hi; ox++) yr[ox] += wv * xr[ox];
                        }
                    }
            }
        }
}
