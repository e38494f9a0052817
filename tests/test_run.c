/* The run loop in-process, through the public API alone (ln_train): a run
 * stopped at any step (a step budget, a stop request, a callback) and
 * resumed, on any thread count, ends with weights bitwise identical to an
 * uninterrupted run; checkpoints every N steps do not change the run;
 * outputs are checked before the first step; the log says what ran; a
 * non-finite loss saves nothing. The CLI's own end-to-end checks
 * (signals, SIGKILL during saves, flags) are in test_resume.c. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lenet/lenet.h"
#include "support.h"

#define P 1024
enum { N = 200, SIDE = 28, CLASSES = 10 };

/* 200 random 28x28 images with random labels: enough to exercise every
 * piece of state, small enough for ASan. */
static ln_data *toy_data(uint32_t seed)
{
    static uint8_t px[2][N * SIDE * SIDE], lab[2][N];
    int k = seed & 1;
    uint32_t s = seed * 2654435761u + 1;
    for (int i = 0; i < N * SIDE * SIDE; i++) px[k][i] = (uint8_t)((s = s * 1664525u + 1013904223u) >> 24);
    for (int i = 0; i < N; i++) lab[k][i] = (uint8_t)(((s = s * 1664525u + 1013904223u) >> 24) % CLASSES);
    ln_data *d;
    cr_assert_eq(ln_data_wrap_u8(px[k], lab[k], N, 1, SIDE, SIDE, CLASSES, &d), LN_OK, "%s", ln_last_error());
    return d;
}

/* Recipe A: 3 epochs of 13 steps (the last of 8 images). */
static ln_recipe recipe_a(void)
{
    ln_recipe r;
    cr_assert_eq(ln_recipe_init(&r, "default"), LN_OK);
    r.epochs = 3, r.batch = 16;
    return r;
}
#define STEPS_A 39

/* Recipe B: the 1998 network's kind of state: augmentation keyed by
 * epoch, the step schedule, warm-up, classical momentum, weight decay. */
static ln_recipe recipe_b(void)
{
    ln_recipe r;
    cr_assert_eq(ln_recipe_init(&r, "lecun98"), LN_OK);
    r.epochs = 3, r.batch = 24, r.augment = "flip,shift=2", r.schedule = "lecun98", r.warmup = 1;
    r.momentum = 0.5f, r.nesterov = 0, r.weight_decay = 0.001f, r.lr = 0.01f, r.seed = 99;
    return r;
}

static ln_model *new_model(const char *name, uint64_t seed)
{
    ln_model *m;
    cr_assert_eq(ln_model_new(name, 1, SIDE, SIDE, CLASSES, seed, &m), LN_OK, "%s", ln_last_error());
    return m;
}

static float *weights(const ln_model *m)
{
    size_t n = ln_model_param_len(m);
    float *w = malloc(n * sizeof *w);
    cr_assert_eq(ln_model_read_params(m, 0, w, n), LN_OK);
    return w;
}

static void same_weights(const ln_model *a, const ln_model *b, const char *what)
{
    size_t n = ln_model_param_len(a);
    cr_assert_eq(n, ln_model_param_len(b));
    float *x = weights(a), *y = weights(b);
    cr_assert(!memcmp(x, y, n * sizeof *x), "%s: weights differ", what);
    free(x), free(y);
}

static ln_run_options opts(int threads)
{
    ln_run_options o;
    ln_run_options_init(&o);
    o.exec.threads = threads;
    return o;
}

/* The uninterrupted run's model. */
static ln_model *reference(const char *model, const ln_recipe *r, ln_data *d)
{
    ln_model *m = new_model(model, r->seed);
    ln_run_options o = opts(2);
    ln_run_result res;
    cr_assert_eq(ln_train(m, d, NULL, r, &o, &res), LN_OK, "%s", ln_last_error());
    cr_assert_eq(res.end, LN_RUN_COMPLETE);
    return m;
}

/* Continue the checkpoint at `ck` on `threads` threads for at most
 * `budget` steps (0: to the end), into m (a clone of its model). */
static ln_run_result resume(const char *ck, int threads, long budget, ln_model **m, const char *save)
{
    ln_checkpoint *c;
    cr_assert_eq(ln_checkpoint_open(ck, &c), LN_OK, "%s", ln_last_error());
    ln_recipe r;
    ln_checkpoint_recipe(c, &r);
    ln_model_free(*m);
    cr_assert_eq(ln_model_clone(ln_checkpoint_model(c), m), LN_OK);
    ln_data *d = toy_data(7);
    ln_run_options o = opts(threads);
    o.resume = c, o.checkpoint_every = 0, o.stop_after = budget, o.save = save;
    ln_run_result res;
    cr_assert_eq(ln_train(*m, d, NULL, &r, &o, &res), LN_OK, "%s", ln_last_error());
    ln_data_free(d);
    ln_checkpoint_free(c);
    return res;
}

/* Stop after `cut` steps on t1 threads, resume on t2, compare. */
static void cut_and_resume(const char *model, const ln_recipe *r, const ln_model *ref, int cut, int t1, int t2)
{
    char ck[P], what[96];
    snprintf(what, sizeof what, "cut after step %d, threads %d then %d", cut, t1, t2);
    snprintf(ck, sizeof ck, "%s", tmp_path("cut.ckpt"));
    unlink(ck);
    ln_data *d = toy_data(7);
    ln_model *m = new_model(model, r->seed);
    ln_run_options o = opts(t1);
    o.checkpoint = ck, o.stop_after = cut;
    ln_run_result res;
    cr_assert_eq(ln_train(m, d, NULL, r, &o, &res), LN_OK, "%s: %s", what, ln_last_error());
    cr_assert_eq(res.end, LN_RUN_STOPPED_AFTER, "%s", what);
    cr_assert_eq(res.step, cut, "%s", what);
    cr_assert(res.checkpoint_saved, "%s: no checkpoint", what);
    res = resume(ck, t2, 0, &m, NULL);
    cr_assert_eq(res.end, LN_RUN_COMPLETE, "%s", what);
    same_weights(ref, m, what);
    ln_model_free(m);
    ln_data_free(d);
}

Test(run, resume_equals_uninterrupted_at_many_cuts)
{
    ln_data *d = toy_data(7);
    ln_recipe r = recipe_a();
    ln_model *ref = reference("lenet5", &r, d);
    /* the first step, mid-epoch, an epoch's last step, the next epoch's
     * first, the run's last; thread counts that do not divide the chunks
     * and more threads than cores */
    static const int cuts[][3] = {{1, 1, 2}, {6, 2, 1}, {13, 1, 2}, {14, 2, 1}, {25, 5, 3}, {STEPS_A - 1, 16, 1}};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) cut_and_resume("lenet5", &r, ref, cuts[i][0], cuts[i][1], cuts[i][2]);
    ln_model_free(ref);
    ln_data_free(d);
}

Test(run, chain_of_resumes_lenet5_1998)
{
    ln_data *d = toy_data(7);
    ln_recipe r = recipe_b();
    ln_model *ref = reference("lenet5-1998", &r, d);
    char ck[P];
    snprintf(ck, sizeof ck, "%s", tmp_path("chain.ckpt"));
    ln_model *m = new_model("lenet5-1998", r.seed);
    ln_run_options o = opts(1);
    o.checkpoint = ck, o.stop_after = 4;
    cr_assert_eq(ln_train(m, d, NULL, &r, &o, NULL), LN_OK, "%s", ln_last_error());
    /* 4 + 5k steps: cuts land mid-epoch and on epoch boundaries */
    int legs = 0;
    for (ln_run_end end = LN_RUN_STOPPED_AFTER; end != LN_RUN_COMPLETE; legs++) {
        end = resume(ck, 1 + legs % 2, 5, &m, NULL).end;
        cr_assert_leq(legs, 8, "the chain does not end");
    }
    cr_assert_eq(legs, 5, "27 steps: 4, then 5 legs of at most 5");
    same_weights(ref, m, "lenet5-1998 resumed every 5 steps");
    ln_model_free(m);
    ln_model_free(ref);
    ln_data_free(d);
}

/* A stop request (as SIGINT/SIGTERM make with ln_stop_on_signals) and a
 * should_stop callback both stop after the current step, with a
 * checkpoint that resumes to the reference. */
static int calls;
static int stop_at_9(void *user)
{
    (void)user;
    return ++calls == 9;
}

Test(run, stop_requests_and_callbacks)
{
    ln_data *d = toy_data(7);
    ln_recipe r = recipe_a();
    ln_model *ref = reference("lenet5", &r, d);
    char ck[P];
    snprintf(ck, sizeof ck, "%s", tmp_path("stop.ckpt"));
    for (int how = 0; how < 2; how++) {
        ln_model *m = new_model("lenet5", r.seed);
        ln_run_options o = opts(2);
        o.checkpoint = ck;
        calls = 0;
        if (how) o.cb.should_stop = stop_at_9;
        else ln_request_stop(15);
        ln_run_result res;
        cr_assert_eq(ln_train(m, d, NULL, &r, &o, &res), LN_OK, "%s", ln_last_error());
        cr_assert_eq(res.end, LN_RUN_STOPPED);
        cr_assert_eq(res.step, how ? 9 : 1, "stopped after step %ld", res.step);
        cr_assert_eq(res.signal, how ? 0 : 15);
        cr_assert(res.checkpoint_saved);
        ln_stop_reset();
        res = resume(ck, 1, 0, &m, NULL);
        same_weights(ref, m, how ? "stopped by the callback" : "stopped by a request");
        ln_model_free(m);
    }
    ln_model_free(ref);
    ln_data_free(d);
}

/* Checkpoints every 5 steps leave the run unchanged; resuming a finished
 * run trains nothing and saves the same model. */
Test(run, checkpoint_every_steps)
{
    ln_data *d = toy_data(7);
    ln_recipe r = recipe_a();
    ln_model *ref = reference("lenet5", &r, d), *m = new_model("lenet5", r.seed);
    char ck[P], save[P];
    snprintf(ck, sizeof ck, "%s", tmp_path("every.ckpt"));
    snprintf(save, sizeof save, "%s", tmp_path("every.safetensors"));
    ln_run_options o = opts(2);
    o.checkpoint = ck, o.checkpoint_every = 5, o.save = save;
    cr_assert_eq(ln_train(m, d, NULL, &r, &o, NULL), LN_OK, "%s", ln_last_error());
    same_weights(ref, m, "checkpointing does not change the run");
    ln_checkpoint *c;
    cr_assert_eq(ln_checkpoint_open(ck, &c), LN_OK, "%s", ln_last_error());
    ln_checkpoint_info info;
    ln_checkpoint_info_get(c, &info);
    cr_assert_eq(info.epoch, 4, "the final checkpoint is past the last epoch");
    cr_assert_eq(info.step, STEPS_A);
    ln_checkpoint_free(c);
    ln_run_result res = resume(ck, 2, 0, &m, save);
    cr_assert_eq(res.end, LN_RUN_COMPLETE);
    cr_assert_eq(res.epochs_run, 0);
    ln_model *saved;
    cr_assert_eq(ln_model_load(save, &saved), LN_OK, "%s", ln_last_error());
    same_weights(ref, saved, "finished run resumed and saved");
    ln_model_free(saved);
    ln_model_free(m);
    ln_model_free(ref);
    ln_data_free(d);
}

/* A resumed run keeps its recipe and its data; epochs already run cannot
 * be taken back. */
Test(run, resume_refuses_other_recipe_and_data)
{
    ln_data *d = toy_data(7), *other = toy_data(8);
    ln_recipe r = recipe_a();
    char ck[P];
    snprintf(ck, sizeof ck, "%s", tmp_path("refuse.ckpt"));
    ln_model *m = new_model("lenet5", r.seed);
    ln_run_options o = opts(1);
    o.checkpoint = ck, o.stop_after = 14;
    cr_assert_eq(ln_train(m, d, NULL, &r, &o, NULL), LN_OK, "%s", ln_last_error());
    ln_checkpoint *c;
    cr_assert_eq(ln_checkpoint_open(ck, &c), LN_OK, "%s", ln_last_error());
    ln_recipe cr;
    ln_checkpoint_recipe(c, &cr);
    o = opts(1);
    o.resume = c;
    ln_recipe changed = cr;
    changed.lr *= 2;
    cr_assert_eq(ln_train(m, d, NULL, &changed, &o, NULL), LN_ERR_ARG);
    cr_assert(strstr(ln_last_error(), "--lr"), "%s", ln_last_error());
    cr_assert_eq(ln_train(m, other, NULL, &cr, &o, NULL), LN_ERR_FORMAT);
    cr_assert(strstr(ln_last_error(), "not the same data") && strstr(ln_last_error(), ck), "%s", ln_last_error());
    changed = cr;
    changed.epochs = 1;
    cr_assert_eq(ln_train(m, d, NULL, &changed, &o, NULL), LN_ERR_ARG);
    cr_assert(strstr(ln_last_error(), "already trained 1 epochs"), "%s", ln_last_error());
    ln_model *other_model = new_model("lenet5-relu", 1);
    cr_assert_eq(ln_train(other_model, d, NULL, &cr, &o, NULL), LN_ERR_FORMAT);
    cr_assert(strstr(ln_last_error(), "holds a lenet5 run"), "%s", ln_last_error());
    ln_model_free(other_model);
    ln_checkpoint_free(c);
    ln_model_free(m);
    ln_data_free(d);
    ln_data_free(other);
}

/* Outputs that could never be written fail before the first step and
 * leave the model untouched. */
Test(run, outputs_checked_before_the_first_step)
{
    ln_data *d = toy_data(7);
    ln_recipe r = recipe_a();
    ln_model *m = new_model("lenet5", r.seed), *fresh = new_model("lenet5", r.seed);
    const char *dir = tmp_path("outdir");
    mkdir(dir, 0755);
    char missing[P], same[P];
    snprintf(missing, sizeof missing, "%s/no/such/dir/m.safetensors", dir);
    snprintf(same, sizeof same, "%s/x", dir);
    const struct {
        const char *save, *log, *ckpt, *phrase;
    } bad[] = {
        {dir, NULL, NULL, "is a directory"},
        {missing, NULL, NULL, "does not exist or is not writable"},
        {NULL, dir, NULL, "--log"},
        {NULL, NULL, dir, "--checkpoint"},
        {same, NULL, same, "is the checkpoint file"},
        {same, same, NULL, "one would overwrite the other"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ln_run_options o = opts(1);
        o.save = bad[i].save, o.log = bad[i].log, o.checkpoint = bad[i].ckpt;
        ln_run_result res;
        cr_assert_eq(ln_train(m, d, NULL, &r, &o, &res), LN_ERR_ARG, "case %zu ran", i);
        cr_assert(strstr(ln_last_error(), bad[i].phrase), "case %zu: \"%s\" lacks \"%s\"", i, ln_last_error(),
                  bad[i].phrase);
        cr_assert_eq(res.step, 0);
    }
    same_weights(fresh, m, "a refused run trained");
    /* and a recipe that cannot run */
    ln_recipe broken = r;
    broken.schedule = "sometimes";
    cr_assert_eq(ln_train(m, d, NULL, &broken, NULL, NULL), LN_ERR_ARG);
    cr_assert(strstr(ln_last_error(), "sometimes"), "%s", ln_last_error());
    broken = r, broken.warmup = 3;
    cr_assert_eq(ln_train(m, d, NULL, &broken, NULL, NULL), LN_ERR_ARG);
    ln_model_free(m);
    ln_model_free(fresh);
    ln_data_free(d);
}

/* The log: a "run" line saying what ran, one line per epoch with the
 * figures the epoch callback got, an "end" line. */
static ln_epoch_stats seen_epochs[4];
static void keep_epoch(const ln_epoch_stats *s, void *user)
{
    (void)user;
    seen_epochs[s->epoch - 1] = *s;
}

Test(run, log_lines_match_callbacks)
{
    ln_data *d = toy_data(7), *test = toy_data(8);
    ln_recipe r = recipe_a();
    ln_model *m = new_model("lenet5", r.seed);
    char log[P];
    snprintf(log, sizeof log, "%s", tmp_path("run.jsonl"));
    ln_run_options o = opts(2);
    o.log = log, o.cb.epoch = keep_epoch;
    cr_assert_eq(ln_train(m, d, test, &r, &o, NULL), LN_OK, "%s", ln_last_error());
    size_t n;
    char *text = (char *)read_file(log, &n);
    cr_assert_not_null(text);
    text = realloc(text, n + 1);
    text[n] = 0;
    cr_assert(!strncmp(text, "{\"run\":{\"lenet\":\"" LENET_VERSION "\",\"model\":\"lenet5\"", 40), "%.200s", text);
    cr_assert(strstr(text, "\"recipe\":{\"epochs\":3,\"batch\":16,"), "%.400s", text);
    cr_assert(strstr(text, "\"train_images\":200,\"test_images\":200"), "%.600s", text);
    for (int e = 1; e <= 3; e++) {
        char want[160];
        snprintf(want, sizeof want, "{\"epoch\":%d,\"train_loss\":%.6f,\"train_acc\":%.6f,\"test_loss\":%.6f,", e,
                 seen_epochs[e - 1].train_loss, seen_epochs[e - 1].train_acc, seen_epochs[e - 1].test_loss);
        cr_assert(strstr(text, want), "log lacks %s:\n%s", want, text);
    }
    cr_assert(strstr(text, "{\"end\":{\"status\":\"complete\""), "%s", text);
    int lines = 0;
    for (char *p = text; *p; p++) lines += *p == '\n';
    cr_assert_eq(lines, 5);
    free(text);
    ln_model_free(m);
    ln_data_free(d);
    ln_data_free(test);
}

/* A rate that diverges: LN_ERR_NUMERIC naming the step, the weights of
 * the step before kept, no model written. */
Test(run, nonfinite_loss_saves_nothing)
{
    ln_data *d = toy_data(7);
    ln_recipe r = recipe_a();
    r.lr = 1000.0f, r.momentum = 0.99f, r.schedule = "constant";
    ln_model *m = new_model("lenet5-relu", r.seed);
    char save[P];
    snprintf(save, sizeof save, "%s", tmp_path("diverged.safetensors"));
    unlink(save);
    ln_run_options o = opts(2);
    o.save = save;
    ln_run_result res;
    cr_assert_eq(ln_train(m, d, NULL, &r, &o, &res), LN_ERR_NUMERIC, "%s", ln_last_error());
    cr_assert(strstr(ln_last_error(), "step"), "%s", ln_last_error());
    cr_assert_neq(access(save, F_OK), 0, "a diverged run wrote its model");
    size_t n = ln_model_param_len(m);
    float *w = weights(m);
    for (size_t i = 0; i < n; i++) cr_assert(isfinite(w[i]), "weight %zu is not finite", i);
    free(w);
    ln_model_free(m);
    ln_data_free(d);
}

/* Float pixels equal to the 8-bit ones / 255 train to the same weights,
 * and a limit of N takes the first N images of unnamed (IDX-like) data. */
Test(run, float_data_and_limit)
{
    static uint8_t px[N * SIDE * SIDE], lab[N];
    static float fx[N * SIDE * SIDE];
    for (int i = 0; i < N * SIDE * SIDE; i++) px[i] = (uint8_t)(i * 7 + i / 13), fx[i] = px[i] * (1.0f / 255.0f);
    for (int i = 0; i < N; i++) lab[i] = (uint8_t)(i % CLASSES);
    ln_data *du, *df, *first;
    cr_assert_eq(ln_data_wrap_u8(px, lab, N, 1, SIDE, SIDE, CLASSES, &du), LN_OK);
    cr_assert_eq(ln_data_wrap_float(fx, lab, N, 1, SIDE, SIDE, CLASSES, &df), LN_OK);
    cr_assert_eq(ln_data_wrap_u8(px, lab, 120, 1, SIDE, SIDE, CLASSES, &first), LN_OK);
    ln_recipe r = recipe_a();
    r.epochs = 1;
    ln_model *a = new_model("lenet5", 1), *b = new_model("lenet5", 1), *c = new_model("lenet5", 1);
    cr_assert_eq(ln_train(a, du, NULL, &r, NULL, NULL), LN_OK, "%s", ln_last_error());
    cr_assert_eq(ln_train(b, df, NULL, &r, NULL, NULL), LN_OK, "%s", ln_last_error());
    same_weights(a, b, "float pixels");
    ln_model_free(a);
    a = new_model("lenet5", 1);
    r.limit = 120;
    cr_assert_eq(ln_train(a, du, NULL, &r, NULL, NULL), LN_OK, "%s", ln_last_error());
    r.limit = 0;
    cr_assert_eq(ln_train(c, first, NULL, &r, NULL, NULL), LN_OK, "%s", ln_last_error());
    same_weights(a, c, "limit 120 is the first 120 images");
    ln_model_free(a), ln_model_free(b), ln_model_free(c);
    ln_data_free(du), ln_data_free(df), ln_data_free(first);
}
