/* Elementwise activations, AVX2, over len floats (any len: the last 1..7
 * use masked loads and stores).
 * - tanh_fwd: ln_vtanh_avx2 (kernels/vmath.h), max 1.066 ulp from tanh
 *   over all 2^32 floats (docs/VMATH.md); NaN -> NaN, +-inf -> +-1; about
 *   0.77 ns a float on Zen 2, 14-20x tanhf.
 * - tanh_bwd: dx = dy * (1 - y*y), the scalar twin's operations in its
 *   order (a product, a difference, a product; no FMA): bit-identical.
 * - relu_fwd: vmaxps(x, 0) is exactly `x > 0 ? x : 0` (0 for NaN and -0).
 * - relu_bwd: dy where x > 0 (ordered), else +0. Both bit-identical.
 * - stanh (LeCun's A tanh(S x)): A * vtanh(S * x), each product rounded
 *   (within 4 ulp of the scalar A * tanhf(S * x)); backward in the scalar's
 *   order, bit-identical.
 * - sigmoid: 1 / (1 + vexp(-x)) with a true division (within 4 ulp of the
 *   scalar's expf); backward dy * (y * (1 - y)), bit-identical.
 * The backward passes may run in place (dx == dy): each step loads before
 * it stores. */
#include "kernels_avx2.h"
#include "vmath_avx2.h"

void ln_tanh_fwd_avx2(size_t len, const float *x, float *y)
{
    size_t i = 0;
    for (; i + 16 <= len; i += 16) {
        __m256 a = _mm256_loadu_ps(x + i), b = _mm256_loadu_ps(x + i + 8);
        _mm256_storeu_ps(y + i, ln_vtanh_avx2(a));
        _mm256_storeu_ps(y + i + 8, ln_vtanh_avx2(b));
    }
    for (; i < len; i += 8) {
        __m256i m = ln_vmask_avx2((int)(len - i < 8 ? len - i : 8));
        _mm256_maskstore_ps(y + i, m, ln_vtanh_avx2(_mm256_maskload_ps(x + i, m)));
    }
}

static inline __m256 tanh_grad(__m256 y, __m256 g)
{
    return _mm256_mul_ps(g, _mm256_sub_ps(_mm256_set1_ps(1.0f), _mm256_mul_ps(y, y)));
}

void ln_tanh_bwd_avx2(size_t len, const float *y, const float *dy, float *dx)
{
    size_t i = 0;
    for (; i + 8 <= len; i += 8)
        _mm256_storeu_ps(dx + i, tanh_grad(_mm256_loadu_ps(y + i), _mm256_loadu_ps(dy + i)));
    if (i < len) {
        __m256i m = ln_vmask_avx2((int)(len - i));
        _mm256_maskstore_ps(dx + i, m, tanh_grad(_mm256_maskload_ps(y + i, m), _mm256_maskload_ps(dy + i, m)));
    }
}

void ln_relu_fwd_avx2(size_t len, const float *x, float *y)
{
    const __m256 zero = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 8 <= len; i += 8) _mm256_storeu_ps(y + i, _mm256_max_ps(_mm256_loadu_ps(x + i), zero));
    if (i < len) {
        __m256i m = ln_vmask_avx2((int)(len - i));
        _mm256_maskstore_ps(y + i, m, _mm256_max_ps(_mm256_maskload_ps(x + i, m), zero));
    }
}

static inline __m256 relu_grad(__m256 x, __m256 g)
{
    return _mm256_and_ps(_mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_GT_OQ), g);
}

void ln_relu_bwd_avx2(size_t len, const float *x, const float *dy, float *dx)
{
    size_t i = 0;
    for (; i + 8 <= len; i += 8)
        _mm256_storeu_ps(dx + i, relu_grad(_mm256_loadu_ps(x + i), _mm256_loadu_ps(dy + i)));
    if (i < len) {
        __m256i m = ln_vmask_avx2((int)(len - i));
        _mm256_maskstore_ps(dx + i, m, relu_grad(_mm256_maskload_ps(x + i, m), _mm256_maskload_ps(dy + i, m)));
    }
}

/* y = f(x) over len floats, 8 at a time, masked tail. */
#define LN_MAP_AVX2(len, x, y, F)                                                                  \
    do {                                                                                           \
        size_t i_ = 0;                                                                             \
        for (; i_ + 8 <= (len); i_ += 8) _mm256_storeu_ps((y) + i_, F(_mm256_loadu_ps((x) + i_))); \
        if (i_ < (len)) {                                                                          \
            __m256i m_ = ln_vmask_avx2((int)((len) - i_));                                         \
            _mm256_maskstore_ps((y) + i_, m_, F(_mm256_maskload_ps((x) + i_, m_)));              \
        }                                                                                          \
    } while (0)

/* dx = G(y, dy) over len floats, in place allowed. */
#define LN_GRAD_AVX2(len, y, dy, dx, G)                                                            \
    do {                                                                                           \
        size_t i_ = 0;                                                                             \
        for (; i_ + 8 <= (len); i_ += 8)                                                           \
            _mm256_storeu_ps((dx) + i_, G(_mm256_loadu_ps((y) + i_), _mm256_loadu_ps((dy) + i_))); \
        if (i_ < (len)) {                                                                          \
            __m256i m_ = ln_vmask_avx2((int)((len) - i_));                                         \
            _mm256_maskstore_ps((dx) + i_, m_, G(_mm256_maskload_ps((y) + i_, m_), _mm256_maskload_ps((dy) + i_, m_))); \
        }                                                                                          \
    } while (0)

static inline __m256 stanh8(__m256 x)
{
    return _mm256_mul_ps(_mm256_set1_ps(LN_STANH_A), ln_vtanh_avx2(_mm256_mul_ps(_mm256_set1_ps(LN_STANH_S), x)));
}

static inline __m256 stanh_grad(__m256 y, __m256 g)
{
    __m256 d = _mm256_sub_ps(_mm256_set1_ps(LN_STANH_AS), _mm256_mul_ps(_mm256_set1_ps(LN_STANH_SA), _mm256_mul_ps(y, y)));
    return _mm256_mul_ps(g, d);
}

static inline __m256 sigmoid8(__m256 x)
{
    const __m256 one = _mm256_set1_ps(1.0f);
    __m256 e = ln_vexp_avx2(_mm256_sub_ps(_mm256_setzero_ps(), x));
    return _mm256_div_ps(one, _mm256_add_ps(one, e));
}

static inline __m256 sigmoid_grad(__m256 y, __m256 g)
{
    return _mm256_mul_ps(g, _mm256_mul_ps(y, _mm256_sub_ps(_mm256_set1_ps(1.0f), y)));
}

void ln_stanh_fwd_avx2(size_t len, const float *x, float *y) { LN_MAP_AVX2(len, x, y, stanh8); }
void ln_stanh_bwd_avx2(size_t len, const float *y, const float *dy, float *dx) { LN_GRAD_AVX2(len, y, dy, dx, stanh_grad); }
void ln_sigmoid_fwd_avx2(size_t len, const float *x, float *y) { LN_MAP_AVX2(len, x, y, sigmoid8); }
void ln_sigmoid_bwd_avx2(size_t len, const float *y, const float *dy, float *dx) { LN_GRAD_AVX2(len, y, dy, dx, sigmoid_grad); }
