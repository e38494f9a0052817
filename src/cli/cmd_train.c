/* lenet train: a thin client of ln_train (include/lenet/train.h): parse
 * the flags into a recipe and run options, load the data, build the model
 * (or open the checkpoint to resume), draw the progress and print each
 * epoch. The library runs the loop, checkpoints, and stops cleanly on
 * SIGINT/SIGTERM; lenet then ends by that signal (status 130/143). */
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
#include "opts.h"
#include "report.h"

typedef struct train_args {
    const char *model, *data, *save, *log, *schedule, *kernels, *recipe, *cache, *augment;
    const char *checkpoint, *every, *resume, *report, *allreduce;
    int epochs, batch, threads, limit, warmup, nesterov, quiet, strict, no_cache;
    int every_steps, stop_after; /* every_steps 0: checkpoint each epoch */
    float lr, momentum, weight_decay, val_split;
    unsigned long long seed;
} train_args;

/* train's options; a table of TRAIN_NOPTS entries (the last all NULL). */
enum { TRAIN_NOPTS = 31 };
static void train_specs(train_args *a, opt_spec specs[TRAIN_NOPTS])
{
    const opt_spec t[TRAIN_NOPTS] = {
        {"model", OPT_STR, &a->model, 0, 0, "NAME|SPEC|FILE", cli_model_help()},
        {"data", OPT_STR, &a->data, 0, 0, "DIR", "MNIST-format directory, or a folder of JPEG class folders (default " LN_FASHION_MNIST_DIR ")"},
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
        {"kernels", OPT_STR, &a->kernels, 0, 0, "ISA", cli_kernels_help()},
        {"report", OPT_STR, &a->report, 0, 0, "FILE", "write an HTML page of the run (curves, confusion matrix, worst errors) after each epoch"},
        {"allreduce", OPT_STR, &a->allreduce, 0, 0, "MODE", "under mpirun: exact (default: weights bitwise equal to one process) or fast (MPI_Allreduce)"},
        {"quiet", OPT_FLAG, &a->quiet, 0, 0, NULL, "no progress bar"},
        {NULL, 0, NULL, 0, 0, NULL, NULL},
    };
    memcpy(specs, t, sizeof t);
}


/* The recipe's values as the flags' defaults. */
static void recipe_to_args(const ln_recipe *r, train_args *a)
{
    a->epochs = r->epochs, a->batch = r->batch, a->lr = r->lr, a->momentum = r->momentum;
    a->nesterov = r->nesterov, a->weight_decay = r->weight_decay, a->schedule = r->schedule;
    a->warmup = r->warmup, a->seed = r->seed, a->augment = r->augment, a->limit = r->limit;
    a->val_split = (float)r->val_split;
}

static ln_recipe args_to_recipe(const train_args *a)
{
    return (ln_recipe){.epochs = a->epochs, .batch = a->batch, .lr = a->lr, .momentum = a->momentum,
                       .nesterov = a->nesterov, .weight_decay = a->weight_decay, .schedule = a->schedule,
                       .warmup = a->warmup, .seed = a->seed, .augment = a->augment, .limit = a->limit,
                       .val_split = a->val_split};
}

/* --recipe, else the model's own (lenet5-1998: lecun98), else default;
 * looked up before the other flags are parsed, the last value winning as
 * it does for every flag. */
static const char *find_recipe(const opt_spec *specs, int argc, char **argv)
{
    const char *r = opts_value(specs, argc, argv, 2, "recipe"), *m = opts_value(specs, argc, argv, 2, "model");
    return r ? r : ln_recipe_for_model(m);
}

/* Whether a flag was given, as --flag, --flag VALUE or --flag=VALUE. */
static int has_flag(int argc, char **argv, const char *flag)
{
    train_args dummy = {0};
    opt_spec specs[TRAIN_NOPTS];
    train_specs(&dummy, specs);
    return opts_given(specs, argc, argv, 2, flag + 2);
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

/* ---- resuming ---------------------------------------------------------- */

/* Whether --model names the network a checkpoint holds. */
static int same_model(const char *model, const ln_model *held)
{
    ln_model *m = NULL;
    int c, h, w;
    ln_model_input(held, &c, &h, &w);
    int same = ln_model_new(model, c, h, w, ln_model_classes(held), 1, &m) == LN_OK &&
               !strcmp(ln_model_spec(m), ln_model_spec(held));
    ln_model_free(m);
    return same;
}

/* --resume: the checkpoint's recipe replaces the flags'. The original
 * command line plus --resume is accepted as it is; a flag that would change
 * the run is refused rather than ignored. --epochs may lengthen or shorten
 * the run (counted from its start). */
static int check_resume_flags(int argc, char **argv, const train_args *a, const ln_recipe *r)
{
    const int recipe = has_flag(argc, argv, "--recipe"); /* sets the first seven */
    const struct {
        const char *flag;
        int differs;
    } fixed[] = {
        {"--batch", a->batch != r->batch},
        {"--lr", a->lr != r->lr},
        {"--momentum", a->momentum != r->momentum},
        {"--nesterov", a->nesterov != r->nesterov},
        {"--no-nesterov", a->nesterov != r->nesterov},
        {"--weight-decay", a->weight_decay != r->weight_decay},
        {"--schedule", strcmp(a->schedule, r->schedule) != 0},
        {"--warmup", a->warmup != r->warmup},
        {"--seed", a->seed != r->seed},
        {"--augment", strcmp(a->augment ? a->augment : "", r->augment ? r->augment : "") != 0},
        {"--limit", a->limit != r->limit},
        {"--val-split", a->val_split != (float)r->val_split},
    };
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        int given = has_flag(argc, argv, fixed[i].flag);
        if ((given || (recipe && i < 7)) && fixed[i].differs) {
            fprintf(stderr, "lenet train: %s%s differs from the run in %s: a resumed run keeps its recipe (only "
                    "--epochs, --data, --threads, --kernels and output flags may change)\n",
                    given ? fixed[i].flag : "--recipe's ", given ? "" : fixed[i].flag + 2, a->resume);
            return EXIT_USAGE;
        }
    }
    return 0;
}

static int open_resume(int argc, char **argv, train_args *a, ln_checkpoint **ck, ln_recipe *r)
{
    if (ln_checkpoint_open(a->resume, ck) != LN_OK) return cli_fail("train");
    const ln_model *held = ln_checkpoint_model(*ck);
    if (has_flag(argc, argv, "--model") && !same_model(a->model, held)) {
        fprintf(stderr, "lenet train: --resume %s holds a %s run, not --model %s\n", a->resume, ln_model_name(held),
                a->model);
        return EXIT_RUNTIME;
    }
    ln_checkpoint_recipe(*ck, r);
    /* --augment compares as the checkpoint writes it: canonical */
    ln_recipe given = args_to_recipe(a);
    if (given.augment && r->augment && !strcmp(given.augment, "shift")) given.augment = "shift=2";
    train_args cmp = *a;
    cmp.augment = given.augment;
    int rc = check_resume_flags(argc, argv, &cmp, r);
    if (rc) return rc;
    ln_checkpoint_info info;
    ln_checkpoint_info_get(*ck, &info);
    if (has_flag(argc, argv, "--epochs")) r->epochs = a->epochs;
    if (info.epoch > r->epochs + 1 || (info.epoch == r->epochs + 1 && info.epoch_step)) {
        fprintf(stderr, "lenet train: --epochs %d: %s has already trained %ld epochs\n", r->epochs, a->resume,
                info.epoch - 1);
        return EXIT_USAGE;
    }
    if (r->warmup && r->warmup >= r->epochs) {
        fprintf(stderr, "lenet train: --epochs %d must exceed the run's --warmup %d\n", r->epochs, r->warmup);
        return EXIT_USAGE;
    }
    static char data[sizeof info.data];
    memcpy(data, info.data, sizeof data);
    if (!has_flag(argc, argv, "--data")) a->data = data;
    a->model = ln_model_name(held);
    if (a->kernels && strcmp(a->kernels, "auto") && strcmp(a->kernels, info.kernels))
        fprintf(stderr, "lenet train: note: %s was trained with the %s kernels, this run uses %s: it continues, but "
                "not bit for bit as the original would have\n", a->resume, info.kernels, a->kernels);
    return 0;
}

/* ---- what the run shows ------------------------------------------------- */

typedef struct view {
    int train_images;
    const train_args *a;
    const ln_recipe *r;       /* the run's: a resumed run's comes from its checkpoint */
    const ln_model *m;
    int tty, noted_any;
    double t_shown, t_noted, note_every;
    const char *report;       /* --report FILE */
    const char *const *logs;  /* its inputs */
    const ln_data *test;
    ln_exec x;
    int report_failed;
    int epochs_shown;         /* epoch callbacks seen (under MPI: rank 0 alone) */
} view;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void on_start(const ln_run_info *i, void *user)
{
    view *v = user;
    const train_args *a = v->a;
    const ln_recipe *r = v->r;
    int c, h, w;
    char np[32];
    ln_model_input(v->m, &c, &h, &w);
    printf("lenet %s: model %s, %s parameters, input %dx%dx%d, %d classes | %d train / %d test images | "
           "batch %d, %d epochs, SGD lr %g %s, momentum %g%s, weight decay %g | threads %d, kernels %s",
           ln_version(), ln_model_name(v->m), cli_grouped(ln_model_trainable(v->m), np, sizeof np), c, h, w,
           ln_model_classes(v->m), i->train_images, i->test_images, r->batch, r->epochs, r->lr, r->schedule,
           r->momentum, r->nesterov && r->momentum > 0 ? " nesterov" : "", r->weight_decay, i->threads, i->kernels);
    if (i->processes > 1) printf(", %d processes", i->processes);
    putchar('\n');
    if (i->resumed && i->first_epoch > r->epochs)
        printf("checkpoint %s: the run's %d epochs are done (a larger --epochs continues it)\n", a->resume, r->epochs);
    else if (i->resumed)
        printf("resuming %s: epoch %ld, step %ld of %ld\n", a->resume, i->first_epoch, i->first_step, i->epoch_steps);
    fflush(stdout);
    v->t_noted = now();
    v->train_images = i->train_images;
}

static void on_progress(const ln_progress *p, void *user)
{
    view *v = user;
    if (v->a->quiet) return;
    if (p->evaluating) {
        if (v->tty) fprintf(stderr, "\r\033[Kepoch %ld/%ld: evaluating...", p->epoch, p->epochs);
        return;
    }
    double t = now();
    int last = p->epoch_step == p->epoch_steps;
    if (v->tty && (t - v->t_shown > 0.25 || last)) {
        enum { WIDTH = 24 };
        v->t_shown = t;
        int fill = p->epoch_steps ? (int)(WIDTH * p->epoch_step / p->epoch_steps) : WIDTH;
        char bar[WIDTH + 1];
        for (int i = 0; i < WIDTH; i++) bar[i] = i < fill ? '=' : (i == fill ? '>' : ' ');
        bar[WIDTH] = 0;
        fprintf(stderr, "\repoch %ld/%ld [%s] %ld/%ld  loss %.4f  %.0f img/s  ETA %d:%02d ", p->epoch, p->epochs,
                bar, p->epoch_step, p->epoch_steps, p->loss, p->img_per_s, (int)p->eta_s / 60, (int)p->eta_s % 60);
        fflush(stderr);
    } else if (!v->tty && t - v->t_noted >= v->note_every && !last) {
        /* without a terminal (a log file, CI), a line every few seconds */
        v->t_noted = t;
        fprintf(stderr, "epoch %ld/%ld: %ld/%d images, loss %.4f, %.0f img/s, ETA %.0f s\n", p->epoch, p->epochs,
                p->images, v->train_images, p->loss, p->img_per_s, p->eta_s);
        fflush(stderr);
    }
}

static void on_epoch(const ln_epoch_stats *s, void *user)
{
    view *v = user;
    if (v->tty) fputs("\r\033[K", stderr); /* the epoch line replaces the bar */
    char tst[64] = "no test images";
    if (!isnan(s->test_acc)) snprintf(tst, sizeof tst, "test loss %.4f acc %.2f%%", s->test_loss, 100.0 * s->test_acc);
    printf("epoch %ld/%ld  train loss %.4f acc %.2f%%  %s  %.0f img/s  %.1f s\n", s->epoch, s->epochs, s->train_loss,
           100.0 * s->train_acc, tst, s->img_per_s, s->seconds);
    fflush(stdout);
    v->epochs_shown++;
    if (v->report && !v->report_failed) {
        char err[512];
        if (report_write(v->report, v->logs, 1, v->m, v->test, &v->x, err, sizeof err) != 0) {
            fprintf(stderr, "lenet train: --report %s: %s (the run goes on without it)\n", v->report, err);
            v->report_failed = 1;
        }
    }
}

/* ---- the command ---------------------------------------------------------- */

static int parse(int argc, char **argv, train_args *a)
{
    opt_spec specs[TRAIN_NOPTS];
    train_specs(a, specs);
    a->recipe = find_recipe(specs, argc, argv);
    ln_recipe r;
    if (ln_recipe_init(&r, a->recipe) != LN_OK) {
        fprintf(stderr, "lenet train: %s\n", ln_last_error());
        return EXIT_USAGE;
    }
    recipe_to_args(&r, a);
    const char *pos[1];
    int npos;
    int rc = opts_parse("train", "[options]", specs, argc, argv, 2, pos, 0, &npos);
    if (rc) return rc < 0 ? -1 : rc;
    if (!a->resume) {
        ln_recipe check = args_to_recipe(a);
        if (ln_recipe_check(&check) != LN_OK) {
            fprintf(stderr, "lenet train: %s\n", ln_last_error());
            return EXIT_USAGE;
        }
        if ((rc = cli_check_model("train", a->model))) return rc;
    }
    if (a->cache && a->no_cache) {
        fprintf(stderr, "lenet train: --cache and --no-cache exclude each other\n");
        return EXIT_USAGE;
    }
    if (a->allreduce && strcmp(a->allreduce, "exact") && strcmp(a->allreduce, "fast")) {
        fprintf(stderr, "lenet train: --allreduce: expected exact or fast, got '%s'\n", a->allreduce);
        return EXIT_USAGE;
    }
    if (a->every) {
        char *end;
        long n = strtol(a->every, &end, 10);
        if (!strcmp(a->every, "epoch")) a->every_steps = 0;
        else if (*a->every && !*end && n >= 1 && n <= 1L << 30) a->every_steps = (int)n;
        else {
            fprintf(stderr, "lenet train: --checkpoint-every: expected a number of steps or 'epoch', got '%s'\n",
                    a->every);
            return EXIT_USAGE;
        }
        if (!a->checkpoint && !a->resume) {
            fprintf(stderr, "lenet train: --checkpoint-every needs --checkpoint FILE\n");
            return EXIT_USAGE;
        }
    }
    return 0;
}

/* An output may not be the --model spec file (the library checks the
 * other inputs: the data and the checkpoint). */
static int output_is_model_file(const train_args *a)
{
    struct stat m, o;
    const char *outs[4][2] = {{"--save", a->save}, {"--checkpoint", a->checkpoint}, {"--log", a->log},
                              {"--report", a->report}};
    if (!a->model || stat(a->model, &m) != 0) return 0;
    for (int i = 0; i < 4; i++)
        if (outs[i][1] && stat(outs[i][1], &o) == 0 && o.st_dev == m.st_dev && o.st_ino == m.st_ino) {
            fprintf(stderr, "lenet train: %s %s is a file the run reads (--model): writing it would destroy it\n",
                    outs[i][0], outs[i][1]);
            return 1;
        }
    return 0;
}

/* --report: a file name in a writable folder, not another output. */
static int check_report_path(const train_args *a)
{
    struct stat sb;
    const char *p = a->report, *why = NULL;
    if (!p) return 0;
    char dir[PATH_MAX];
    const char *slash = strrchr(p, '/');
    snprintf(dir, sizeof dir, "%.*s", slash ? (slash == p ? 1 : (int)(slash - p)) : 1, slash ? p : ".");
    if (stat(p, &sb) == 0 && S_ISDIR(sb.st_mode)) why = "is a directory, not a file name";
    else if (access(dir, W_OK) != 0) why = "its directory does not exist or is not writable";
    else if ((a->log && !strcmp(p, a->log)) || (a->save && !strcmp(p, a->save)) ||
             (a->checkpoint && !strcmp(p, a->checkpoint)))
        why = "is also another output of the run";
    if (!why) return 0;
    fprintf(stderr, "lenet train: --report %s: %s\n", p, why);
    return 1;
}

/* How the run ended, in one line on err (and the exit status). */
static int report_end_to(const train_args *a, ln_status st, const ln_run_result *res, FILE *out, FILE *err)
{
    if (st != LN_OK && !res->log_failed) {
        if (st == LN_ERR_NUMERIC)
            fprintf(err, "lenet train: %s (try a lower --lr)%s%s%s\n", ln_last_error(), a->save ? "; " : "",
                    a->save ? a->save : "", a->save ? " was not written" : "");
        else fprintf(err, "lenet train: %s\n", ln_last_error());
        return st == LN_ERR_ARG ? EXIT_USAGE : EXIT_RUNTIME;
    }
    if (res->end == LN_RUN_COMPLETE) {
        if (a->save && !res->log_failed) fprintf(out, "saved %s\n", a->save);
        if (res->checkpoint_saved) fprintf(out, "checkpoint %s\n", res->checkpoint);
        fflush(out);
        if (res->log_failed)
            fprintf(err, "lenet train: %s (the run is complete%s%s)\n", ln_last_error(), a->save ? ", saved " : "",
                    a->save ? a->save : "");
        return res->log_failed ? EXIT_RUNTIME : EXIT_OK;
    }
    if (res->log_failed && !res->checkpoint_saved) {
        fprintf(err, "lenet train: %s\n", ln_last_error());
        return EXIT_RUNTIME;
    }
    /* stopped: the command that finishes the run (outputs are not in the
     * checkpoint) */
    if (res->log_failed)
        fprintf(err, "lenet train: %s; stopped after step %ld of %ld", ln_last_error(), res->step,
                res->total_steps);
    else
        fprintf(err, "lenet train: %s after step %ld of %ld",
                res->signal == SIGINT    ? "interrupted (SIGINT)"
                : res->signal == SIGTERM ? "terminated (SIGTERM)"
                : res->signal            ? "stopped by a signal"
                                         : "stopped (--stop-after)",
                res->step, res->total_steps);
    fprintf(err, "; saved %s; resume with: lenet train", res->checkpoint);
    put_opt(err, "--resume", res->checkpoint);
    put_opt(err, "--save", a->save);
    put_opt(err, "--log", a->log);
    put_opt(err, "--checkpoint-every", a->every);
    put_opt(err, "--report", a->report);
    fputc('\n', err);
    return res->log_failed ? EXIT_RUNTIME : res->signal ? 128 + res->signal : EXIT_OK;
}

/* The same, from rank 0 alone under mpirun. */
static int report_end(const train_args *a, ln_status st, const ln_run_result *res)
{
    fflush(stdout);
    /* one run, one voice: under mpirun the other ranks only exit as rank 0 does */
    FILE *out = stdout, *err = stderr;
    if (ln_process_rank() != 0) {
        out = fopen("/dev/null", "w");
        err = out;
        if (!out) out = err = stderr;
    }
    int rc = report_end_to(a, st, res, out, err);
    if (out != stdout && out != stderr) fclose(out);
    return rc;
}

int cmd_train(int argc, char **argv)
{
    train_args a = {.model = "lenet5", .data = LN_FASHION_MNIST_DIR, .threads = cli_default_threads()};
    int rc = parse(argc, argv, &a);
    if (rc) return rc < 0 ? EXIT_OK : rc;
    ln_checkpoint *ck = NULL;
    ln_recipe r = args_to_recipe(&a);
    ln_data *train = NULL, *test = NULL;
    ln_model *m = NULL;
    ln_exec x;
    ln_run_result res = {0};
    if ((a.resume && (rc = open_resume(argc, argv, &a, &ck, &r))) || output_is_model_file(&a) ||
        (rc = cli_exec("train", a.kernels, a.threads, &x)))
        goto done;
    ln_run_options o;
    ln_run_options_init(&o);
    o.exec = x, o.save = a.save, o.log = a.log, o.checkpoint = a.checkpoint, o.stop_after = a.stop_after;
    o.checkpoint_every = a.checkpoint || a.resume ? a.every_steps : -1;
    o.resume = ck, o.allreduce_fast = a.allreduce && !strcmp(a.allreduce, "fast");
    if (a.report && !a.log) {
        fprintf(stderr, "lenet train: --report needs --log FILE (the page is drawn from the log)\n");
        rc = EXIT_USAGE;
        goto done;
    }
    if (check_report_path(&a)) {
        rc = EXIT_USAGE;
        goto done;
    }
    if (ln_run_check_outputs(&o) != LN_OK) { /* before loading anything */
        fprintf(stderr, "lenet train: %s\n", ln_last_error());
        rc = EXIT_USAGE;
        goto done;
    }
    cli_data cd = {.dir = a.data, .val_split = r.val_split, .cache = a.no_cache ? "" : a.cache, .strict = a.strict,
                   .threads = a.threads, .h = 28, .w = 28, .seed = r.seed};
    cd.quiet_summary = cd.quiet = ln_process_rank() != 0; /* one voice under mpirun */
    if ((rc = cli_load_data("train", &cd, &train, &test))) goto done;
    rc = EXIT_RUNTIME;
    int c, h, w;
    ln_data_shape(train, &c, &h, &w);
    if (ck ? ln_model_clone(ln_checkpoint_model(ck), &m) != LN_OK
           : ln_model_new(a.model, c, h, w, ln_data_classes(train), r.seed, &m) != LN_OK) {
        rc = cli_fail("train");
        goto done;
    }
    const char *logs[1] = {a.log};
    view v = {.a = &a, .r = &r, .m = m, .tty = isatty(STDERR_FILENO) && !a.quiet, .report = a.report, .logs = logs,
              .test = test, .x = x};
    const char *pe = getenv("LENET_PROGRESS_SECONDS");
    v.note_every = pe && atof(pe) > 0 ? atof(pe) : 10.0;
    o.cb = (ln_callbacks){.user = &v, .start = on_start, .progress = on_progress, .epoch = on_epoch};
    ln_stop_on_signals();
    ln_status st = ln_train(m, train, test, &r, &o, &res);
    if (v.tty && st != LN_OK) fputc('\n', stderr);
    /* the page once more, now that the log has the run's end */
    if (a.report && !v.report_failed && v.epochs_shown) {
        char err[512];
        if (report_write(a.report, logs, 1, m, test, &x, err, sizeof err) != 0)
            fprintf(stderr, "lenet train: --report %s: %s\n", a.report, err);
    }
    rc = report_end(&a, st, &res);
done:
    ln_model_free(m);
    ln_data_free(train);
    ln_data_free(test);
    ln_checkpoint_free(ck);
    /* after the stop's save, end by the signal itself, so a calling shell
     * script stops too */
    if (res.signal && rc == 128 + res.signal) {
        fflush(stdout);
        fflush(stderr);
        signal(res.signal, SIG_DFL);
        raise(res.signal);
    }
    return rc;
}
