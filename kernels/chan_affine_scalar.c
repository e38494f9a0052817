/* Per-channel affine (trainable subsampling's coefficient and bias),
 * scalar. Sums run in double: they are the reference. */
#include "kernels_scalar.h"

void ln_chan_affine_scalar(int n, int c, int hw, float mult, const float *x, const float *s, const float *b, float *y)
{
    for (int i = 0; i < n; i++)
        for (int ch = 0; ch < c; ch++) {
            size_t o = ((size_t)i * c + ch) * hw;
            float sc = s[ch], bb = b ? b[ch] : 0.0f;
            for (int j = 0; j < hw; j++) y[o + j] = sc * (mult * x[o + j]) + bb;
        }
}

void ln_chan_affine_params_scalar(int n, int c, int hw, float mult, const float *x, const float *dy, float *ds,
                                  float *db)
{
    for (int ch = 0; ch < c; ch++) {
        double a = 0.0, g = 0.0;
        for (int i = 0; i < n; i++) {
            size_t o = ((size_t)i * c + ch) * hw;
            for (int j = 0; j < hw; j++) a += (double)dy[o + j] * (double)(mult * x[o + j]), g += dy[o + j];
        }
        ds[ch] += (float)a;
        db[ch] += (float)g;
    }
}
