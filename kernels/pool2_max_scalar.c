/* 2x2 stride-2 max pooling, scalar. The gradient goes to the first maximum
 * of each window in row-major order (ties are broken the same way in every
 * table, so SIMD versions can match bit for bit). */
#include <string.h>

#include "kernels_scalar.h"

void ln_maxpool2_fwd_scalar(const ln_pool_shape *s, const float *x, float *y)
{
    int oh = s->h / 2, ow = s->w / 2;
    for (int p = 0; p < s->planes; p++) {
        const float *xp = x + (size_t)p * s->h * s->w;
        float *yp = y + (size_t)p * oh * ow;
        for (int i = 0; i < oh; i++) {
            const float *r0 = xp + (size_t)(2 * i) * s->w, *r1 = r0 + s->w;
            for (int j = 0; j < ow; j++) {
                float a = r0[2 * j] > r0[2 * j + 1] ? r0[2 * j] : r0[2 * j + 1];
                float b = r1[2 * j] > r1[2 * j + 1] ? r1[2 * j] : r1[2 * j + 1];
                yp[i * ow + j] = a > b ? a : b;
            }
        }
    }
}

void ln_maxpool2_bwd_scalar(const ln_pool_shape *s, const float *x, const float *y, const float *dy,
                            float *dx)
{
    int oh = s->h / 2, ow = s->w / 2;
    memset(dx, 0, (size_t)s->planes * s->h * s->w * sizeof(float));
    for (int p = 0; p < s->planes; p++) {
        const float *xp = x + (size_t)p * s->h * s->w;
        float *dxp = dx + (size_t)p * s->h * s->w;
        const float *yp = y + (size_t)p * oh * ow, *dyp = dy + (size_t)p * oh * ow;
        for (int i = 0; i < oh; i++)
            for (int j = 0; j < ow; j++) {
                size_t base = (size_t)(2 * i) * s->w + 2 * j;
                size_t at[4] = {base, base + 1, base + s->w, base + s->w + 1};
                int k = 0;
                while (k < 3 && xp[at[k]] != yp[i * ow + j]) k++;
                dxp[at[k]] = dyp[i * ow + j];
            }
    }
}
