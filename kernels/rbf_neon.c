/* Euclidean RBF output, NEON: the AVX2 version's scheme four lanes at a
 * time, with scalar tails. */
#include <arm_neon.h>

#include "kernels_neon.h"
#include "rbf_loss.h"

static float dist2(const float *x, const float *w, int in)
{
    float32x4_t acc = vdupq_n_f32(0.0f);
    int j = 0;
    for (; j + 4 <= in; j += 4) {
        float32x4_t d = vsubq_f32(vld1q_f32(x + j), vld1q_f32(w + j));
        acc = vfmaq_f32(acc, d, d);
    }
    float s = vaddvq_f32(acc);
    for (; j < in; j++) s += (x[j] - w[j]) * (x[j] - w[j]);
    return s;
}

double ln_rbf_neon(int n, int in, int out, const float *x, const float *w, const uint8_t *labels, float map_j,
                   float scale, float *scores, float *dx)
{
    double loss = 0.0, y[256], g[256];
    for (int r = 0; r < n; r++) {
        const float *xr = x + (size_t)r * in;
        for (int i = 0; i < out; i++) {
            y[i] = dist2(xr, w + (size_t)i * in, in);
            scores[(size_t)r * out + i] = (float)-y[i];
        }
        if (!labels) continue;
        loss += ln_rbf_row_loss(out, y, labels[r], map_j, g);
        if (!dx) continue;
        float gs = 0.0f;
        for (int i = 0; i < out; i++) gs += (float)g[i];
        float *dr = dx + (size_t)r * in;
        int j = 0;
        for (; j + 4 <= in; j += 4) {
            float32x4_t a = vmulq_n_f32(vld1q_f32(xr + j), gs);
            for (int i = 0; i < out; i++)
                if (g[i] != 0.0) a = vfmsq_f32(a, vld1q_f32(w + (size_t)i * in + j), vdupq_n_f32((float)g[i]));
            vst1q_f32(dr + j, vmulq_n_f32(a, 2.0f * scale));
        }
        for (; j < in; j++) {
            float a = gs * xr[j];
            for (int i = 0; i < out; i++)
                if (g[i] != 0.0) a -= (float)g[i] * w[(size_t)i * in + j];
            dr[j] = 2.0f * scale * a;
        }
    }
    return loss;
}
