/* Elementwise activations, NEON. tanh uses the vector approximation of
 * vmath_neon.h (the same as AVX2's; within a few ulp of tanhf); a tail of
 * fewer than 4 goes through a 4-float stack buffer so it gets the same
 * approximation without touching memory past len. tanh bwd keeps scalar's
 * order, dy * (1 - y*y), no FMA; relu selects with x > 0 like scalar (NaN
 * and -0 give +0). Backward may run in place (dx == dy): each element is
 * read before its own store. */
#include <arm_neon.h>
#include <string.h>

#include "kernels_neon.h"
#include "vmath_neon.h"

void ln_tanh_fwd_neon(size_t len, const float *x, float *y)
{
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        float32x4_t a = vld1q_f32(x + i), b = vld1q_f32(x + i + 4);
        vst1q_f32(y + i, ln_vtanh_neon(a));
        vst1q_f32(y + i + 4, ln_vtanh_neon(b));
    }
    for (; i + 4 <= len; i += 4) vst1q_f32(y + i, ln_vtanh_neon(vld1q_f32(x + i)));
    if (i < len) {
        float t[4] = {0.0f, 0.0f, 0.0f, 0.0f};
        memcpy(t, x + i, (len - i) * sizeof(float));
        vst1q_f32(t, ln_vtanh_neon(vld1q_f32(t)));
        memcpy(y + i, t, (len - i) * sizeof(float));
    }
}

void ln_tanh_bwd_neon(size_t len, const float *y, const float *dy, float *dx)
{
    const float32x4_t one = vdupq_n_f32(1.0f);
    size_t i = 0;
    for (; i + 4 <= len; i += 4) {
        float32x4_t yv = vld1q_f32(y + i);
        vst1q_f32(dx + i, vmulq_f32(vld1q_f32(dy + i), vsubq_f32(one, vmulq_f32(yv, yv))));
    }
    for (; i < len; i++) dx[i] = dy[i] * (1.0f - y[i] * y[i]);
}

void ln_relu_fwd_neon(size_t len, const float *x, float *y)
{
    const float32x4_t zero = vdupq_n_f32(0.0f);
    size_t i = 0;
    for (; i + 4 <= len; i += 4) {
        float32x4_t v = vld1q_f32(x + i);
        vst1q_f32(y + i, vbslq_f32(vcgtq_f32(v, zero), v, zero));
    }
    for (; i < len; i++) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

void ln_relu_bwd_neon(size_t len, const float *x, const float *dy, float *dx)
{
    const float32x4_t zero = vdupq_n_f32(0.0f);
    size_t i = 0;
    for (; i + 4 <= len; i += 4)
        vst1q_f32(dx + i, vbslq_f32(vcgtq_f32(vld1q_f32(x + i), zero), vld1q_f32(dy + i), zero));
    for (; i < len; i++) dx[i] = x[i] > 0.0f ? dy[i] : 0.0f;
}

/* stanh and sigmoid: the AVX2 versions' operations four floats at a time
 * (vmath_neon.h's tanh and exp, a true division); the tail goes through a
 * 4-float buffer so it gets the same approximation. */
static inline float32x4_t stanh4(float32x4_t x)
{
    return vmulq_f32(vdupq_n_f32(LN_STANH_A), ln_vtanh_neon(vmulq_f32(vdupq_n_f32(LN_STANH_S), x)));
}

static inline float32x4_t sigmoid4(float32x4_t x)
{
    const float32x4_t one = vdupq_n_f32(1.0f);
    return vdivq_f32(one, vaddq_f32(one, ln_vexp_neon(vnegq_f32(x))));
}

static void map4(size_t len, const float *x, float *y, float32x4_t (*f)(float32x4_t))
{
    size_t i = 0;
    for (; i + 4 <= len; i += 4) vst1q_f32(y + i, f(vld1q_f32(x + i)));
    if (i < len) {
        float t[4] = {0.0f, 0.0f, 0.0f, 0.0f};
        memcpy(t, x + i, (len - i) * sizeof(float));
        vst1q_f32(t, f(vld1q_f32(t)));
        memcpy(y + i, t, (len - i) * sizeof(float));
    }
}

void ln_stanh_fwd_neon(size_t len, const float *x, float *y) { map4(len, x, y, stanh4); }
void ln_sigmoid_fwd_neon(size_t len, const float *x, float *y) { map4(len, x, y, sigmoid4); }

void ln_stanh_bwd_neon(size_t len, const float *y, const float *dy, float *dx)
{
    const float32x4_t as = vdupq_n_f32(LN_STANH_AS), sa = vdupq_n_f32(LN_STANH_SA);
    size_t i = 0;
    for (; i + 4 <= len; i += 4) {
        float32x4_t v = vld1q_f32(y + i);
        vst1q_f32(dx + i, vmulq_f32(vld1q_f32(dy + i), vsubq_f32(as, vmulq_f32(sa, vmulq_f32(v, v)))));
    }
    for (; i < len; i++) dx[i] = dy[i] * (LN_STANH_AS - LN_STANH_SA * (y[i] * y[i]));
}

void ln_sigmoid_bwd_neon(size_t len, const float *y, const float *dy, float *dx)
{
    const float32x4_t one = vdupq_n_f32(1.0f);
    size_t i = 0;
    for (; i + 4 <= len; i += 4) {
        float32x4_t v = vld1q_f32(y + i);
        vst1q_f32(dx + i, vmulq_f32(vld1q_f32(dy + i), vmulq_f32(v, vsubq_f32(one, v))));
    }
    for (; i < len; i++) dx[i] = dy[i] * (y[i] * (1.0f - y[i]));
}
