/* SGD step, scalar: the reference the vector versions follow operation for
 * operation (kernels.h). */
#include "kernels_scalar.h"

void ln_sgd_scalar(size_t len, float *w, float *v, const float *g, const ln_sgd *o)
{
    const float lr = o->lr, mu = o->momentum, wd = o->weight_decay;
    if (mu == 0.0f) {
        for (size_t j = 0; j < len; j++) w[j] -= lr * (g[j] + wd * w[j]);
        return;
    }
    for (size_t j = 0; j < len; j++) {
        float gj = g[j] + wd * w[j];
        v[j] = mu * v[j] + gj;
        w[j] -= lr * (o->nesterov ? gj + mu * v[j] : v[j]);
    }
}
