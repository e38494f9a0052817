/* Hostile inputs and environments (issue 13, "Hardening"): data splits
 * that disagree in size, paths long enough to overflow fixed buffers, log
 * files that cannot be written, non-finite weights, saves that could only
 * fail after training (names that are not UTF-8 or too long, a read-only
 * directory), repeated flags, control characters in class names, help
 * texts drawn from the code's own model list, progress without a
 * terminal, class names from `predict --index`, folder layouts read
 * wrongly, symbolic links, and memory bombs. Each test names the defect
 * it guards; all run the CLI as a child process (argv, no shell, so
 * arguments may be far longer than a shell line built here). */
#define _DEFAULT_SOURCE /* wait4 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "io/checkpoint.h"
#include "io/model_file.h"
#include "nn/net.h"
#include "nn/spec.h"
#include "support.h"

#define OUT_CAP (1 << 17)
#define PATH_CAP 8192

static char out[OUT_CAP];
static long last_maxrss_kb; /* the last child's peak resident memory */

/* ---- running the CLI without a shell ---- */

typedef struct child_opts {
    const char *cwd;    /* run there (NULL: here) */
    const char *env;    /* "NAME=VALUE" added to the environment, or NULL */
    int as_nobody;      /* drop root to uid/gid 65534 first */
} child_opts;

/* Run lenet with the NULL-terminated args; stdout+stderr into `out`.
 * Returns the exit status, or 256 + the signal that killed it. */
static int run_argv(const child_opts *o, const char *const *args)
{
    int p[2];
    cr_assert_eq(pipe(p), 0);
    const char *argv[64] = {LENET_CLI};
    int n = 1;
    for (; args[n - 1]; n++) {
        cr_assert(n < 63, "too many arguments");
        argv[n] = args[n - 1];
    }
    argv[n] = NULL;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[1], 1), dup2(p[1], 2);
        close(p[0]), close(p[1]);
        if (o && o->env) {
            char kv[256];
            snprintf(kv, sizeof kv, "%s", o->env);
            char *eq = strchr(kv, '=');
            if (eq) *eq = 0, setenv(kv, eq + 1, 1);
        }
        if (o && o->cwd && chdir(o->cwd) != 0) _exit(126);
        if (o && o->as_nobody && geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) _exit(125);
        execv(LENET_CLI, (char *const *)argv);
        _exit(127);
    }
    close(p[1]);
    size_t len = 0;
    for (ssize_t r; (r = read(p[0], out + len, OUT_CAP - 1 - len)) > 0 || (r < 0 && errno == EINTR);)
        if (r > 0) len += (size_t)r;
    char sink[4096];
    while (read(p[0], sink, sizeof sink) > 0) {}
    close(p[0]);
    out[len] = 0;
    int st;
    struct rusage ru;
    while (wait4(pid, &st, 0, &ru) < 0) cr_assert_eq(errno, EINTR);
    last_maxrss_kb = ru.ru_maxrss;
    return WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 256 + WTERMSIG(st) : -1;
}

#define RUN(...) run_argv(NULL, (const char *const[]){__VA_ARGS__, NULL})
#define RUN_WITH(o, ...) run_argv(o, (const char *const[]){__VA_ARGS__, NULL})

static void want_rc(int rc, int want, const char *what)
{
    cr_assert_eq(rc, want, "%s: exit %d, expected %d; output:\n%.4000s", what, rc, want, out);
}

static void want_text(const char *phrase, const char *what)
{
    cr_assert_not_null(strstr(out, phrase), "%s: output lacks \"%.200s\"; output:\n%.4000s", what, phrase, out);
}

static void want_no_text(const char *phrase, const char *what)
{
    cr_assert_null(strstr(out, phrase), "%s: output has \"%.200s\"; output:\n%.4000s", what, phrase, out);
}

/* Every line of the output that starts "lenet" and holds "error words"
 * must be one line: no crash, no sanitizer report. */
static void want_clean(const char *what)
{
    want_no_text("AddressSanitizer", what);
    want_no_text("runtime error", what);
    want_no_text("LeakSanitizer", what);
}

static int exists(const char *path)
{
    struct stat sb;
    return lstat(path, &sb) == 0;
}

static char *path_dup(const char *name) { return strdup(tmp_path(name)); }

static void join(char *dst, const char *dir, const char *name)
{
    int n = snprintf(dst, PATH_CAP, "%s/%s", dir, name);
    cr_assert(n > 0 && n < PATH_CAP, "path too long");
}

/* ---- data fixtures ---- */

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

/* dir/<split>-images-idx3-ubyte with n images of side x side (labels too). */
static void write_idx_split(const char *dir, const char *split, int n, int side, uint64_t seed)
{
    size_t px = (size_t)n * side * side;
    uint8_t *img = malloc(16 + px), *lab = malloc(8 + (size_t)n);
    cr_assert(img && lab);
    put_be32(img, 0x803u), put_be32(img + 4, (uint32_t)n), put_be32(img + 8, (uint32_t)side),
        put_be32(img + 12, (uint32_t)side);
    put_be32(lab, 0x801u), put_be32(lab + 4, (uint32_t)n);
    for (size_t i = 0; i < px; i++) img[16 + i] = (uint8_t)((i * 2654435761u + seed) >> 13);
    for (int i = 0; i < n; i++) lab[8 + i] = (uint8_t)(i % 10);
    char p[PATH_CAP];
    snprintf(p, sizeof p, "%s/%s-images-idx3-ubyte", dir, split);
    cr_assert_eq(write_file(p, img, 16 + px), 0);
    snprintf(p, sizeof p, "%s/%s-labels-idx1-ubyte", dir, split);
    cr_assert_eq(write_file(p, lab, 8 + (size_t)n), 0);
    free(img), free(lab);
}

/* An MNIST-format directory: 64 training and 16 test images of 28x28. */
static char *small_mnist(const char *name)
{
    char *d = path_dup(name);
    cr_assert_eq(write_mnist_dir(d, 64, 16, 7), 0);
    return d;
}

/* A small JPEG of a smooth pattern at path. */
static void write_jpeg(const char *path, int side, uint64_t seed)
{
    uint8_t *px = malloc((size_t)side * side * 3);
    smooth_image(side, side, 3, seed, px);
    jpeg_spec js = {.w = side, .h = side, .comps = 3, .quality = 90};
    size_t len;
    uint8_t *j = make_jpeg(&js, px, &len);
    cr_assert_eq(write_file(path, j, len), 0, "%s", path);
    free(j), free(px);
}

/* dir/<class>/<k>.jpg for each class, `per` images each. */
static void write_class(const char *dir, const char *cls, int per)
{
    char d[PATH_CAP], f[PATH_CAP];
    join(d, dir, cls);
    cr_assert(mkdir(d, 0755) == 0 || errno == EEXIST, "%s", d);
    for (int k = 0; k < per; k++) {
        char name[32];
        snprintf(name, sizeof name, "%d.jpg", k);
        join(f, d, name);
        write_jpeg(f, 16, (uint64_t)k * 31 + strlen(cls));
    }
}

/* A 28x28 grayscale lenet5 model with 10 classes saved at path; `nan`
 * puts a NaN into fc1.weight; names (or NULL) become its class names. */
static void write_model(const char *path, int nan, char *const *names)
{
    ln_net net;
    cr_assert_eq(ln_net_build("lenet5", 1, 28, 28, 10, &net), LN_OK, "%s", ln_last_error());
    ln_net_init(&net, 1);
    if (nan) {
        for (int i = 0; i < net.nlayers; i++)
            if (!strcmp(net.layers[i].name, "fc1")) net.params[net.layers[i].w_off + 5] = NAN;
    }
    if (names) cr_assert_eq(ln_net_set_class_names(&net, names), LN_OK);
    cr_assert_eq(ln_net_save(&net, path), LN_OK, "%s", ln_last_error());
    ln_net_free(&net);
}

/* ---- 1: data pairs that disagree ---- */

/* Test images of another size than the training images overflowed the
 * heap in ln_load_chunk (larger) or gave wrong figures (smaller). */
Test(hostile, test_split_size_differs)
{
    for (int side = 200; side > 0; side = side == 200 ? 14 : 0) {
        char name[32];
        snprintf(name, sizeof name, "mixed%d", side);
        char *d = small_mnist(name);
        write_idx_split(d, "t10k", 5, side, 3);
        int rc = RUN("train", "--data", d, "--epochs", "1", "--batch", "16", "--threads", "1", "--quiet");
        want_rc(rc, 1, "train, t10k of another size");
        want_text("must agree", "train, t10k of another size");
        want_no_text("epoch 1/1", "train, t10k of another size");
        want_clean("train, t10k of another size");
        free(d);
    }
}

/* eval and predict: the model against the data it is run on. */
Test(hostile, model_data_size_differs)
{
    char *d = small_mnist("evalmix"), *m = path_dup("m28.safetensors");
    write_idx_split(d, "t10k", 5, 32, 3);
    write_model(m, 0, NULL);
    want_rc(RUN("eval", "--load", m, "--data", d, "--threads", "1"), 1, "eval, 32x32 data, 28x28 model");
    want_text("expects 1x28x28", "eval, 32x32 data, 28x28 model");
    want_rc(RUN("predict", "--load", m, "--data", d, "--index", "0"), 1, "predict --index, 32x32 data");
    want_clean("predict --index, 32x32 data");
    free(d), free(m);
}

/* ---- 2 and 8: long paths ---- */

/* A folder whose path is about `len` bytes long (components of 200). */
static char *deep_dir(const char *name, size_t len)
{
    char *p = malloc(PATH_CAP);
    snprintf(p, PATH_CAP, "%s", tmp_path(name));
    cr_assert(mkdir(p, 0755) == 0 || errno == EEXIST);
    char comp[201];
    memset(comp, 'd', 200), comp[200] = 0;
    while (strlen(p) + 201 < len) {
        strcat(p, "/"), strcat(p, comp);
        cr_assert(mkdir(p, 0755) == 0 || errno == EEXIST, "mkdir %zu bytes: %s", strlen(p), strerror(errno));
    }
    return p;
}

/* The resume hint for a stop with --save, --log and --checkpoint of about
 * 3.9 KB each (12 KB together) overflowed its stack buffer. */
Test(hostile, resume_hint_long_paths)
{
    char *d = small_mnist("hintdata"), *deep = deep_dir("hint", 3900);
    char save[PATH_CAP], log[PATH_CAP], ck[PATH_CAP];
    join(save, deep, "model.safetensors");
    join(log, deep, "log.jsonl");
    join(ck, deep, "run.ckpt");
    int rc = RUN("train", "--data", d, "--epochs", "2", "--batch", "8", "--threads", "1", "--quiet", "--stop-after",
                 "2", "--save", save, "--log", log, "--checkpoint", ck, "--checkpoint-every", "1");
    want_rc(rc, 0, "--stop-after with 4 KB paths");
    want_clean("--stop-after with 4 KB paths");
    want_text("resume with: lenet train --resume ", "--stop-after with 4 KB paths");
    char tail[PATH_CAP + 64];
    snprintf(tail, sizeof tail, " --log %s --checkpoint-every 1\n", log);
    want_text(tail, "the hint names every path in full");
    cr_assert(exists(ck), "the checkpoint was saved");
    free(d), free(deep);
}

/* A 12 KB --save of "./././..." passed the old check (its first 4 KB name
 * a writable folder), and the stop's resume hint then overflowed its stack
 * buffer: no path that long can be written, so it is refused up front. */
Test(hostile, save_path_12k)
{
    char *d = small_mnist("hint12k"), *ck = path_dup("hint12k.ckpt"), *log = path_dup("hint12k.jsonl");
    char *save = malloc(12300);
    size_t n = 0;
    while (n < 12000) memcpy(save + n, "./", 2), n += 2;
    snprintf(save + n, 12300 - n, "m.safetensors");
    int rc = RUN("train", "--data", d, "--epochs", "2", "--batch", "8", "--threads", "1", "--quiet", "--stop-after",
                 "1", "--checkpoint", ck, "--save", save, "--log", log);
    want_clean("--save of 12 KB");
    want_rc(rc, 2, "--save of 12 KB");
    want_text("name too long", "--save of 12 KB");
    free(d), free(ck), free(save), free(log);
}

/* A --save name that fits NAME_MAX but whose temporary name
 * (<name>.tmp.<pid>) does not failed only after training. */
Test(hostile, save_temp_name_too_long)
{
    char *d = small_mnist("longname");
    char name[256], save[PATH_CAP];
    memset(name, 'm', 250), name[250] = 0;
    join(save, tmp_path(""), name);
    int rc = RUN("train", "--data", d, "--epochs", "1", "--threads", "1", "--quiet", "--save", save);
    want_rc(rc, 2, "--save of 250 bytes");
    want_text("name too long", "--save of 250 bytes");
    want_no_text("epoch 1/1", "--save of 250 bytes: refused before training");
    /* and the checkpoint beside it (<save>.ckpt) is checked too */
    name[240] = 0;
    join(save, tmp_path(""), name);
    rc = RUN("train", "--data", d, "--epochs", "1", "--threads", "1", "--quiet", "--save", save);
    want_rc(rc, 2, "--save of 240 bytes: its default checkpoint's temporary is too long");
    want_text(".ckpt", "the message names the checkpoint");
    free(d);
}

/* A library message with a long path lost its reason to a 512-byte
 * buffer: the reason after a 3 KB path must survive. */
Test(hostile, long_error_not_cut)
{
    char p[PATH_CAP] = "/nonexistent-lenet";
    while (strlen(p) < 3000) strcat(p, "/abcdefghijklmnopqrstuvwxyz0123456789");
    strcat(p, "/model.safetensors");
    int rc = RUN("eval", "--load", p);
    want_rc(rc, 1, "eval --load, 3 KB missing path");
    want_text("No such file or directory\n", "the reason after a 3 KB path");
}

/* The default checkpoint (lenet.ckpt, where --stop-after and SIGTERM save)
 * in a directory lenet cannot write: refused before the first step, not
 * after it with the run lost. Run as uid 65534 when root, since root
 * writes anywhere. */
Test(hostile, default_checkpoint_unwritable)
{
    char *d = small_mnist("rodata"), *ro = path_dup("readonly");
    cr_assert_eq(mkdir(ro, 0555), 0);
    /* the test's folders must be reachable by uid 65534 */
    chmod(tmp_path(""), 0755), chmod(d, 0755);
    char f[PATH_CAP];
    join(f, d, "train-images-idx3-ubyte"), chmod(f, 0644);
    join(f, d, "train-labels-idx1-ubyte"), chmod(f, 0644);
    join(f, d, "t10k-images-idx3-ubyte"), chmod(f, 0644);
    join(f, d, "t10k-labels-idx1-ubyte"), chmod(f, 0644);
    child_opts o = {.cwd = ro, .as_nobody = 1};
    int rc = RUN_WITH(&o, "train", "--data", d, "--epochs", "1", "--batch", "8", "--threads", "1", "--quiet",
                      "--stop-after", "2");
    if (rc == 126 || rc == 125) cr_skip_test("cannot run as uid 65534 here");
    want_rc(rc, 2, "--stop-after in a read-only directory");
    want_text("lenet.ckpt", "the message names the checkpoint");
    want_text("--checkpoint FILE", "the message says how to choose another");
    want_no_text("epoch 1/1", "refused before training");
    free(d), free(ro);
}

/* A class folder whose name is not UTF-8 trained fully, then the model
 * could not be saved. */
Test(hostile, class_name_not_utf8)
{
    char *dir = path_dup("latin1");
    cr_assert_eq(mkdir(dir, 0755), 0);
    write_class(dir, "boot", 4);
    write_class(dir, "caf\xe9", 4);
    char *save = path_dup("latin1.safetensors");
    int rc = RUN("train", "--data", dir, "--epochs", "1", "--batch", "4", "--threads", "1", "--quiet", "--no-cache",
                 "--save", save);
    want_rc(rc, 1, "a class folder named in Latin-1");
    want_text("not valid UTF-8", "a class folder named in Latin-1");
    want_text("caf\\xe9", "the name is shown escaped");
    want_no_text("epoch 1/1", "refused before training");
    cr_assert(!exists(save));
    free(dir), free(save);
}

/* ---- 7: silent failures ---- */

/* --log /dev/full: every write fails; the run exited 0 with no log. The
 * finished run's model is still saved. */
Test(hostile, log_write_fails_last_epoch)
{
    char *d = small_mnist("fulllog"), *save = path_dup("full.safetensors");
    int rc = RUN("train", "--data", d, "--epochs", "1", "--batch", "16", "--threads", "1", "--quiet", "--log",
                 "/dev/full", "--save", save);
    want_rc(rc, 1, "--log /dev/full");
    want_text("--log /dev/full: cannot write: No space left on device", "--log /dev/full");
    cr_assert(exists(save), "the complete run's model is saved");
    free(d), free(save);
}

/* Before the last epoch: the run stops at the failure with a checkpoint
 * to resume from. */
Test(hostile, log_write_fails_mid_run)
{
    char *d = small_mnist("fulllog2"), *save = path_dup("full2.safetensors"), *ck = path_dup("full2.ckpt");
    int rc = RUN("train", "--data", d, "--epochs", "3", "--batch", "16", "--threads", "1", "--quiet", "--log",
                 "/dev/full", "--save", save, "--checkpoint", ck);
    want_rc(rc, 1, "--log /dev/full, 3 epochs");
    want_text("cannot write", "--log /dev/full, 3 epochs");
    want_text("resume with: lenet train --resume", "--log /dev/full, 3 epochs");
    want_no_text("epoch 2/3", "stopped after the first epoch");
    cr_assert(exists(ck), "checkpoint saved");
    cr_assert(!exists(save), "no model from an unfinished run");
    free(d), free(save), free(ck);
}

/* --log equal to --save or --checkpoint: one file clobbers the other. */
Test(hostile, log_is_save_or_checkpoint)
{
    char *x = path_dup("same.out"), *ck = path_dup("same.ckpt");
    want_rc(RUN("train", "--data", "/nonexistent", "--log", x, "--save", x), 2, "--log X --save X");
    want_text("--log", "--log X --save X");
    want_rc(RUN("train", "--data", "/nonexistent", "--log", ck, "--checkpoint", ck), 2, "--log X --checkpoint X");
    free(x), free(ck);
}

/* Non-finite weights passed verify, eval and predict (eval --json printed
 * `nan`, which is not JSON). */
Test(hostile, nonfinite_weights_refused)
{
    char *m = path_dup("bad.safetensors"), *img = path_dup("bad.jpg"), *d = small_mnist("baddata");
    write_model(m, 1, NULL);
    write_jpeg(img, 32, 1);
    want_rc(RUN("verify", m), 1, "verify, NaN weight");
    want_text("fc1.weight", "verify names the tensor");
    want_rc(RUN("eval", "--load", m, "--data", d, "--json"), 1, "eval, NaN weight");
    want_text("fc1.weight", "eval names the tensor");
    want_no_text(":nan", "eval prints no nan");
    want_rc(RUN("predict", "--load", m, img), 1, "predict FILE, NaN weight");
    want_rc(RUN("predict", "--load", m, "--data", d, "--index", "0"), 1, "predict --index, NaN weight");
    free(m), free(img), free(d);
}

/* A checkpoint whose momentum holds an infinity. */
Test(hostile, nonfinite_checkpoint_refused)
{
    char *d = small_mnist("infck"), *ck = path_dup("inf.ckpt");
    want_rc(RUN("train", "--data", d, "--epochs", "2", "--batch", "16", "--threads", "1", "--quiet", "--stop-after",
                "1", "--checkpoint", ck),
            0, "a checkpoint to doctor");
    ln_net net;
    float *v;
    ln_train_state st;
    cr_assert_eq(ln_checkpoint_load(ck, &net, &v, &st), LN_OK, "%s", ln_last_error());
    v[3] = INFINITY;
    cr_assert_eq(ln_checkpoint_save(ck, &net, v, &st), LN_OK, "%s", ln_last_error());
    free(v), ln_net_free(&net);
    want_rc(RUN("verify", ck), 1, "verify, infinite momentum");
    want_text("momentum of conv1.weight", "verify names the tensor");
    want_rc(RUN("train", "--resume", ck, "--threads", "1", "--quiet"), 1, "resume, infinite momentum");
    free(d), free(ck);
}

/* ---- 10: options ---- */

/* A repeated flag takes its last value: --recipe and --model took the
 * first while every other flag took the last. */
Test(hostile, repeated_flags_last_wins)
{
    char *d = small_mnist("repeat");
    int rc = RUN("train", "--data", d, "--epochs", "1", "--threads", "1", "--quiet", "--limit", "8", "--recipe",
                 "seed", "--recipe", "default", "--model", "lenet5-relu", "--model", "lenet5", "--epochs", "1");
    want_rc(rc, 0, "repeated --recipe and --model");
    want_text("model lenet5,", "the last --model");
    want_text("batch 64,", "the last --recipe (default: batch 64)");
    rc = RUN("train", "--data", d, "--epochs", "1", "--threads", "1", "--quiet", "--limit", "8", "--no-nesterov",
             "--nesterov");
    want_rc(rc, 0, "--no-nesterov --nesterov");
    want_text("nesterov,", "the later --nesterov wins");
    rc = RUN("train", "--data", d, "--epochs", "1", "--threads", "1", "--quiet", "--limit", "8", "--nesterov",
             "--no-nesterov");
    want_rc(rc, 0, "--nesterov --no-nesterov");
    want_no_text("nesterov,", "the later --no-nesterov wins");
    free(d);
}

/* Class names with control characters were printed raw (a terminal would
 * act on them). */
Test(hostile, class_names_escaped)
{
    char *m = path_dup("esc.safetensors"), *img = path_dup("esc.jpg");
    char *names[10] = {"zero", "one\x1b[2J", "two\r", "three", "four", "five", "six", "seven", "eight", "nine\x07"};
    write_model(m, 0, names);
    write_jpeg(img, 28, 2);
    int rc = RUN("predict", "--load", m, "--top", "10", img);
    want_rc(rc, 0, "predict with control characters in class names");
    cr_assert_null(strchr(out, 0x1b), "raw ESC printed:\n%s", out);
    cr_assert_null(strchr(out, '\r'), "raw CR printed");
    cr_assert_null(strchr(out, 0x07), "raw BEL printed");
    want_text("one\\x1b[2J", "ESC escaped");
    want_text("nine\\x07", "BEL escaped");
    free(m), free(img);
}

/* ---- newcomer items ---- */

/* --help of train and info lists every built-in model (lenet5-1998 was
 * missing): the lists come from the code's table. */
Test(hostile, help_lists_every_model)
{
    const char *cmds[] = {"train", "info"};
    for (int c = 0; c < 2; c++) {
        want_rc(RUN(cmds[c], "--help"), 0, cmds[c]);
        for (int i = 0; ln_spec_builtin_name(i); i++) want_text(ln_spec_builtin_name(i), cmds[c]);
    }
}

/* Without a terminal, a progress line every few seconds
 * (LENET_PROGRESS_SECONDS sets the interval). */
Test(hostile, progress_without_tty)
{
    char *d = small_mnist("progress");
    child_opts o = {.env = "LENET_PROGRESS_SECONDS=0.000001"};
    int rc = RUN_WITH(&o, "train", "--data", d, "--epochs", "1", "--batch", "8", "--threads", "1");
    want_rc(rc, 0, "train piped");
    want_text("epoch 1/1: 8/64 images", "a progress line");
    char *start = strstr(out, "lenet 0."), *line = strstr(out, "epoch 1/1:");
    cr_assert(start && line && start < line, "the start line comes first:\n%s", out);
    free(d);
}

/* predict --index printed "predicted class 9": Fashion-MNIST's classes
 * have names. */
Test(hostile, predict_index_names_fashion_classes)
{
    struct stat sb;
    if (stat(LN_DEFAULT_DATA_DIR, &sb) != 0) cr_skip_test("no " LN_DEFAULT_DATA_DIR);
    char *m = path_dup("fashion.safetensors");
    write_model(m, 0, NULL);
    int rc = RUN("predict", "--load", m, "--index", "0");
    want_rc(rc, 0, "predict --index 0");
    want_text("label Ankle boot", "the first test image is an ankle boot");
    want_text("class T-shirt/top:", "every class by name");
    free(m);
}

/* ---- 9: folder layouts and links ---- */

/* DIR/train + DIR/test (no val/) was read as two classes, "train" and
 * "test". */
Test(hostile, layout_train_test)
{
    char *dir = path_dup("trte"), p[PATH_CAP];
    cr_assert_eq(mkdir(dir, 0755), 0);
    const char *splits[] = {"train", "test"};
    for (int k = 0; k < 2; k++) {
        join(p, dir, splits[k]);
        cr_assert_eq(mkdir(p, 0755), 0);
        write_class(p, "ant", 2), write_class(p, "bee", 2), write_class(p, "cow", 2);
    }
    want_rc(RUN("verify", dir, "--threads", "1"), 0, "verify train/test");
    want_text("layout train/test, 3 classes", "test/ is the held-out split");
    /* a lone train/ beside class folders is refused, not read as a class */
    join(p, dir, "test");
    char q[PATH_CAP];
    join(q, dir, "cat");
    cr_assert_eq(rename(p, q), 0);
    want_rc(RUN("verify", dir, "--threads", "1"), 1, "verify train/ + cat/");
    want_text("may not be named train", "verify train/ + cat/");
    free(dir);
}

/* Links and special files inside a class: a link to a folder outside
 * (once /usr/share, read whole), a class linked into another (counted
 * twice), dangling and looping links, a FIFO, a link to a file outside;
 * only a link to a file inside the data folder is read. */
Test(hostile, links_inside_classes)
{
    char *dir = path_dup("links"), *outside = path_dup("outside"), p[PATH_CAP], t[PATH_CAP];
    cr_assert_eq(mkdir(dir, 0755), 0);
    cr_assert_eq(mkdir(outside, 0755), 0);
    write_class(dir, "a", 3), write_class(dir, "b", 3), write_class(outside, "x", 2);
    struct { const char *name, *target, *why; } links[] = {
        {"a/outdir", NULL, "symbolic link to a folder"},
        {"a/twin", "../b", "symbolic link to a folder"},
        {"a/dangling", "nowhere.jpg", "dangling symbolic link"},
        {"a/loop", "loop", "loops"},
        {"a/out.jpg", NULL, "out of the data folder"},
        {"a/in.jpg", "../b/0.jpg", NULL},
    };
    for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
        join(p, dir, links[i].name);
        if (!links[i].target) {
            join(t, outside, i == 0 ? "x" : "x/0.jpg");
            cr_assert_eq(symlink(t, p), 0);
        } else {
            cr_assert_eq(symlink(links[i].target, p), 0);
        }
    }
    join(p, dir, "a/fifo");
    cr_assert_eq(mkfifo(p, 0644), 0);
    int rc = RUN("verify", dir, "--threads", "1");
    want_rc(rc, 0, "verify, links");
    want_clean("verify, links");
    for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
        if (!links[i].why) continue;
        char line[PATH_CAP + 32];
        join(p, dir, links[i].name);
        snprintf(line, sizeof line, "skipped %s: ", p);
        want_text(line, links[i].name);
        want_text(links[i].why, links[i].name);
    }
    want_text("a FIFO", "the FIFO is reported");
    want_text("  a                         4 images", "a: its 3 images and in.jpg");
    want_text("  b                         3 images", "b: counted once");
    free(dir), free(outside);
}

/* A class folder name with control characters, as verify lists it. */
Test(hostile, verify_escapes_class_names)
{
    char *dir = path_dup("ctrl");
    cr_assert_eq(mkdir(dir, 0755), 0);
    write_class(dir, "red\x1b[31m", 2), write_class(dir, "plain", 2);
    want_rc(RUN("verify", dir, "--threads", "1"), 0, "verify, ESC in a class name");
    cr_assert_null(strchr(out, 0x1b), "raw ESC printed:\n%s", out);
    want_text("red\\x1b[31m", "ESC escaped");
    free(dir);
}

/* ---- 11: memory bombs ---- */

/* A progressive JPEG whose header claims 20000 x 20000: libjpeg would
 * hold every coefficient of the full image (2.4 GB) to decode it at
 * 1/8. Refused from its header, in little memory. */
Test(hostile, progressive_jpeg_bomb)
{
    uint8_t px[64 * 64 * 3];
    smooth_image(64, 64, 3, 5, px);
    jpeg_spec js = {.w = 64, .h = 64, .comps = 3, .quality = 90, .hsamp = 1, .vsamp = 1, .progressive = 1};
    size_t len;
    uint8_t *j = make_jpeg(&js, px, &len);
    size_t sof = 0;
    for (size_t i = 2; i + 9 < len && !sof; i++)
        if (j[i] == 0xFF && j[i + 1] == 0xC2) sof = i;
    cr_assert(sof, "no SOF2 marker");
    j[sof + 5] = 20000 >> 8, j[sof + 6] = 20000 & 255, j[sof + 7] = 20000 >> 8, j[sof + 8] = 20000 & 255;
    char *img = path_dup("bomb.jpg"), *m = path_dup("bomb.safetensors");
    cr_assert_eq(write_file(img, j, len), 0);
    free(j);
    write_model(m, 0, NULL);
    int rc = RUN("predict", "--load", m, img);
    want_rc(rc, 1, "predict, 20000x20000 progressive");
    want_text("too large to decode", "predict, 20000x20000 progressive");
    want_clean("predict, 20000x20000 progressive");
    cr_assert_lt(last_maxrss_kb, 300 * 1024, "peak memory %ld KB", last_maxrss_kb);
    free(img), free(m);
}

/* A 1000 MB file that is not an image, in a class folder, was read whole
 * to sniff its type; so was one named like an image. Only their first
 * bytes are read now. (Sparse files: no disk space used.) */
Test(hostile, huge_non_image_file)
{
    char *dir = path_dup("huge"), p[PATH_CAP];
    cr_assert_eq(mkdir(dir, 0755), 0);
    write_class(dir, "a", 2), write_class(dir, "b", 2);
    const char *names[] = {"a/blob.bin", "b/zeros.jpg"};
    for (int i = 0; i < 2; i++) {
        join(p, dir, names[i]);
        int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        cr_assert(fd >= 0);
        cr_assert_eq(ftruncate(fd, (off_t)1000 << 20), 0);
        close(fd);
    }
    int rc = RUN("verify", dir, "--threads", "1");
    want_rc(rc, 1, "verify, 1000 MB files");
    want_text("zeros.jpg: not a JPEG", "the one named like an image is bad");
    want_text("1 ignored", "the other is ignored");
    cr_assert_lt(last_maxrss_kb, 200 * 1024, "peak memory %ld KB", last_maxrss_kb);
    free(dir);
}
