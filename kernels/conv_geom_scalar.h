/* Shared index arithmetic of the scalar convolutions. */
#ifndef LN_CONV_GEOM_SCALAR_H
#define LN_CONV_GEOM_SCALAR_H
#include "kernels.h"

/* Output columns [*lo, *hi) for which input column ox + v - pad lies in
 * [0, in): the others read zero padding. */
static inline void ln_conv_cols(int v, int pad, int in, int out, int *lo, int *hi)
{
    int a = pad - v, b = in + pad - v;
    *lo = a < 0 ? 0 : a;
    *hi = b > out ? out : b;
    if (*hi < *lo) *hi = *lo;
}

#endif
