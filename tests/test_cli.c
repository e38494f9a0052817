/* The lenet command-line tool, run as a separate process: --help and
 * --version, every kind of bad flag value (exit 2, message names the flag),
 * data errors on small MNIST-format directories written here (exit 1,
 * message names the file, no --save output left behind), a tiny training
 * run with its model file and JSON log, eval/predict on that model,
 * eval's confusion matrix (JSON and terminal) consistent with its
 * accuracy, a NaN loss that must leave an existing --save file untouched,
 * models byte-identical across thread counts, and `info` parameter
 * counts. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/json.h"
#include "support.h"

#define OUT_CAP 65536
#define PATH_CAP 1024
#define TRAIN_N 40u
#define TEST_N 20u
#define SIDE 28u
/* A data directory that does not exist: a usage check that failed to
 * fire would then end fast with exit 1 instead of training for minutes. */
#define NO_DATA "/nonexistent-lenet-test-data"

static char out[OUT_CAP];

/* ---- running the CLI ---- */

/* Format the arguments, run the CLI, capture stdout+stderr into `out`. */
#define cli(...) run_clif(out, sizeof out, __VA_ARGS__)

static void want_rc(int rc, int want, const char *what)
{
    cr_assert_eq(rc, want, "%s: exit %d, expected %d; output:\n%s", what, rc, want, out);
}

static void want_text(const char *phrase, const char *what)
{
    cr_assert_not_null(strstr(out, phrase), "%s: output lacks \"%s\"; output:\n%s", what, phrase, out);
}

static void want_no_text(const char *phrase, const char *what)
{
    cr_assert_null(strstr(out, phrase), "%s: output has \"%s\"; output:\n%s", what, phrase, out);
}

/* Run `args` expecting exit `rc` and each non-NULL phrase in the output. */
static void expect(int rc, const char *args, const char *p1, const char *p2, const char *p3)
{
    int got = cli("%s", args);
    want_rc(got, rc, args);
    if (p1) want_text(p1, args);
    if (p2) want_text(p2, args);
    if (p3) want_text(p3, args);
}

/* ---- files ---- */

static void path_of(char *dst, const char *name)
{
    snprintf(dst, PATH_CAP, "%s", tmp_path(name));
}

/* dst = dir/name (dst holds PATH_CAP bytes). */
static void join(char *dst, const char *dir, const char *name)
{
    int n = snprintf(dst, PATH_CAP, "%s/%s", dir, name);
    cr_assert(n > 0 && n < PATH_CAP, "path too long: %s/%s", dir, name);
}

static int exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* Number of entries (besides . and ..) in a directory. */
static int dir_entries(const char *dir)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "cannot open %s", dir);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) n++;
    closedir(d);
    return n;
}

/* A fresh empty directory for --save output, to check nothing is left. */
static void make_out_dir(char *dir, const char *name)
{
    path_of(dir, name);
    cr_assert_eq(mkdir(dir, 0700), 0, "cannot create %s", dir);
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

typedef enum {
    CORRUPT_NONE,
    CORRUPT_MAGIC,     /* train images: idx1 magic instead of idx3 */
    CORRUPT_TRUNCATED, /* train images: last 100 bytes missing */
    CORRUPT_GZ_CRC,    /* train images gzipped, CRC-32 trailer damaged */
    CORRUPT_LABEL,     /* t10k labels: a label 12 */
    CORRUPT_COUNT,     /* train labels: one label fewer than images */
} corruption;

/* Write one split: n random 28x28 images and labels i % 10. Returns in
 * `bad` the path of the file `how` damaged, if it is in this split. */
static void write_split(const char *dir, const char *split, uint32_t n, corruption how, char *bad)
{
    static uint32_t seed = 12345u;
    size_t ilen = 16 + (size_t)n * SIDE * SIDE, llen = 8 + (size_t)n;
    uint8_t *img = malloc(ilen), *lab = malloc(llen);
    cr_assert(img && lab);
    put_be32(img, 0x00000803u);
    put_be32(img + 4, n);
    put_be32(img + 8, SIDE);
    put_be32(img + 12, SIDE);
    for (size_t i = 16; i < ilen; i++) {
        seed = seed * 1664525u + 1013904223u;
        img[i] = (uint8_t)(seed >> 24);
    }
    put_be32(lab, 0x00000801u);
    put_be32(lab + 4, n);
    for (uint32_t i = 0; i < n; i++) lab[8 + i] = (uint8_t)(i % 10);

    int train = strcmp(split, "train") == 0;
    char ipath[PATH_CAP], lpath[PATH_CAP];
    snprintf(ipath, sizeof ipath, "%s/%s-images-idx3-ubyte", dir, split);
    snprintf(lpath, sizeof lpath, "%s/%s-labels-idx1-ubyte", dir, split);
    if (train && how == CORRUPT_MAGIC) put_be32(img, 0x00000801u);
    if (train && how == CORRUPT_TRUNCATED) ilen -= 100;
    if (train && how == CORRUPT_COUNT) llen -= 1, put_be32(lab + 4, n - 1);
    if (!train && how == CORRUPT_LABEL) lab[8 + 5] = 12;

    if (train && how == CORRUPT_GZ_CRC) {
        strcat(ipath, ".gz");
        cr_assert_eq(write_gz(ipath, img, ilen), 0);
        size_t glen;
        uint8_t *g = read_file(ipath, &glen);
        cr_assert(g && glen > 8);
        g[glen - 8] ^= 0xff; /* first byte of the CRC-32 trailer */
        cr_assert_eq(write_file(ipath, g, glen), 0);
        free(g);
    } else {
        cr_assert_eq(write_file(ipath, img, ilen), 0, "cannot write %s", ipath);
    }
    cr_assert_eq(write_file(lpath, lab, llen), 0, "cannot write %s", lpath);

    if (bad) {
        if (train && (how == CORRUPT_MAGIC || how == CORRUPT_TRUNCATED || how == CORRUPT_GZ_CRC))
            snprintf(bad, PATH_CAP, "%s", ipath);
        if ((train && how == CORRUPT_COUNT) || (!train && how == CORRUPT_LABEL)) snprintf(bad, PATH_CAP, "%s", lpath);
    }
    free(img);
    free(lab);
}

/* A directory with 40 train / 20 test images, damaged as `how` says; `bad`
 * (may be NULL) receives the path of the damaged file. */
static void make_data(char *dir, const char *name, corruption how, char *bad)
{
    path_of(dir, name);
    cr_assert_eq(mkdir(dir, 0700), 0, "cannot create %s", dir);
    if (bad) bad[0] = 0;
    write_split(dir, "train", TRAIN_N, how, bad);
    write_split(dir, "t10k", TEST_N, how, bad);
}

/* Train one epoch on the tiny set into `model`. */
static void train_tiny(const char *data, const char *model, int threads)
{
    int rc = cli("train --data '%s' --epochs 1 --batch 8 --threads %d --save '%s' --quiet", data, threads, model);
    want_rc(rc, 0, "train_tiny");
    cr_assert(exists(model), "train did not write %s", model);
}

/* ---- help, version, commands ---- */

Test(cli, help_top)
{
    expect(0, "--help", "usage: lenet COMMAND", "train", "predict");
    want_text("info", "--help");
    expect(0, "-h", "usage: lenet COMMAND", NULL, NULL);
}

Test(cli, help_train)
{
    expect(0, "train --help", "usage: lenet train", "--epochs", "--batch");
    const char *opts[] = {"--lr", "--momentum", "--schedule", "--threads", "--save", "--log", "--kernels",
                          "--model", "--data", "--quiet", "--help"};
    for (size_t i = 0; i < sizeof opts / sizeof *opts; i++) want_text(opts[i], "train --help");
}

Test(cli, help_eval)
{
    expect(0, "eval --help", "usage: lenet eval", "--load", "--data");
    want_text("--json", "eval --help");
    want_text("--threads", "eval --help");
}

Test(cli, help_predict)
{
    expect(0, "predict --help", "usage: lenet predict", "--load", "--index");
    want_text("--data", "predict --help");
}

Test(cli, help_info)
{
    expect(0, "info --help", "usage: lenet info", "--channels", "--json");
    want_text("--model", "info --help");
}

Test(cli, no_args_is_usage_error)
{
    expect(2, "", "usage: lenet COMMAND", NULL, NULL);
}

Test(cli, unknown_command)
{
    expect(2, "frobnicate", "unknown command", "'frobnicate'", NULL);
}

Test(cli, version)
{
    expect(0, "--version", "lenet ", NULL, NULL);
    cr_assert_eq(strncmp(out, "lenet ", 6), 0, "output:\n%s", out);
    cr_assert(out[6] >= '0' && out[6] <= '9' && strchr(out + 6, '.'), "no version number:\n%s", out);
}

/* ---- bad flag values: exit 2, message names the flag ---- */

Test(cli, batch_zero)
{
    expect(2, "train --data " NO_DATA " --batch 0", "--batch", "out of range", NULL);
}

Test(cli, lr_negative)
{
    expect(2, "train --data " NO_DATA " --lr -1", "--lr", "out of range", NULL);
}

Test(cli, epochs_not_integer)
{
    expect(2, "train --data " NO_DATA " --epochs x", "--epochs", "'x' is not an integer", NULL);
}

Test(cli, epochs_missing_value)
{
    expect(2, "train --data " NO_DATA " --epochs", "--epochs", "needs a value", NULL);
}

Test(cli, unknown_flag)
{
    expect(2, "train --data " NO_DATA " --foo", "unknown option", "--foo", NULL);
    expect(2, "eval --foo", "unknown option", "--foo", NULL);
    expect(2, "info --foo", "unknown option", "--foo", NULL);
}

Test(cli, threads_zero)
{
    expect(2, "train --data " NO_DATA " --threads 0", "--threads", "out of range", NULL);
}

Test(cli, schedule_bogus)
{
    expect(2, "train --data " NO_DATA " --schedule bogus", "--schedule", "'bogus'", NULL);
}

Test(cli, model_nope)
{
    expect(2, "train --data " NO_DATA " --model nope", "--model", "'nope' is neither a built-in model", NULL);
    expect(2, "info --model nope", "--model", "'nope' is neither a built-in model", NULL);
}

Test(cli, kernels_bogus)
{
    expect(2, "train --data " NO_DATA " --kernels bogus", "--kernels", "unknown kernel set 'bogus'", NULL);
}

Test(cli, kernels_unavailable)
{
#if defined(__x86_64__) || defined(__i386__)
    expect(2, "train --data " NO_DATA " --kernels neon", "--kernels", "'neon'", "not available");
#else
    cr_skip_test("neon is not foreign on this architecture");
#endif
}

Test(cli, kernels_env_bogus)
{
    cr_assert_eq(setenv("LENET_KERNELS", "bogus", 1), 0);
    expect(2, "info", "LENET_KERNELS", "unknown kernel set 'bogus'", NULL);
    expect(2, "train --data " NO_DATA, "LENET_KERNELS", "'bogus'", NULL);
    unsetenv("LENET_KERNELS");
}

Test(cli, save_into_missing_dir)
{
    char data[PATH_CAP], model[PATH_CAP];
    make_data(data, "data", CORRUPT_NONE, NULL);
    path_of(model, "no-such-dir/model.safetensors");
    int rc = cli("train --data '%s' --epochs 1 --batch 8 --threads 1 --save '%s' --quiet", data, model);
    want_rc(rc, 2, "--save into a missing directory");
    want_text("--save", "--save into a missing directory");
    want_text(model, "--save into a missing directory");
    want_no_text("epoch", "--save into a missing directory"); /* failed before training */
    cr_assert(!exists(model));
}

Test(cli, save_onto_directory)
{
    char data[PATH_CAP], odir[PATH_CAP];
    make_data(data, "data", CORRUPT_NONE, NULL);
    make_out_dir(odir, "out");
    int rc = cli("train --data '%s' --epochs 1 --batch 8 --threads 1 --save '%s' --quiet", data, odir);
    want_rc(rc, 2, "--save onto a directory");
    want_text("--save", "--save onto a directory");
    want_text(odir, "--save onto a directory");
    want_text("is a directory", "--save onto a directory");
    want_no_text("epoch", "--save onto a directory"); /* failed before training */
    cr_assert_eq(dir_entries(odir), 0);
}

Test(cli, recipes_set_defaults_flags_override)
{
    char data[PATH_CAP];
    make_data(data, "data", CORRUPT_NONE, NULL);
    int rc = cli("train --data '%s' --recipe seed --epochs 1 --threads 1 --quiet", data);
    want_rc(rc, 0, "--recipe seed");
    want_text("batch 32, 1 epochs, SGD lr 0.01 constant, momentum 0, weight decay 0 |", "--recipe seed");
    rc = cli("train --data '%s' --epochs 1 --batch 8 --no-nesterov --threads 1 --quiet", data);
    want_rc(rc, 0, "default recipe");
    want_text("batch 8, 1 epochs, SGD lr 0.05 cosine, momentum 0.9, weight decay 0.0005 |", "default recipe");
    rc = cli("train --data '%s' --recipe keras --quiet", data);
    want_rc(rc, 2, "--recipe keras");
    want_text("--recipe", "--recipe keras");
}

Test(cli, log_unwritable_fails_before_training)
{
    char data[PATH_CAP], odir[PATH_CAP], log[PATH_CAP + 32];
    make_data(data, "data", CORRUPT_NONE, NULL);
    make_out_dir(odir, "out");
    snprintf(log, sizeof log, "%s/missing/run.jsonl", odir);
    int rc = cli("train --data '%s' --epochs 1 --batch 8 --threads 1 --log '%s' --quiet", data, log);
    want_rc(rc, 2, "--log into a missing directory");
    want_text("--log", "--log into a missing directory");
    want_text(log, "--log into a missing directory");
    want_no_text("epoch", "--log into a missing directory");
    rc = cli("train --data '%s' --epochs 1 --batch 8 --threads 1 --log '%s' --quiet", data, odir);
    want_rc(rc, 2, "--log onto a directory");
    want_text("is a directory", "--log onto a directory");
    cr_assert_eq(dir_entries(odir), 0);
}

/* ---- data errors: exit 1, message names the file, no --save output ---- */

/* Train on a damaged directory with --save into an empty directory. */
static void expect_data_error(corruption how, const char *name, const char *phrase)
{
    char data[PATH_CAP], bad[PATH_CAP], odir[PATH_CAP], model[PATH_CAP];
    make_data(data, name, how, bad);
    cr_assert(bad[0], "helper named no damaged file");
    make_out_dir(odir, "out");
    join(model, odir, "model.safetensors");
    int rc = cli("train --data '%s' --epochs 1 --batch 8 --threads 1 --save '%s' --quiet", data, model);
    want_rc(rc, 1, name);
    want_text(bad, name);
    if (phrase) want_text(phrase, name);
    want_no_text("epoch ", name);
    cr_assert(!exists(model), "%s: %s exists after a failed run", name, model);
    cr_assert_eq(dir_entries(odir), 0, "%s: files left in %s", name, odir);
}

Test(cli, data_dir_missing)
{
    char data[PATH_CAP], odir[PATH_CAP], model[PATH_CAP];
    path_of(data, "no-such-data");
    make_out_dir(odir, "out");
    join(model, odir, "model.safetensors");
    int rc = cli("train --data '%s' --epochs 1 --save '%s' --quiet", data, model);
    want_rc(rc, 1, "missing data dir");
    want_text(data, "missing data dir");
    want_text("does not exist", "missing data dir");
    want_text("dataset-fashion-mnist", "missing data dir");
    cr_assert_eq(dir_entries(odir), 0);

    rc = cli("eval --load '%s' --data '%s'", model, data);
    want_rc(rc, 1, "eval, missing model");
}

Test(cli, data_file_missing)
{
    char data[PATH_CAP], victim[PATH_CAP];
    make_data(data, "data", CORRUPT_NONE, NULL);
    join(victim, data, "t10k-labels-idx1-ubyte");
    cr_assert_eq(unlink(victim), 0);
    int rc = cli("train --data '%s' --epochs 1 --quiet", data);
    want_rc(rc, 1, "missing labels file");
    want_text("t10k-labels-idx1-ubyte", "missing labels file");
    want_text("no such file", "missing labels file");
}

Test(cli, data_bad_magic)
{
    expect_data_error(CORRUPT_MAGIC, "magic", "bad magic");
}

Test(cli, data_truncated)
{
    expect_data_error(CORRUPT_TRUNCATED, "truncated", "truncated");
}

Test(cli, data_gzip_crc)
{
    expect_data_error(CORRUPT_GZ_CRC, "gzcrc", "corrupt");
}

Test(cli, data_label_out_of_range)
{
    expect_data_error(CORRUPT_LABEL, "label", "label 12");
}

Test(cli, data_count_mismatch)
{
    expect_data_error(CORRUPT_COUNT, "count", "counts must match");
}

Test(cli, eval_data_error_names_file)
{
    char data[PATH_CAP], bad[PATH_CAP], model[PATH_CAP];
    make_data(data, "good", CORRUPT_NONE, NULL);
    path_of(model, "m.safetensors");
    train_tiny(data, model, 1);
    make_data(data, "label", CORRUPT_LABEL, bad);
    int rc = cli("eval --load '%s' --data '%s'", model, data);
    want_rc(rc, 1, "eval on bad labels");
    want_text(bad, "eval on bad labels");
    rc = cli("predict --load '%s' --index 0 --data '%s'", model, data);
    want_rc(rc, 1, "predict on bad labels");
    want_text(bad, "predict on bad labels");
}

/* ---- a tiny successful run and using its model ---- */

Test(cli, train_tiny_run)
{
    char data[PATH_CAP], model[PATH_CAP], log[PATH_CAP];
    make_data(data, "data", CORRUPT_NONE, NULL);
    path_of(model, "m.safetensors");
    path_of(log, "log.jsonl");
    int rc = cli("train --data '%s' --epochs 1 --batch 8 --threads 1 --save '%s' --log '%s' --quiet", data,
                 model, log);
    want_rc(rc, 0, "train");
    want_text("epoch 1/1", "train");
    want_text("saved", "train");

    size_t len;
    unsigned char *m = read_file(model, &len);
    cr_assert_not_null(m, "no model file %s", model);
    cr_assert_gt(len, 8);
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--) hlen = hlen << 8 | m[i];
    cr_assert(hlen >= 2 && hlen <= len - 8, "header length %llu, file %zu bytes", (unsigned long long)hlen, len);
    cr_assert_eq(m[8], '{', "header is not a JSON object");
    cr_assert_eq(len - 8 - hlen, 545546 * 4, "payload is not 545,546 floats");
    free(m);

    unsigned char *l = read_file(log, &len);
    cr_assert_not_null(l, "no log file %s", log);
    char *text = malloc(len + 1);
    cr_assert_not_null(text);
    memcpy(text, l, len);
    text[len] = 0;
    free(l);
    cr_assert(len > 0 && text[len - 1] == '\n', "log does not end in a newline:\n%s", text);
    /* the run's line, the one epoch's, the end's */
    int lines = 0;
    for (size_t i = 0; i < len; i++) lines += text[i] == '\n';
    cr_assert_eq(lines, 3, "log is not run + 1 epoch + end:\n%s", text);
    cr_assert(!strncmp(text, "{\"run\":{", 8) && strstr(text, "\n{\"epoch\":1,") && strstr(text, "\n{\"end\":{"),
              "log lines:\n%s", text);
    const char *keys[] = {"\"epoch\"", "\"train_loss\"", "\"test_acc\"", "\"img_per_s\"", "\"seconds\""};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        cr_assert_not_null(strstr(text, keys[i]), "log lacks %s:\n%s", keys[i], text);
    cr_assert_eq(text[0], '{', "log line is not a JSON object:\n%s", text);
    free(text);
}

Test(cli, eval_and_predict)
{
    char data[PATH_CAP], model[PATH_CAP];
    make_data(data, "data", CORRUPT_NONE, NULL);
    path_of(model, "m.safetensors");
    train_tiny(data, model, 1);

    int rc = cli("eval --load '%s' --data '%s' --json --threads 1", model, data);
    want_rc(rc, 0, "eval --json");
    want_text("\"test_acc\":", "eval --json");
    want_text("\"images\":20", "eval --json");

    rc = cli("eval --load '%s' --data '%s'", model, data);
    want_rc(rc, 0, "eval");
    want_text("accuracy", "eval");

    rc = cli("predict --load '%s' --index 3 --data '%s'", model, data);
    want_rc(rc, 0, "predict");
    want_text("predicted class", "predict");
    want_text("label 3", "predict");

    rc = cli("predict --load '%s' --index 99999 --data '%s'", model, data);
    want_rc(rc, 2, "predict --index 99999");
    want_text("--index", "predict --index 99999");
    want_text("out of range", "predict --index 99999");
}

Test(cli, predict_requires_flags)
{
    expect(2, "predict --index 0 --data " NO_DATA, "--load", "required", NULL);
    expect(2, "predict --load x --data " NO_DATA, "--index", "required", NULL);
}

Test(cli, eval_requires_load)
{
    expect(2, "eval --data " NO_DATA, "--load", "required", NULL);
}

Test(cli, eval_missing_model)
{
    char data[PATH_CAP];
    make_data(data, "data", CORRUPT_NONE, NULL);
    int rc = cli("eval --load /nonexistent/model.safetensors --data '%s'", data);
    want_rc(rc, 1, "eval --load /nonexistent");
    want_text("/nonexistent/model.safetensors", "eval --load /nonexistent");
}

Test(cli, eval_truncated_model)
{
    char data[PATH_CAP], model[PATH_CAP], cut[PATH_CAP];
    make_data(data, "data", CORRUPT_NONE, NULL);
    path_of(model, "m.safetensors");
    path_of(cut, "cut.safetensors");
    train_tiny(data, model, 1);
    size_t len;
    unsigned char *m = read_file(model, &len);
    cr_assert_not_null(m);
    cr_assert_eq(write_file(cut, m, len / 2), 0);
    free(m);
    int rc = cli("eval --load '%s' --data '%s'", cut, data);
    want_rc(rc, 1, "eval on a truncated model");
    want_text(cut, "eval on a truncated model");
}

/* ---- eval's confusion matrix ---- */

static double json_number(const ln_json *v, const char *what)
{
    cr_assert_not_null(v, "no %s", what);
    cr_assert(v->type == LN_JSON_NUMBER || v->type == LN_JSON_INT, "%s is %s", what, ln_json_type_name(v->type));
    return v->type == LN_JSON_INT ? (double)v->u.integer : v->u.number;
}

/* The matrix sums to the images, its diagonal over them is the accuracy,
 * and each class's figures follow from its row and column. */
Test(cli, eval_confusion_json)
{
    char data[PATH_CAP], model[PATH_CAP];
    make_data(data, "data", CORRUPT_NONE, NULL);
    path_of(model, "m.safetensors");
    train_tiny(data, model, 1);
    int rc = cli("eval --load '%s' --data '%s' --json --threads 1", model, data);
    want_rc(rc, 0, "eval --json");
    ln_json *root;
    char err[256];
    cr_assert_eq(ln_json_parse(out, strlen(out), &root, err, sizeof err), LN_OK, "not JSON (%s):\n%s", err, out);
    double n = json_number(ln_json_get(root, "images"), "images"), acc = json_number(ln_json_get(root, "test_acc"), "acc");
    cr_assert_eq(n, TEST_N);
    const ln_json *cm = ln_json_get(root, "confusion"), *pc = ln_json_get(root, "per_class");
    const ln_json *names = ln_json_get(root, "classes");
    cr_assert(cm && cm->type == LN_JSON_ARRAY && cm->u.list.n == 10, "confusion is not 10 rows:\n%s", out);
    cr_assert(pc && pc->type == LN_JSON_ARRAY && pc->u.list.n == 10, "per_class is not 10 entries:\n%s", out);
    cr_assert(names && names->type == LN_JSON_ARRAY && names->u.list.n == 10, "classes is not 10 names:\n%s", out);
    long m[10][10], total = 0, diag = 0, col[10] = {0}, row[10] = {0};
    for (int i = 0; i < 10; i++) {
        const ln_json *r = &cm->u.list.items[i];
        cr_assert(r->type == LN_JSON_ARRAY && r->u.list.n == 10, "row %d is not 10 counts", i);
        for (int j = 0; j < 10; j++) {
            const ln_json *v = &r->u.list.items[j];
            cr_assert_eq(v->type, LN_JSON_INT, "count [%d][%d] is not an integer", i, j);
            m[i][j] = (long)v->u.integer;
            total += m[i][j], row[i] += m[i][j], col[j] += m[i][j];
        }
        diag += m[i][i];
        cr_assert_eq(row[i], TEST_N / 10, "class %d: %ld images, the data has %u", i, row[i], TEST_N / 10);
    }
    cr_assert_eq(total, (long)n, "the matrix sums to %ld, not %g images", total, n);
    cr_assert(fabs((double)diag / n - acc) < 1e-6, "diagonal %ld / %g != accuracy %g", diag, n, acc);
    for (int c = 0; c < 10; c++) {
        const ln_json *e = &pc->u.list.items[c], *p = ln_json_get(e, "precision"), *r = ln_json_get(e, "recall");
        const ln_json *f = ln_json_get(e, "f1"), *cls = ln_json_get(e, "class");
        const ln_json *name = &names->u.list.items[c];
        cr_assert(cls && cls->type == LN_JSON_STRING && name->type == LN_JSON_STRING && !strcmp(cls->u.str.s, name->u.str.s),
                  "per_class[%d] names another class", c);
        cr_assert_eq(json_number(ln_json_get(e, "support"), "support"), row[c]);
        double want_r = (double)m[c][c] / row[c];
        cr_assert(fabs(json_number(r, "recall") - want_r) < 1e-6, "class %d: recall", c);
        if (!col[c]) {
            cr_assert(p && p->type == LN_JSON_NULL, "class %d: precision of a class never predicted is not null", c);
            cr_assert(f && f->type == LN_JSON_NULL, "class %d: F1 without a precision is not null", c);
            continue;
        }
        double want_p = (double)m[c][c] / col[c], pp = json_number(p, "precision");
        cr_assert(fabs(pp - want_p) < 1e-6, "class %d: precision %g, want %g", c, pp, want_p);
        double want_f = want_p + want_r > 0 ? 2 * want_p * want_r / (want_p + want_r) : 0.0;
        cr_assert(fabs(json_number(f, "f1") - want_f) < 1e-6, "class %d: F1", c);
    }
    ln_json_free(root);
}

/* The terminal's matrix: rows "N NAME count...", summing to the images,
 * its diagonal the printed accuracy. */
Test(cli, eval_confusion_text)
{
    char data[PATH_CAP], model[PATH_CAP];
    make_data(data, "data", CORRUPT_NONE, NULL);
    path_of(model, "m.safetensors");
    train_tiny(data, model, 1);
    int rc = cli("eval --load '%s' --data '%s' --confusion --threads 1", model, data);
    want_rc(rc, 0, "eval --confusion");
    want_text("precision", "eval --confusion");
    want_text("recall", "eval --confusion");
    const char *a = strstr(out, "accuracy ");
    cr_assert_not_null(a);
    double acc = strtod(a + 9, NULL);
    const char *p = strstr(out, "confusion matrix");
    cr_assert_not_null(p, "no matrix:\n%s", out);
    p = strchr(p, '\n') + 1; /* the title */
    p = strchr(p, '\n') + 1; /* the column numbers */
    long total = 0, diag = 0;
    for (int c = 0; c < 10; c++) {
        char *end;
        cr_assert_eq(strtol(p, &end, 10), c, "row %d is not numbered:\n%s", c, out);
        strtol(end, &end, 10); /* the name: the class number, for IDX data not named Fashion */
        for (int j = 0; j < 10; j++) {
            long v = strtol(end, &end, 10);
            total += v;
            if (j == c) diag += v;
        }
        cr_assert_eq(*end, '\n', "row %d has more than 10 counts:\n%s", c, out);
        p = end + 1;
    }
    cr_assert_eq(total, TEST_N, "the matrix sums to %ld:\n%s", total, out);
    cr_assert(fabs(100.0 * diag / TEST_N - acc) < 0.006, "diagonal %ld / %u is not %.2f%%:\n%s", diag, TEST_N, acc, out);
}

/* ---- NaN loss ---- */

Test(cli, nan_loss_keeps_old_model)
{
    static const char old[] = "an earlier model that must survive a failed run\n";
    char data[PATH_CAP], odir[PATH_CAP], model[PATH_CAP];
    make_data(data, "data", CORRUPT_NONE, NULL);
    make_out_dir(odir, "out");
    join(model, odir, "model.safetensors");
    cr_assert_eq(write_file(model, old, sizeof old - 1), 0);
    /* lr 1000 alone only makes the loss huge; weight decay 1 with almost
     * undamped momentum overflows the weights within a few epochs. */
    int rc = cli("train --data '%s' --epochs 10 --batch 8 --threads 1 --lr 1000 --momentum 0.999999 "
                 "--weight-decay 1 --schedule constant --save '%s' --quiet",
                 data, model);
    want_rc(rc, 1, "NaN loss");
    cr_assert(strstr(out, "NaN") || strstr(out, "infinite"), "no NaN/infinite in:\n%s", out);
    want_text(model, "NaN loss");
    size_t len;
    unsigned char *m = read_file(model, &len);
    cr_assert_not_null(m);
    cr_assert(len == sizeof old - 1 && memcmp(m, old, len) == 0, "the existing --save file was changed");
    free(m);
    cr_assert_eq(dir_entries(odir), 1, "temporary files left in %s", odir);
}

/* ---- determinism across thread counts ---- */

Test(cli, models_identical_across_threads)
{
    char data[PATH_CAP], a[PATH_CAP], b[PATH_CAP];
    make_data(data, "data", CORRUPT_NONE, NULL);
    path_of(a, "a.safetensors");
    path_of(b, "b.safetensors");
    train_tiny(data, a, 1);
    train_tiny(data, b, 2);
    size_t la, lb;
    unsigned char *ma = read_file(a, &la), *mb = read_file(b, &lb);
    cr_assert(ma && mb);
    cr_assert_eq(la, lb, "sizes differ: %zu vs %zu", la, lb);
    cr_assert_eq(memcmp(ma, mb, la), 0, "models trained with 1 and 2 threads differ");
    free(ma);
    free(mb);
}

/* ---- info ---- */

Test(cli, info_parameters)
{
    expect(0, "info", "545,546", "lenet5", NULL);
    expect(0, "info --channels 3", "545,846", NULL, NULL);
    expect(0, "info --json", "\"parameters\":545546", "\"model\":\"lenet5\"", NULL);
    expect(2, "info --channels 0", "--channels", "out of range", NULL);
}
