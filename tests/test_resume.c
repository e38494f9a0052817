/* Never lose a run, end to end through the CLI: a run stopped by
 * --stop-after, SIGINT or SIGTERM prints how to resume and resumes to
 * weights bitwise identical to an uninterrupted run; SIGKILL at random
 * moments during checkpoint saves always leaves a checkpoint that loads
 * and verifies; damaged or mismatched checkpoints and flags that would
 * change a resumed run are refused with one line naming the file or flag.
 * The many cuts, thread counts and recipes of the run loop itself are
 * checked in-process, in test_run.c. Runs are tiny (random images) so the
 * suite stays fast under ASan. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/rng.h"
#include "io/checkpoint.h"
#include "io/model_file.h"
#include "io/safetensors.h"
#include "support.h"

#define OUT_CAP 65536
#define P 1024

static char out[OUT_CAP];

#define cli(...) run_clif(out, sizeof out, __VA_ARGS__)

static void want(int rc, int expect, const char *what)
{
    cr_assert_eq(rc, expect, "%s: exit %d, expected %d; output:\n%s", what, rc, expect, out);
}

static void want_text(const char *phrase, const char *what)
{
    cr_assert_not_null(strstr(out, phrase), "%s: output lacks \"%s\":\n%s", what, phrase, out);
}

static void sleep_us(long us)
{
    struct timespec ts = {us / 1000000, us % 1000000 * 1000};
    nanosleep(&ts, NULL);
}

static int exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

static void same_files(const char *a, const char *b, const char *what)
{
    size_t la, lb;
    unsigned char *x = read_file(a, &la), *y = read_file(b, &lb);
    cr_assert(x && y, "%s: cannot read %s or %s", what, a, b);
    cr_assert(la == lb && !memcmp(x, y, la), "%s: %s and %s differ", what, a, b);
    free(x);
    free(y);
}

static const char *data_dir(void)
{
    static char dir[P];
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "%s", tmp_path("data"));
        cr_assert_eq(write_mnist_dir(dir, 200, 16, 7), 0);
    }
    return dir;
}

/* 200 images in batches of 16: 13 steps an epoch (the last one of 8). */
#define RECIPE_A "--epochs 3 --batch 16 --quiet"
/* The 1998 network with every kind of state: augmentation (keyed by
 * epoch), the step schedule, warm-up, classical momentum, weight decay. */
#define RECIPE_B                                                                                            \
    "--model lenet5-1998 --epochs 3 --batch 24 --augment flip,shift=2 --schedule lecun98 --warmup 1 "      \
    "--momentum 0.5 --no-nesterov --weight-decay 0.001 --lr 0.01 --seed 99 --quiet"

static void reference(const char *recipe, const char *ref)
{
    want(cli("train --data '%s' %s --threads 2 --save '%s'", data_dir(), recipe, ref), 0, "uninterrupted run");
}

/* Stop after `cut` steps on `t1` threads, resume on `t2`, compare. */
static void cut_and_resume(const char *recipe, const char *ref, int cut, int t1, int t2)
{
    char ck[P], fin[P], what[128];
    snprintf(what, sizeof what, "cut after step %d, threads %d then %d", cut, t1, t2);
    snprintf(ck, sizeof ck, "%s", tmp_path("cut.ckpt"));
    snprintf(fin, sizeof fin, "%s", tmp_path("cut.safetensors"));
    unlink(ck);
    want(cli("train --data '%s' %s --threads %d --checkpoint '%s' --stop-after %d", data_dir(), recipe, t1, ck, cut),
         0, what);
    want_text("resume with: lenet train --resume", what);
    cr_assert(exists(ck), "%s: no checkpoint", what);
    want(cli("train --resume '%s' --threads %d --save '%s' --quiet", ck, t2, fin), 0, what);
    same_files(ref, fin, what);
}

Test(resume, cli_stop_after_and_resume)
{
    char ref[P];
    snprintf(ref, sizeof ref, "%s", tmp_path("ref_a.safetensors"));
    reference(RECIPE_A, ref);
    cut_and_resume(RECIPE_A, ref, 6, 1, 2);
    /* the 1998 network's recipe, cut at an epoch's end */
    snprintf(ref, sizeof ref, "%s", tmp_path("ref_b.safetensors"));
    reference(RECIPE_B, ref);
    cut_and_resume(RECIPE_B, ref, 9, 2, 1);
}

/* Resuming a finished run trains nothing and says so. */
Test(resume, finished_run)
{
    char ck[P], fin[P];
    snprintf(ck, sizeof ck, "%s", tmp_path("every.ckpt"));
    snprintf(fin, sizeof fin, "%s", tmp_path("every.safetensors"));
    want(cli("train --data '%s' %s --threads 2 --checkpoint '%s' --checkpoint-every 5", data_dir(), RECIPE_A, ck), 0,
         "--checkpoint-every 5");
    want(cli("train --resume '%s' --save '%s' --quiet", ck, fin), 0, "resume a finished run");
    want_text("done", "resume a finished run");
}

/* Start a longer run, wait for its first checkpoint (the handlers are in
 * place by then), send `sig`: lenet must save, print the resume hint, and
 * die by that signal (so a calling script stops too); resuming must end
 * where an uninterrupted run ends. */
static void signal_run(int sig, int compare)
{
    char dir[P], ref[P], ck[P], fin[P], log[P];
    snprintf(dir, sizeof dir, "%s", tmp_path("sigdata"));
    snprintf(ref, sizeof ref, "%s", tmp_path("sig.ref"));
    snprintf(ck, sizeof ck, "%s", tmp_path("sig.ckpt"));
    snprintf(fin, sizeof fin, "%s", tmp_path("sig.fin"));
    snprintf(log, sizeof log, "%s", tmp_path("sig.log"));
    cr_assert_eq(write_mnist_dir(dir, 3000, 16, 11), 0);
    const char *recipe = "--epochs 2 --batch 32 --quiet";
    if (compare) want(cli("train --data '%s' %s --threads 2 --save '%s'", dir, recipe, ref), 0, "uninterrupted");
    char args[3 * P];
    snprintf(args, sizeof args, "train --data '%s' %s --threads 2 --checkpoint '%s' --checkpoint-every 10", dir,
             recipe, ck);
    int pid = spawn_cli(args, log);
    for (int i = 0; i < 3000 && !exists(ck); i++) sleep_us(10000);
    cr_assert(exists(ck), "no checkpoint within 30 s");
    kill(pid, sig);
    int rc = wait_cli(pid);
    size_t n;
    char *text = (char *)read_file(log, &n);
    cr_assert_not_null(text);
    text = realloc(text, n + 1);
    text[n] = 0;
    snprintf(out, sizeof out, "%s", text);
    free(text);
    if (rc == 0) { /* the run ended before the signal: nothing to check */
        cr_log_warn("the run finished before the signal arrived");
        return;
    }
    /* saved, then died by the signal itself (a shell sees 128 + sig) */
    want(rc, 256 + sig, "signalled run");
    want_text("resume with: lenet train --resume", "signalled run");
    want(cli("train --resume '%s' --save '%s' --quiet", ck, fin), 0, "resume after a signal");
    if (compare) same_files(ref, fin, "resumed after a signal");
}

/* (a stop request resuming to the uninterrupted weights is test_run's) */
Test(resume, sigint_saves_and_exits_130) { signal_run(SIGINT, 1); }
Test(resume, sigterm_saves_and_exits_143) { signal_run(SIGTERM, 0); }

/* Temporary files "<path>.tmp.<pid>" next to path. */
static int count_tmp(const char *path)
{
    char cmd[P + 64];
    snprintf(cmd, sizeof cmd, "ls '%.1000s'.tmp.* 2>/dev/null | wc -l", path);
    FILE *ls = popen(cmd, "r");
    int n = -1;
    cr_assert(ls && fscanf(ls, "%d", &n) == 1);
    pclose(ls);
    return n;
}

/* SIGKILL at random moments while a run checkpoints every step: whatever
 * is on disk must load and pass its checksum, every time. */
Test(resume, sigkill_during_saves, .timeout = 600)
{
    char dir[P], ck[P], log[P], args[3 * P];
    snprintf(dir, sizeof dir, "%s", tmp_path("killdata"));
    snprintf(ck, sizeof ck, "%s", tmp_path("kill.ckpt"));
    snprintf(log, sizeof log, "%s", tmp_path("kill.log"));
    cr_assert_eq(write_mnist_dir(dir, 2000, 16, 5), 0);
    snprintf(args, sizeof args, "train --data '%s' --epochs 1 --batch 16 --threads 2 --quiet --checkpoint '%s' "
             "--checkpoint-every 1", dir, ck);
    ln_rng r;
    ln_rng_seed(&r, (uint64_t)time(NULL));
    int loaded = 0, mid_save = 0;
    for (int i = 0; i < 25; i++) {
        int pid = spawn_cli(args, log);
        /* after the first save, so that most kills land in a later one */
        for (int j = 0; j < 3000 && !exists(ck); j++) sleep_us(10000);
        sleep_us(ln_rng_below(&r, 400000));
        kill(pid, SIGKILL);
        cr_assert_eq(wait_cli(pid), 256 + SIGKILL, "iteration %d: the run ended before the kill", i);
        mid_save += count_tmp(ck) > 0; /* the kill landed inside a save */
        ln_net net;
        float *v;
        ln_train_state s;
        cr_assert_eq(ln_checkpoint_load(ck, &net, &v, &s), LN_OK, "iteration %d: %s", i, ln_last_error());
        cr_assert(s.step >= 1);
        loaded++;
        free(v);
        ln_net_free(&net);
        want(cli("verify '%s'", ck), 0, "lenet verify on the checkpoint");
    }
    cr_assert_eq(loaded, 25);
    /* saves take most of each step, so some of the 25 kills hit one */
    cr_assert_geq(mid_save, 1, "no kill landed inside a save: the test tested nothing");
    cr_log_info("%d of 25 kills landed inside a save", mid_save);
    /* a new run removes the temporaries the killed ones left */
    want(cli("train --data '%s' --epochs 1 --batch 16 --quiet --checkpoint '%s' --stop-after 1", dir, ck), 0,
         "a run after the kills");
    cr_assert_eq(count_tmp(ck), 0, "temporary files left next to %s", ck);
}

/* ---- defensive loading ---- */

/* A valid checkpoint of a short run, read into f. */
static void small_checkpoint(char *ck, ln_st_file *f)
{
    snprintf(ck, P, "%s", tmp_path("small.ckpt"));
    if (!exists(ck))
        want(cli("train --data '%s' %s --threads 1 --checkpoint '%s' --stop-after 3", data_dir(), RECIPE_A, ck), 0,
             "small checkpoint");
    cr_assert_eq(ln_st_read(ck, f), LN_OK, "%s", ln_last_error());
}

/* Write f's tensors (minus `drop`, plus `add`) and metadata (with key
 * `key` set to `value`, or removed if value is NULL) to a new file, with a
 * correct checksum so that the check under test is the one that fires. */
static const char *doctor(const ln_st_file *f, const char *drop, const ln_st_tensor *add, const char *key,
                          const char *value)
{
    static char path[P];
    static int n;
    char name[32];
    snprintf(name, sizeof name, "doctored%d.ckpt", n++);
    snprintf(path, sizeof path, "%s", tmp_path(name));
    ln_st_tensor t[160];
    ln_st_meta m[80];
    int nt = 0, nm = 0;
    for (int i = 0; i < f->ntensors; i++)
        if (!drop || strcmp(f->tensors[i].name, drop)) t[nt++] = f->tensors[i];
    if (add) t[nt++] = *add;
    int set = 0;
    for (int i = 0; i < f->nmeta; i++) {
        if (!strcmp(f->meta[i].key, LN_CRC_KEY) || !strcmp(f->meta[i].key, LN_FILE_CRC_KEY)) continue;
        if (key && !strcmp(f->meta[i].key, key)) {
            set = 1;
            if (value) m[nm++] = (ln_st_meta){key, value};
        } else {
            m[nm++] = f->meta[i];
        }
    }
    if (key && value && !set) m[nm++] = (ln_st_meta){key, value};
    cr_assert_eq(ln_st_write_crc(path, t, nt, m, nm, LN_CRC_KEY, LN_FILE_CRC_KEY), LN_OK, "%s", ln_last_error());
    return path;
}

static void refused(const char *path, const char *phrase)
{
    ln_net net;
    float *v;
    ln_train_state s;
    ln_status st = ln_checkpoint_load(path, &net, &v, &s);
    cr_assert_neq(st, LN_OK, "%s loaded; expected an error with \"%s\"", path, phrase);
    cr_assert_not_null(strstr(ln_last_error(), phrase), "error \"%s\" lacks \"%s\"", ln_last_error(), phrase);
    cr_assert_not_null(strstr(ln_last_error(), path), "error \"%s\" does not name the file", ln_last_error());
    cr_assert_null(strchr(ln_last_error(), '\n'), "error is more than one line");
    /* and through the CLI (once a test: the library's message is the
     * CLI's): exit 1, the same one line */
    static int through_cli;
    if (through_cli++) return;
    want(cli("train --resume '%s' --quiet", path), 1, "resume a bad checkpoint");
    want_text(phrase, "resume a bad checkpoint");
}

Test(resume_bad, doctored_checkpoints)
{
    char ck[P];
    ln_st_file f;
    small_checkpoint(ck, &f);
    refused(doctor(&f, "optim.velocity.conv2.weight", NULL, NULL, NULL), "optimizer tensors");
    refused(doctor(&f, "conv2.bias", NULL, NULL, NULL), "'conv2.bias' is missing");
    float z[4] = {0};
    ln_st_tensor extra = {.name = "stray", .ndim = 1, .shape = {4}, .data = z};
    refused(doctor(&f, NULL, &extra, NULL, NULL), "tensors");
    ln_st_tensor wrong = {.name = "optim.velocity.bogus", .ndim = 1, .shape = {4}, .data = z};
    refused(doctor(&f, "optim.velocity.fc2.bias", &wrong, NULL, NULL), "optim.velocity.fc2.bias");
    /* a spec that does not match the tensors: another model's layers */
    refused(doctor(&f, NULL, NULL, "spec", "conv 6 5x5 valid; tanh; flatten; dense classes; softmax"), "shape");
    refused(doctor(&f, NULL, NULL, "spec", "conv 6 5x5 bogus"), "spec");
    refused(doctor(&f, NULL, NULL, "kind", NULL), "not a checkpoint");
    refused(doctor(&f, NULL, NULL, "train.rng", NULL), "train.rng");
    refused(doctor(&f, NULL, NULL, "train.rng", "0123"), "train.rng");
    refused(doctor(&f, NULL, NULL, "train.step", "77"), "train.step");
    refused(doctor(&f, NULL, NULL, "train.epoch", "-1"), "train.epoch");
    refused(doctor(&f, NULL, NULL, "train.lr", "nan"), "train.lr");
    refused(doctor(&f, NULL, NULL, "train.batch", "16x"), "train.batch");
    refused(doctor(&f, NULL, NULL, "train.seen", "999999"), "train.seen");
    refused(doctor(&f, NULL, NULL, "input", "1,28"), "metadata");
    ln_st_free(&f);
}

Test(resume_bad, damaged_bytes)
{
    char ck[P], bad[P];
    ln_st_file f;
    small_checkpoint(ck, &f);
    ln_st_free(&f);
    size_t n;
    unsigned char *b = read_file(ck, &n);
    cr_assert_not_null(b);
    snprintf(bad, sizeof bad, "%s", tmp_path("flipped.ckpt"));
    b[n - 1000] ^= 0x10; /* one bit of a velocity tensor */
    cr_assert_eq(write_file(bad, b, n), 0);
    refused(bad, "checksum mismatch");
    b[n - 1000] ^= 0x10;
    /* every truncation is refused, never read past the end */
    for (size_t cut = 0; cut < n; cut += n / 37 + 1) {
        cr_assert_eq(write_file(bad, b, cut), 0);
        ln_net net;
        float *v;
        ln_train_state s;
        cr_assert_neq(ln_checkpoint_load(bad, &net, &v, &s), LN_OK, "truncated to %zu bytes loaded", cut);
    }
    free(b);
}

Test(resume_bad, model_file_is_not_a_checkpoint)
{
    char model[P];
    snprintf(model, sizeof model, "%s", tmp_path("plain.safetensors"));
    want(cli("train --data '%s' --epochs 1 --batch 16 --quiet --save '%s'", data_dir(), model), 0, "train");
    refused(model, "not a checkpoint");
    /* but a checkpoint is a model file: eval reads its weights */
    char ck[P];
    ln_st_file f;
    small_checkpoint(ck, &f);
    ln_st_free(&f);
    want(cli("eval --load '%s' --data '%s'", ck, data_dir()), 0, "eval --load a checkpoint");
}

Test(resume_bad, flags_and_other_data)
{
    char ck[P], other[P];
    ln_st_file f;
    small_checkpoint(ck, &f);
    ln_st_free(&f);
    want(cli("train --resume '%s' --lr 0.1", ck), 2, "--lr with --resume");
    want_text("--lr", "--lr with --resume");
    want(cli("train --resume '%s' --model lenet5-1998", ck), 1, "another model's flag");
    want_text("not --model lenet5-1998", "another model's flag");
    want(cli("train --resume '%s' --recipe seed", ck), 2, "another recipe");
    want_text("--recipe", "another recipe");
    /* the original command line with --resume added is accepted */
    char fin[P];
    snprintf(fin, sizeof fin, "%s", tmp_path("same_flags.safetensors"));
    want(cli("train --data '%s' %s --model lenet5 --lr 0.05 --seed 1 --resume '%s' --save '%s'", data_dir(), RECIPE_A,
             ck, fin),
         0, "the original flags plus --resume");
    want(cli("train --resume '%s' --epochs 0", ck), 2, "--epochs 0");
    want(cli("train --checkpoint-every 5"), 2, "--checkpoint-every without --checkpoint");
    want_text("--checkpoint", "--checkpoint-every without --checkpoint");
    want(cli("train --checkpoint x.ckpt --checkpoint-every often"), 2, "--checkpoint-every often");
    want_text("often", "--checkpoint-every often");
    want(cli("train --resume '%s' --save '%s'", ck, ck), 2, "--save onto the checkpoint");
    want_text("the checkpoint file", "--save onto the checkpoint");
    want(cli("train --checkpoint /nonexistent-dir/x.ckpt"), 2, "--checkpoint into a missing directory");
    want_text("/nonexistent-dir", "--checkpoint into a missing directory");
    /* the same checkpoint on other data: refused, naming both */
    snprintf(other, sizeof other, "%s", tmp_path("otherdata"));
    cr_assert_eq(write_mnist_dir(other, 200, 16, 8), 0);
    want(cli("train --resume '%s' --data '%s' --quiet", ck, other), 1, "resume on other data");
    want_text("not the same data", "resume on other data");
    want_text(ck, "resume on other data");
}
