/* lenet-bench train: whole training steps (data, forward, backward,
 * gradient reduction, update) on real Fashion-MNIST batches. Per thread
 * count: the median step after a warm-up, GFLOP/s over nominal FLOPs and
 * its fraction of the FMA peak measured just before, and where the threads'
 * time went, phase by phase. --sweep runs 1..cores threads. */
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "core/rng.h"
#include "train/trainer.h"

typedef struct topts {
    const char *model, *kernels, *data;
    int batch, threads, sweep, steps, json;
} topts;

typedef struct tresult {
    int threads;
    double ips, gflops, peak;
    bench_stats ms;                    /* per step */
    double phase_ms[LN_PH_COUNT], wait_ms; /* per step, mean over threads */
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
    rc = BENCH_OK;
out:
    free(t);
    ln_trainer_free(&tr);
    ln_net_free(&net);
    return rc;
}

static void print_text(const tresult *r, int n)
{
    printf("\n%-74s| per-thread ms/step, by phase\n", "");
    printf("%7s %8s %8s %6s %8s %15s %8s %5s |", "threads", "img/s", "GFLOP/s", "%peak", "ms/step", "q1..q3", "speedup",
           "eff");
    for (int p = 0; p < LN_PH_COUNT; p++) printf(" %8s", ln_phase_names[p]);
    printf(" %8s\n", "wait");
    for (int i = 0; i < n; i++) {
        char q[32];
        snprintf(q, sizeof q, "%.2f..%.2f", r[i].ms.q1 * 1e3, r[i].ms.q3 * 1e3);
        printf("%7d %8.0f %8.1f %5.1f%% %8.2f %15s %7.2fx %4.0f%% |", r[i].threads, r[i].ips, r[i].gflops,
               100.0 * r[i].gflops / r[i].peak, r[i].ms.med * 1e3, q, r[i].ips / r[0].ips,
               100.0 * r[i].ips / (r[0].ips * r[i].threads / r[0].threads));
        for (int p = 0; p < LN_PH_COUNT; p++) printf(" %8.3f", r[i].phase_ms[p]);
        printf(" %8.3f\n", r[i].wait_ms);
    }
}

static void print_json(const topts *o, const ln_kernels *k, double mflop, const tresult *r, int n)
{
    char buf[160], cpu[160];
    bench_json_str(ln_cpu()->brand, cpu, sizeof cpu);
    printf("{\"bench\":\"train\",\"model\":%s,\"batch\":%d,\"kernels\":\"%s\",\"cpu\":%s,\"cores\":%d,"
           "\"steps\":%d,\"mflop_per_img\":%.4f,\"runs\":[",
           bench_json_str(o->model, buf, sizeof buf), o->batch, k->isa, cpu, omp_get_num_procs(), o->steps,
           mflop);
    for (int i = 0; i < n; i++) {
        printf("%s{\"threads\":%d,\"img_per_s\":%.1f,\"gflops\":%.3f,\"fma_peak_gflops\":%.2f,\"peak_fraction\":%.4f,"
               "\"speedup\":%.4f,\"efficiency\":%.4f,\"ms_per_step\":{\"median\":%.4f,\"min\":%.4f,\"max\":%.4f,"
               "\"q1\":%.4f,\"q3\":%.4f},\"phase_ms\":{",
               i ? "," : "", r[i].threads, r[i].ips, r[i].gflops, r[i].peak, r[i].gflops / r[i].peak,
               r[i].ips / r[0].ips, r[i].ips / (r[0].ips * r[i].threads / r[0].threads), r[i].ms.med * 1e3,
               r[i].ms.min * 1e3, r[i].ms.max * 1e3, r[i].ms.q1 * 1e3, r[i].ms.q3 * 1e3);
        for (int p = 0; p < LN_PH_COUNT; p++) printf("\"%s\":%.4f,", ln_phase_names[p], r[i].phase_ms[p]);
        printf("\"wait\":%.4f}}", r[i].wait_ms);
    }
    printf("]}\n");
}

static int run(const topts *o, const ln_kernels *k)
{
    ln_dataset d;
    if (ln_mnist_load(o->data, "train", &d) != LN_OK) return fail(ln_last_error());
    int lo = o->sweep ? 1 : o->threads, hi = o->sweep ? omp_get_num_procs() : o->threads, rc = BENCH_RUNTIME;
    tresult *res = calloc((size_t)(hi - lo + 1), sizeof *res);
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
    for (int t = lo; t <= hi; t++) {
        tresult *r = &res[t - lo];
        r->peak = bench_fma_peak(t, 10, &how);
        if ((rc = measure(o, k, &d, order, t, r)) != BENCH_OK) goto out;
    }
    if (o->json) print_json(o, k, mflop, res, hi - lo + 1);
    else {
        print_text(res, hi - lo + 1);
        printf("\n%%peak: of the FMA peak measured on as many threads just before (%s).\n"
               "speedup and eff(iciency): against the first row. Phases: time per step, mean over threads;\n"
               "wait: idle at the step's barriers.\n",
               how);
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
    topts o = {.model = "lenet5", .batch = 64, .threads = 0, .steps = 30,
               .data = LN_DEFAULT_DATA_DIR};
    const bopt specs[] = {
        {"model", BOPT_STR, &o.model, 0, 0, "NAME", "built-in model or layer list (default lenet5; docs/MODELS.md)"},
        {"batch", BOPT_INT, &o.batch, 1, 65536, "N", "minibatch size (default 64)"},
        {"threads", BOPT_INT, &o.threads, 1, 1024, "N", "OpenMP threads (default: number of cores)"},
        {"sweep", BOPT_FLAG, &o.sweep, 0, 0, NULL, "run 1..cores threads and print the scaling"},
        {"steps", BOPT_INT, &o.steps, 1, 1000000, "N", "timed steps after 3 warm-up steps (default 30)"},
        {"kernels", BOPT_STR, &o.kernels, 0, 0, "SET", ln_kernels_help()},
        {"data", BOPT_STR, &o.data, 0, 0, "DIR", "MNIST-format directory (default " LN_DEFAULT_DATA_DIR ")"},
        {"json", BOPT_FLAG, &o.json, 0, 0, NULL, "print one JSON object"},
        {NULL, 0, NULL, 0, 0, NULL, NULL},
    };
    int rc = bench_parse("train", "[options]", specs, argc, argv, 2);
    if (rc) return rc < 0 ? BENCH_OK : rc;
    if (o.sweep && o.threads) return bench_usage_error("train", "--threads and --sweep exclude each other");
    if (!o.threads) o.threads = omp_get_num_procs();
    const ln_kernels *k;
    if (ln_kernels_select(o.kernels, &k) != LN_OK) {
        fprintf(stderr, "lenet-bench train: %s\n", ln_last_error());
        return BENCH_USAGE;
    }
    return run(&o, k);
}
