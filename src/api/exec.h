/* An ln_exec made concrete: the thread count and kernel table a compute
 * call of the public API runs with. Private to the library. */
#ifndef LN_API_EXEC_H
#define LN_API_EXEC_H
#include "kernels.h"
#include "lenet/system.h"

/* The most threads a call accepts (the CLI's --threads range). */
#define LN_EXEC_MAX_THREADS 1024

/* x NULL or x->threads 0: omp_get_num_procs() threads; x->kernels NULL or
 * "auto": $LENET_KERNELS when set, else the best set this CPU runs.
 * LN_ERR_ARG for a negative or huge thread count or an unknown set,
 * LN_ERR_UNSUPPORTED for a set this CPU cannot run. */
ln_status ln_exec_resolve(const ln_exec *x, int *threads, const ln_kernels **k);

#endif
