/* lenet-bench kernels: each kernel of each kernel set on LeNet-5's shapes
 * (and any given with --shape), against the scalar set and the FMA peak of
 * the set's own ISA. One row per kernel, shape and set: the median time per
 * call over --reps samples after a warm-up, with min..max, GFLOP/s over
 * nominal FLOPs (GB/s over nominal bytes for the memory-bound kernels), the
 * fraction of that set's peak on as many threads (scalar: plain C at the
 * baseline flags; avx2: ymm; avx512: zmm; neon: q registers) and the
 * speedup over scalar measured next to it. Caches are warm: each sample
 * repeats the call on the same buffers. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "kcase.h"

enum { MAX_CASES = 128, MAX_SETS = 8 };
#define SAMPLE_S 0.002 /* calls per sample: as many as fill ~2 ms */
#define WARMUP_S 0.02

typedef struct kopts {
    const char *isa;
    int threads, batch, reps, json, no_lenet;
    bopt_list shapes;
} kopts;

/* Per-call seconds of case c on table k over `reps` samples: every thread
 * runs its own copy on its own buffers at once (throughput, as the trainer
 * runs chunks). Returns -1 if the buffers could not be allocated. */
static int measure(const kcase *c, const ln_kernels *k, int threads, int reps, bench_stats *st)
{
    double *t = malloc((size_t)reps * sizeof *t), t0 = 0.0;
    int bad = !t, inner = 1;
#pragma omp parallel num_threads(threads)
    {
        kbufs b;
        int mine = kbufs_alloc(&b, c, k);
        if (mine) {
#pragma omp atomic write
            bad = 1;
        }
#pragma omp barrier
        if (!bad) {
            kcase_call(c, k, &b);
#pragma omp barrier
#pragma omp single
            { /* warm-up, which also sizes a sample */
                int calls = 0;
                double w0 = bench_now(), dt;
                do {
                    kcase_call(c, k, &b);
                    calls++;
                } while ((dt = bench_now() - w0) < WARMUP_S || calls < 2);
                inner = (int)(SAMPLE_S / (dt / calls)) + 1;
            }
            for (int r = 0; r < reps; r++) {
#pragma omp barrier
#pragma omp master
                t0 = bench_now();
                for (int i = 0; i < inner; i++) kcase_call(c, k, &b);
#pragma omp barrier
#pragma omp master
                t[r] = (bench_now() - t0) / inner;
            }
        }
        if (!mine) kbufs_free(&b);
    }
    if (!bad) bench_stats_of(t, reps, st);
    free(t);
    return bad ? -1 : 0;
}

/* ---- output ---- */

typedef struct krow {
    const kcase *c;
    const char *isa;
    bench_stats st;
    double speedup, peak; /* peak: GFLOP/s of the set's FMA loop */
    int threads, set; /* set: index into the run's sets */
} krow;

static double gflops(const krow *r) { return r->c->flops * r->threads / r->st.med * 1e-9; }
static double gbps(const krow *r) { return r->c->bytes * r->threads / r->st.med * 1e-9; }

static void text_header(void)
{
    printf("%-18s %-18s %-7s %10s %21s %8s %7s %6s %9s\n", "kernel", "shape", "isa", "median_us", "min..max_us",
           "GFLOP/s", "GB/s", "%peak", "vs_scalar");
}

static void text_row(const krow *r)
{
    char spread[40], gf[16] = "-", gb[16] = "-", pk[16] = "-";
    snprintf(spread, sizeof spread, "%.2f..%.2f", r->st.min * 1e6, r->st.max * 1e6);
    if (r->c->flops > 0) {
        snprintf(gf, sizeof gf, "%.2f", gflops(r));
        snprintf(pk, sizeof pk, "%.1f%%", 100.0 * gflops(r) / r->peak);
    } else {
        snprintf(gb, sizeof gb, "%.1f", gbps(r));
    }
    printf("%-18s %-18s %-7s %10.2f %21s %8s %7s %6s %8.2fx\n", r->c->name, r->c->shape, r->isa, r->st.med * 1e6,
           spread, gf, gb, pk, r->speedup);
}

static void json_row(const krow *r, int first)
{
    char name[80], shape[100];
    printf("%s\n  {\"kernel\":%s,\"shape\":%s,\"isa\":\"%s\",\"median_us\":%.3f,\"min_us\":%.3f,\"max_us\":%.3f,"
           "\"q1_us\":%.3f,\"q3_us\":%.3f,",
           first ? "" : ",", bench_json_str(r->c->name, name, sizeof name),
           bench_json_str(r->c->shape, shape, sizeof shape), r->isa, r->st.med * 1e6, r->st.min * 1e6,
           r->st.max * 1e6, r->st.q1 * 1e6, r->st.q3 * 1e6);
    if (r->c->flops > 0)
        printf("\"flops\":%.0f,\"gflops\":%.3f,\"fma_peak_gflops\":%.2f,\"peak_fraction\":%.4f,\"gbps\":null,",
               r->c->flops, gflops(r), r->peak, gflops(r) / r->peak);
    else
        printf("\"flops\":null,\"gflops\":null,\"fma_peak_gflops\":%.2f,\"peak_fraction\":null,\"gbps\":%.3f,",
               r->peak, gbps(r));
    printf("\"speedup_vs_scalar\":%.3f}", r->speedup);
}

/* ---- the command ---- */

static int pick_sets(const kopts *o, const ln_kernels **sets)
{
    int m = 0;
    if (strcmp(o->isa, "all") != 0) {
        const ln_kernels *k;
        if (ln_kernels_select(o->isa, &k) != LN_OK) {
            fprintf(stderr, "lenet-bench kernels: --isa %s: not available in this build or on this CPU (%s)\n", o->isa,
                    ln_cpu()->brand[0] ? ln_cpu()->brand : "unknown CPU");
            return -1;
        }
        sets[m++] = k;
        return m;
    }
    for (const char *const *b = ln_kernels_built(); *b && m < MAX_SETS; b++) {
        const ln_kernels *k;
        if (ln_kernels_select(*b, &k) == LN_OK) sets[m++] = k;
        else fprintf(stderr, "lenet-bench kernels: %s is built but this CPU cannot run it: skipped\n", *b);
    }
    return m;
}

/* Measure every case (scalar first, then each set), then print. Each
 * set's FMA peak is measured first and again, briefly, before each case,
 * keeping the best: on a shared machine one measurement can fall in a busy
 * moment. */
static int run(const kopts *o, const kcase *cases, int ncases, const ln_kernels **sets, int nsets)
{
    const char *how[MAX_SETS];
    double peak[MAX_SETS];
    for (int s = 0; s < nsets; s++) peak[s] = bench_fma_peak_isa(sets[s]->isa, o->threads, 40, &how[s]);
    krow *rows = malloc((size_t)ncases * (size_t)nsets * sizeof *rows);
    int n = 0;
    for (int i = 0; rows && i < ncases; i++) {
        bench_stats base;
        for (int s = 0; s < nsets; s++) peak[s] = bench_fma_peak_isa(sets[s]->isa, o->threads, 4, &how[s]);
        if (measure(&cases[i], ln_kernels_scalar(), o->threads, o->reps, &base)) break;
        for (int s = 0; s < nsets; s++, n++) {
            krow *r = &rows[n];
            *r = (krow){.c = &cases[i], .isa = sets[s]->isa, .st = base, .threads = o->threads, .set = s};
            if (strcmp(sets[s]->isa, "scalar") && measure(&cases[i], sets[s], o->threads, o->reps, &r->st)) break;
            r->speedup = base.med / r->st.med;
        }
        if (n < (i + 1) * nsets) break;
    }
    if (n < ncases * nsets) {
        free(rows);
        fprintf(stderr, "lenet-bench kernels: out of memory\n");
        return BENCH_RUNTIME;
    }
    const char *cpu = ln_cpu()->brand[0] ? ln_cpu()->brand : "unknown CPU";
    const char *ts = o->threads > 1 ? "s" : "";
    char buf[200];
    int w = 0; /* the set of the highest peak: the top-level fma_peak_* (as before per-set peaks) */
    for (int s = 1; s < nsets; s++) w = peak[s] > peak[w] ? s : w;
    if (o->json) {
        char loop[200];
        printf("{\"bench\":\"kernels\",\"cpu\":%s,\"threads\":%d,\"batch\":%d,\"reps\":%d,"
               "\"fma_peak_gflops\":%.2f,\"fma_peak_loop\":%s,\"fma_peaks\":{",
               bench_json_str(cpu, buf, sizeof buf), o->threads, o->batch, o->reps, peak[w],
               bench_json_str(how[w], loop, sizeof loop));
        for (int s = 0; s < nsets; s++)
            printf("%s\"%s\":{\"gflops\":%.2f,\"loop\":%s}", s ? "," : "", sets[s]->isa, peak[s],
                   bench_json_str(how[s], buf, sizeof buf));
        printf("},\"rows\":[");
    } else {
        printf("lenet-bench kernels: %s, %d thread%s, batch %d, %d samples per row after warm-up\n"
               "FMA peak of each set's ISA on %d thread%s (%%peak is of the row's own set):\n",
               cpu, o->threads, ts, o->batch, o->reps, o->threads, ts);
        for (int s = 0; s < nsets; s++) printf("  %-7s %7.1f GFLOP/s  (%s)\n", sets[s]->isa, peak[s], how[s]);
        printf("\n");
    }
    if (!o->json) text_header();
    for (int i = 0; i < n; i++) {
        rows[i].peak = peak[rows[i].set];
        if (o->json) json_row(&rows[i], i == 0);
        else text_row(&rows[i]);
    }
    if (o->json) printf("\n]}\n");
    free(rows);
    return BENCH_OK;
}

int bench_kernels_main(int argc, char **argv)
{
    kopts o = {.isa = "all", .threads = 1, .batch = 4, .reps = 21};
    char isa_help[200];
    snprintf(isa_help, sizeof isa_help, "kernel sets: all (default: every one this CPU runs), %s", bench_sets_list());
    const bopt specs[] = {
        {"isa", BOPT_STR, &o.isa, 0, 0, "SET", isa_help},
        {"threads", BOPT_INT, &o.threads, 1, 1024, "N", "run N copies at once, one per thread (default 1)"},
        {"batch", BOPT_INT, &o.batch, 1, 65536, "N", "batch of LeNet's shapes (default 4: the trainer's chunk)"},
        {"reps", BOPT_INT, &o.reps, 1, 100000, "N", "timed samples per row (default 21)"},
        {"shape", BOPT_LIST, &o.shapes, 0, 0, "SPEC", "also time conv:N,IC,IH,IW,OC,K,PAD or dense:N,IN,OUT "
                                                      "(repeatable)"},
        {"no-lenet", BOPT_FLAG, &o.no_lenet, 0, 0, NULL, "time only the --shape shapes"},
        {"json", BOPT_FLAG, &o.json, 0, 0, NULL, "print one JSON object instead of the table"},
        {NULL, 0, NULL, 0, 0, NULL, NULL},
    };
    int rc = bench_parse("kernels", "[options]", specs, argc, argv, 2);
    if (rc) return rc < 0 ? BENCH_OK : rc;
    if (strcmp(o.isa, "all") && !bench_is_set(o.isa))
        return bench_usage_error("kernels", "--isa: unknown kernel set '%s' (expected all, %s)", o.isa,
                                 bench_sets_list());
    static kcase cases[MAX_CASES];
    int n = o.no_lenet ? 0 : kcases_lenet(cases, 0, MAX_CASES, o.batch);
    for (int i = 0; i < o.shapes.n; i++) {
        char err[160];
        if ((n = kcases_parse(o.shapes.v[i], cases, n, MAX_CASES, err, sizeof err)) < 0)
            return bench_usage_error("kernels", "--shape '%s': %s", o.shapes.v[i], err);
    }
    if (n == 0) return bench_usage_error("kernels", "--no-lenet without --shape leaves nothing to time");
    const ln_kernels *sets[MAX_SETS];
    int nsets = pick_sets(&o, sets);
    if (nsets < 0) return BENCH_USAGE;
    return run(&o, cases, n, sets, nsets);
}
