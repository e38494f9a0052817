/* Dense layer kernels, scalar reference: plain loops over rows. */
#include <string.h>

#include "kernels_scalar.h"

void ln_dense_fwd_scalar(int n, int in, int out, const float *x, const float *w, const float *b,
                         float *y)
{
    for (int i = 0; i < n; i++)
        for (int o = 0; o < out; o++) {
            const float *xr = x + (size_t)i * in, *wr = w + (size_t)o * in;
            float acc = 0.0f;
            for (int j = 0; j < in; j++) acc += xr[j] * wr[j];
            y[(size_t)i * out + o] = b[o] + acc;
        }
}

void ln_dense_bwd_data_scalar(int n, int in, int out, const float *dy, const float *w, float *dx)
{
    memset(dx, 0, (size_t)n * in * sizeof(float));
    for (int i = 0; i < n; i++)
        for (int o = 0; o < out; o++) {
            float g = dy[(size_t)i * out + o];
            const float *wr = w + (size_t)o * in;
            float *dxr = dx + (size_t)i * in;
            for (int j = 0; j < in; j++) dxr[j] += g * wr[j];
        }
}

void ln_dense_bwd_weights_scalar(int n, int in, int out, const float *x, const float *dy, float *dw,
                                 float *db)
{
    for (int i = 0; i < n; i++)
        for (int o = 0; o < out; o++) {
            float g = dy[(size_t)i * out + o];
            const float *xr = x + (size_t)i * in;
            float *dwr = dw + (size_t)o * in;
            for (int j = 0; j < in; j++) dwr[j] += g * xr[j];
            db[o] += g;
        }
}
