/* The loss part of the RBF output, shared by every kernel set: given one
 * row's distances y[out], the row's loss and dloss/dy_i (into g). Plain C
 * in double: ten values a row, nothing to vectorise. */
#ifndef LN_RBF_LOSS_H
#define LN_RBF_LOSS_H
#include <math.h>

static inline double ln_rbf_row_loss(int out, const double *y, int label, float map_j, double *g)
{
    for (int i = 0; i < out; i++) g[i] = i == label ? 1.0 : 0.0;
    if (map_j < 0.0f) return y[label];
    /* log(e^-j + sum e^-y_i), shifted by the smallest exponent for range */
    double m = map_j;
    for (int i = 0; i < out; i++) m = y[i] < m ? y[i] : m;
    double z = exp(-(map_j - m));
    for (int i = 0; i < out; i++) z += exp(-(y[i] - m));
    for (int i = 0; i < out; i++) g[i] -= exp(-(y[i] - m)) / z;
    return y[label] + log(z) - m;
}

#endif
