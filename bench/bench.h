/* lenet-bench internals: option parsing, timing statistics, the FMA peak,
 * and the subcommands. */
#ifndef LN_BENCH_H
#define LN_BENCH_H
#include <stdio.h>

/* Exit codes, as the lenet CLI's. */
enum { BENCH_OK = 0, BENCH_RUNTIME = 1, BENCH_USAGE = 2 };

/* ---- options (bench_opts.c) ---- */

typedef enum { BOPT_INT, BOPT_STR, BOPT_FLAG, BOPT_LIST } bopt_type;
enum { BOPT_LIST_MAX = 16 };

/* A repeatable string option: every value in order. */
typedef struct bopt_list {
    const char *v[BOPT_LIST_MAX];
    int n;
} bopt_list;

typedef struct bopt {
    const char *name; /* without the leading "--" */
    bopt_type type;
    void *dst;        /* int*, const char**, int* (flag), bopt_list* */
    int min, max;     /* inclusive bounds of BOPT_INT */
    const char *arg;  /* value placeholder for --help */
    const char *help;
} bopt;

/* Parse argv[first..argc) against specs (ended by a NULL name). Returns 0,
 * BENCH_USAGE after a one-line error naming the flag, or -1 after printing
 * the help asked for with --help. */
int bench_parse(const char *cmd, const char *synopsis, const bopt *specs, int argc, char **argv, int first);
/* The kernel sets this build has, "scalar, avx2, avx512" (from
 * ln_kernels_built, so a new set needs no edit here); whether `name` is one. */
const char *bench_sets_list(void);
int bench_is_set(const char *name);
/* Print "lenet-bench CMD: <message> (see lenet-bench CMD --help)"; returns BENCH_USAGE. */
int bench_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- time (bench_stats.c) ---- */

double bench_now(void); /* seconds, monotonic */

typedef struct bench_stats {
    double med, min, max, q1, q3;
} bench_stats;

/* Statistics of v[0..n) (n >= 1); sorts v. */
void bench_stats_of(double *v, int n, bench_stats *st);

/* The JSON form of a string (quotes included) in buf. */
const char *bench_json_str(const char *s, char *buf, size_t cap);

/* ---- FMA peak (fma_peak.c) ---- */

/* The single-precision FMA peak of kernel set `isa` ("scalar", "avx2",
 * "avx512", "neon"): GFLOP/s of a loop of that ISA's multiply-adds whose
 * accumulators stay in registers, on `threads` threads at once. The best of
 * at least `trials` trials of ~5 ms (more while the best still climbs),
 * and of every earlier call for the same loop and thread count. Where the
 * set's own loop cannot run here (or isa is NULL) the widest loop this CPU
 * runs is timed instead. *how describes the loop. */
double bench_fma_peak_isa(const char *isa, int threads, int trials, const char **how);

/* ---- subcommands ---- */

int bench_kernels_main(int argc, char **argv);
int bench_train_main(int argc, char **argv);
int bench_eval_main(int argc, char **argv);
int bench_decode_main(int argc, char **argv);
int bench_parity_main(int argc, char **argv);
int bench_peak_main(int argc, char **argv);

#endif
