/* Register-resident multiply-add loops, one per ISA, for the FMA peak:
 * `iters` rounds over independent accumulators (enough to cover the FMA
 * latency on every pipe). Each returns the FLOPs it did and leaves a value
 * of the accumulators in *sink, so nothing is optimised away. */
#ifndef LN_BENCH_FMA_LOOPS_H
#define LN_BENCH_FMA_LOOPS_H

double bench_fma_loop_scalar(long iters, float *sink); /* fma_peak.c: baseline flags */
double bench_fma_loop_avx2(long iters, float *sink);   /* fma_peak_avx2.c: -mavx2 -mfma */
double bench_fma_loop_avx512(long iters, float *sink); /* fma_peak_avx512.c: -mavx512f -mfma */
double bench_fma_loop_neon(long iters, float *sink);   /* fma_peak_neon.c: AArch64 */

#endif
