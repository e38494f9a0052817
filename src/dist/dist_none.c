/* One process: the build without MPI. */
#include <stdio.h>

#include "dist/dist.h"

int ln_dist_rank(void) { return 0; }
int ln_dist_size(void) { return 1; }
int ln_dist_any(int flag) { return flag != 0; }
void ln_dist_barrier(void) {}
int ln_dist_built(void) { return 0; }
int ln_dist_one_host(void) { return 1; }

void ln_dist_describe(char *buf, size_t cap)
{
    if (cap) snprintf(buf, cap, "mpi: no");
}

/* With one rank there is never a peer: nothing is posted. */
int ln_dist_isend(const void *buf, size_t bytes, int peer, int tag)
{
    (void)buf, (void)bytes, (void)peer, (void)tag;
    return -1;
}

int ln_dist_irecv(void *buf, size_t bytes, int peer, int tag)
{
    (void)buf, (void)bytes, (void)peer, (void)tag;
    return -1;
}

void ln_dist_poll(void) {}
void ln_dist_wait(int handle) { (void)handle; }
void ln_dist_wait_all(void) {}

void ln_dist_allgatherv(void *buf, const size_t *off, const size_t *len, int tag)
{
    (void)buf, (void)off, (void)len, (void)tag;
}

void ln_dist_allgatherv_parts(const ln_dist_part *parts, int nparts, int tag)
{
    (void)parts, (void)nparts, (void)tag;
}

void ln_dist_allreduce_sum(float *buf, size_t n) { (void)buf, (void)n; }
