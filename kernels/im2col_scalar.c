#include "im2col_scalar.h"

#include <string.h>

/* Output columns [lo, hi) of a row whose input column x+v-pad stays in
 * [0, iw): the rest read padding. */
static void valid_range(int v, int pad, int in, int out, int *lo, int *hi)
{
    int a = pad - v, b = in + pad - v;
    *lo = a < 0 ? 0 : a;
    *hi = b > out ? out : b;
    if (*hi < *lo) *hi = *lo;
}

void ln_im2col(const ln_conv_shape *s, const float *x, float *col)
{
    for (int c = 0; c < s->ic; c++)
        for (int u = 0; u < s->kh; u++)
            for (int v = 0; v < s->kw; v++) {
                int lo, hi;
                valid_range(v, s->pad_w, s->iw, s->ow, &lo, &hi);
                for (int oy = 0; oy < s->oh; oy++, col += s->ow) {
                    int iy = oy + u - s->pad_h;
                    if (iy < 0 || iy >= s->ih) {
                        memset(col, 0, (size_t)s->ow * sizeof(float));
                        continue;
                    }
                    const float *src = x + ((size_t)c * s->ih + iy) * s->iw + v - s->pad_w;
                    for (int ox = 0; ox < lo; ox++) col[ox] = 0.0f;
                    for (int ox = lo; ox < hi; ox++) col[ox] = src[ox];
                    for (int ox = hi; ox < s->ow; ox++) col[ox] = 0.0f;
                }
            }
}

void ln_col2im(const ln_conv_shape *s, const float *col, float *dx)
{
    memset(dx, 0, (size_t)s->ic * s->ih * s->iw * sizeof(float));
    for (int c = 0; c < s->ic; c++)
        for (int u = 0; u < s->kh; u++)
            for (int v = 0; v < s->kw; v++) {
                int lo, hi;
                valid_range(v, s->pad_w, s->iw, s->ow, &lo, &hi);
                for (int oy = 0; oy < s->oh; oy++, col += s->ow) {
                    int iy = oy + u - s->pad_h;
                    if (iy < 0 || iy >= s->ih) continue;
                    float *dst = dx + ((size_t)c * s->ih + iy) * s->iw + v - s->pad_w;
                    for (int ox = lo; ox < hi; ox++) dst[ox] += col[ox];
                }
            }
}
