/* 2x2 stride-2 average pooling, scalar. */
#include <string.h>

#include "kernels_scalar.h"

void ln_avgpool2_fwd_scalar(const ln_pool_shape *s, const float *x, float *y)
{
    int oh = s->h / 2, ow = s->w / 2;
    for (int p = 0; p < s->planes; p++) {
        const float *xp = x + (size_t)p * s->h * s->w;
        float *yp = y + (size_t)p * oh * ow;
        for (int i = 0; i < oh; i++) {
            const float *r0 = xp + (size_t)(2 * i) * s->w, *r1 = r0 + s->w;
            for (int j = 0; j < ow; j++)
                yp[i * ow + j] = 0.25f * ((r0[2 * j] + r0[2 * j + 1]) + (r1[2 * j] + r1[2 * j + 1]));
        }
    }
}

void ln_avgpool2_bwd_scalar(const ln_pool_shape *s, const float *x, const float *y, const float *dy,
                            float *dx)
{
    (void)x;
    (void)y;
    int oh = s->h / 2, ow = s->w / 2;
    memset(dx, 0, (size_t)s->planes * s->h * s->w * sizeof(float));
    for (int p = 0; p < s->planes; p++) {
        const float *dyp = dy + (size_t)p * oh * ow;
        float *dxp = dx + (size_t)p * s->h * s->w;
        for (int i = 0; i < oh; i++) {
            float *r0 = dxp + (size_t)(2 * i) * s->w, *r1 = r0 + s->w;
            for (int j = 0; j < ow; j++) {
                float g = 0.25f * dyp[i * ow + j];
                r0[2 * j] = r0[2 * j + 1] = r1[2 * j] = r1[2 * j + 1] = g;
            }
        }
    }
}
