/* This CPU's FMA peak: the widest multiply-add loop it can run (AVX2+FMA,
 * NEON, else plain C at the baseline flags), on every thread at once, the
 * best of some runs (a peak is an upper bound: noise only lowers it). */
#include <omp.h>

#include "bench.h"
#include "fma_loops.h"
#include "kernels.h"

double bench_fma_loop_scalar(long iters, float *sink)
{
    enum { ACC = 16 };
    float c[ACC];
    for (int j = 0; j < ACC; j++) c[j] = 1.0f + 0.01f * (float)j;
    for (long i = 0; i < iters; i++)
        for (int j = 0; j < ACC; j++) c[j] = c[j] * 0.999999f + 1e-6f;
    float s = 0.0f;
    for (int j = 0; j < ACC; j++) s += c[j];
    *sink = s;
    return (double)iters * ACC * 2;
}

typedef double (*fma_loop_fn)(long iters, float *sink);

static fma_loop_fn pick(const char **how)
{
#if defined(LN_BENCH_AVX2)
    const ln_cpu_info *ci = ln_cpu();
    if (ci->avx2 && ci->fma && ci->os_ymm) {
        *how = "avx2: 12 ymm accumulators of _mm256_fmadd_ps";
        return bench_fma_loop_avx2;
    }
#elif defined(LN_BENCH_NEON)
    *how = "neon: 16 q accumulators of vfmaq_f32";
    return bench_fma_loop_neon;
#endif
    *how = "scalar C: 16 accumulators of c*a + b at the baseline flags";
    return bench_fma_loop_scalar;
}

/* GFLOP/s of `threads` threads running loop(iters) at once. */
static double run_once(fma_loop_fn loop, long iters, int threads)
{
    double t0 = 0.0, t1 = 0.0, flops = 0.0;
    volatile float sink = 0.0f;
#pragma omp parallel num_threads(threads) reduction(+ : flops)
    {
        float s;
#pragma omp barrier
#pragma omp master
        t0 = bench_now();
        flops += loop(iters, &s);
#pragma omp barrier
#pragma omp master
        {
            t1 = bench_now();
            sink = s;
        }
    }
    (void)sink;
    return flops / (t1 - t0) * 1e-9;
}

double bench_fma_peak(int threads, int runs, const char **how)
{
    static long iters; /* sized once: about 20 ms a run */
    fma_loop_fn loop = pick(how);
    for (long n = 1 << 12; !iters; n *= 2) {
        double t0 = bench_now();
        float s;
        loop(n, &s);
        if (bench_now() - t0 > 0.02) iters = n;
    }
    double best = 0.0;
    for (int r = 0; r < runs; r++) {
        double g = run_once(loop, iters, threads);
        if (g > best) best = g;
    }
    return best;
}
