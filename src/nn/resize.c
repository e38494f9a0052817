/* Input-side layers: zero padding, and bilinear resize with half-pixel centres (TensorFlow's default, used by
 * Keras's Resizing layer): source coordinate (o + 0.5) * in/out - 0.5,
 * clamped to the image. */
#include "pass.h"

#include <string.h>

static void axis_weights(int out, int in, int o, int *i0, int *i1, float *t)
{
    float src = ((float)o + 0.5f) * (float)in / (float)out - 0.5f;
    if (src < 0.0f) src = 0.0f;
    int lo = (int)src;
    if (lo > in - 1) lo = in - 1;
    *i0 = lo;
    *i1 = lo + 1 < in ? lo + 1 : in - 1;
    *t = src - (float)lo;
}

void ln_resize_bilinear(int n, int c, int ih, int iw, int oh, int ow, const float *x, float *y)
{
    for (int p = 0; p < n * c; p++) {
        const float *xp = x + (size_t)p * ih * iw;
        float *yp = y + (size_t)p * oh * ow;
        for (int i = 0; i < oh; i++) {
            int y0, y1;
            float ty;
            axis_weights(oh, ih, i, &y0, &y1, &ty);
            for (int j = 0; j < ow; j++) {
                int x0, x1;
                float tx;
                axis_weights(ow, iw, j, &x0, &x1, &tx);
                float top = xp[y0 * iw + x0] + tx * (xp[y0 * iw + x1] - xp[y0 * iw + x0]);
                float bot = xp[y1 * iw + x0] + tx * (xp[y1 * iw + x1] - xp[y1 * iw + x0]);
                yp[i * ow + j] = top + ty * (bot - top);
            }
        }
    }
}

void ln_pad_zero(int planes, int h, int w, int p, const float *x, float *y)
{
    int ow = w + 2 * p, oh = h + 2 * p;
    for (int q = 0; q < planes; q++) {
        float *o = y + (size_t)q * oh * ow;
        memset(o, 0, (size_t)oh * ow * sizeof *o);
        for (int r = 0; r < h; r++) memcpy(o + (size_t)(r + p) * ow + p, x + ((size_t)q * h + r) * w, (size_t)w * sizeof *o);
    }
}
