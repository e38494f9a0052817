/* Processes over MPI: the build with MPI (cmake/LenetMPI.cmake).
 *
 * Every wait runs one poll loop (wait_set): it tests the requests, answers
 * the other ranks' liveness pings, yields the CPU between polls and, past
 * SPIN_S, sleeps between them (a rank that waits must not take the core
 * from one that computes when cores are shared), and after
 * LENET_MPI_TIMEOUT seconds without completion pings the peers it waits
 * on; the first that does not answer within PING_S seconds is named on one
 * line and the job aborted. A rank that is alive but itself waiting
 * answers, so only the ranks that wait directly on a lost one report it. */
#define _DEFAULT_SOURCE /* on_exit */
#include <mpi.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dist/dist.h"

enum { TAG_PING = 90, TAG_PONG = 91 };
enum { HOST_LEN = 64 };
#define PING_S 5.0
#define SPIN_S 200e-6 /* LENET_MPI_SPIN_US overrides */
#define DEFAULT_TIMEOUT_S 30.0
/* the most bytes one MPI message carries (counts are ints) */
#define PIECE ((size_t)1 << 30)

static int g_state;        /* 0: not looked at; 1: one process; 2: MPI */
static int g_rank, g_size = 1, g_own_init;
static MPI_Comm g_comm = MPI_COMM_NULL;
static char (*g_hosts)[HOST_LEN]; /* [size] */
static double g_timeout = DEFAULT_TIMEOUT_S, g_spin = SPIN_S;

/* posted transfers: handle = index of the first piece */
static MPI_Request *g_req;
static int *g_peer, *g_pieces, g_nreq, g_cap;
static char *g_waited; /* [cap]: handle waited for (ln_dist_poll may complete a transfer before) */

static int launched(void)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "PMI_RANK", NULL};
    for (int i = 0; vars[i]; i++)
        if (getenv(vars[i])) return 1;
    return 0;
}

static const char *host_of(int r)
{
    return g_hosts && r >= 0 && r < g_size ? g_hosts[r] : "?";
}

/* One line, then the job ends. */
static void fatal(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void fatal(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "lenet: rank %d on %s: ", g_rank, host_of(g_rank));
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, 1);
    _exit(1);
}

static void check(int rc, const char *call, int peer)
{
    if (rc == MPI_SUCCESS) return;
    char msg[MPI_MAX_ERROR_STRING + 1];
    int len = 0;
    MPI_Error_string(rc, msg, &len);
    msg[len < 0 ? 0 : len < MPI_MAX_ERROR_STRING ? len : MPI_MAX_ERROR_STRING] = 0;
    if (peer >= 0) fatal("%s with rank %d on %s failed: %s", call, peer, host_of(peer), msg);
    fatal("%s failed: %s", call, msg);
}

static void at_exit(int status, void *arg)
{
    (void)arg;
    if (g_state != 2) return;
    int fin = 0;
    MPI_Finalized(&fin);
    if (fin) return;
    if (status != 0) MPI_Abort(MPI_COMM_WORLD, status); /* the others must not wait for this rank */
    MPI_Comm_free(&g_comm);
    if (g_own_init) MPI_Finalize();
}

static void init(void)
{
    if (g_state) return;
    g_state = 1;
    if (!launched()) return;
    int inited = 0, provided = 0;
    MPI_Initialized(&inited);
    if (!inited) {
        if (MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
            fprintf(stderr, "lenet: MPI_Init_thread failed\n");
            exit(1);
        }
        g_own_init = 1;
    }
    g_state = 2;
    MPI_Comm_dup(MPI_COMM_WORLD, &g_comm);
    MPI_Comm_set_errhandler(g_comm, MPI_ERRORS_RETURN);
    MPI_Comm_rank(g_comm, &g_rank);
    MPI_Comm_size(g_comm, &g_size);
    const char *t = getenv("LENET_MPI_TIMEOUT");
    if (t && atof(t) > 0.0) g_timeout = atof(t);
    const char *sp = getenv("LENET_MPI_SPIN_US");
    if (sp && atof(sp) >= 0.0) g_spin = atof(sp) * 1e-6;
    char me[HOST_LEN] = {0};
    if (gethostname(me, sizeof me - 1)) snprintf(me, sizeof me, "?");
    g_hosts = calloc((size_t)g_size, HOST_LEN);
    if (!g_hosts) fatal("out of memory");
    check(MPI_Allgather(me, HOST_LEN, MPI_CHAR, g_hosts, HOST_LEN, MPI_CHAR, g_comm), "MPI_Allgather", -1);
    on_exit(at_exit, NULL);
}

int ln_dist_rank(void)
{
    init();
    return g_rank;
}

int ln_dist_size(void)
{
    init();
    return g_size;
}

int ln_dist_built(void) { return 1; }

int ln_dist_one_host(void)
{
    init();
    for (int r = 0; g_hosts && r < g_size; r++)
        if (strcmp(g_hosts[r], g_hosts[g_rank])) return 0;
    return 1;
}

void ln_dist_describe(char *buf, size_t cap)
{
    init();
    char lib[MPI_MAX_LIBRARY_VERSION_STRING] = {0}, name[MPI_MAX_LIBRARY_VERSION_STRING + 16];
    int len = 0;
    MPI_Get_library_version(lib, &len);
    /* "Open MPI v4.1.4, package: ..." -> "Open MPI 4.1.4"; others: the first line */
    size_t n = strcspn(lib, ",\n");
    lib[n < 96 ? n : 96] = 0;
    char *v = strstr(lib, " v");
    if (!strncmp(lib, "Open MPI v", 10)) snprintf(name, sizeof name, "Open MPI %s", lib + 10);
    else if (v && v[2] >= '0' && v[2] <= '9') snprintf(name, sizeof name, "%.*s %s", (int)(v - lib), lib, v + 2);
    else snprintf(name, sizeof name, "%s", lib);
    if (!cap) return;
    if (g_state == 2)
        snprintf(buf, cap, "mpi: yes (%s), rank %d of %d on host %s", name, g_rank, g_size, host_of(g_rank));
    else snprintf(buf, cap, "mpi: yes (%s), one process (not started by mpirun)", name);
}

/* Answer every ping waiting. */
static void answer_pings(void)
{
    for (;;) {
        int flag = 0, v = 0;
        MPI_Status st;
        if (MPI_Iprobe(MPI_ANY_SOURCE, TAG_PING, g_comm, &flag, &st) != MPI_SUCCESS || !flag) return;
        MPI_Recv(&v, 1, MPI_INT, st.MPI_SOURCE, TAG_PING, g_comm, MPI_STATUS_IGNORE);
        MPI_Send(&v, 1, MPI_INT, st.MPI_SOURCE, TAG_PONG, g_comm);
    }
}

/* Ping the peers in peers[0..n) (-1 entries skipped, repeats allowed):
 * end the job naming the first that does not answer within PING_S. */
static void ping_peers(const int *peers, int n)
{
    int *asked = calloc((size_t)g_size, sizeof *asked), *reply = calloc((size_t)g_size, sizeof *reply);
    MPI_Request *rq = calloc((size_t)g_size, sizeof *rq);
    if (!asked || !reply || !rq) fatal("out of memory");
    for (int r = 0; r < g_size; r++) rq[r] = MPI_REQUEST_NULL;
    for (int i = 0; i < n; i++) {
        int p = peers[i];
        if (p < 0 || p == g_rank || asked[p]) continue;
        asked[p] = 1;
        check(MPI_Irecv(&reply[p], 1, MPI_INT, p, TAG_PONG, g_comm, &rq[p]), "MPI_Irecv", p);
        check(MPI_Send(&asked[p], 1, MPI_INT, p, TAG_PING, g_comm), "MPI_Send", p);
    }
    double t0 = MPI_Wtime();
    for (;;) {
        int done = 0;
        check(MPI_Testall(g_size, rq, &done, MPI_STATUSES_IGNORE), "MPI_Testall", -1);
        if (done) break;
        answer_pings();
        if (MPI_Wtime() - t0 > PING_S) {
            for (int r = 0; r < g_size; r++) {
                int got = 0;
                if (rq[r] != MPI_REQUEST_NULL) MPI_Test(&rq[r], &got, MPI_STATUS_IGNORE);
                if (rq[r] != MPI_REQUEST_NULL && !got) {
                    /* several ranks may see it: the lowest speaks first,
                     * and its abort ends the others before they do (who
                     * waits still answers pings meanwhile) */
                    double until = MPI_Wtime() + 0.5 * (g_rank < 10 ? g_rank : 10);
                    while (MPI_Wtime() < until) {
                        answer_pings();
                        nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
                    }
                    fatal("rank %d on %s stopped answering (it died, or its host is down or unreachable); "
                          "ending the job (waited %.0f s)", r, host_of(r), g_timeout + PING_S);
                }
            }
        }
        sched_yield();
    }
    free(asked);
    free(reply);
    free(rq);
}

/* Wait for reqs[0..n), whose peers are peers[0..n) (-1: any rank).
 * timed: ping the peers after g_timeout seconds; untimed waits (the
 * barrier: minutes, while rank 0 builds a cache) sleep 1 ms between polls
 * instead of yielding, so as to leave the CPU to whoever works. */
static void wait_set(MPI_Request *reqs, const int *peers, int n, int timed)
{
    double last = MPI_Wtime(), start = last;
    for (;;) {
        int done = 0;
        check(MPI_Testall(n, reqs, &done, MPI_STATUSES_IGNORE), "MPI_Testall", -1);
        if (done) return;
        answer_pings();
        double now = MPI_Wtime();
        if (timed && now - last > g_timeout) {
            int any = 0;
            for (int i = 0; i < n; i++) any |= peers[i] < 0;
            if (any) { /* a collective: every rank may be the one */
                int *all = malloc((size_t)g_size * sizeof *all);
                if (!all) fatal("out of memory");
                for (int r = 0; r < g_size; r++) all[r] = r;
                ping_peers(all, g_size);
                free(all);
            } else {
                int *open = malloc((size_t)(n > 0 ? n : 1) * sizeof *open);
                if (!open) fatal("out of memory");
                for (int i = 0; i < n; i++) open[i] = reqs[i] == MPI_REQUEST_NULL ? -1 : peers[i];
                ping_peers(open, n);
                free(open);
            }
            last = MPI_Wtime();
        }
        /* spin (yielding) for g_spin, then sleep between polls: a rank
         * that waits for one behind it must not take the CPU that one
         * needs when cores are shared (more ranks than cores, or a busy
         * machine); on a core of its own, the longer waits are the ones
         * where 50 us more do not matter */
        if (timed && now - start < g_spin) sched_yield();
        else nanosleep(&(struct timespec){.tv_nsec = timed ? 50000 : 1000000}, NULL);
    }
}

static int post(void *buf, size_t bytes, int peer, int tag, int send)
{
    init();
    if (g_state != 2) fatal("a transfer with rank %d without MPI", peer);
    int pieces = bytes ? (int)((bytes + PIECE - 1) / PIECE) : 1;
    if (g_nreq + pieces > g_cap) {
        int cap = g_cap ? g_cap : 256;
        while (cap < g_nreq + pieces) cap *= 2;
        MPI_Request *r = realloc(g_req, (size_t)cap * sizeof *r);
        if (r) g_req = r;
        int *p = realloc(g_peer, (size_t)cap * sizeof *p);
        if (p) g_peer = p;
        int *q = realloc(g_pieces, (size_t)cap * sizeof *q);
        if (q) g_pieces = q;
        char *w = realloc(g_waited, (size_t)cap);
        if (w) g_waited = w;
        if (!r || !p || !q || !w) fatal("out of memory");
        g_cap = cap;
    }
    int h = g_nreq;
    for (int i = 0; i < pieces; i++) {
        size_t o = (size_t)i * PIECE, len = bytes - o < PIECE ? bytes - o : PIECE;
        char *b = (char *)buf + o;
        int rc = send ? MPI_Isend(b, (int)len, MPI_BYTE, peer, tag, g_comm, &g_req[g_nreq])
                      : MPI_Irecv(b, (int)len, MPI_BYTE, peer, tag, g_comm, &g_req[g_nreq]);
        check(rc, send ? "MPI_Isend" : "MPI_Irecv", peer);
        g_peer[g_nreq] = peer;
        g_waited[g_nreq] = 0;
        g_pieces[g_nreq++] = i ? 0 : pieces;
    }
    return h;
}

int ln_dist_isend(const void *buf, size_t bytes, int peer, int tag)
{
    return post((void *)buf, bytes, peer, tag, 1);
}

int ln_dist_irecv(void *buf, size_t bytes, int peer, int tag) { return post(buf, bytes, peer, tag, 0); }

/* Mark handles [h, h + n) waited for; forget the table once every
 * transfer in it has been (a handle is never used after its wait). */
static void settle(int h, int n)
{
    for (int i = h; i < h + n && i < g_nreq; i++) g_waited[i] = 1;
    for (int i = 0; i < g_nreq; i++)
        if (!g_waited[i]) return;
    g_nreq = 0;
}

/* Wait for the transfers posted since handle h0. */
static void wait_from(int h0)
{
    if (g_nreq > h0) wait_set(g_req + h0, g_peer + h0, g_nreq - h0, 1);
    settle(h0, g_nreq - h0);
}

void ln_dist_poll(void)
{
    static int *idx, cap;
    if (g_state != 2) return;
    if (g_nreq > cap) {
        int *p = realloc(idx, (size_t)g_nreq * sizeof *p);
        if (!p) fatal("out of memory");
        idx = p, cap = g_nreq;
    }
    int out = 0;
    if (g_nreq) check(MPI_Testsome(g_nreq, g_req, &out, idx, MPI_STATUSES_IGNORE), "MPI_Testsome", -1);
    answer_pings();
}

void ln_dist_wait(int h)
{
    if (h < 0 || h >= g_nreq) return;
    wait_set(g_req + h, g_peer + h, g_pieces[h], 1);
    settle(h, g_pieces[h]);
}

void ln_dist_wait_all(void)
{
    if (g_nreq) wait_set(g_req, g_peer, g_nreq, 1);
    g_nreq = 0;
}

/* Wait for one collective request (every rank a possible peer). */
static void wait_coll(MPI_Request *r, int timed)
{
    int any = -1;
    wait_set(r, &any, 1, timed);
}

int ln_dist_any(int flag)
{
    init();
    int v = flag != 0, out = v;
    if (g_state != 2 || g_size == 1) return v;
    MPI_Request r;
    check(MPI_Iallreduce(&v, &out, 1, MPI_INT, MPI_LOR, g_comm, &r), "MPI_Iallreduce", -1);
    wait_coll(&r, 1);
    return out;
}

void ln_dist_barrier(void)
{
    init();
    if (g_state != 2 || g_size == 1) return;
    MPI_Request r;
    check(MPI_Ibarrier(g_comm, &r), "MPI_Ibarrier", -1);
    wait_coll(&r, 0);
}

void ln_dist_allreduce_sum(float *buf, size_t n)
{
    init();
    if (g_state != 2 || g_size == 1 || !n) return;
    for (size_t o = 0; o < n; o += PIECE / sizeof(float)) {
        size_t len = n - o < PIECE / sizeof(float) ? n - o : PIECE / sizeof(float);
        /* the blocking call: Open MPI's tuned algorithms (its nonblocking
         * one took 4x as long for LeNet-5's 2.2 MB on shared memory) */
        check(MPI_Allreduce(MPI_IN_PLACE, buf + o, (int)len, MPI_FLOAT, MPI_SUM, g_comm), "MPI_Allreduce", -1);
    }
}

void ln_dist_allgatherv_parts(const ln_dist_part *parts, int nparts, int tag)
{
    init();
    if (g_state != 2 || g_size == 1) return;
    int n = g_size, right = (g_rank + 1) % n, left = (g_rank + n - 1) % n;
    /* step k: pass on block (rank - k), take block (rank - k - 1) */
    for (int k = 0; k < n - 1; k++) {
        int sb = (g_rank - k + 2 * n) % n, rb = (g_rank - k - 1 + 2 * n) % n, h0 = g_nreq;
        for (int i = 0; i < nparts; i++) {
            char *b = parts[i].buf;
            if (parts[i].len[rb]) ln_dist_irecv(b + parts[i].off[rb], parts[i].len[rb], left, tag);
            if (parts[i].len[sb]) ln_dist_isend(b + parts[i].off[sb], parts[i].len[sb], right, tag);
        }
        wait_from(h0);
    }
}

void ln_dist_allgatherv(void *buf, const size_t *off, const size_t *len, int tag)
{
    ln_dist_part p = {buf, off, len};
    ln_dist_allgatherv_parts(&p, 1, tag);
}
