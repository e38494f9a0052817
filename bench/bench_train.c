/* lenet-bench train: whole training steps (data, forward, backward,
 * gradient reduction, update) on real Fashion-MNIST batches. Per thread
 * count: the median step after a warm-up, GFLOP/s over nominal FLOPs and
 * its fraction of the FMA peak of the kernel set's ISA on as many threads
 * (measured just before and after), and where the threads' time went,
 * phase by phase, and the step's parallel work: the work items of its two
 * loops (chunks, then weight-gradient and update blocks), the largest share
 * of the chunks one thread must run, and the speedup those items allow
 * (ln_trainer_plan), so a decomposition's scaling limit shows on a small
 * machine too. --sweep runs 1, 2, 4, ... threads up to the cores;
 * --threads takes one count or a list (1,2,4,8,16). */
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "core/rng.h"
#include "train/trainer.h"

enum { MAX_RUNS = 64 };

typedef struct topts {
    const char *model, *kernels, *data, *threads;
    int batch, sweep, steps, json;
    int nthreads, list[MAX_RUNS]; /* the thread counts to run */
} topts;

typedef struct tresult {
    int threads;
    double ips, gflops, peak;
    bench_stats ms;                    /* per step */
    double phase_ms[LN_PH_COUNT], wait_ms; /* per step, mean over threads */
    ln_step_plan plan;                 /* the step's work items on `threads` threads */
} tresult;

enum { WARMUP = 3 };

static int fail(const char *what)
{
    fprintf(stderr, "lenet-bench train: %s\n", what);
    return BENCH_RUNTIME;
}

/* Time o->steps steps of a fresh network on `threads` threads. */
static int measure(const topts *o, const ln_kernels *k, const ln_dataset *d, const uint32_t *order, int threads,
                   tresult *r)
{
    ln_net net = {0};
    ln_trainer tr = {0};
    double *t = malloc((size_t)o->steps * sizeof *t);
    int rc = BENCH_RUNTIME;
    if (!t) return fail("out of memory");
    if (ln_net_build(o->model, d->c, d->h, d->w, d->nclasses, &net) ||
        ln_trainer_init(&tr, &net, k, threads, o->batch)) {
        rc = fail(ln_last_error());
        goto out;
    }
    ln_net_init(&net, 1);
    ln_step_prof prof = {0};
    ln_sgd opt = {.lr = 0.01f, .momentum = 0.9f};
    long span = d->n - o->batch + 1;
    for (int s = -WARMUP; s < o->steps; s++) {
        int lo = (int)(((long)(s + WARMUP) * o->batch) % span), right;
        double loss, t0 = bench_now();
        tr.prof = s >= 0 ? &prof : NULL;
        if (ln_trainer_step(&tr, d, order + lo, o->batch, &opt, &loss, &right) != LN_OK) {
            fprintf(stderr, "lenet-bench train: step %d: %s\n", s + WARMUP, ln_last_error());
            goto out;
        }
        if (s >= 0) t[s] = bench_now() - t0;
    }
    bench_stats_of(t, o->steps, &r->ms);
    r->threads = threads;
    r->ips = o->batch / r->ms.med;
    r->gflops = ln_net_step_flops(&net) * r->ips * 1e-9;
    double per = 1e3 / ((double)prof.steps * threads);
    for (int p = 0; p < LN_PH_COUNT; p++) r->phase_ms[p] = prof.phase[p] * per;
    r->wait_ms = prof.wait * per;
    ln_trainer_plan(&tr, o->batch, threads, &r->plan);
    rc = BENCH_OK;
out:
    free(t);
    ln_trainer_free(&tr);
    ln_net_free(&net);
    return rc;
}

static void print_text(const tresult *r, int n)
{
    printf("\n%-74s%-25s| per-thread ms/step, by phase\n", "", " parallel work per step");
    printf("%7s %8s %8s %6s %8s %15s %8s %5s %8s %7s %7s |", "threads", "img/s", "GFLOP/s", "%peak", "ms/step", "q1..q3",
           "speedup", "eff", "items", "share", "bound");
    for (int p = 0; p < LN_PH_COUNT; p++) printf(" %8s", ln_phase_names[p]);
    printf(" %8s\n", "wait");
    for (int i = 0; i < n; i++) {
        char q[32];
        snprintf(q, sizeof q, "%.2f..%.2f", r[i].ms.q1 * 1e3, r[i].ms.q3 * 1e3);
        char items[32], share[32];
        const ln_step_plan *pl = &r[i].plan;
        snprintf(items, sizeof items, "%d+%d", pl->chunks, pl->items);
        snprintf(share, sizeof share, "%d/%d", (pl->chunks + r[i].threads - 1) / r[i].threads, pl->chunks);
        printf("%7d %8.0f %8.1f %5.1f%% %8.2f %15s %7.2fx %4.0f%% %8s %7s %6.1fx |", r[i].threads, r[i].ips,
               r[i].gflops, 100.0 * r[i].gflops / r[i].peak, r[i].ms.med * 1e3, q, r[i].ips / r[0].ips,
               100.0 * r[i].ips / (r[0].ips * r[i].threads / r[0].threads), items, share, pl->speedup_bound);
        for (int p = 0; p < LN_PH_COUNT; p++) printf(" %8.3f", r[i].phase_ms[p]);
        printf(" %8.3f\n", r[i].wait_ms);
    }
}

static void print_json(const topts *o, const ln_kernels *k, double mflop, const char *how, const tresult *r, int n)
{
    char buf[160], cpu[160], loop[160];
    bench_json_str(ln_cpu()->brand, cpu, sizeof cpu);
    printf("{\"bench\":\"train\",\"model\":%s,\"batch\":%d,\"kernels\":\"%s\",\"cpu\":%s,\"cores\":%d,"
           "\"steps\":%d,\"mflop_per_img\":%.4f,\"fma_peak_loop\":%s,\"runs\":[",
           bench_json_str(o->model, buf, sizeof buf), o->batch, k->isa, cpu, omp_get_num_procs(), o->steps,
           mflop, bench_json_str(how, loop, sizeof loop));
    for (int i = 0; i < n; i++) {
        printf("%s{\"threads\":%d,\"img_per_s\":%.1f,\"gflops\":%.3f,\"fma_peak_gflops\":%.2f,\"peak_fraction\":%.4f,"
               "\"speedup\":%.4f,\"efficiency\":%.4f,\"ms_per_step\":{\"median\":%.4f,\"min\":%.4f,\"max\":%.4f,"
               "\"q1\":%.4f,\"q3\":%.4f},\"chunk\":%d,\"chunk_items\":%d,\"update_items\":%d,"
               "\"max_chunks_per_thread\":%d,\"work_mflop\":[%.3f,%.3f],\"max_thread_work_mflop\":[%.3f,%.3f],"
               "\"speedup_bound\":%.4f,\"phase_ms\":{",
               i ? "," : "", r[i].threads, r[i].ips, r[i].gflops, r[i].peak, r[i].gflops / r[i].peak,
               r[i].ips / r[0].ips, r[i].ips / (r[0].ips * r[i].threads / r[0].threads), r[i].ms.med * 1e3,
               r[i].ms.min * 1e3, r[i].ms.max * 1e3, r[i].ms.q1 * 1e3, r[i].ms.q3 * 1e3, r[i].plan.chunk,
               r[i].plan.chunks, r[i].plan.items, (r[i].plan.chunks + r[i].threads - 1) / r[i].threads,
               r[i].plan.work[0] * 1e-6, r[i].plan.work[1] * 1e-6, r[i].plan.max_work[0] * 1e-6,
               r[i].plan.max_work[1] * 1e-6, r[i].plan.speedup_bound);
        for (int p = 0; p < LN_PH_COUNT; p++) printf("\"%s\":%.4f,", ln_phase_names[p], r[i].phase_ms[p]);
        printf("\"wait\":%.4f}}", r[i].wait_ms);
    }
    printf("]}\n");
}

static int run(const topts *o, const ln_kernels *k)
{
    ln_dataset d;
    if (ln_mnist_load(o->data, "train", &d) != LN_OK) return fail(ln_last_error());
    int nrun = o->nthreads, hi = 1, rc = BENCH_RUNTIME;
    for (int i = 0; i < nrun; i++) hi = o->list[i] > hi ? o->list[i] : hi;
    tresult *res = calloc((size_t)nrun, sizeof *res);
    uint32_t *order = malloc((size_t)d.n * sizeof *order);
    ln_net net = {0};
    if (!res || !order) {
        rc = fail("out of memory");
        goto out;
    }
    if (d.n < o->batch) {
        fprintf(stderr, "lenet-bench train: --batch %d is larger than the data set (%d images)\n", o->batch, d.n);
        goto out;
    }
    if (ln_net_build(o->model, d.c, d.h, d.w, d.nclasses, &net) != LN_OK) {
        rc = fail(ln_last_error());
        goto out;
    }
    double mflop = ln_net_step_flops(&net) * 1e-6;
    /* a fixed shuffle: batches as training sees them, not neighbours in the file */
    ln_rng rng;
    ln_rng_seed(&rng, 7);
    for (int i = 0; i < d.n; i++) order[i] = (uint32_t)i;
    ln_rng_shuffle(&rng, order, (uint32_t)d.n);
    const char *how = "";
    if (!o->json)
        printf("lenet-bench train: model %s, batch %d, kernels %s, %.2f MFLOP/img nominal, %d steps after %d warm-up, "
               "CPU %s, %d cores\n",
               o->model, o->batch, k->isa, mflop, o->steps, WARMUP, ln_cpu()->brand[0] ? ln_cpu()->brand : "?",
               omp_get_num_procs());
    for (int i = 0; i < nrun; i++) {
        int t = o->list[i];
        tresult *r = &res[i];
        r->peak = bench_fma_peak_isa(k->isa, t, 60, &how);
        if ((rc = measure(o, k, &d, order, t, r)) != BENCH_OK) goto out;
        r->peak = bench_fma_peak_isa(k->isa, t, 30, &how); /* the best of before and after */
    }
    if (o->json) print_json(o, k, mflop, how, res, nrun);
    else {
        print_text(res, nrun);
        printf("\n%%peak: of the %s set's FMA peak on as many threads (", k->isa);
        for (int i = 0; i < nrun; i++) printf("%s%d: %.1f GFLOP/s", i ? ", " : "", res[i].threads, res[i].peak);
        printf("; %s),\nthe best of trials just before and after the run.\n"
               "speedup and eff(iciency): against the first row. Phases: time per step, mean over threads;\n"
               "wait: idle at the step's barriers. items: chunks + update blocks per step; share: the most\n"
               "chunks one thread runs; bound: the speedup those items allow over one thread (estimated FLOPs).\n",
               how);
        double one = hi > 1 ? bench_fma_peak_isa(k->isa, 1, 30, &how) : 0.0;
        for (int i = 0; i < nrun; i++)
            if (res[i].threads > 1 && res[i].peak < 0.75 * res[i].threads * one)
                printf("note: the FMA loop reached only %.2fx its one-thread figure on %d threads: other work shares "
                       "these cores, and %%peak runs high\n", res[i].peak / one, res[i].threads);
    }
    rc = BENCH_OK;
out:
    ln_net_free(&net);
    free(order);
    free(res);
    ln_dataset_free(&d);
    return rc;
}

int bench_train_main(int argc, char **argv)
{
    topts o = {.model = "lenet5", .batch = 64, .threads = NULL, .steps = 30,
               .data = LN_DEFAULT_DATA_DIR};
    const bopt specs[] = {
        {"model", BOPT_STR, &o.model, 0, 0, "NAME", "built-in model or layer list (default lenet5; docs/MODELS.md)"},
        {"batch", BOPT_INT, &o.batch, 1, 65536, "N", "minibatch size (default 64)"},
        {"threads", BOPT_STR, &o.threads, 0, 0, "N[,N...]", "OpenMP threads, or a list of counts to run in turn, e.g. "
         "1,2,4,8,16 (default: number of cores)"},
        {"sweep", BOPT_FLAG, &o.sweep, 0, 0, NULL, "run 1, 2, 4, ... threads up to the cores and print the scaling"},
        {"steps", BOPT_INT, &o.steps, 1, 1000000, "N", "timed steps after 3 warm-up steps (default 30)"},
        {"kernels", BOPT_STR, &o.kernels, 0, 0, "SET", ln_kernels_help()},
        {"data", BOPT_STR, &o.data, 0, 0, "DIR", "MNIST-format directory (default " LN_DEFAULT_DATA_DIR ")"},
        {"json", BOPT_FLAG, &o.json, 0, 0, NULL, "print one JSON object"},
        {NULL, 0, NULL, 0, 0, NULL, NULL},
    };
    int rc = bench_parse("train", "[options]", specs, argc, argv, 2);
    if (rc) return rc < 0 ? BENCH_OK : rc;
    if (o.sweep && o.threads) return bench_usage_error("train", "--threads and --sweep exclude each other");
    if (o.sweep) {
        int cores = omp_get_num_procs();
        for (int t = 1; t < cores && o.nthreads < MAX_RUNS - 1; t *= 2) o.list[o.nthreads++] = t;
        o.list[o.nthreads++] = cores;
    } else if (!o.threads) {
        o.list[o.nthreads++] = omp_get_num_procs();
    } else {
        for (const char *p = o.threads; *p;) {
            char *end;
            long v = strtol(p, &end, 10);
            if (end == p || v < 1 || v > 1024 || (*end && *end != ',') || (*end == ',' && !end[1]))
                return bench_usage_error("train", "--threads: '%s' is not a count or a list like 1,2,4 (1..1024)",
                                         o.threads);
            if (o.nthreads == MAX_RUNS) return bench_usage_error("train", "--threads: at most %d counts", MAX_RUNS);
            o.list[o.nthreads++] = (int)v;
            p = *end ? end + 1 : end;
        }
    }
    const ln_kernels *k;
    if (ln_kernels_select(o.kernels, &k) != LN_OK) {
        fprintf(stderr, "lenet-bench train: %s\n", ln_last_error());
        return BENCH_USAGE;
    }
    return run(&o, k);
}
