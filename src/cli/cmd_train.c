/* lenet train: load data, build the model (or resume a checkpoint), run
 * epochs of SGD, evaluate on the test set after each epoch, checkpoint as
 * asked, save the model atomically at the end. SIGINT/SIGTERM finish the
 * step, save a checkpoint, and end by that signal (status 130/143). */
#define _XOPEN_SOURCE 700 /* realpath */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "core/crc32.h"
#include "core/rng.h"
#include "core/text.h"
#include "io/atomic_file.h"
#include "io/checkpoint.h"
#include "io/model_file.h"
#include "io/safetensors.h"
#include "nn/spec.h"
#include "opts.h"
#include "train/trainer.h"


typedef struct train_args {
    const char *model, *data, *save, *log, *schedule, *kernels, *recipe, *cache, *augment;
    const char *checkpoint, *every, *resume;
    const char *ckpt; /* where checkpoints go: --checkpoint, the file resumed from, or <--save>.ckpt / lenet.ckpt */
    int epochs, batch, threads, limit, warmup, nesterov, quiet, strict, no_cache;
    int every_steps, stop_after; /* every_steps 0: checkpoint each epoch */
    float lr, momentum, weight_decay, val_split;
    unsigned long long seed;
    ln_augment aug;
} train_args;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* The atomic writers' temporary name is <path>.tmp.<pid>: this many bytes
 * more than the path, for any pid (up to 10 digits). */
enum { TMP_SUFFIX = 15 };

/* Fail before training if an output could never be written: it must not
 * be a directory, it and its temporary name (atomic: --save, checkpoints)
 * must fit NAME_MAX and PATH_MAX, and its directory must be writable.
 * `what` names it ("--save"); `hint` ends the message. */
static int check_output_path(const char *what, const char *path, int atomic, const char *hint)
{
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        fprintf(stderr, "lenet train: %s %s: is a directory, not a file name%s\n", what, path, hint);
        return EXIT_USAGE;
    }
    if (atomic && ln_output_check(path) != LN_OK) { /* a FIFO, a device: never renamed over */
        fprintf(stderr, "lenet train: %s %s%s\n", what, ln_last_error(), hint);
        return EXIT_USAGE;
    }
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t extra = atomic ? TMP_SUFFIX : 0;
    if (strlen(path) + extra >= PATH_MAX || strlen(base) + extra > NAME_MAX) {
        fprintf(stderr, "lenet train: %s %s: name too long (%zu bytes, a file name at most %zu, a path at most %zu%s)%s\n",
                what, path, strlen(base), (size_t)NAME_MAX - extra, (size_t)PATH_MAX - 1 - extra,
                atomic ? ", leaving room for the temporary file's \".tmp.<pid>\"" : "", hint);
        return EXIT_USAGE;
    }
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path); /* fits: checked above */
    char *slash = strrchr(dir, '/');
    if (!slash) snprintf(dir, sizeof dir, ".");
    else if (slash == dir) dir[1] = 0;
    else *slash = 0;
    if (access(dir, W_OK) != 0) {
        fprintf(stderr, "lenet train: %s %s: directory '%s' does not exist or is not writable%s\n", what, path, dir, hint);
        return EXIT_USAGE;
    }
    return 0;
}

/* A word for a shell: as it is when plain, else in single quotes. */
static void put_word(FILE *f, const char *s)
{
    static const char plain[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=+,:@%";
    if (*s && strspn(s, plain) == strlen(s)) {
        fputs(s, f);
        return;
    }
    fputc('\'', f);
    for (; *s; s++)
        if (*s == '\'') fputs("'\\''", f);
        else fputc(*s, f);
    fputc('\'', f);
}

/* " --flag VALUE" for the resume hint. */
static void put_opt(FILE *f, const char *flag, const char *value)
{
    if (!value) return;
    fprintf(f, " %s ", flag);
    put_word(f, value);
}

static void progress(int epoch, int epochs, long done, long total, double loss, double rate, double eta)
{
    enum { WIDTH = 24 };
    int fill = total ? (int)(WIDTH * done / total) : WIDTH;
    char bar[WIDTH + 1];
    for (int i = 0; i < WIDTH; i++) bar[i] = i < fill ? '=' : (i == fill ? '>' : ' ');
    bar[WIDTH] = 0;
    fprintf(stderr, "\repoch %d/%d [%s] %ld/%ld  loss %.4f  %.0f img/s  ETA %d:%02d ", epoch, epochs, bar,
            done, total, loss, rate, (int)eta / 60, (int)eta % 60);
    fflush(stderr);
}

/* The signal that asked the run to stop, 0 if none. A second SIGINT or
 * SIGTERM kills at once (the file on disk is still the last complete
 * checkpoint, as saves are atomic); after the stop's save, lenet dies by
 * the signal itself, so a calling shell script stops too. */
static volatile sig_atomic_t stop_signal;
static void on_signal(int sig)
{
    if (!stop_signal) {
        stop_signal = sig;
        return;
    }
    signal(sig, SIG_DFL); /* both async-signal-safe */
    raise(sig);
}

static void catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* Called once the run's files are closed. */
static void die_by_stop_signal(void)
{
    if (!stop_signal) return;
    fflush(stdout);
    fflush(stderr);
    signal(stop_signal, SIG_DFL);
    raise(stop_signal);
}

/* What the checkpoint knows about the data: count and CRC-32 of the pixels
 * and labels in order. A resumed run must see the same images. */
static uint32_t data_crc(const ln_dataset *d)
{
    uint32_t c = ln_crc32(0, d->pixels, (size_t)d->n * d->c * d->h * d->w);
    return ln_crc32(c, d->labels, (size_t)d->n);
}

/* A run resumed from a checkpoint: its network, momentum and state. */
typedef struct resumed {
    ln_net net;
    float *velocity;
    ln_train_state st;
} resumed;

/* The state of a run at a step boundary. */
typedef struct run_pos {
    long epoch, epoch_step, step;
    const ln_rng *epoch_rng; /* before this epoch's shuffle */
    double loss_sum, seconds;
    long right, seen;
} run_pos;

static ln_status save_checkpoint(const char *path, const train_args *a, const ln_kernels *k, const ln_trainer *tr,
                                 const ln_dataset *train, uint32_t crc, const run_pos *p)
{
    ln_train_state s = {.epoch = p->epoch, .epoch_step = p->epoch_step, .step = p->step, .loss_sum = p->loss_sum,
                        .seconds = p->seconds, .right = p->right, .seen = p->seen, .epochs = a->epochs,
                        .batch = a->batch, .warmup = a->warmup, .nesterov = a->nesterov, .limit = a->limit,
                        .lr = a->lr, .momentum = a->momentum, .weight_decay = a->weight_decay,
                        .val_split = a->val_split, .seed = a->seed, .data_n = train->n, .data_crc = crc};
    memcpy(s.rng, p->epoch_rng->s, sizeof s.rng);
    snprintf(s.schedule, sizeof s.schedule, "%s", a->schedule);
    /* the canonical list, whatever spelling was given */
    int an = a->aug.flip ? snprintf(s.augment, sizeof s.augment, "flip") : 0;
    if (a->aug.shift) snprintf(s.augment + an, sizeof s.augment - (size_t)an, "%sshift=%d", an ? "," : "", a->aug.shift);
    snprintf(s.isa, sizeof s.isa, "%s", k->isa);
    /* absolute, so a resume from another directory finds the data */
    char abs[4096];
    const char *dir = realpath(a->data, abs) && strlen(abs) < sizeof s.data ? abs : a->data;
    size_t dn = strlen(dir); /* fits: checked before the run */
    memcpy(s.data, dir, dn < sizeof s.data ? dn + 1 : 0);
    s.data[sizeof s.data - 1] = 0;
    return ln_checkpoint_save(path, tr->net, tr->velocity, &s);
}

static int run(const train_args *a, const ln_kernels *k, resumed *res)
{
    ln_dataset train = {0}, test = {0};
    ln_net net = {0};
    ln_trainer tr = {0};
    ln_evaluator ev = {0};
    uint32_t *order = NULL;
    FILE *log = NULL;
    int rc = EXIT_RUNTIME, log_errno = 0;
    /* where checkpoints go: --checkpoint; resuming, the file resumed from;
     * otherwise only an interrupted run saves one, next to --save */
    const char *ckpt = a->ckpt;
    int periodic = a->checkpoint || a->resume;
    ln_atomic_remove_stale(ckpt); /* what a killed earlier run may have left */
    if (a->save) ln_atomic_remove_stale(a->save);

    cli_data cd = {.dir = a->data, .val_split = a->val_split, .cache = a->no_cache ? "" : a->cache,
                   .strict = a->strict, .threads = a->threads, .h = 28, .w = 28, .seed = a->seed};
    if ((rc = cli_load_data("train", &cd, &train, &test))) goto out;
    rc = EXIT_RUNTIME;
    if (a->limit && a->limit < train.n) {
        if (!train.class_names) ln_dataset_truncate(&train, a->limit); /* IDX: the file's first N */
        else if (ln_dataset_subsample(&train, a->limit, a->seed) != LN_OK) {
            rc = cli_fail("train");
            goto out;
        }
    }
    /* a model file stores class names as JSON strings: a folder name that
     * is not UTF-8 would fail the save after the whole run */
    for (int c = 0; train.class_names && c < train.nclasses; c++) {
        const char *name = train.class_names[c];
        if (ln_utf8_valid(name, strlen(name))) continue;
        char esc[1024];
        fprintf(stderr, "lenet train: --data %s: class folder '%s' is not valid UTF-8, which a model file cannot "
                "store (rename the folder)\n", a->data, ln_text_escape(name, esc, sizeof esc));
        goto out;
    }
    uint32_t crc = data_crc(&train);
    if (res) {
        net = res->net; /* the checkpoint's network, weights and class names */
        memset(&res->net, 0, sizeof res->net);
        if (train.n != res->st.data_n || crc != res->st.data_crc) {
            fprintf(stderr,
                    "lenet train: --data %s: %d training images (CRC-32 %08x), but checkpoint %s was trained on %ld "
                    "(%08x): not the same data\n",
                    a->data, train.n, (unsigned)crc, a->resume, res->st.data_n, (unsigned)res->st.data_crc);
            goto out;
        }
        if (net.in_c != train.c || net.in_h != train.h || net.in_w != train.w || net.nclasses != train.nclasses) {
            fprintf(stderr, "lenet train: --data %s: images do not fit checkpoint %s's model\n", a->data, a->resume);
            goto out;
        }
    } else if (ln_net_build(a->model, train.c, train.h, train.w, train.nclasses, &net)) {
        rc = cli_fail("train");
        goto out;
    }
    if (ln_trainer_init(&tr, &net, k, a->threads, a->batch)) {
        rc = cli_fail("train");
        goto out;
    }
    if (res) {
        memcpy(tr.velocity, res->velocity, net.nparams * sizeof *tr.velocity);
    } else {
        ln_net_init(&net, a->seed);
        if (train.class_names && ln_net_set_class_names(&net, train.class_names)) {
            rc = cli_fail("train");
            goto out;
        }
    }
    if (ln_evaluator_init(&ev, &net, k, a->threads) != LN_OK) {
        rc = cli_fail("train");
        goto out;
    }
    tr.aug = a->aug;
    tr.aug.seed = a->seed;
    order = malloc((size_t)train.n * sizeof *order);
    if (!order) {
        fprintf(stderr, "lenet train: out of memory\n");
        goto out;
    }
    /* a resumed run appends to its log */
    if (a->log && !(log = fopen(a->log, res ? "a" : "w"))) {
        fprintf(stderr, "lenet train: --log %s: cannot open for writing\n", a->log);
        goto out;
    }
    char np[32];
    printf("lenet %s: model %s, %s parameters, input %dx%dx%d, %d classes | %d train / %d test images | "
           "batch %d, %d epochs, SGD lr %g %s, momentum %g%s, weight decay %g | threads %d, kernels %s\n",
           LENET_VERSION, net.model, cli_grouped((long long)ln_net_trainable(&net), np, sizeof np), net.in_c, net.in_h,
           net.in_w, net.nclasses, train.n, test.n, a->batch, a->epochs, a->lr, a->schedule, a->momentum,
           a->nesterov && a->momentum > 0 ? " nesterov" : "", a->weight_decay, a->threads, k->isa);

    ln_schedule sched = (ln_schedule)ln_schedule_from_name(a->schedule); /* checked: flag or checkpoint */
    long steps_per_epoch = (train.n + a->batch - 1) / a->batch;
    long total = steps_per_epoch * a->epochs, step = 0, first_epoch = 1, first_step = 0, steps_run = 0;
    ln_rng shuffle;
    ln_rng_seed(&shuffle, a->seed ^ 0x5348554646u); /* a stream apart from initialisation */
    if (res) {
        step = res->st.step, first_epoch = res->st.epoch, first_step = res->st.epoch_step;
        memcpy(shuffle.s, res->st.rng, sizeof shuffle.s);
        if (first_epoch > a->epochs)
            printf("checkpoint %s: the run's %d epochs are done (a larger --epochs continues it)\n", a->resume,
                   a->epochs);
        else
            printf("resuming %s: epoch %ld, step %ld of %ld\n", a->resume, first_epoch, first_step, steps_per_epoch);
    }
    fflush(stdout);
    catch_signals();
    int tty = isatty(STDERR_FILENO) && !a->quiet, stopping = 0, saved_ckpt = 0;
    /* without a terminal (a log file, CI), a progress line every few seconds */
    const char *pe = getenv("LENET_PROGRESS_SECONDS");
    double note_every = pe && atof(pe) > 0 ? atof(pe) : 10.0, t_noted = now();
    for (long e = first_epoch; e <= a->epochs; e++) {
        ln_rng epoch_rng = shuffle;
        tr.aug.epoch = e;
        for (int i = 0; i < train.n; i++) order[i] = (uint32_t)i;
        ln_rng_shuffle(&shuffle, order, (uint32_t)train.n);
        double loss_sum = 0.0, t_train = 0.0, t_shown = 0.0;
        long right = 0, seen = 0, s0 = 0;
        if (res && e == first_epoch) {
            loss_sum = res->st.loss_sum, t_train = res->st.seconds, right = res->st.right, seen = res->st.seen;
            s0 = first_step;
        }
        for (long s = s0; s < steps_per_epoch; s++) {
            int lo = (int)(s * a->batch), n = train.n - lo < a->batch ? train.n - lo : a->batch;
            ln_sgd opt = {.lr = ln_schedule_lr(sched, a->lr, step, total, a->warmup * steps_per_epoch, steps_per_epoch),
                          .momentum = a->momentum, .weight_decay = a->weight_decay, .nesterov = a->nesterov};
            double l, t0 = now();
            int ok;
            if (ln_trainer_step(&tr, &train, order + lo, n, &opt, &l, &ok) != LN_OK) {
                if (tty) fputc('\n', stderr);
                fprintf(stderr, "lenet train: epoch %ld, step %ld: %s (try a lower --lr)%s%s%s\n", e, s + 1,
                        ln_last_error(), a->save ? "; " : "", a->save ? a->save : "",
                        a->save ? " was not written" : "");
                goto out;
            }
            step++, steps_run++;
            t_train += now() - t0;
            loss_sum += l, right += ok, seen += n;
            if (tty && (t_train - t_shown > 0.25 || s + 1 == steps_per_epoch)) {
                t_shown = t_train;
                double rate = seen / t_train;
                progress((int)e, a->epochs, seen, train.n, loss_sum / seen, rate, (train.n - seen) / rate);
            } else if (!tty && !a->quiet && now() - t_noted >= note_every && s + 1 < steps_per_epoch) {
                t_noted = now();
                double rate = seen / t_train;
                fprintf(stderr, "epoch %ld/%d: %ld/%d images, loss %.4f, %.0f img/s, ETA %.0f s\n", e, a->epochs, seen,
                        train.n, loss_sum / seen, rate, (train.n - seen) / rate);
                fflush(stderr);
            }
            stopping = stop_signal || (a->stop_after && steps_run >= a->stop_after);
            if (s + 1 == steps_per_epoch) break; /* the epoch's end saves, after evaluation */
            if (stopping || (periodic && a->every_steps && step % a->every_steps == 0)) {
                run_pos p = {e, s + 1, step, &epoch_rng, loss_sum, t_train, right, seen};
                if (save_checkpoint(ckpt, a, k, &tr, &train, crc, &p) != LN_OK) {
                    if (tty) fputc('\n', stderr);
                    rc = cli_fail("train");
                    goto out;
                }
                saved_ckpt = 1;
            }
            if (stopping) {
                if (tty) fputc('\n', stderr);
                goto stopped;
            }
        }
        if (tty && test.n) fprintf(stderr, "\r\033[Kepoch %ld/%d: evaluating on %d test images...", e, a->epochs, test.n);
        double t_eval = now(), test_loss = NAN, test_acc = NAN;
        if (test.n && ln_evaluator_run(&ev, &test, &test_loss, &test_acc) != LN_OK) {
            rc = cli_fail("train");
            goto out;
        }
        t_eval = now() - t_eval;
        if (tty) fputs("\r\033[K", stderr); /* the epoch line below replaces the bar */
        double rate = seen / t_train;
        char tst[64] = "no test images";
        if (test.n) snprintf(tst, sizeof tst, "test loss %.4f acc %.2f%%", test_loss, 100.0 * test_acc);
        printf("epoch %ld/%d  train loss %.4f acc %.2f%%  %s  %.0f img/s  %.1f s\n", e, a->epochs, loss_sum / seen,
               100.0 * right / seen, tst, rate, t_train + t_eval);
        fflush(stdout);
        if (log) {
            errno = 0;
            int bad = fprintf(log,
                              "{\"epoch\":%ld,\"train_loss\":%.6f,\"train_acc\":%.6f,\"test_loss\":%.6f,\"test_acc\":%.6f,"
                              "\"img_per_s\":%.1f,\"seconds\":%.3f,\"lr\":%.6g}\n",
                              e, loss_sum / seen, (double)right / seen, test.n ? test_loss : -1.0,
                              test.n ? test_acc : -1.0, rate, t_train + t_eval,
                              ln_schedule_lr(sched, a->lr, step - 1, total, a->warmup * steps_per_epoch,
                                             steps_per_epoch)) < 0;
            bad |= fflush(log) != 0;
            bad |= ferror(log) != 0;
            /* a log that cannot be written ends the run, as a stop does:
             * the checkpoint (or, in the last epoch, the model) is saved */
            if (bad) log_errno = errno ? errno : EIO, stopping = 1;
        }
        stopping = stopping || stop_signal;
        /* a run that stops in its last epoch is complete: no checkpoint
         * unless asked for */
        if ((stopping && (periodic || e < a->epochs)) ||
            (periodic && (!a->every_steps || step % a->every_steps == 0 || e == a->epochs))) {
            run_pos p = {e + 1, 0, step, &shuffle, 0.0, 0.0, 0, 0};
            if (save_checkpoint(ckpt, a, k, &tr, &train, crc, &p) != LN_OK) {
                rc = cli_fail("train");
                goto out;
            }
            saved_ckpt = 1;
        }
        if (stopping && e < a->epochs) goto stopped;
    }
    if (a->save) {
        if (ln_net_save(&net, a->save) != LN_OK) {
            rc = cli_fail("train");
            goto out;
        }
        printf("saved %s\n", a->save);
    }
    if (saved_ckpt) printf("checkpoint %s\n", ckpt);
    rc = EXIT_OK; /* a signal during the last epoch's evaluation: the run is complete */
    if (log_errno) {
        fflush(stdout);
        fprintf(stderr, "lenet train: --log %s: cannot write: %s (the run is complete%s%s)\n", a->log,
                strerror(log_errno), a->save ? ", saved " : "", a->save ? a->save : "");
        rc = EXIT_RUNTIME;
    }
    goto out;
stopped:
    fflush(stdout);
    /* the command that finishes the run: outputs are not in the checkpoint */
    if (log_errno)
        fprintf(stderr, "lenet train: --log %s: cannot write: %s; stopped after step %ld of %ld", a->log,
                strerror(log_errno), step, total);
    else
        fprintf(stderr, "lenet train: %s after step %ld of %ld",
                stop_signal == SIGINT    ? "interrupted (SIGINT)"
                : stop_signal == SIGTERM ? "terminated (SIGTERM)"
                                         : "stopped (--stop-after)",
                step, total);
    fprintf(stderr, "; saved %s; resume with: lenet train", ckpt);
    put_opt(stderr, "--resume", ckpt);
    put_opt(stderr, "--save", a->save);
    put_opt(stderr, "--log", a->log);
    put_opt(stderr, "--checkpoint-every", a->every);
    fputc('\n', stderr);
    rc = log_errno ? EXIT_RUNTIME : stop_signal ? 128 + stop_signal : EXIT_OK;
out:
    if (log) {
        errno = 0;
        if (fclose(log) != 0 && !log_errno && (rc == EXIT_OK || rc == 128 + stop_signal)) {
            fprintf(stderr, "lenet train: --log %s: cannot write: %s\n", a->log, strerror(errno ? errno : EIO));
            rc = EXIT_RUNTIME;
        }
    }
    free(order);
    ln_evaluator_free(&ev);
    ln_trainer_free(&tr);
    ln_net_free(&net);
    ln_dataset_free(&train);
    ln_dataset_free(&test);
    return rc;
}

/* train's options; a table of TRAIN_NOPTS entries (the last all NULL). */
enum { TRAIN_NOPTS = 29 };
static void train_specs(train_args *a, opt_spec specs[TRAIN_NOPTS])
{
    const opt_spec t[TRAIN_NOPTS] = {
        {"model", OPT_STR, &a->model, 0, 0, "NAME|SPEC|FILE", cli_model_help()},
        {"data", OPT_STR, &a->data, 0, 0, "DIR", "MNIST-format directory, or a folder of JPEG class folders (default " LN_DEFAULT_DATA_DIR ")"},
        {"val-split", OPT_FLOAT, &a->val_split, 0, 0.9, "F", "image folder without val/: hold out this fraction of each class"},
        {"strict", OPT_FLAG, &a->strict, 0, 0, NULL, "a bad image file is an error (default: skip it with a line)"},
        {"cache", OPT_STR, &a->cache, 0, 0, "FILE", "decoded-image cache (default DIR/.lenet-cache-28x28x3.bin)"},
        {"no-cache", OPT_FLAG, &a->no_cache, 0, 0, NULL, "neither read nor write a decoded-image cache"},
        {"augment", OPT_STR, &a->augment, 0, 0, "LIST", "flip, shift or shift=N (pixels), comma-separated"},
        {"recipe", OPT_STR, &a->recipe, 0, 0, "NAME", "default (15 epochs, >= 90% on Fashion-MNIST), seed (the Keras lesson's), or lecun98 (lenet5-1998's own)"},
        {"epochs", OPT_INT, &a->epochs, 1, 100000, "N", "passes over the training set (default 15; seed 5)"},
        {"batch", OPT_INT, &a->batch, 1, 65536, "N", "minibatch size (default 64; seed 32)"},
        {"lr", OPT_FLOAT, &a->lr, 1e-12, 1e3, "X", "peak learning rate (default 0.05; seed 0.01)"},
        {"momentum", OPT_FLOAT, &a->momentum, 0, 0.999999, "X", "SGD momentum (default 0.9; seed 0)"},
        {"nesterov", OPT_FLAG, &a->nesterov, 0, 0, NULL, "Nesterov momentum (on in the default recipe)"},
        {"no-nesterov", OPT_FLAG_OFF, &a->nesterov, 0, 0, NULL, "classical momentum"},
        {"weight-decay", OPT_FLOAT, &a->weight_decay, 0, 1, "X", "L2 weight decay (default 5e-4; seed 0)"},
        {"schedule", OPT_STR, &a->schedule, 0, 0, "NAME", "learning rate: constant, cosine or lecun98 (the 1998 paper's steps; default cosine; seed constant)"},
        {"warmup", OPT_INT, &a->warmup, 0, 100000, "EPOCHS", "linear warm-up epochs before the schedule (default 0)"},
        {"seed", OPT_U64, &a->seed, 0, 0, "N", "seed of initialisation and shuffling (default 1)"},
        {"threads", OPT_INT, &a->threads, 1, 1024, "N", "OpenMP threads (default: number of cores)"},
        {"limit", OPT_INT, &a->limit, 1, 1 << 30, "N", "train on N training images only (IDX: the first N; a folder: N drawn by --seed)"},
        {"save", OPT_STR, &a->save, 0, 0, "FILE", "write the trained model (safetensors) to FILE"},
        {"checkpoint", OPT_STR, &a->checkpoint, 0, 0, "FILE", "save the whole training state to FILE (each epoch, or see --checkpoint-every)"},
        {"checkpoint-every", OPT_STR, &a->every, 0, 0, "N", "checkpoint every N steps (or 'epoch', the default)"},
        {"resume", OPT_STR, &a->resume, 0, 0, "FILE", "continue the run a checkpoint saved, exactly as if never stopped (--epochs still counts from its start)"},
        {"stop-after", OPT_INT, &a->stop_after, 1, 1 << 30, "N", "stop after N steps of this invocation, saving a checkpoint to resume from"},
        {"log", OPT_STR, &a->log, 0, 0, "FILE", "write one JSON object per epoch to FILE"},
        {"kernels", OPT_STR, &a->kernels, 0, 0, "ISA", ln_kernels_help()},
        {"quiet", OPT_FLAG, &a->quiet, 0, 0, NULL, "no progress bar"},
        {NULL, 0, NULL, 0, 0, NULL, NULL},
    };
    memcpy(specs, t, sizeof t);
}

/* Recipes set the defaults; explicit flags override them.
 * default: reaches >= 90% Fashion-MNIST test accuracy (README);
 * seed: the Keras lesson's (SGD lr 0.01, no momentum, batch 32, 5 epochs). */
static int apply_recipe(const char *name, train_args *a)
{
    if (!strcmp(name, "default")) {
        a->epochs = 15, a->batch = 64, a->lr = 0.05f, a->momentum = 0.9f, a->nesterov = 1;
        a->weight_decay = 5e-4f, a->schedule = "cosine";
    } else if (!strcmp(name, "seed")) {
        a->epochs = 5, a->batch = 32, a->lr = 0.01f, a->momentum = 0.0f, a->nesterov = 0;
        a->weight_decay = 0.0f, a->schedule = "constant";
    } else if (!strcmp(name, "lecun98")) {
        /* lenet5-1998's: its RBF loss is a sum of squared distances, so the
         * rate is 25x the default's smaller; no weight decay */
        a->epochs = 15, a->batch = 32, a->lr = 0.002f, a->momentum = 0.9f, a->nesterov = 1;
        a->weight_decay = 0.0f, a->schedule = "cosine";
    } else {
        fprintf(stderr, "lenet train: --recipe: unknown recipe '%s' (expected default, seed or lecun98)\n", name);
        return EXIT_USAGE;
    }
    return 0;
}

/* --recipe, else the model's own (lenet5-1998: lecun98), else default;
 * looked up before the other flags are parsed, the last value winning as
 * it does for every flag. */
static const char *find_recipe(const opt_spec *specs, int argc, char **argv)
{
    const char *r = opts_value(specs, argc, argv, 2, "recipe"), *m = opts_value(specs, argc, argv, 2, "model");
    return r ? r : m && !strcmp(m, "lenet5-1998") ? "lecun98" : "default";
}

/* path's folder, resolved, and its last component: "/abs/dir" "name". */
static int split_real(const char *path, char *dir, size_t cap, const char **base)
{
    const char *slash = strrchr(path, '/');
    char d[PATH_MAX];
    *base = slash ? slash + 1 : path;
    size_t dl = slash ? (slash == path ? 1 : (size_t)(slash - path)) : 1;
    if (dl >= sizeof d) return -1;
    memcpy(d, slash ? path : ".", dl);
    d[dl] = 0;
    char r[PATH_MAX];
    if (!realpath(d, r) || strlen(r) >= cap) return -1;
    memcpy(dir, r, strlen(r) + 1);
    return 0;
}

/* Whether two paths name the same file (b may be NULL), existing or not:
 * the same inode, or the same name in the same (resolved) folder. */
static int same_file(const char *a, const char *b)
{
    struct stat x, y;
    if (!b) return 0;
    if (!strcmp(a, b)) return 1;
    int xa = stat(a, &x) == 0, yb = stat(b, &y) == 0;
    if (xa && yb) return x.st_dev == y.st_dev && x.st_ino == y.st_ino;
    char da[PATH_MAX], db[PATH_MAX];
    const char *ba, *bb;
    return !split_real(a, da, sizeof da, &ba) && !split_real(b, db, sizeof db, &bb) && !strcmp(da, db) &&
           !strcmp(ba, bb);
}

/* An output (--save, the checkpoint, --log) may not be one of the run's
 * inputs: the file resumed from (the checkpoint excepted: a resumed run
 * continues it), a --model spec file, or an IDX file of --data. */
static int outputs_not_inputs(const train_args *a)
{
    static const char *const idx[] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                                      "t10k-labels-idx1-ubyte"};
    const char *outs[3][2] = {{"--save", a->save}, {"checkpoint", a->ckpt}, {"--log", a->log}};
    for (int o = 0; o < 3; o++) {
        const char *out = outs[o][1], *in = NULL;
        if (!out) continue;
        if (o != 1 && ln_same_file(out, a->resume)) in = "--resume";
        else if (a->model && ln_same_file(out, a->model)) in = "--model";
        for (int i = 0; !in && i < 8; i++) {
            char p[PATH_MAX + 64];
            snprintf(p, sizeof p, "%s/%s%s", a->data, idx[i / 2], i % 2 ? ".gz" : "");
            if (ln_same_file(out, p)) in = "--data";
        }
        if (in) {
            fprintf(stderr, "lenet train: %s %s is a file the run reads (%s): writing it would destroy it\n",
                    outs[o][0], out, in);
            return EXIT_USAGE;
        }
    }
    return 0;
}

/* Whether a flag was given, as --flag, --flag VALUE or --flag=VALUE. */
static int has_flag(int argc, char **argv, const char *flag)
{
    train_args dummy = {0};
    opt_spec specs[TRAIN_NOPTS];
    train_specs(&dummy, specs);
    return opts_given(specs, argc, argv, 2, flag + 2);
}

/* Whether --model names the network a checkpoint holds: the same
 * canonical layer list. */
static int same_model(const char *model, const ln_net *net)
{
    char name[32], canon[sizeof net->spec], err[64];
    char *text;
    ln_spec spec;
    if (ln_spec_resolve(model, name, sizeof name, &text) != LN_OK) return 0;
    int ok = ln_spec_parse(text, &spec, err, sizeof err) == LN_OK;
    free(text);
    if (ok) ln_spec_format(&spec, canon, sizeof canon);
    return ok && !strcmp(canon, net->spec);
}

/* --resume: the checkpoint's recipe replaces the flags'. The original
 * command line plus --resume is accepted as it is; a flag that would change
 * the run is refused rather than ignored. --epochs may lengthen or shorten
 * the run (counted from its start). */
static int check_resume_flags(int argc, char **argv, const train_args *a, const resumed *res)
{
    const ln_train_state *st = &res->st;
    if (has_flag(argc, argv, "--model") && !same_model(a->model, &res->net)) {
        fprintf(stderr, "lenet train: --resume %s holds a %s run, not --model %s\n", a->resume, res->net.model,
                a->model);
        return EXIT_RUNTIME;
    }
    ln_augment aug = {0};
    if (st->augment[0]) ln_augment_parse(st->augment, &aug);
    const int recipe = has_flag(argc, argv, "--recipe"); /* sets all of these */
    const struct {
        const char *flag;
        int differs;
    } fixed[] = {
        {"--batch", a->batch != st->batch},
        {"--lr", a->lr != st->lr},
        {"--momentum", a->momentum != st->momentum},
        {"--nesterov", a->nesterov != st->nesterov},
        {"--no-nesterov", a->nesterov != st->nesterov},
        {"--weight-decay", a->weight_decay != st->weight_decay},
        {"--schedule", strcmp(a->schedule, st->schedule) != 0},
        {"--warmup", a->warmup != st->warmup},
        {"--seed", a->seed != st->seed},
        {"--augment", a->aug.flip != aug.flip || a->aug.shift != aug.shift},
        {"--limit", a->limit != st->limit},
        {"--val-split", a->val_split != st->val_split},
    };
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        int given = has_flag(argc, argv, fixed[i].flag) || (recipe && i < 7);
        if (given && fixed[i].differs) {
            fprintf(stderr, "lenet train: %s%s differs from the run in %s: a resumed run keeps its recipe (only "
                    "--epochs, --data, --threads, --kernels and output flags may change)\n",
                    has_flag(argc, argv, fixed[i].flag) ? fixed[i].flag : "--recipe's ",
                    has_flag(argc, argv, fixed[i].flag) ? "" : fixed[i].flag + 2, a->resume);
            return EXIT_USAGE;
        }
    }
    return 0;
}

static int load_resume(int argc, char **argv, train_args *a, resumed *res)
{
    if (ln_checkpoint_load(a->resume, &res->net, &res->velocity, &res->st) != LN_OK) return cli_fail("train");
    int rc = cli_check_finite("train", a->resume, &res->net, res->velocity);
    if (rc) return rc;
    rc = check_resume_flags(argc, argv, a, res);
    if (rc) return rc;
    const ln_train_state *st = &res->st;
    if (!has_flag(argc, argv, "--epochs")) a->epochs = st->epochs;
    if (st->epoch > a->epochs + 1 || (st->epoch == a->epochs + 1 && st->epoch_step)) {
        fprintf(stderr, "lenet train: --epochs %d: %s has already trained %ld epochs\n", a->epochs, a->resume,
                st->epoch - 1);
        return EXIT_USAGE;
    }
    if (!has_flag(argc, argv, "--data")) a->data = st->data;
    a->batch = st->batch, a->warmup = st->warmup, a->nesterov = st->nesterov, a->limit = st->limit;
    a->lr = st->lr, a->momentum = st->momentum, a->weight_decay = st->weight_decay, a->val_split = st->val_split;
    a->seed = st->seed, a->schedule = st->schedule, a->model = res->net.model;
    a->augment = st->augment[0] ? st->augment : NULL;
    memset(&a->aug, 0, sizeof a->aug);
    if (a->augment && ln_augment_parse(a->augment, &a->aug)) {
        fprintf(stderr, "lenet train: %s: train.augment: %s\n", a->resume, ln_last_error());
        return EXIT_RUNTIME;
    }
    if (a->warmup && a->warmup >= a->epochs) {
        fprintf(stderr, "lenet train: --epochs %d must exceed the run's --warmup %d\n", a->epochs, a->warmup);
        return EXIT_USAGE;
    }
    return 0;
}

int cmd_train(int argc, char **argv)
{
    train_args a = {.model = "lenet5", .data = LN_DEFAULT_DATA_DIR, .threads = cli_default_threads(), .seed = 1};
    opt_spec specs[TRAIN_NOPTS];
    train_specs(&a, specs);
    a.recipe = find_recipe(specs, argc, argv);
    int rc = apply_recipe(a.recipe, &a);
    if (rc) return rc;
    const char *pos[1];
    int npos;
    rc = opts_parse("train", "[options]", specs, argc, argv, 2, pos, 0, &npos);
    if (rc) return rc < 0 ? EXIT_OK : rc;
    if (ln_schedule_from_name(a.schedule) < 0) {
        fprintf(stderr, "lenet train: --schedule: unknown schedule '%s' (expected constant, cosine or lecun98)\n", a.schedule);
        return EXIT_USAGE;
    }
    if ((rc = cli_check_model("train", a.model))) return rc;
    if (a.augment && ln_augment_parse(a.augment, &a.aug)) {
        fprintf(stderr, "lenet train: %s\n", ln_last_error());
        return EXIT_USAGE;
    }
    if (a.cache && a.no_cache) {
        fprintf(stderr, "lenet train: --cache and --no-cache exclude each other\n");
        return EXIT_USAGE;
    }
    if (a.warmup >= a.epochs && a.warmup) {
        fprintf(stderr, "lenet train: --warmup %d must be less than --epochs %d\n", a.warmup, a.epochs);
        return EXIT_USAGE;
    }
    if (a.every) {
        char *end;
        long n = strtol(a.every, &end, 10);
        if (!strcmp(a.every, "epoch")) a.every_steps = 0;
        else if (*a.every && !*end && n >= 1 && n <= 1L << 30) a.every_steps = (int)n;
        else {
            fprintf(stderr, "lenet train: --checkpoint-every: expected a number of steps or 'epoch', got '%s'\n", a.every);
            return EXIT_USAGE;
        }
        if (!a.checkpoint && !a.resume) {
            fprintf(stderr, "lenet train: --checkpoint-every needs --checkpoint FILE\n");
            return EXIT_USAGE;
        }
    }
    /* any run may be interrupted and checkpointed (SIGTERM) */
    if (strlen(a.data) >= sizeof ((ln_train_state *)0)->data) {
        fprintf(stderr, "lenet train: --data: a path of at most %zu bytes can be checkpointed\n",
                sizeof ((ln_train_state *)0)->data - 1);
        return EXIT_USAGE;
    }
    if (a.save && (same_file(a.save, a.checkpoint) || same_file(a.save, a.resume))) {
        fprintf(stderr, "lenet train: --save %s is the checkpoint file: the model would replace it\n", a.save);
        return EXIT_USAGE;
    }
    /* where checkpoints go: --checkpoint, the file resumed from, or (for an
     * interrupted run) one beside --save */
    char ckpt_buf[PATH_MAX + 8];
    a.ckpt = a.checkpoint ? a.checkpoint : a.resume;
    if (!a.ckpt) {
        snprintf(ckpt_buf, sizeof ckpt_buf, "%s.ckpt", a.save && strlen(a.save) < PATH_MAX ? a.save : "lenet");
        a.ckpt = ckpt_buf;
    }
    const char *clash = same_file(a.ckpt, a.log) ? "checkpoint" : a.save && same_file(a.save, a.log) ? "--save" : NULL;
    if (a.log && clash) {
        fprintf(stderr, "lenet train: --log %s is also the %s file: one would overwrite the other\n", a.log, clash);
        return EXIT_USAGE;
    }
    if ((rc = outputs_not_inputs(&a))) return rc;
    resumed res = {0};
    const ln_kernels *k;
    if ((a.resume && (rc = load_resume(argc, argv, &a, &res))) ||
        (a.save && (rc = check_output_path("--save", a.save, 1, ""))) ||
        (a.checkpoint && (rc = check_output_path("--checkpoint", a.checkpoint, 1, ""))) ||
        (!a.checkpoint && (rc = check_output_path(a.resume ? "--resume" : "checkpoint", a.ckpt, 1,
                                                  a.resume ? " (a resumed run saves its checkpoints there; choose "
                                                             "another with --checkpoint FILE)"
                                                           : " (an interrupted or --stop-after run saves its "
                                                             "checkpoint there; choose another with --checkpoint FILE)"))) ||
        (a.log && (rc = check_output_path("--log", a.log, 0, ""))) || (rc = cli_kernels("train", a.kernels, &k)))
        goto done;
    if (a.resume && strcmp(k->isa, res.st.isa) != 0)
        fprintf(stderr, "lenet train: note: %s was trained with the %s kernels, this run uses %s: it continues, but "
                "not bit for bit as the original would have\n", a.resume, res.st.isa, k->isa);
    rc = run(&a, k, a.resume ? &res : NULL);
done:
    ln_net_free(&res.net);
    free(res.velocity);
    if (rc == 128 + stop_signal) die_by_stop_signal();
    return rc;
}
