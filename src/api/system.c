/* The public view of the machine: CPU features, kernel sets, and the
 * resolution of ln_exec for every compute call. */
#include <omp.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "api/exec.h"
#include "dist/dist.h"
#include "lenet/system.h"

ln_status ln_exec_resolve(const ln_exec *x, int *threads, const ln_kernels **k)
{
    int t = x ? x->threads : 0;
    if (t < 0 || t > LN_EXEC_MAX_THREADS)
        return ln_fail(LN_ERR_ARG, "ln_exec.threads: %d is out of range 0..%d (0: all cores)", t, LN_EXEC_MAX_THREADS);
    const char *want = x ? x->kernels : NULL;
    /* "auto" defers to $LENET_KERNELS as NULL does: the variable is how a
     * user pins kernels under a program that passes "auto" */
    if (want && !strcmp(want, "auto")) want = NULL;
    ln_status st = ln_kernels_select(want, k);
    if (st != LN_OK) return st;
    omp_set_dynamic(0); /* threads N means exactly N */
    *threads = t ? t : omp_get_num_procs();
    if (*threads < 1) *threads = 1;
    return LN_OK;
}

ln_status ln_kernels_check(const char *kernels)
{
    const ln_kernels *k;
    return ln_kernels_select(kernels, &k);
}

const char *const *ln_kernel_sets(void) { return ln_kernels_built(); }

int ln_kernel_set_runs(const char *name) { return name && ln_cpu_runs(name); }

const char *ln_kernel_set_auto(void)
{
    const ln_kernels *k;
    return ln_kernels_select("auto", &k) == LN_OK ? k->isa : "scalar";
}

const char *ln_cpu_brand(void) { return ln_cpu()->brand; }

static char features[256];

static void make_features(void)
{
    const ln_cpu_info *ci = ln_cpu();
    const struct { const char *name; int on; } f[] = {
        {"avx2", ci->avx2},         {"fma", ci->fma},           {"os-ymm", ci->os_ymm},
        {"avx512f", ci->avx512f},   {"avx512bw", ci->avx512bw}, {"avx512dq", ci->avx512dq},
        {"avx512vl", ci->avx512vl}, {"os-zmm", ci->os_zmm},     {"neon", ci->neon},
    };
    size_t n = 0;
    for (size_t i = 0; i < sizeof f / sizeof f[0] && n < sizeof features; i++)
        n += (size_t)snprintf(features + n, sizeof features - n, "%s%s=%s", i ? " " : "", f[i].name,
                              f[i].on ? "yes" : "no");
}

const char *ln_cpu_features(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, make_features);
    return features;
}

int ln_cpu_cores(void) { return omp_get_num_procs(); }

int ln_process_rank(void) { return ln_dist_rank(); }
int ln_process_count(void) { return ln_dist_size(); }

const char *ln_mpi_description(void)
{
    static char line[256];
    char d[256];
    ln_dist_describe(d, sizeof d);
    /* the description is "mpi: ...": the API gives what follows */
    snprintf(line, sizeof line, "%s", strncmp(d, "mpi: ", 5) ? d : d + 5);
    return line;
}
