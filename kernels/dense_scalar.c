/* Dense layer kernels, scalar: three GEMMs over the whole chunk. */
#include <string.h>

#include "kernels_scalar.h"

void ln_dense_fwd_scalar(int n, int in, int out, const float *x, const float *w, const float *b,
                         float *y)
{
    for (int i = 0; i < n; i++) memcpy(y + (size_t)i * out, b, (size_t)out * sizeof(float));
    ln_gemm_scalar(0, 1, n, out, in, x, in, w, in, 1.0f, y, out);
}

void ln_dense_bwd_data_scalar(int n, int in, int out, const float *dy, const float *w, float *dx)
{
    ln_gemm_scalar(0, 0, n, in, out, dy, out, w, in, 0.0f, dx, in);
}

void ln_dense_bwd_weights_scalar(int n, int in, int out, const float *x, const float *dy, float *dw,
                                 float *db)
{
    ln_gemm_scalar(1, 0, out, in, n, dy, out, x, in, 1.0f, dw, in);
    for (int i = 0; i < n; i++)
        for (int o = 0; o < out; o++) db[o] += dy[(size_t)i * out + o];
}
