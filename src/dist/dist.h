/* Data-parallel training across processes (MPI). Without MPI, or run
 * without mpirun, there is one process: rank 0 of 1, and every call is a
 * no-op. */
#ifndef LN_DIST_H
#define LN_DIST_H

/* This process's rank and the number of processes (MPI is initialised on
 * first use when launched by mpirun). */
int ln_dist_rank(void);
int ln_dist_size(void);
/* Collective: 1 on every rank if `flag` is nonzero on any (a stop request
 * seen by one rank stops all at the same step). */
int ln_dist_any(int flag);

#endif
