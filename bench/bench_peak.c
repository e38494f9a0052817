/* lenet-bench peak: the FMA peak of each kernel set's ISA this CPU runs
 * (fma_peak.c), on 1..cores threads or the given count: the ceiling the
 * kernels and train commands measure their fractions against. */
#include <omp.h>
#include <string.h>

#include "bench.h"
#include "kernels.h"

enum { MAX_SETS = 8, MAX_T = 64 };

int bench_peak_main(int argc, char **argv)
{
    int threads = 0, trials = 100, json = 0;
    const bopt specs[] = {
        {"threads", BOPT_INT, &threads, 1, MAX_T, "N", "only N threads (default: 1..cores)"},
        {"trials", BOPT_INT, &trials, 1, 1000, "N", "at least N trials of ~5 ms each, best kept (default 100)"},
        {"json", BOPT_FLAG, &json, 0, 0, NULL, "print one JSON object"},
        {NULL, 0, NULL, 0, 0, NULL, NULL},
    };
    int rc = bench_parse("peak", "[options]", specs, argc, argv, 2);
    if (rc) return rc < 0 ? BENCH_OK : rc;
    int lo = threads ? threads : 1, hi = threads ? threads : omp_get_num_procs();
    if (hi > MAX_T) hi = MAX_T;
    const char *sets[MAX_SETS], *how[MAX_SETS];
    double g[MAX_SETS][MAX_T + 1];
    int n = 0;
    for (const char *const *b = ln_kernels_built(); *b && n < MAX_SETS; b++)
        if (ln_cpu_runs(*b)) sets[n++] = *b;
    for (int t = lo; t <= hi; t++) /* thread counts outermost: a busy spell spreads over all sets */
        for (int s = 0; s < n; s++) g[s][t] = bench_fma_peak_isa(sets[s], t, trials, &how[s]);
    const char *cpu = ln_cpu()->brand[0] ? ln_cpu()->brand : "unknown CPU";
    char buf[200];
    if (json) {
        printf("{\"bench\":\"peak\",\"cpu\":%s,\"cores\":%d,\"peaks\":[", bench_json_str(cpu, buf, sizeof buf),
               omp_get_num_procs());
        for (int s = 0; s < n; s++) {
            printf("%s\n  {\"set\":\"%s\",\"loop\":%s,\"gflops\":{", s ? "," : "", sets[s],
                   bench_json_str(how[s], buf, sizeof buf));
            for (int t = lo; t <= hi; t++) printf("%s\"%d\":%.2f", t > lo ? "," : "", t, g[s][t]);
            printf("}}");
        }
        printf("\n]}\n");
        return BENCH_OK;
    }
    printf("lenet-bench peak: %s, %d cores; GFLOP/s, best of >= %d trials of ~5 ms per cell\n\n", cpu,
           omp_get_num_procs(), trials);
    printf("%-8s", "set");
    for (int t = lo; t <= hi; t++) printf(" %7dT", t);
    printf("  loop\n");
    for (int s = 0; s < n; s++) {
        printf("%-8s", sets[s]);
        for (int t = lo; t <= hi; t++) printf(" %8.1f", g[s][t]);
        printf("  %s\n", how[s]);
    }
    if (hi > 1 && lo == 1)
        for (int s = 0; s < n; s++)
            if (g[s][hi] < 0.75 * hi * g[s][1])
                printf("note: %s on %d threads reached only %.2fx one thread: other work shares these cores?\n",
                       sets[s], hi, g[s][hi] / g[s][1]);
    return BENCH_OK;
}
