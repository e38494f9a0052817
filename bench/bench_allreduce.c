/* lenet-bench allreduce: the gradient combination of training across
 * processes, per built-in model and batch, over whatever transport mpirun
 * gave (shared memory, TCP, ...). Under mpirun -np N, each round times
 * whole steps with the exact combination (the weights of one process, bit
 * for bit) and with --allreduce fast (MPI_Allreduce): the step, the
 * exchange (the main thread's time in transfers and waits, the most of any
 * rank) and the bytes each rank sent; with --compare, also one process
 * alone with N times the threads (the other ranks asleep meanwhile), so
 * that "N ranks x T threads against 1 process x N*T threads" is measured
 * within one run; with --overlap-both, also the exact combination with
 * the other overlap setting (ln_trainer.overlap). Run alone (no mpirun), it prints what a step would
 * exchange on 2, 4, 8 and 16 ranks (ln_trainer_exchange_volume): the
 * inputs of docs/SCALING.md's model.
 *   mpirun --bind-to none -np 2 lenet-bench allreduce --threads 1 --compare */
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "core/rng.h"
#include "dist/dist.h"
#include "train/trainer.h"

enum { WARMUP = 2, MAX_BATCHES = 8, MODES = 4 };
enum { M_EXACT, M_OTHER, M_FAST, M_ALONE };
/* M_OTHER: exact with the other overlap setting than the default */
static const char *mode_names[MODES] = {"exact", "exact+ov", "fast", "alone"};

typedef struct aopts {
    const char *model, *kernels, *data, *batches;
    int threads, steps, rounds, compare, both, json;
    int nbatch, batch[MAX_BATCHES];
} aopts;

typedef struct ares {
    double step_ms, exch_ms, sent_mb, comb_ms; /* medians over rounds */
    int ran;
} ares;

static int fail(const char *what)
{
    fprintf(stderr, "lenet-bench allreduce: rank %d: %s\n", ln_dist_rank(), what);
    return BENCH_RUNTIME;
}

static double median(double *v, int n)
{
    bench_stats st;
    bench_stats_of(v, n, &st);
    return st.med;
}

/* The largest of every rank's v (collective). */
static double max_over_ranks(double v)
{
    int nr = ln_dist_size(), me = ln_dist_rank();
    double *all = calloc((size_t)nr, sizeof *all), m = v;
    size_t *off = calloc((size_t)nr * 2, sizeof *off);
    if (!all || !off) {
        free(all), free(off);
        return v;
    }
    for (int r = 0; r < nr; r++) off[r] = (size_t)r * sizeof(double), off[nr + r] = sizeof(double);
    all[me] = v;
    ln_dist_allgatherv(all, off, off + nr, LN_TAG_EVAL + 7);
    for (int r = 0; r < nr; r++) m = all[r] > m ? all[r] : m;
    free(all), free(off);
    return m;
}

/* Median step and exchange time of o->steps steps, and bytes sent per
 * step, of a fresh network: on every rank (exact or fast), or on this one
 * alone (mode M_ALONE, `threads` threads). */
static int measure(const aopts *o, const ln_kernels *k, const ln_dataset *d, const uint32_t *order, const char *model,
                   int batch, int mode, int threads, double *step_ms, double *exch_ms, double *sent, double *comb_ms)
{
    ln_net net = {0};
    ln_trainer tr = {0};
    int rc = BENCH_RUNTIME;
    double *ts = malloc((size_t)o->steps * sizeof *ts), *te = malloc((size_t)o->steps * sizeof *te);
    if (!ts || !te) {
        rc = fail("out of memory");
        goto out;
    }
    if (ln_net_build(model, d->c, d->h, d->w, d->nclasses, &net) != LN_OK ||
        ln_trainer_init(&tr, &net, k, threads, batch) != LN_OK) {
        rc = fail(ln_last_error());
        goto out;
    }
    ln_net_init(&net, 1);
    if (mode == M_ALONE) tr.rank = 0, tr.nranks = 1;
    tr.allreduce_fast = mode == M_FAST;
    if (mode == M_OTHER) tr.overlap = !tr.overlap;
    ln_sgd opt = {.lr = 0.01f, .momentum = 0.9f};
    long span = d->n - batch + 1;
    for (int s = -WARMUP; s < o->steps; s++) {
        int lo = (int)(((long)(s + WARMUP) * batch) % span), right;
        double loss;
        ln_step_prof prof = {0};
        tr.prof = &prof;
        double t0 = bench_now();
        if (ln_trainer_step(&tr, d, order + lo, batch, &opt, &loss, &right) != LN_OK) {
            rc = fail(ln_last_error());
            goto out;
        }
        if (s >= 0) ts[s] = bench_now() - t0, te[s] = prof.phase[LN_PH_EXCHANGE];
    }
    *step_ms = median(ts, o->steps) * 1e3;
    *exch_ms = median(te, o->steps) * 1e3;
    *sent = tr.comm_bytes;
    *comb_ms = 0.0;
    if (mode != M_ALONE) { /* the combination alone, ranks starting together */
        for (int s = 0; s < o->steps; s++) ts[s] = ln_trainer_exchange_only(&tr, batch);
        *comb_ms = median(ts, o->steps) * 1e3;
    }
    rc = BENCH_OK;
out:
    free(ts), free(te);
    ln_trainer_free(&tr);
    ln_net_free(&net);
    return rc;
}

/* The volume table of one model and batch on 2..16 ranks. */
static int print_volumes(const ln_kernels *k, const ln_dataset *d, const char *model, int batch, int json, int *first)
{
    ln_net net = {0};
    ln_trainer tr = {0};
    if (ln_net_build(model, d->c, d->h, d->w, d->nclasses, &net) != LN_OK ||
        ln_trainer_init(&tr, &net, k, 1, batch) != LN_OK) {
        ln_net_free(&net);
        return fail(ln_last_error());
    }
    static const int ranks[] = {2, 3, 4, 8, 16};
    for (size_t i = 0; i < sizeof ranks / sizeof ranks[0]; i++)
        for (int fast = 0; fast < 2; fast++) {
            ln_exchange_volume v;
            ln_trainer_exchange_volume(&tr, batch, ranks[i], fast, &v);
            if (json)
                printf("%s{\"model\":\"%s\",\"batch\":%d,\"ranks\":%d,\"mode\":\"%s\",\"max_sent_mb\":%.4f,"
                       "\"max_recv_mb\":%.4f,\"total_mb\":%.4f,\"rows_mb\":%.4f,\"max_rows_recv_mb\":%.4f,\"fold_mb\":%.4f,"
                       "\"defer_grad_mb\":%.4f}",
                       *first ? "" : ",", model, batch, ranks[i], fast ? "fast" : "exact", v.max_sent * 1e-6,
                       v.max_recv * 1e-6, v.total * 1e-6, v.rows_bytes * 1e-6, v.max_rows_recv * 1e-6,
                       v.fold_bytes * 1e-6, v.defer_grad_bytes * 1e-6);
            else
                printf("%-12s %6d %6d %6s %10.3f %10.3f %10.3f %10.3f %10.3f %10.3f\n", model, batch, ranks[i],
                       fast ? "fast" : "exact", v.max_sent * 1e-6, v.max_recv * 1e-6, v.total * 1e-6,
                       v.rows_bytes * 1e-6, v.fold_bytes * 1e-6, v.defer_grad_bytes * 1e-6);
            *first = 0;
        }
    ln_trainer_free(&tr);
    ln_net_free(&net);
    return BENCH_OK;
}

static int run(const aopts *o, const ln_kernels *k)
{
    int nr = ln_dist_size(), me = ln_dist_rank(), rc = BENCH_RUNTIME, maxb = 0;
    if (!ln_dist_one_host()) mode_names[M_OTHER] = "exact-serial";
    for (int i = 0; i < o->nbatch; i++) maxb = o->batch[i] > maxb ? o->batch[i] : maxb;
    ln_dataset d = {0};
    const char *source = o->data;
    if (ln_mnist_load(o->data, "train", &d) != LN_OK || d.n < maxb) { /* random images do as well for timing */
        ln_dataset_free(&d);
        d = (ln_dataset){.n = maxb * 16, .c = 1, .h = 28, .w = 28, .nclasses = 10};
        d.pixels = malloc((size_t)d.n * 784), d.labels = malloc((size_t)d.n);
        if (!d.pixels || !d.labels) return fail("out of memory");
        ln_rng r;
        ln_rng_seed(&r, 5);
        for (size_t i = 0; i < (size_t)d.n * 784; i++) d.pixels[i] = (uint8_t)ln_rng_below(&r, 256);
        for (int i = 0; i < d.n; i++) d.labels[i] = (uint8_t)ln_rng_below(&r, 10);
        source = "random images";
    }
    uint32_t *order = malloc((size_t)d.n * sizeof *order);
    double *v = malloc((size_t)o->rounds * 3 * sizeof *v);
    const char *const *models = ln_net_models();
    const char *one[2] = {o->model, NULL};
    if (o->model && strcmp(o->model, "all")) models = one;
    if (!order || !v) {
        rc = fail("out of memory");
        goto out;
    }
    ln_rng rng;
    ln_rng_seed(&rng, 7);
    for (int i = 0; i < d.n; i++) order[i] = (uint32_t)i;
    ln_rng_shuffle(&rng, order, (uint32_t)d.n);

    if (nr == 1) { /* alone: what a step would exchange */
        int first = 1;
        if (o->json) printf("{\"bench\":\"allreduce\",\"ranks\":1,\"volumes\":[");
        else
            printf("lenet-bench allreduce: one process (run under mpirun to time the exchange); bytes one step "
                   "exchanges,\nMB: the most any rank sends / receives, all ranks' sends; the parts: deferred rows "
                   "received by owners,\nthe chunk-summed gradient, the deferred layers' gradients\n"
                   "%-12s %6s %6s %6s %10s %10s %10s %10s %10s %10s\n",
                   "model", "batch", "ranks", "mode", "max_sent", "max_recv", "total", "rows", "fold", "defer_grad");
        for (int m = 0; models[m]; m++)
            for (int b = 0; b < o->nbatch; b++)
                if ((rc = print_volumes(k, &d, models[m], o->batch[b], o->json, &first)) != BENCH_OK) goto out;
        if (o->json) printf("]}\n");
        rc = BENCH_OK;
        goto out;
    }

    char host[256];
    ln_dist_describe(host, sizeof host);
    if (me == 0 && !o->json)
        printf("lenet-bench allreduce: %d ranks x %d threads, kernels %s, %s, %d steps after %d warm-up, %d rounds; "
               "%s\n(exchange: the most any rank's main thread spent in transfers and waits within the step; combine: "
               "the same transfers alone,\nranks starting together; alone: rank 0 by itself on %d threads)\n"
               "%-12s %6s %8s %6s %9s %9s %11s %7s %10s %10s\n",
               nr, o->threads, k->isa, source, o->steps, WARMUP, o->rounds, host, nr * o->threads, "model", "batch",
               "mode", "ranks", "ms/step", "img/s", "exchange ms", "share", "combine ms", "MB sent");
    if (me == 0 && o->json)
        printf("{\"bench\":\"allreduce\",\"ranks\":%d,\"threads\":%d,\"kernels\":\"%s\",\"steps\":%d,\"rounds\":%d,"
               "\"runs\":[", nr, o->threads, k->isa, o->steps, o->rounds);
    int first = 1;
    for (int m = 0; models[m]; m++)
        for (int b = 0; b < o->nbatch; b++) {
            int batch = o->batch[b];
            ares res[MODES] = {{0}};
            double *st = v, *ex = v + o->rounds, *se = v + 2 * o->rounds;
            double mst[MODES][16], mex[MODES][16], mse[MODES][16], mco[MODES][16];
            for (int round = 0; round < o->rounds && round < 16; round++)
                for (int mode = 0; mode < MODES; mode++) {
                    if ((mode == M_ALONE && !o->compare) || (mode == M_OTHER && !o->both)) continue;
                    double s = 0, e = 0, sent = 0, comb = 0;
                    if (mode == M_ALONE) { /* rank 0 alone; the others sleep in the barrier */
                        if (me == 0 &&
                            (rc = measure(o, k, &d, order, models[m], batch, mode, o->threads * nr, &s, &e, &sent,
                                          &comb)))
                            goto out;
                        ln_dist_barrier();
                    } else {
                        if ((rc = measure(o, k, &d, order, models[m], batch, mode, o->threads, &s, &e, &sent, &comb)))
                            goto out;
                        e = max_over_ranks(e);
                        sent = max_over_ranks(sent);
                        comb = max_over_ranks(comb);
                    }
                    mst[mode][round] = s, mex[mode][round] = e, mse[mode][round] = sent, mco[mode][round] = comb;
                    res[mode].ran = 1;
                }
            int rounds = o->rounds < 16 ? o->rounds : 16;
            for (int mode = 0; mode < MODES; mode++) {
                if (!res[mode].ran) continue;
                memcpy(st, mst[mode], (size_t)rounds * sizeof *st);
                memcpy(ex, mex[mode], (size_t)rounds * sizeof *ex);
                memcpy(se, mse[mode], (size_t)rounds * sizeof *se);
                res[mode].step_ms = median(st, rounds);
                res[mode].exch_ms = median(ex, rounds);
                res[mode].sent_mb = median(se, rounds) * 1e-6;
                memcpy(se, mco[mode], (size_t)rounds * sizeof *se);
                res[mode].comb_ms = median(se, rounds);
            }
            if (me != 0) continue;
            for (int mode = 0; mode < MODES; mode++) {
                if (!res[mode].ran) continue;
                const ares *r = &res[mode];
                char rk[32];
                snprintf(rk, sizeof rk, "%dx%d", mode == M_ALONE ? 1 : nr, mode == M_ALONE ? nr * o->threads : o->threads);
                double ips = batch / (r->step_ms * 1e-3);
                if (o->json)
                    printf("%s{\"model\":\"%s\",\"batch\":%d,\"mode\":\"%s\",\"ranks\":%d,\"threads\":%d,"
                           "\"ms_per_step\":%.4f,\"img_per_s\":%.1f,\"exchange_ms\":%.4f,\"combine_ms\":%.4f,"
                           "\"sent_mb\":%.4f}",
                           first ? "" : ",", models[m], batch, mode_names[mode], mode == M_ALONE ? 1 : nr,
                           mode == M_ALONE ? nr * o->threads : o->threads, r->step_ms, ips, r->exch_ms, r->comb_ms,
                           r->sent_mb);
                else
                    printf("%-12s %6d %8s %6s %9.2f %9.0f %11.3f %6.1f%% %10.3f %10.3f\n", models[m], batch,
                           mode_names[mode], rk, r->step_ms, ips, r->exch_ms, 100.0 * r->exch_ms / r->step_ms,
                           r->comb_ms, r->sent_mb);
                first = 0;
            }
            if (!o->json && res[M_ALONE].ran)
                printf("%-12s %6d  throughput of %d ranks x %d threads against 1 x %d: exact %.1f%%, fast %.1f%%\n",
                       models[m], batch, nr, o->threads, nr * o->threads,
                       100.0 * res[M_ALONE].step_ms / res[M_EXACT].step_ms,
                       100.0 * res[M_ALONE].step_ms / res[M_FAST].step_ms);
            fflush(stdout);
        }
    if (me == 0 && o->json) printf("]}\n");
    rc = BENCH_OK;
out:
    free(order);
    free(v);
    ln_dataset_free(&d);
    return rc;
}

int bench_allreduce_main(int argc, char **argv); /* called by bench_main.c */
int bench_allreduce_main(int argc, char **argv)
{
    aopts o = {.model = "all", .batches = "64,256", .threads = 1, .steps = 10, .rounds = 3,
               .data = LN_DEFAULT_DATA_DIR};
    const bopt specs[] = {
        {"model", BOPT_STR, &o.model, 0, 0, "NAME", "a built-in model, or all (the default)"},
        {"batch", BOPT_STR, &o.batches, 0, 0, "N[,N...]", "global minibatch sizes (default 64,256)"},
        {"threads", BOPT_INT, &o.threads, 1, 1024, "N", "OpenMP threads per rank (default 1)"},
        {"steps", BOPT_INT, &o.steps, 1, 100000, "N", "timed steps per measurement, after 2 warm-up steps (default 10)"},
        {"rounds", BOPT_INT, &o.rounds, 1, 16, "N", "measurements of each mode, interleaved; medians (default 3)"},
        {"compare", BOPT_FLAG, &o.compare, 0, 0, NULL,
         "also time rank 0 alone on ranks x threads threads, and print the throughput ratio"},
        {"overlap-both", BOPT_FLAG, &o.both, 0, 0, NULL,
         "also time the exact combination with the other overlap setting (default: rows sent chunk by "
         "chunk during the backward passes when the ranks span hosts, after the chunks on one host)"},
        {"kernels", BOPT_STR, &o.kernels, 0, 0, "SET", ln_kernels_help()},
        {"data", BOPT_STR, &o.data, 0, 0, "DIR", "MNIST-format directory (default " LN_DEFAULT_DATA_DIR
         "; random images when absent)"},
        {"json", BOPT_FLAG, &o.json, 0, 0, NULL, "print one JSON object"},
        {NULL, 0, NULL, 0, 0, NULL, NULL},
    };
    int rc = bench_parse("allreduce", "[options]  (under mpirun -np N; alone: the exchange volumes)", specs, argc,
                         argv, 2);
    if (rc) return rc < 0 ? BENCH_OK : rc;
    for (const char *p = o.batches; *p;) {
        char *end;
        long b = strtol(p, &end, 10);
        if (end == p || b < 1 || b > 65536 || (*end && *end != ',') || o.nbatch == MAX_BATCHES)
            return bench_usage_error("allreduce", "--batch: '%s' is not a size or a list like 64,256 (1..65536)",
                                     o.batches);
        o.batch[o.nbatch++] = (int)b;
        p = *end ? end + 1 : end;
    }
    if (o.model && strcmp(o.model, "all")) {
        int known = 0;
        for (const char *const *m = ln_net_models(); *m; m++) known |= !strcmp(*m, o.model);
        if (!known) return bench_usage_error("allreduce", "--model: '%s' is not a built-in model or all", o.model);
    }
    const ln_kernels *k;
    if (ln_kernels_select(o.kernels, &k) != LN_OK) {
        fprintf(stderr, "lenet-bench allreduce: %s\n", ln_last_error());
        return BENCH_USAGE;
    }
    return run(&o, k);
}
