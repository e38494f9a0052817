/* The machine and how lenet uses it: CPU features, the kernel sets built
 * into this library, and the execution settings every compute call takes.
 * Kernel sets ("scalar", "avx2", "avx512" on x86-64; "scalar", "neon" on
 * AArch64) are chosen at run time from what the CPU supports; "auto"
 * (or NULL) is the best one it runs. */
#ifndef LENET_SYSTEM_H
#define LENET_SYSTEM_H
#include "lenet/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Threads and kernels for a call. A NULL `const ln_exec *` means the
 * defaults: all cores, the best kernel set (or $LENET_KERNELS if set).
 * Results never depend on `threads`: weights, losses and predictions are
 * bitwise identical for any thread count. */
typedef struct ln_exec {
    int threads;         /* OpenMP threads; 0: the number of cores */
    const char *kernels; /* a kernel set's name, or "auto" or NULL: $LENET_KERNELS if set, else the best */
} ln_exec;

/* Check that a kernel set is built and runs on this CPU; LN_ERR_ARG names
 * the choices, LN_ERR_UNSUPPORTED says the CPU lacks it. */
LN_API ln_status ln_kernels_check(const char *kernels);
/* The kernel sets built into the library, NULL-terminated (static). */
LN_API const char *const *ln_kernel_sets(void);
/* 1 if this CPU runs kernel set `name`. */
LN_API int ln_kernel_set_runs(const char *name);
/* The set "auto" picks here. */
LN_API const char *ln_kernel_set_auto(void);
/* The CPU's brand string ("" if unknown). */
LN_API const char *ln_cpu_brand(void);
/* The CPU features lenet looks at, as "name=yes|no" words separated by
 * spaces ("avx2=yes fma=yes os-ymm=yes avx512f=no ..."). */
LN_API const char *ln_cpu_features(void);
/* Cores OpenMP sees. */
LN_API int ln_cpu_cores(void);

/* Processes (MPI, docs/SCALING.md): this one's rank and how many there
 * are, 0 and 1 unless launched by mpirun in a build with MPI. */
LN_API int ln_process_rank(void);
LN_API int ln_process_count(void);
/* One line: "no" (built without MPI), "yes (Open MPI 4.1.4), one process
 * (not started by mpirun)" or "yes (...), rank 1 of 4 on host node2". */
LN_API const char *ln_mpi_description(void);

#ifdef __cplusplus
}
#endif
#endif
