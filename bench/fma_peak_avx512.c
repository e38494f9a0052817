/* The AVX-512 peak loop: 16 zmm accumulators of _mm512_fmadd_ps (Zen 5 and
 * Intel server cores: two 512-bit FMA pipes of 4 cycles latency want >= 8
 * independent chains; 16 leave headroom and still fit the 32 registers).
 * Built with -mavx512f -mfma; called only after the CPU check. */
#include <immintrin.h>

#include "fma_loops.h"

#define FMA4(a, b, c, d) \
    a = _mm512_fmadd_ps(a, x, y), b = _mm512_fmadd_ps(b, x, y), c = _mm512_fmadd_ps(c, x, y), d = _mm512_fmadd_ps(d, x, y)

double bench_fma_loop_avx512(long iters, float *sink)
{
    const __m512 x = _mm512_set1_ps(0.999999f), y = _mm512_set1_ps(1e-6f);
    __m512 c0 = _mm512_set1_ps(1.00f), c1 = _mm512_set1_ps(1.01f), c2 = _mm512_set1_ps(1.02f);
    __m512 c3 = _mm512_set1_ps(1.03f), c4 = _mm512_set1_ps(1.04f), c5 = _mm512_set1_ps(1.05f);
    __m512 c6 = _mm512_set1_ps(1.06f), c7 = _mm512_set1_ps(1.07f), c8 = _mm512_set1_ps(1.08f);
    __m512 c9 = _mm512_set1_ps(1.09f), c10 = _mm512_set1_ps(1.10f), c11 = _mm512_set1_ps(1.11f);
    __m512 c12 = _mm512_set1_ps(1.12f), c13 = _mm512_set1_ps(1.13f), c14 = _mm512_set1_ps(1.14f);
    __m512 c15 = _mm512_set1_ps(1.15f);
    for (long i = 0; i < iters; i++) { /* c = c*x + y converges to 1: no overflow, no subnormals */
        FMA4(c0, c1, c2, c3);
        FMA4(c4, c5, c6, c7);
        FMA4(c8, c9, c10, c11);
        FMA4(c12, c13, c14, c15);
    }
    __m512 s = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(c0, c1), _mm512_add_ps(c2, c3)),
                             _mm512_add_ps(_mm512_add_ps(c4, c5), _mm512_add_ps(c6, c7)));
    s = _mm512_add_ps(s, _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(c8, c9), _mm512_add_ps(c10, c11)),
                                       _mm512_add_ps(_mm512_add_ps(c12, c13), _mm512_add_ps(c14, c15))));
    *sink = _mm512_reduce_add_ps(s);
    return (double)iters * 16 * 16 * 2;
}
