/* Euclidean RBF output and its loss, scalar (the reference): distances
 * accumulated in double. */
#include "kernels_scalar.h"
#include "rbf_loss.h"

double ln_rbf_scalar(int n, int in, int out, const float *x, const float *w, const uint8_t *labels, float map_j,
                     float scale, float *scores, float *dx)
{
    double loss = 0.0, y[256], g[256];
    for (int r = 0; r < n; r++) {
        const float *xr = x + (size_t)r * in;
        for (int i = 0; i < out; i++) {
            double s = 0.0;
            for (int j = 0; j < in; j++) {
                double d = (double)xr[j] - w[(size_t)i * in + j];
                s += d * d;
            }
            y[i] = s;
            scores[(size_t)r * out + i] = (float)-s;
        }
        if (!labels) continue;
        loss += ln_rbf_row_loss(out, y, labels[r], map_j, g);
        if (!dx) continue;
        for (int j = 0; j < in; j++) {
            double a = 0.0;
            for (int i = 0; i < out; i++) a += g[i] * 2.0 * ((double)xr[j] - w[(size_t)i * in + j]);
            dx[(size_t)r * in + j] = (float)(scale * a);
        }
    }
    return loss;
}
