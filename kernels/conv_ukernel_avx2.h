/* The convolution micro-kernel: an MR x (TR*TC*8) tile of outputs kept in
 * 12 ymm accumulators (FMA latency x two pipes needs ~10 independent
 * chains), fed by MR broadcast weights and TR*TC vector loads per step of
 * the reduction.
 *
 * The reduction index k = (channel, tap) reads its B vectors at
 * base + off[k] + t*rp + 8*c (row t of TR, vector c of TC): with a padded
 * input plane as base and off[k] = c*plane + u*pitch + v this is an
 * implicit GEMM (no im2col), and with an im2col block as base and
 * off[k] = k*stride it is a plain GEMM over packed columns. Built with
 * compile-time MR, TR, TC at every call site. */
#ifndef LN_CONV_UKERNEL_AVX2_H
#define LN_CONV_UKERNEL_AVX2_H
#include <stddef.h>

#include "gemm_util_avx2.h"

/* a: [K][MR] packed weights, off: [K] int32 offsets (as float bits),
 * acc: [MR][TR*TC], updated in place. */
LN_AVX2_INLINE void ln_conv_ukr_avx2(int K, const float *a, const float *off, const float *base,
                                     ptrdiff_t rp, const int MR, const int TR, const int TC, __m256 *acc)
{
    const int NV = TR * TC;
    for (int k = 0; k < K; k++, a += MR) {
        const float *p = base + ln_get_i32(off + k);
        if (MR <= NV) {
            /* few rows: hold the MR weights, stream the B vectors */
            __m256 w[6];
#pragma GCC unroll 6
            for (int r = 0; r < MR; r++) w[r] = _mm256_broadcast_ss(a + r);
#pragma GCC unroll 12
            for (int t = 0; t < TR; t++)
#pragma GCC unroll 4
                for (int c = 0; c < TC; c++) {
                    __m256 bv = _mm256_loadu_ps(p + t * rp + 8 * c);
                    if (MR > 1) LN_IN_REG(bv);
#pragma GCC unroll 6
                    for (int r = 0; r < MR; r++)
                        acc[r * NV + t * TC + c] = _mm256_fmadd_ps(w[r], bv, acc[r * NV + t * TC + c]);
                }
        } else {
            /* many rows: hold the B vectors, stream the weights */
            __m256 bv[12];
#pragma GCC unroll 12
            for (int t = 0; t < TR; t++)
#pragma GCC unroll 4
                for (int c = 0; c < TC; c++) bv[t * TC + c] = _mm256_loadu_ps(p + t * rp + 8 * c);
#pragma GCC unroll 6
            for (int r = 0; r < MR; r++) {
                __m256 w = _mm256_broadcast_ss(a + r);
#pragma GCC unroll 12
                for (int v = 0; v < NV; v++) acc[r * NV + v] = _mm256_fmadd_ps(w, bv[v], acc[r * NV + v]);
            }
        }
    }
}

/* The single-output-channel kernel (a data gradient into one input
 * channel): with one weight per step the kernel above would load a B
 * vector for every FMA. Here a tile of TR rows x TC vectors walks the
 * padded rows instead: each row vector loaded serves the KH taps u that
 * map it onto tile rows t = row - u, so a step over (channel, column tap
 * v) is (TR+KH-1)*TC loads and KH broadcasts for TR*KH*TC FMAs.
 * a: [C][KH][kw] weights, base: the tile's corner in channel 0 of the
 * padded planes (plane floats apart, rp a row), acc: [TR][TC]. */
LN_AVX2_INLINE void ln_conv_ukr_rows_avx2(int C, int kw, const float *a, const float *base, ptrdiff_t plane,
                                          ptrdiff_t rp, const int TR, const int TC, const int KH, __m256 *acc)
{
    for (int c = 0; c < C; c++, base += plane, a += KH * kw)
        for (int v = 0; v < kw; v++) {
            __m256 w[5];
#pragma GCC unroll 5
            for (int u = 0; u < KH; u++) w[u] = _mm256_broadcast_ss(a + u * kw + v);
#pragma GCC unroll 16
            for (int row = 0; row < TR + KH - 1; row++)
#pragma GCC unroll 4
                for (int tc = 0; tc < TC; tc++) {
                    __m256 bv = _mm256_loadu_ps(base + v + row * rp + 8 * tc);
                    LN_IN_REG(bv);
#pragma GCC unroll 5
                    for (int u = 0; u < KH; u++) {
                        int t = row - u;
                        if (t >= 0 && t < TR) acc[t * TC + tc] = _mm256_fmadd_ps(w[u], bv, acc[t * TC + tc]);
                    }
                }
        }
}

#endif
