/* Convolution weight and bias gradients, scalar reference, accumulating:
 * dw[o][c][u][v] += sum_{n,oy,ox} dy[n][o][oy][ox] * x[n][c][oy+u-pad][ox+v-pad],
 * db[o] += sum_{n,oy,ox} dy[n][o][oy][ox]. */
#include "conv_geom_scalar.h"
#include "kernels_scalar.h"

void ln_conv2d_bwd_weights_scalar(const ln_conv_shape *s, const float *x, const float *dy, float *dw,
                                  float *db, float *scratch)
{
    (void)scratch;
    for (int n = 0; n < s->n; n++)
        for (int o = 0; o < s->oc; o++) {
            const float *dyp = dy + ((size_t)n * s->oc + o) * s->oh * s->ow;
            float bsum = 0.0f;
            for (int i = 0; i < s->oh * s->ow; i++) bsum += dyp[i];
            db[o] += bsum;
            for (int c = 0; c < s->ic; c++) {
                const float *xp = x + ((size_t)n * s->ic + c) * s->ih * s->iw;
                float *dwp = dw + ((size_t)o * s->ic + c) * s->kh * s->kw;
                for (int u = 0; u < s->kh; u++)
                    for (int v = 0; v < s->kw; v++) {
                        int lo, hi;
                        ln_conv_cols(v, s->pad_w, s->iw, s->ow, &lo, &hi);
                        float acc = 0.0f;
                        for (int oy = 0; oy < s->oh; oy++) {
                            int iy = oy + u - s->pad_h;
                            if (iy < 0 || iy >= s->ih) continue;
                            const float *xr = xp + (size_t)iy * s->iw + v - s->pad_w;
                            const float *dyr = dyp + (size_t)oy * s->ow;
                            for (int ox = lo; ox < hi; ox++) acc += dyr[ox] * xr[ox];
                        }
                        dwp[u * s->kw + v] += acc;
                    }
            }
        }
}
