/* Softmax + cross-entropy, scalar. Max-subtracted for stability; the loss
 * is -log p[label] = log(sum exp(z - max)) - (z[label] - max). */
#include <math.h>

#include "kernels_scalar.h"

double ln_softmax_xent_scalar(int n, int classes, const float *logits, const uint8_t *labels,
                              float scale, float *probs, float *dlogits)
{
    double loss = 0.0;
    for (int i = 0; i < n; i++) {
        const float *z = logits + (size_t)i * classes;
        float *p = probs + (size_t)i * classes;
        float zmax = z[0];
        for (int c = 1; c < classes; c++) zmax = z[c] > zmax ? z[c] : zmax;
        float sum = 0.0f;
        for (int c = 0; c < classes; c++) sum += p[c] = expf(z[c] - zmax);
        float inv = 1.0f / sum;
        for (int c = 0; c < classes; c++) p[c] *= inv;
        if (labels) loss += log((double)sum) - (double)(z[labels[i]] - zmax);
        if (dlogits) {
            float *d = dlogits + (size_t)i * classes;
            for (int c = 0; c < classes; c++) d[c] = (p[c] - (c == labels[i] ? 1.0f : 0.0f)) * scale;
        }
    }
    return loss;
}
