/* FMA peaks per ISA: for each kernel set, the multiply-add loop of its ISA
 * (plain C at the baseline flags for scalar, ymm for avx2, zmm for avx512,
 * q registers for neon), on every thread at once. A peak is an upper bound
 * that noise only lowers, so each figure is the best of many trials, more
 * while the best still climbs, and the best of every call so far for that
 * loop and thread count (a busy moment in one call does not stick).
 *
 * Trials are short (~5 ms, as long as a kernel sample): on a machine whose
 * cores other processes share, the scheduler hands out slices of a few ms,
 * and a short trial can fall wholly in one of ours where a long one never
 * does. Measured on the 2-core Zen 4 under a load of ~7: best of 2 or 10 ms
 * trials 117 GFLOP/s on 1 thread and 236 on 2 (the hardware's figures);
 * best of 50 ms trials 40-45 for both. */
#include <omp.h>
#include <string.h>

#include "bench.h"
#include "fma_loops.h"
#include "kernels.h"

#define TRIAL_S 0.005
enum { MAX_THREADS = 1024 };

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

static int runs_always(void) { return 1; }
#if defined(LN_BENCH_AVX2)
static int runs_avx2(void) { return ln_cpu()->avx2 && ln_cpu()->fma && ln_cpu()->os_ymm; }
#endif
#if defined(LN_BENCH_AVX512)
/* the CPU itself, not ln_cpu_runs("avx512"): a SIMDe build runs that set
 * without AVX-512 */
static int runs_avx512(void) { return ln_cpu()->avx512f && ln_cpu()->fma && ln_cpu()->os_zmm; }
#endif
#if defined(LN_BENCH_NEON)
static int runs_neon(void) { return ln_cpu()->neon; }
#endif

/* The loops this build has, narrowest first. */
static const struct peak_loop {
    const char *isa, *how;
    fma_loop_fn fn;
    int (*runs)(void);
} loops[] = {
    {"scalar", "scalar C: 16 accumulators of c*a + b at the baseline flags", bench_fma_loop_scalar, runs_always},
#if defined(LN_BENCH_AVX2)
    {"avx2", "avx2: 12 ymm accumulators of _mm256_fmadd_ps", bench_fma_loop_avx2, runs_avx2},
#endif
#if defined(LN_BENCH_AVX512)
    {"avx512", "avx512: 16 zmm accumulators of _mm512_fmadd_ps", bench_fma_loop_avx512, runs_avx512},
#endif
#if defined(LN_BENCH_NEON)
    {"neon", "neon: 16 q accumulators of vfmaq_f32", bench_fma_loop_neon, runs_neon},
#endif
};
enum { NLOOPS = sizeof loops / sizeof loops[0] };

static long iters[NLOOPS];                  /* per loop: about TRIAL_S on one thread */
static double best[NLOOPS][MAX_THREADS + 1]; /* per loop and thread count: the best so far */

/* The loop of `isa`, or the widest this CPU runs where that one cannot run
 * here (or isa is NULL); *fallback says which. */
static int pick(const char *isa, int *fallback)
{
    int widest = 0;
    for (int i = 0; i < NLOOPS; i++)
        if (loops[i].runs()) {
            if (isa && !strcmp(loops[i].isa, isa)) {
                *fallback = 0;
                return i;
            }
            widest = i;
        }
    *fallback = isa != NULL;
    return widest;
}

/* GFLOP/s of `threads` threads running loop(n) at once. */
static double run_once(fma_loop_fn loop, long n, int threads)
{
    double t0 = 0.0, t1 = 0.0, flops = 0.0;
    volatile float sink = 0.0f;
#pragma omp parallel num_threads(threads) reduction(+ : flops)
    {
        float s;
#pragma omp barrier
#pragma omp master
        t0 = bench_now();
        flops += loop(n, &s);
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

double bench_fma_peak_isa(const char *isa, int threads, int trials, const char **how)
{
    static char note[NLOOPS][160];
    int fallback, l = pick(isa, &fallback);
    const struct peak_loop *p = &loops[l];
    if (fallback) {
        snprintf(note[l], sizeof note[l], "%s (no %s loop runs here)", p->how, isa);
        *how = note[l];
    } else {
        *how = p->how;
    }
    for (long n = 1 << 12; !iters[l]; n *= 2) {
        double t0 = bench_now();
        float s;
        p->fn(n, &s);
        if (bench_now() - t0 > TRIAL_S) iters[l] = n;
    }
    if (threads < 1) threads = 1;
    double top = 0.0;
    /* at least `trials`; then on while one of the last two raised the
     * best by over 1%, up to three times as many */
    for (int r = 0, gained = -3; r < trials || (r - gained <= 2 && r < 3 * trials); r++) {
        double g = run_once(p->fn, iters[l], threads);
        if (r > 0 && g > top * 1.01) gained = r;
        if (g > top) top = g;
    }
    if (threads <= MAX_THREADS) {
        if (top > best[l][threads]) best[l][threads] = top;
        top = best[l][threads];
    }
    return top;
}
