/* Elementwise activations, scalar. tanh uses libm's tanhf (the reference
 * the vector approximations are measured against). */
#include <math.h>

#include "kernels_scalar.h"

void ln_tanh_fwd_scalar(size_t len, const float *x, float *y)
{
    for (size_t i = 0; i < len; i++) y[i] = tanhf(x[i]);
}

void ln_tanh_bwd_scalar(size_t len, const float *y, const float *dy, float *dx)
{
    for (size_t i = 0; i < len; i++) dx[i] = dy[i] * (1.0f - y[i] * y[i]);
}

void ln_relu_fwd_scalar(size_t len, const float *x, float *y)
{
    for (size_t i = 0; i < len; i++) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

void ln_relu_bwd_scalar(size_t len, const float *x, const float *dy, float *dx)
{
    for (size_t i = 0; i < len; i++) dx[i] = x[i] > 0.0f ? dy[i] : 0.0f;
}

void ln_stanh_fwd_scalar(size_t len, const float *x, float *y)
{
    for (size_t i = 0; i < len; i++) y[i] = LN_STANH_A * tanhf(LN_STANH_S * x[i]);
}

void ln_stanh_bwd_scalar(size_t len, const float *y, const float *dy, float *dx)
{
    for (size_t i = 0; i < len; i++) dx[i] = dy[i] * (LN_STANH_AS - LN_STANH_SA * (y[i] * y[i]));
}

void ln_sigmoid_fwd_scalar(size_t len, const float *x, float *y)
{
    for (size_t i = 0; i < len; i++) y[i] = 1.0f / (1.0f + expf(-x[i]));
}

void ln_sigmoid_bwd_scalar(size_t len, const float *y, const float *dy, float *dx)
{
    for (size_t i = 0; i < len; i++) dx[i] = dy[i] * (y[i] * (1.0f - y[i]));
}
