/* lenet-mpi-train: the trainer alone (ln_trainer_step, ln_net_evaluate)
 * for the MPI tests and measurements, without the CLI's run loop. It
 * trains `--steps` steps (or `--epochs` over real data) on every rank,
 * checks that all ranks hold the same weights and momentum, and rank 0
 * writes them (raw floats: weights, then momentum) to --out, so that runs
 * at different rank and thread counts compare with cmp.
 *
 *   lenet-mpi-train [--model M] [--batch B] [--threads T] [--steps S]
 *                   [--n N] [--kernels SET] [--fast] [--overlap 0|1] [--seed X]
 *                   [--data DIR [--limit N] [--epochs E]] [--test N]
 *                   [--out FILE] [--stop-at K --state FILE]
 *                   [--resume FILE] [--lr X] [--quiet]
 *   lenet-mpi-train --write-mnist DIR NTRAIN NTEST   (random IDX files)
 *
 * Data: N random 28x28 images with random labels (the test helpers'
 * generator), or an MNIST-format DIR; each epoch is a seeded shuffle, and
 * step g takes the next batch of it (the last one partial). --stop-at K
 * writes the state (step, weights, momentum) after K steps and exits;
 * --resume continues from such a file (at any rank count). Prints, on
 * rank 0, each step's summed loss and count (%.17g), the evaluation of
 * the test set, and the training rate. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/crc32.h"
#include "core/rng.h"
#include "dist/dist.h"
#include "support.h"
#include "train/trainer.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int die(const char *what)
{
    fprintf(stderr, "lenet-mpi-train: rank %d: %s\n", ln_dist_rank(), what);
    exit(1);
}

int main(int argc, char **argv)
{
    const char *model = "lenet5", *kernels = "auto", *data = NULL, *out = NULL, *state = NULL, *resume = NULL;
    if (argc == 5 && !strcmp(argv[1], "--write-mnist")) { /* DIR NTRAIN NTEST: random data for the CLI tests */
        int rc = write_mnist_dir(argv[2], atoi(argv[3]), atoi(argv[4]), 11);
        if (rc) fprintf(stderr, "lenet-mpi-train: cannot write %s\n", argv[2]);
        return rc;
    }
    int batch = 64, threads = 1, steps = 5, n = 300, fast = 0, overlap = -1, limit = 0, epochs = 0, ntest = 500, quiet = 0;
    long stop_at = -1;
    float lr = 0.0f;
    unsigned long long seed = 7;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
#define OPT(name) (!strcmp(a, name) && v && ++i)
        if (OPT("--model")) model = v;
        else if (OPT("--kernels")) kernels = v;
        else if (OPT("--batch")) batch = atoi(v);
        else if (OPT("--threads")) threads = atoi(v);
        else if (OPT("--steps")) steps = atoi(v);
        else if (OPT("--n")) n = atoi(v);
        else if (OPT("--seed")) seed = strtoull(v, NULL, 10);
        else if (OPT("--data")) data = v;
        else if (OPT("--limit")) limit = atoi(v);
        else if (OPT("--epochs")) epochs = atoi(v);
        else if (OPT("--test")) ntest = atoi(v);
        else if (OPT("--out")) out = v;
        else if (OPT("--stop-at")) stop_at = atol(v);
        else if (OPT("--state")) state = v;
        else if (OPT("--resume")) resume = v;
        else if (OPT("--lr")) lr = (float)atof(v);
        else if (!strcmp(a, "--fast")) fast = 1;
        else if (OPT("--overlap")) overlap = atoi(v);
        else if (!strcmp(a, "--quiet")) quiet = 1;
        else {
            fprintf(stderr, "lenet-mpi-train: unknown or incomplete option '%s'\n", a);
            return 2;
        }
#undef OPT
    }
    int rank = ln_dist_rank(), size = ln_dist_size();
    ln_dataset tr = {0}, te = {0};
    if (data) {
        if (ln_mnist_load(data, "train", &tr) != LN_OK || ln_mnist_load(data, "t10k", &te) != LN_OK)
            return die(ln_last_error());
        if (limit > 0 && limit < tr.n) ln_dataset_truncate(&tr, limit);
        if (ntest > 0 && ntest < te.n) ln_dataset_truncate(&te, ntest);
    } else {
        tr = random_dataset(n, seed);
        te = random_dataset(ntest, seed + 1);
    }
    const ln_kernels *k;
    if (ln_kernels_select(kernels, &k) != LN_OK) return die(ln_last_error());
    ln_net net;
    ln_trainer t;
    if (ln_net_build(model, tr.c, tr.h, tr.w, tr.nclasses, &net) != LN_OK) return die(ln_last_error());
    ln_net_init(&net, 42);
    if (ln_trainer_init(&t, &net, k, threads, batch) != LN_OK) return die(ln_last_error());
    t.allreduce_fast = fast;
    if (overlap >= 0) t.overlap = overlap;
    long spe = (tr.n + batch - 1) / batch, total = epochs > 0 ? spe * epochs : steps, first = 0;
    if (resume) {
        FILE *f = fopen(resume, "rb");
        if (!f || fread(&first, sizeof first, 1, f) != 1 || fread(net.params, sizeof(float), net.nparams, f) != net.nparams ||
            fread(t.velocity, sizeof(float), net.nparams, f) != net.nparams)
            return die("cannot read the --resume state");
        fclose(f);
    }
    uint32_t *perm = malloc((size_t)tr.n * sizeof *perm);
    if (!perm) return die("out of memory");
    ln_sgd opt = {.lr = lr > 0.0f ? lr : data ? 0.05f : 0.02f, .momentum = 0.9f, .nesterov = 1, .weight_decay = 5e-4f};
    long epoch = -1, images = 0;
    double t0 = now(), comm = 0.0;
    for (long g = first; g < total; g++) {
        if (g / spe != epoch) { /* each epoch: a seeded shuffle */
            epoch = g / spe;
            ln_rng r;
            ln_rng_seed(&r, seed * 1000003u + (uint64_t)epoch);
            for (int i = 0; i < tr.n; i++) perm[i] = (uint32_t)i;
            ln_rng_shuffle(&r, perm, (uint32_t)tr.n);
        }
        long j = g % spe;
        int lo = (int)(j * batch), m = tr.n - lo < batch ? tr.n - lo : batch;
        double loss;
        int right;
        ln_status st = ln_trainer_step(&t, &tr, perm + lo, m, &opt, &loss, &right);
        if (st == LN_ERR_NUMERIC) { /* every rank stops here, weights at the last good step */
            if (rank == 0) printf("step %ld: %s\n", g, ln_last_error());
            break;
        }
        if (st != LN_OK) return die(ln_last_error());
        images += m;
        comm += t.comm_bytes;
        if (rank == 0 && !quiet) printf("step %ld: loss %.17g correct %d\n", g, loss, right);
        if (g + 1 == stop_at) {
            if (rank == 0 && state) {
                FILE *f = fopen(state, "wb");
                long next = g + 1;
                if (!f || fwrite(&next, sizeof next, 1, f) != 1 ||
                    fwrite(net.params, sizeof(float), net.nparams, f) != net.nparams ||
                    fwrite(t.velocity, sizeof(float), net.nparams, f) != net.nparams || fclose(f))
                    return die("cannot write the --state file");
            }
            total = g + 1;
        }
    }
    double secs = now() - t0;
    /* every rank must hold the same weights and momentum */
    uint32_t crc = ln_crc32(0, net.params, net.nparams * sizeof(float));
    crc = ln_crc32(crc, t.velocity, net.nparams * sizeof(float));
    uint32_t *crcs = calloc((size_t)size, sizeof *crcs);
    size_t *off = calloc((size_t)size * 2, sizeof *off);
    if (!crcs || !off) return die("out of memory");
    for (int r = 0; r < size; r++) off[r] = (size_t)r * sizeof *crcs, off[size + r] = sizeof *crcs;
    crcs[rank] = crc;
    ln_dist_allgatherv(crcs, off, off + size, 99);
    int agree = 1;
    for (int r = 0; r < size; r++) agree &= crcs[r] == crc;
    double el, ea;
    if (ln_net_evaluate(&net, k, threads, &te, &el, &ea) != LN_OK) return die(ln_last_error());
    if (rank == 0) {
        printf("ranks %d threads %d batch %d: weights crc %08x, %s\n", size, threads, batch, (unsigned)crc,
               agree ? "the same on every rank" : "DIFFERENT ACROSS RANKS");
        printf("eval: loss %.17g accuracy %.17g\n", el, ea);
        printf("rate: %.1f img/s over %ld images (%.3f s), sent %.0f bytes per step\n", images / secs, images, secs,
               total > first ? comm / (double)(total - first) : 0.0);
        if (out) {
            FILE *f = fopen(out, "wb");
            if (!f || fwrite(net.params, sizeof(float), net.nparams, f) != net.nparams ||
                fwrite(t.velocity, sizeof(float), net.nparams, f) != net.nparams || fclose(f))
                return die("cannot write --out");
        }
    }
    free(crcs);
    free(off);
    free(perm);
    ln_trainer_free(&t);
    ln_net_free(&net);
    ln_dataset_free(&tr);
    ln_dataset_free(&te);
    return agree ? 0 : 3;
}
