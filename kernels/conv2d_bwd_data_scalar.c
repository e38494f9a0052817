/* Convolution data gradient, scalar reference: the transpose of the
 * forward loops, dx[n][c][oy+u-pad][ox+v-pad] += w[o][c][u][v] * dy[n][o][oy][ox]. */
#include <string.h>

#include "conv_geom_scalar.h"
#include "kernels_scalar.h"

void ln_conv2d_bwd_data_scalar(const ln_conv_shape *s, const float *dy, const float *w, float *dx,
                               float *scratch)
{
    (void)scratch;
    memset(dx, 0, (size_t)s->n * s->ic * s->ih * s->iw * sizeof(float));
    for (int n = 0; n < s->n; n++)
        for (int o = 0; o < s->oc; o++) {
            const float *dyp = dy + ((size_t)n * s->oc + o) * s->oh * s->ow;
            for (int c = 0; c < s->ic; c++) {
                float *dxp = dx + ((size_t)n * s->ic + c) * s->ih * s->iw;
                const float *wp = w + ((size_t)o * s->ic + c) * s->kh * s->kw;
                for (int u = 0; u < s->kh; u++)
                    for (int v = 0; v < s->kw; v++) {
                        float wv = wp[u * s->kw + v];
                        int lo, hi;
                        ln_conv_cols(v, s->pad_w, s->iw, s->ow, &lo, &hi);
                        for (int oy = 0; oy < s->oh; oy++) {
                            int iy = oy + u - s->pad_h;
                            if (iy < 0 || iy >= s->ih) continue;
                            float *dxr = dxp + (size_t)iy * s->iw + v - s->pad_w;
                            const float *dyr = dyp + (size_t)oy * s->ow;
                            for (int ox = lo; ox < hi; ox++) dxr[ox] += wv * dyr[ox];
                        }
                    }
            }
        }
}
