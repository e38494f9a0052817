/* The training run (ln_train, include/lenet/train.h): epochs of shuffled
 * minibatch steps, evaluation, the JSON Lines log, checkpoints, stop
 * requests and the final save. Everything that can be checked is checked
 * before the first step. Under MPI every rank runs this loop in lockstep;
 * rank 0 alone writes files and calls the caller back. */
#define _XOPEN_SOURCE 700 /* gmtime_r */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/exec.h"
#include "api/handles.h"
#include "core/rng.h"
#include "core/text.h"
#include "dist/dist.h"
#include "io/atomic_file.h"
#include "io/checkpoint.h"
#include "io/json.h"
#include "io/model_file.h"
#include "train/run_paths.h"
#include "train/trainer.h"

void ln_run_options_init(ln_run_options *o)
{
    memset(o, 0, sizeof *o);
    o->checkpoint_every = -1;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Everything one run holds. */
typedef struct run {
    const ln_recipe *r;
    const ln_run_options *o;
    ln_run_result *res;
    ln_net *net;
    ln_dataset train;        /* the caller's, or a limited copy (owned) */
    int train_owned;
    const ln_dataset *test;  /* NULL: none */
    const ln_checkpoint *ck; /* resuming from */
    const ln_kernels *k;
    int threads, rank0;
    ln_trainer tr;
    ln_evaluator ev;
    uint32_t *order;
    FILE *log;
    int log_errno;
    char ckpt[4096];
    int periodic;            /* checkpoints each epoch (or every N steps), not only on a stop */
    char data[1024];         /* the data's source, as checkpoints record it */
    uint32_t crc;
    ln_schedule sched;
    long epoch_steps, total;
    double t_start;
} run;

/* The state of a run at a step boundary. */
typedef struct run_pos {
    long epoch, epoch_step, step;
    const ln_rng *epoch_rng; /* before this epoch's shuffle */
    double loss_sum, seconds;
    long right, seen;
} run_pos;

static ln_status save_checkpoint(run *u, const run_pos *p)
{
    const ln_recipe *r = u->r;
    ln_train_state s = {.epoch = p->epoch, .epoch_step = p->epoch_step, .step = p->step, .loss_sum = p->loss_sum,
                        .seconds = p->seconds, .right = p->right, .seen = p->seen, .epochs = r->epochs,
                        .batch = r->batch, .warmup = r->warmup, .nesterov = r->nesterov, .limit = r->limit,
                        .lr = r->lr, .momentum = r->momentum, .weight_decay = r->weight_decay,
                        .val_split = (float)r->val_split, .seed = r->seed, .data_n = u->train.n,
                        .data_crc = u->crc};
    memcpy(s.rng, p->epoch_rng->s, sizeof s.rng);
    snprintf(s.schedule, sizeof s.schedule, "%s", r->schedule);
    /* the canonical list, whatever spelling was given */
    int an = u->tr.aug.flip ? snprintf(s.augment, sizeof s.augment, "flip") : 0;
    if (u->tr.aug.shift)
        snprintf(s.augment + an, sizeof s.augment - (size_t)an, "%sshift=%d", an ? "," : "", u->tr.aug.shift);
    snprintf(s.isa, sizeof s.isa, "%s", u->k->isa);
    memcpy(s.data, u->data, sizeof s.data);
    ln_status st = u->rank0 ? ln_checkpoint_save(u->ckpt, u->net, u->tr.velocity, &s) : LN_OK;
    if (st == LN_OK) u->res->checkpoint_saved = 1;
    return st;
}

/* ---- the log ----------------------------------------------------------- */

static void put_str(FILE *f, const char *s)
{
    if (!s) {
        fputs("null", f);
        return;
    }
    size_t n = strlen(s), cap = 6 * n + 3;
    char *e = malloc(cap);
    if (!e) {
        fputs("\"\"", f);
        return;
    }
    ln_json_escape(e, cap, s, n); /* quoted */
    fputs(e, f);
    free(e);
}

/* A float as the shortest of %g's precisions that reads back exactly
 * (0.05, not 0.0500000007). */
static void put_float(FILE *f, float v)
{
    char b[32];
    for (int p = 6; p <= 9; p++) {
        snprintf(b, sizeof b, "%.*g", p, v);
        if (strtof(b, NULL) == v) break;
    }
    fputs(b, f);
}

/* The invocation's first line: what ran, on what, with which recipe. */
static void log_header(run *u)
{
    FILE *f = u->log;
    const ln_recipe *r = u->r;
    const ln_net *n = u->net;
    char started[32] = "";
    time_t t = time(NULL);
    struct tm tm;
    if (gmtime_r(&t, &tm)) strftime(started, sizeof started, "%Y-%m-%dT%H:%M:%SZ", &tm);
    fprintf(f, "{\"run\":{\"lenet\":\"%s\",\"model\":", LENET_VERSION);
    put_str(f, n->model);
    fputs(",\"spec\":", f);
    put_str(f, n->spec);
    fprintf(f, ",\"params\":%zu,\"input\":[%d,%d,%d],\"classes\":%d,\"class_names\":", ln_net_trainable(n),
            n->in_c, n->in_h, n->in_w, n->nclasses);
    if (!n->class_names) fputs("null", f);
    for (int c = 0; n->class_names && c < n->nclasses; c++) {
        fputc(c ? ',' : '[', f);
        put_str(f, n->class_names[c]);
    }
    if (n->class_names) fputc(']', f);
    fprintf(f, ",\"recipe\":{\"epochs\":%d,\"batch\":%d,\"lr\":", r->epochs, r->batch);
    put_float(f, r->lr);
    fputs(",\"momentum\":", f);
    put_float(f, r->momentum);
    fprintf(f, ",\"nesterov\":%d,\"weight_decay\":", r->nesterov);
    put_float(f, r->weight_decay);
    fputs(",\"schedule\":", f);
    put_str(f, r->schedule);
    fprintf(f, ",\"warmup\":%d,\"seed\":%llu,\"augment\":", r->warmup, (unsigned long long)r->seed);
    put_str(f, r->augment);
    fprintf(f, ",\"limit\":%d},\"data\":", r->limit);
    put_str(f, u->data);
    fprintf(f, ",\"train_images\":%d,\"test_images\":%d,\"kernels\":\"%s\",\"threads\":%d,\"processes\":%d,\"cpu\":",
            u->train.n, u->test ? u->test->n : 0, u->k->isa, u->threads, ln_dist_size());
    put_str(f, ln_cpu()->brand);
    fprintf(f, ",\"started\":\"%s\",\"resumed\":", started);
    if (u->ck) fprintf(f, "{\"epoch\":%ld,\"step\":%ld}", u->ck->st.epoch, u->ck->st.step);
    else fputs("null", f);
    fputs("}}\n", f);
}

/* Write what a log line needs; a log that cannot be written ends the run
 * as a stop does (the caller saves). Returns 1 on failure. */
static int log_flush(run *u)
{
    int bad = fflush(u->log) != 0;
    bad |= ferror(u->log) != 0;
    if (bad && !u->log_errno) u->log_errno = errno ? errno : EIO;
    return bad;
}

static int log_epoch(run *u, const ln_epoch_stats *s)
{
    errno = 0;
    fprintf(u->log,
            "{\"epoch\":%ld,\"train_loss\":%.6f,\"train_acc\":%.6f,\"test_loss\":%.6f,\"test_acc\":%.6f,"
            "\"img_per_s\":%.1f,\"seconds\":%.3f,\"lr\":%.6g}\n",
            s->epoch, s->train_loss, s->train_acc, isnan(s->test_loss) ? -1.0 : s->test_loss,
            isnan(s->test_acc) ? -1.0 : s->test_acc, s->img_per_s, s->seconds, s->lr);
    return log_flush(u);
}

/* ---- checks before the first step -------------------------------------- */

/* The checkpoint path and the path checks of a run, from its options
 * alone (data: the training data's directory, or ""). */
static void run_paths(const ln_run_options *o, const char *data, char *ckpt, size_t cap, ln_run_paths *p)
{
    const char *resume = o->resume ? o->resume->path : NULL;
    /* where checkpoints go: as asked; resuming, the file resumed from;
     * otherwise (only a stopped run saves one) next to --save */
    const char *ck = o->checkpoint ? o->checkpoint : resume;
    if (ck) snprintf(ckpt, cap, "%s", ck);
    else snprintf(ckpt, cap, "%.4000s.ckpt", o->save ? o->save : "lenet");
    *p = (ln_run_paths){
        .save = o->save, .log = o->log, .ckpt = ckpt, .resume = resume, .data = data,
        .ckpt_flag = o->checkpoint ? "--checkpoint" : resume ? "--resume" : "checkpoint",
        .ckpt_hint = o->checkpoint ? ""
                     : resume ? " (a resumed run saves its checkpoints there; choose another with --checkpoint FILE)"
                              : " (an interrupted or --stop-after run saves its checkpoint there; choose another "
                                "with --checkpoint FILE)"};
}

ln_status ln_run_check_outputs(const ln_run_options *o)
{
    if (!o) return LN_OK;
    char ckpt[4096];
    ln_run_paths p;
    run_paths(o, "", ckpt, sizeof ckpt, &p);
    return ln_run_paths_check(&p);
}


static ln_status check_shape(const ln_net *n, const ln_dataset *d, const char *what)
{
    if (n->in_c == d->c && n->in_h == d->h && n->in_w == d->w && n->nclasses == d->nclasses) return LN_OK;
    return ln_fail(LN_ERR_FORMAT, "%s data: images %dx%dx%d in %d classes, but model %s takes %dx%dx%d in %d", what, d->c,
                   d->h, d->w, d->nclasses, n->model, n->in_c, n->in_h, n->in_w, n->nclasses);
}

/* A resumed run keeps its model, recipe and data; only epochs may change. */
static ln_status check_resume(run *u)
{
    const ln_checkpoint *c = u->ck;
    const ln_train_state *s = &c->st;
    const ln_recipe *r = u->r;
    if (strcmp(u->net->spec, c->model.net.spec) != 0 || u->net->nparams != c->model.net.nparams)
        return ln_fail(LN_ERR_FORMAT, "--resume %s holds a %s run, not this model (%s)", c->path, c->model.net.model,
                       u->net->model);
    ln_augment aug = {0};
    if (s->augment[0]) ln_augment_parse(s->augment, &aug);
    const struct {
        const char *flag;
        int differs;
    } fixed[] = {
        {"--batch", r->batch != s->batch},
        {"--lr", r->lr != s->lr},
        {"--momentum", r->momentum != s->momentum},
        {"--nesterov", r->nesterov != s->nesterov},
        {"--weight-decay", r->weight_decay != s->weight_decay},
        {"--schedule", strcmp(r->schedule, s->schedule) != 0},
        {"--warmup", r->warmup != s->warmup},
        {"--seed", r->seed != s->seed},
        {"--augment", u->tr.aug.flip != aug.flip || u->tr.aug.shift != aug.shift},
        {"--limit", r->limit != s->limit},
        {"--val-split", (float)r->val_split != s->val_split},
    };
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        if (fixed[i].differs)
            return ln_fail(LN_ERR_ARG, "%s differs from the run in %s: a resumed run keeps its recipe (only --epochs, "
                           "--data, --threads, --kernels and output flags may change)", fixed[i].flag, c->path);
    if (s->epoch > r->epochs + 1 || (s->epoch == r->epochs + 1 && s->epoch_step))
        return ln_fail(LN_ERR_ARG, "--epochs %d: %s has already trained %ld epochs", r->epochs, c->path, s->epoch - 1);
    if (u->train.n != s->data_n || u->crc != s->data_crc)
        return ln_fail(LN_ERR_FORMAT,
                       "--data %s: %d training images (CRC-32 %08x), but checkpoint %s was trained on %ld (%08x): "
                       "not the same data",
                       u->data[0] ? u->data : "(arrays)", u->train.n, (unsigned)u->crc, c->path, s->data_n,
                       (unsigned)s->data_crc);
    return LN_OK;
}

/* The training images after recipe.limit: an IDX split keeps its first N,
 * a folder (sorted by class) N drawn by the seed. */
static ln_status limit_data(run *u, const ln_dataset *d)
{
    u->train = *d;
    u->train.borrowed = 1, u->train.class_names = d->class_names;
    if (!u->r->limit || u->r->limit >= d->n) return LN_OK;
    if (!d->class_names) {
        u->train.n = u->r->limit;
        return LN_OK;
    }
    ln_dataset c;
    if (ln_dataset_copy(d, &c) != LN_OK) return LN_ERR_NOMEM;
    u->train = c, u->train_owned = 1;
    return ln_dataset_subsample(&u->train, u->r->limit, u->r->seed);
}

static ln_status prepare(run *u, const ln_data *train, const ln_data *test)
{
    const ln_run_options *o = u->o;
    ln_status st = ln_recipe_check(u->r);
    if (st) return st;
    if ((st = ln_exec_resolve(&o->exec, &u->threads, &u->k))) return st;
    if ((st = limit_data(u, &train->ds))) return st;
    if (u->train.n < 1) return ln_fail(LN_ERR_ARG, "no training images");
    u->test = test && test->ds.n ? &test->ds : NULL;
    if ((st = check_shape(u->net, &u->train, "training"))) return st;
    if (u->test && (st = check_shape(u->net, u->test, "test"))) return st;
    /* a model file stores class names as JSON strings: a folder name that
     * is not UTF-8 would fail the save after the whole run */
    for (int c = 0; u->train.class_names && c < u->train.nclasses; c++) {
        const char *name = u->train.class_names[c];
        if (ln_utf8_valid(name, strlen(name))) continue;
        char esc[1024];
        return ln_fail(LN_ERR_FORMAT, "--data %s: class folder '%s' is not valid UTF-8, which a model file cannot store "
                       "(rename the folder)", train->source, ln_text_escape(name, esc, sizeof esc));
    }
    if (strlen(train->source) >= sizeof u->data)
        return ln_fail(LN_ERR_ARG, "--data: a path of at most %zu bytes can be checkpointed", sizeof u->data - 1);
    snprintf(u->data, sizeof u->data, "%s", train->source);
    u->crc = ln_dataset_crc32(&u->train);
    u->tr.aug = (ln_augment){0};
    if (u->r->augment && ln_augment_parse(u->r->augment, &u->tr.aug)) return LN_ERR_ARG;
    if (u->ck && (st = check_resume(u))) return st;

    ln_run_paths p;
    run_paths(o, u->data, u->ckpt, sizeof u->ckpt, &p);
    u->periodic = o->checkpoint_every >= 0;
    snprintf(u->res->checkpoint, sizeof u->res->checkpoint, "%s", u->ckpt);
    if ((st = ln_run_paths_check(&p))) return st;

    if (u->rank0) {
        ln_atomic_remove_stale(u->ckpt); /* what a killed earlier run may have left */
        if (o->save) ln_atomic_remove_stale(o->save);
    }
    ln_augment aug = u->tr.aug;
    if ((st = ln_trainer_init(&u->tr, u->net, u->k, u->threads, u->r->batch))) return st;
    u->tr.aug = aug;
    u->tr.aug.seed = u->r->seed;
    u->tr.allreduce_fast = o->allreduce_fast;
    if (u->ck) {
        memcpy(u->net->params, u->ck->model.net.params, u->net->nparams * sizeof *u->net->params);
        memcpy(u->tr.velocity, u->ck->velocity, u->net->nparams * sizeof *u->tr.velocity);
    }
    if (!u->net->class_names && u->train.class_names &&
        (st = ln_net_set_class_names(u->net, u->train.class_names)))
        return st;
    if ((st = ln_evaluator_init(&u->ev, u->net, u->k, u->threads))) return st;
    if (!(u->order = malloc((size_t)u->train.n * sizeof *u->order)))
        return ln_fail(LN_ERR_NOMEM, "out of memory for %d training images' order", u->train.n);
    /* a resumed run appends to its log */
    if (o->log && u->rank0 && !(u->log = fopen(o->log, u->ck ? "a" : "w")))
        return ln_fail(LN_ERR_IO, "--log %s: cannot open for writing: %s", o->log, strerror(errno));
    u->sched = (ln_schedule)ln_schedule_from_name(u->r->schedule);
    u->epoch_steps = (u->train.n + u->r->batch - 1) / u->r->batch;
    u->total = u->epoch_steps * u->r->epochs;
    return LN_OK;
}

/* ---- the loop ---------------------------------------------------------- */

static int stop_wanted(run *u, long steps_run)
{
    const ln_callbacks *cb = &u->o->cb;
    int want = ln_stop_requested() != 0 || (u->o->stop_after && steps_run >= u->o->stop_after) ||
               (cb->should_stop && cb->should_stop(cb->user));
    return ln_dist_any(want);
}

static ln_status loop(run *u)
{
    const ln_recipe *r = u->r;
    const ln_callbacks *cb = &u->o->cb;
    ln_run_result *res = u->res;
    long step = 0, first_epoch = 1, first_step = 0, steps_run = 0;
    ln_rng shuffle;
    ln_rng_seed(&shuffle, r->seed ^ 0x5348554646u); /* a stream apart from initialisation */
    if (u->ck) {
        step = u->ck->st.step, first_epoch = u->ck->st.epoch, first_step = u->ck->st.epoch_step;
        memcpy(shuffle.s, u->ck->st.rng, sizeof shuffle.s);
    }
    res->step = step, res->total_steps = u->total;
    if (u->log) log_header(u); /* flushed with the first epoch's line */
    if (cb->start && u->rank0) {
        ln_run_info info = {.threads = u->threads, .processes = ln_dist_size(), .train_images = u->train.n,
                            .test_images = u->test ? u->test->n : 0, .epoch_steps = u->epoch_steps,
                            .total_steps = u->total, .first_epoch = first_epoch, .first_step = first_step,
                            .resumed = u->ck != NULL, .checkpoint = u->ckpt};
        snprintf(info.kernels, sizeof info.kernels, "%s", u->k->isa);
        cb->start(&info, cb->user);
    }
    int stopping = 0;
    for (long e = first_epoch; e <= r->epochs; e++) {
        ln_rng epoch_rng = shuffle;
        u->tr.aug.epoch = e;
        for (int i = 0; i < u->train.n; i++) u->order[i] = (uint32_t)i;
        ln_rng_shuffle(&shuffle, u->order, (uint32_t)u->train.n);
        double loss_sum = 0.0, t_train = 0.0;
        long right = 0, seen = 0, s0 = 0;
        if (u->ck && e == first_epoch) {
            const ln_train_state *s = &u->ck->st;
            loss_sum = s->loss_sum, t_train = s->seconds, right = s->right, seen = s->seen, s0 = first_step;
        }
        for (long s = s0; s < u->epoch_steps; s++) {
            int lo = (int)(s * r->batch), n = u->train.n - lo < r->batch ? u->train.n - lo : r->batch;
            ln_sgd opt = {.lr = ln_schedule_lr(u->sched, r->lr, step, u->total, r->warmup * u->epoch_steps,
                                               u->epoch_steps),
                          .momentum = r->momentum, .weight_decay = r->weight_decay, .nesterov = r->nesterov};
            double l, t0 = now();
            int ok;
            ln_status st = ln_trainer_step(&u->tr, &u->train, u->order + lo, n, &opt, &l, &ok);
            if (st != LN_OK) {
                char why[512];
                snprintf(why, sizeof why, "%s", ln_last_error());
                return ln_fail(st, "epoch %ld, step %ld: %s", e, s + 1, why);
            }
            step++, steps_run++;
            t_train += now() - t0;
            loss_sum += l, right += ok, seen += n;
            res->step = step;
            if (cb->progress && u->rank0) {
                double rate = t_train > 0 ? seen / t_train : 0.0;
                ln_progress p = {.epoch = e, .epochs = r->epochs, .epoch_step = s + 1, .epoch_steps = u->epoch_steps,
                                 .step = step, .total_steps = u->total, .images = seen, .loss = loss_sum / seen,
                                 .img_per_s = rate, .eta_s = rate > 0 ? (u->train.n - seen) / rate : 0.0};
                cb->progress(&p, cb->user);
            }
            stopping = stop_wanted(u, steps_run);
            if (s + 1 == u->epoch_steps) break; /* the epoch's end saves, after evaluation */
            if (stopping || (u->periodic && u->o->checkpoint_every && step % u->o->checkpoint_every == 0)) {
                run_pos p = {e, s + 1, step, &epoch_rng, loss_sum, t_train, right, seen};
                if ((st = save_checkpoint(u, &p))) return st;
            }
            if (stopping) return LN_OK;
        }
        if (cb->progress && u->rank0 && u->test) {
            ln_progress p = {.epoch = e, .epochs = r->epochs, .epoch_step = u->epoch_steps,
                             .epoch_steps = u->epoch_steps, .step = step, .total_steps = u->total, .images = seen,
                             .loss = loss_sum / seen, .img_per_s = seen / t_train, .evaluating = 1};
            cb->progress(&p, cb->user);
        }
        double t_eval = now(), test_loss = NAN, test_acc = NAN;
        ln_status st;
        if (u->test && (st = ln_evaluator_run(&u->ev, u->test, &test_loss, &test_acc))) return st;
        t_eval = now() - t_eval;
        ln_epoch_stats es = {.epoch = e, .epochs = r->epochs, .train_loss = loss_sum / seen,
                             .train_acc = (double)right / seen, .test_loss = test_loss, .test_acc = test_acc,
                             .img_per_s = seen / t_train, .seconds = t_train + t_eval,
                             .lr = ln_schedule_lr(u->sched, r->lr, step - 1, u->total, r->warmup * u->epoch_steps,
                                                  u->epoch_steps)};
        res->last = es;
        res->epochs_run++;
        /* a log that cannot be written ends the run, as a stop does: the
         * checkpoint (or, in the last epoch, the model) is saved */
        if (u->log && !u->log_errno && log_epoch(u, &es)) stopping = 1;
        if (cb->epoch && u->rank0) cb->epoch(&es, cb->user);
        stopping = ln_dist_any(stopping || ln_stop_requested() != 0 || (cb->should_stop && cb->should_stop(cb->user)));
        /* a run that stops in its last epoch is complete: no checkpoint
         * unless asked for */
        long every = u->o->checkpoint_every;
        if ((stopping && (u->periodic || e < r->epochs)) ||
            (u->periodic && (!every || step % every == 0 || e == r->epochs))) {
            run_pos p = {e + 1, 0, step, &shuffle, 0.0, 0.0, 0, 0};
            if ((st = save_checkpoint(u, &p))) return st;
        }
        if (stopping && e < r->epochs) return LN_OK;
    }
    res->end = LN_RUN_COMPLETE;
    if (u->o->save && u->rank0) return ln_net_save(u->net, u->o->save);
    return LN_OK;
}

ln_status ln_train(ln_model *m, const ln_data *train, const ln_data *test, const ln_recipe *r,
                   const ln_run_options *o, ln_run_result *res)
{
    ln_run_options defaults;
    ln_run_result scratch;
    if (!o) ln_run_options_init(&defaults), o = &defaults;
    if (!res) res = &scratch;
    memset(res, 0, sizeof *res);
    if (!m || !train || !r) return ln_fail(LN_ERR_ARG, "ln_train: no model, training data or recipe");
    run u = {.r = r, .o = o, .res = res, .net = &m->net, .ck = o->resume, .rank0 = ln_dist_rank() == 0,
             .t_start = now()};
    ln_status st = prepare(&u, train, test);
    if (st == LN_OK) {
        /* stopped unless the loop says complete */
        res->end = LN_RUN_STOPPED;
        st = loop(&u);
        if (st == LN_OK && res->end != LN_RUN_COMPLETE) {
            int sig = ln_stop_requested();
            res->signal = sig > 0 ? sig : 0;
            res->end = sig || !o->stop_after ? LN_RUN_STOPPED : LN_RUN_STOPPED_AFTER;
        }
        if (u.log && !u.log_errno) {
            fprintf(u.log, "{\"end\":{\"status\":\"%s\",\"wall_s\":%.3f}}\n",
                    st != LN_OK ? "failed" : res->end == LN_RUN_COMPLETE ? "complete" : "stopped", now() - u.t_start);
            log_flush(&u);
        }
    }
    if (u.log) {
        errno = 0;
        if (fclose(u.log) != 0 && !u.log_errno) u.log_errno = errno ? errno : EIO;
    }
    if (u.log_errno && st == LN_OK) {
        res->log_failed = 1;
        st = ln_fail(LN_ERR_IO, "--log %s: cannot write: %s", o->log, strerror(u.log_errno));
    }
    free(u.order);
    ln_evaluator_free(&u.ev);
    ln_trainer_free(&u.tr);
    if (u.train_owned) ln_dataset_free(&u.train);
    return st;
}
