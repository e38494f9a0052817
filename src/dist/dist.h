/* Data-parallel training across processes (MPI). Without MPI, or run
 * without mpirun, there is one process: rank 0 of 1, and every call is a
 * no-op.
 *
 * MPI is initialised on the first call of any function here, and only
 * when the process was started by an MPI launcher (mpirun/mpiexec: the
 * environment says so), with MPI_THREAD_FUNNELED: call these from the
 * main thread, outside parallel regions. It is finalised at exit (an exit
 * with a nonzero status aborts the job instead, so that the other ranks do
 * not wait for this one). All ranks must make the collective calls below
 * in the same order.
 *
 * Failures: a wait that sees nothing for LENET_MPI_TIMEOUT seconds (the
 * environment; default 30) asks every rank it waits on whether it is
 * alive; the first that does not answer within 5 s is named on one line
 * ("lenet: rank 0 on host a: rank 2 on host c stopped answering ...") and
 * the job is aborted. (A rank that dies, whose host stays up, is noticed
 * at once by mpirun, which ends the job and names it.) */
#ifndef LN_DIST_H
#define LN_DIST_H
#include <stddef.h>

/* This process's rank and the number of processes (MPI is initialised on
 * first use when launched by mpirun). */
int ln_dist_rank(void);
int ln_dist_size(void);
/* Collective: 1 on every rank if `flag` is nonzero on any (a stop request
 * seen by one rank stops all at the same step). */
int ln_dist_any(int flag);
/* Collective: every rank waits for all (no time limit: rank 0 may be
 * building a cache that the others then read). */
void ln_dist_barrier(void);

/* For `lenet info`: "mpi: no" (built without MPI), "mpi: yes (Open MPI
 * 4.1.4), one process (not started by mpirun)", or "mpi: yes (Open MPI
 * 4.1.4), rank 1 of 4 on host node2". */
void ln_dist_describe(char *buf, size_t cap);
/* 1 if built with MPI. */
int ln_dist_built(void);
/* 1 if every rank runs on this host (always, without MPI). */
int ln_dist_one_host(void);

/* ---- transfers, for the trainer (main thread only) ----------------- */

/* Post a nonblocking send or receive of `bytes` bytes with `peer` (tag:
 * a stream; messages of one stream between two ranks match in the order
 * they were posted). Returns a handle for ln_dist_wait. */
int ln_dist_isend(const void *buf, size_t bytes, int peer, int tag);
int ln_dist_irecv(void *buf, size_t bytes, int peer, int tag);
/* Let posted transfers progress (MPI moves data only inside its calls)
 * and answer other ranks' liveness pings; returns at once. */
void ln_dist_poll(void);
/* Wait for one posted transfer, or for all of them. */
void ln_dist_wait(int handle);
void ln_dist_wait_all(void);

/* Collective, in place: rank r's bytes [off[r], off[r] + len[r]) of buf go
 * to every rank (a ring; bandwidth-optimal for large blocks). */
void ln_dist_allgatherv(void *buf, const size_t *off, const size_t *len, int tag);
/* The same for several buffers at once, in one ring (N - 1 steps whatever
 * the count): part i is buf[i] with rank r's bytes at off[i][r], len[i][r]. */
typedef struct ln_dist_part {
    void *buf;
    const size_t *off, *len;
} ln_dist_part;
void ln_dist_allgatherv_parts(const ln_dist_part *parts, int nparts, int tag);
/* Collective: the elementwise sum over ranks of n floats, in place, with
 * MPI_Allreduce (its order of additions is the library's: the result may
 * differ with the number of ranks). The one blocking wait here, outside
 * the liveness checks: call it just after a timed collective, so that all
 * ranks are known to be there. */
void ln_dist_allreduce_sum(float *buf, size_t n);

/* Stream tags of the trainer's transfers (LN_TAG_CHUNK + c: chunk c's rows). */
enum { LN_TAG_ROWS = 11, LN_TAG_CHAIN, LN_TAG_GRADS, LN_TAG_LOSS, LN_TAG_EVAL, LN_TAG_CHUNK = 1000 };

#endif
