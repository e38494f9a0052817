/* File safety and integrity (issue 13, items 3-6 and 12): outputs are
 * never renamed over a FIFO or a device, inputs that are not regular files
 * are refused instead of waited on, the image cache never replaces a file
 * that is not a cache and notices a rewritten source, the checksums cover
 * the header, and no command writes over one of its own inputs.
 *
 * Commands that would hang on a FIFO without the fix run under
 * `timeout 20`: a hang fails the test (status 124) instead of blocking it. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "data/dataset.h"
#include "io/atomic_file.h"
#include "io/checkpoint.h"
#include "io/model_file.h"
#include "io/safetensors.h"
#include "nn/net.h"
#include "support.h"

static char out[1 << 16];

/* The CLI under `timeout 20`: a command that would wait forever on a FIFO
 * ends with status 124 instead of blocking the suite. */
static int cli_hang(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int cli_hang(const char *fmt, ...)
{
    char args[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    return run_prog("timeout 20 " LENET_CLI, args, out, sizeof out);
}

static int kind_of(const char *path)
{
    struct stat sb;
    return lstat(path, &sb) == 0 ? (int)(sb.st_mode & S_IFMT) : -1;
}

static const char *fifo(const char *name)
{
    const char *p = tmp_path(name);
    unlink(p);
    cr_assert_eq(mkfifo(p, 0600), 0, "mkfifo %s: %s", p, strerror(errno));
    return p;
}

/* A symbolic link `name` in the temp dir to /dev/null. */
static const char *link_to_null(const char *name)
{
    const char *p = tmp_path(name);
    unlink(p);
    cr_assert_eq(symlink("/dev/null", p), 0);
    return p;
}

static void null_intact(void)
{
    struct stat sb;
    cr_assert_eq(stat("/dev/null", &sb), 0);
    cr_assert(S_ISCHR(sb.st_mode), "/dev/null is no longer a character device");
}

/* A lenet5 model file with seed-initialised weights. */
static void save_model(const char *path, const char *model)
{
    ln_net net;
    cr_assert_eq(ln_net_build(model, 1, 28, 28, 10, &net), LN_OK, "%s", ln_last_error());
    ln_net_init(&net, 7);
    cr_assert_eq(ln_net_save(&net, path), LN_OK, "%s", ln_last_error());
    ln_net_free(&net);
}

static const char *mnist(const char *name)
{
    const char *d = tmp_path(name);
    cr_assert_eq(write_mnist_dir(d, 64, 32, 3), 0);
    return d;
}

static int same_bytes(const char *path, const unsigned char *want, size_t n)
{
    size_t len;
    unsigned char *b = read_file(path, &len);
    int same = b && len == n && !memcmp(b, want, n);
    free(b);
    return same;
}

/* ---- item 3: special files ---- */

Test(files, save_never_replaces_a_fifo_or_a_device)
{
    const char *data = mnist("d3"), *f = fifo("save.fifo"), *nl = link_to_null("save.null");
    int rc = run_clif(out, sizeof out, "train --data '%s' --epochs 1 --batch 16 --threads 1 --quiet --save '%s'", data, f);
    cr_assert_neq(rc, 0, "--save FIFO accepted:\n%s", out);
    cr_assert(strstr(out, f) && strstr(out, "not a regular file"), "%s", out);
    cr_assert_eq(kind_of(f), S_IFIFO, "the FIFO was replaced");
    rc = run_clif(out, sizeof out, "train --data '%s' --epochs 1 --batch 16 --threads 1 --quiet --save '%s'", data, nl);
    cr_assert_neq(rc, 0, "--save LINK-TO-/dev/null accepted:\n%s", out);
    cr_assert(strstr(out, "character device"), "%s", out);
    cr_assert_eq(kind_of(nl), S_IFLNK, "the link was replaced");
    null_intact();
    rc = run_clif(out, sizeof out, "train --data '%s' --epochs 1 --batch 16 --threads 1 --quiet --checkpoint '%s'", data, f);
    cr_assert_neq(rc, 0, "--checkpoint FIFO accepted:\n%s", out);
    cr_assert_eq(kind_of(f), S_IFIFO);
    /* the library refuses too, whoever calls it */
    float x = 1.0f;
    ln_st_tensor t = {.name = "x", .ndim = 1, .shape = {1}, .data = &x};
    cr_assert_eq(ln_st_write(f, &t, 1, NULL, 0), LN_ERR_IO);
    cr_assert(strstr(ln_last_error(), "a FIFO"), "%s", ln_last_error());
    cr_assert_eq(ln_st_write(nl, &t, 1, NULL, 0), LN_ERR_IO);
    cr_assert_eq(kind_of(f), S_IFIFO);
    cr_assert_eq(kind_of(nl), S_IFLNK);
    null_intact();
}

Test(files, probe_out_is_checked)
{
    const char *data = mnist("dp"), *model = tmp_path("probe.safetensors"), *f = fifo("probe.fifo");
    save_model(model, "lenet5");
    size_t n;
    unsigned char *before = read_file(model, &n);
    int rc = run_clif(out, sizeof out, "probe --load '%s' --out '%s' --data '%s' --count 4 --batch 4 --threads 1", model,
                      model, data);
    cr_assert_neq(rc, 0, "probe --out = --load accepted:\n%s", out);
    cr_assert(strstr(out, model), "%s", out);
    cr_assert(same_bytes(model, before, n), "probe overwrote its model");
    rc = run_clif(out, sizeof out, "probe --load '%s' --out '%s' --data '%s' --count 4 --batch 4 --threads 1", model, f,
                  data);
    cr_assert_neq(rc, 0, "probe --out FIFO accepted:\n%s", out);
    cr_assert_eq(kind_of(f), S_IFIFO);
    free(before);
}

Test(files, fifo_inputs_are_refused_not_waited_on)
{
    const char *model = tmp_path("in.safetensors");
    save_model(model, "lenet5");
    /* a model */
    const char *f = fifo("in.fifo");
    const char *data = mnist("dfi");
    int rc = cli_hang("eval --load '%s' --data '%s'", f, data);
    cr_assert(rc != 0 && rc != 124, "eval --load FIFO: status %d\n%s", rc, out);
    cr_assert(strstr(out, f), "%s", out);
    /* a spec file */
    rc = cli_hang("info --model '%s'", f);
    cr_assert(rc != 0 && rc != 124, "info --model FIFO: status %d\n%s", rc, out);
    cr_assert(strstr(out, f) && strstr(out, "not a regular file"), "%s", out);
    /* an image to predict */
    rc = cli_hang("predict --load '%s' '%s'", model, f);
    cr_assert(rc != 124, "predict FIFO hung:\n%s", out);
    cr_assert(strstr(out, f), "%s", out);
    /* an IDX file of an MNIST directory */
    const char *d = mnist("dfifo");
    char p[1200];
    snprintf(p, sizeof p, "%s/t10k-labels-idx1-ubyte", d);
    cr_assert_eq(unlink(p), 0);
    cr_assert_eq(mkfifo(p, 0600), 0);
    rc = cli_hang("eval --load '%s' --data '%s'", model, d);
    cr_assert(rc != 0 && rc != 124, "eval with a FIFO IDX file: status %d\n%s", rc, out);
    cr_assert(strstr(out, "t10k-labels-idx1-ubyte") && strstr(out, "not a regular file"), "%s", out);
    /* the library readers */
    ln_st_file sf;
    cr_assert_eq(ln_st_read(f, &sf), LN_ERR_IO);
    uint8_t *lab;
    int nl;
    cr_assert_eq(ln_idx_read_labels(p, &lab, &nl), LN_ERR_IO);
}

/* ---- item 4: the image cache ---- */

static void write_jpeg(const char *path, uint64_t seed, int w, int quality)
{
    uint8_t px[64 * 48 * 3];
    smooth_image(w, 48, 3, seed, px);
    size_t len;
    uint8_t *j = make_jpeg(&(jpeg_spec){.w = w, .h = 48, .comps = 3, .quality = quality}, px, &len);
    cr_assert_eq(write_file(path, j, len), 0);
    free(j);
}

/* DIR/a/0.jpg DIR/a/1.jpg DIR/b/0.jpg DIR/b/1.jpg */
static const char *jpeg_tree(const char *name)
{
    const char *root = tmp_path(name);
    char p[1200];
    mkdir(root, 0755);
    for (int c = 0; c < 2; c++) {
        snprintf(p, sizeof p, "%s/%c", root, 'a' + c);
        mkdir(p, 0755);
        for (int i = 0; i < 2; i++) {
            snprintf(p, sizeof p, "%s/%c/%d.jpg", root, 'a' + c, i);
            write_jpeg(p, (uint64_t)(10 * c + i + 1), 64, 90);
        }
    }
    return root;
}

static void load(const char *root, const char *cache, ln_dataset *tr, ln_folder_report *rep)
{
    ln_dataset va;
    ln_folder_opts o = {.h = 28, .w = 28, .threads = 1, .quiet = 1, .cache = cache};
    cr_assert_eq(ln_folder_load(root, &o, tr, &va, rep), LN_OK, "%s", ln_last_error());
    ln_dataset_free(&va);
}

Test(files, cache_never_replaces_a_model_or_an_image)
{
    const char *root = jpeg_tree("tree_victims"), *model = tmp_path("victim.safetensors");
    save_model(model, "lenet5");
    size_t n;
    unsigned char *before = read_file(model, &n);
    ln_dataset tr;
    ln_folder_report rep;
    load(root, model, &tr, &rep);
    cr_assert_eq(rep.cached, 0);
    cr_assert(strstr(rep.cache_note, "not a lenet image cache"), "note: %s", rep.cache_note);
    cr_assert(same_bytes(model, before, n), "the cache write destroyed the model");
    ln_dataset_free(&tr);
    free(before);
    /* the CLI: eval --load M --cache M */
    int rc = run_clif(out, sizeof out, "eval --load '%s' --data '%s' --cache '%s' --threads 1", model, root, model);
    (void)rc;
    before = read_file(model, &n);
    ln_net net;
    cr_assert_eq(ln_net_load(model, &net), LN_OK, "eval --cache M damaged M: %s\n%s", ln_last_error(), out);
    ln_net_free(&net);
    free(before);
    /* a source image */
    char img[1200];
    snprintf(img, sizeof img, "%s/a/0.jpg", root);
    before = read_file(img, &n);
    load(root, img, &tr, &rep);
    cr_assert(same_bytes(img, before, n), "the cache write replaced a source image");
    ln_dataset_free(&tr);
    free(before);
    /* a FIFO: refused, neither read (no hang) nor replaced */
    const char *f = fifo("cache.fifo");
    load(root, f, &tr, &rep);
    cr_assert_eq(kind_of(f), S_IFIFO);
    cr_assert(strstr(rep.cache_note, "not a regular file"), "note: %s", rep.cache_note);
    ln_dataset_free(&tr);
}

Test(files, cache_temporary_is_safe_and_reaped)
{
    const char *root = jpeg_tree("tree_tmp"), *victim = tmp_path("victim.txt");
    char cache[1200], l1[1300], l2[1300], dead[1300];
    snprintf(cache, sizeof cache, "%s", tmp_path("c.bin"));
    cr_assert_eq(write_file(victim, "precious", 8), 0);
    /* links planted at the temporary names (this process writes the cache) */
    snprintf(l1, sizeof l1, "%s.tmp.%ld", cache, (long)getpid());
    snprintf(l2, sizeof l2, "%s.tmp%ld", cache, (long)getpid());
    cr_assert_eq(symlink(victim, l1), 0);
    cr_assert_eq(symlink(victim, l2), 0);
    /* a dead writer's leftover (pid 2^22+1 does not exist on Linux) */
    snprintf(dead, sizeof dead, "%s.tmp.%ld", cache, 4194305L);
    cr_assert_eq(write_file(dead, "leftover", 8), 0);
    ln_dataset tr;
    ln_folder_report rep;
    load(root, cache, &tr, &rep);
    ln_dataset_free(&tr);
    cr_assert(same_bytes(victim, (const unsigned char *)"precious", 8), "the cache was written through a planted link");
    cr_assert_eq(access(dead, F_OK), -1, "a dead writer's temporary was not reaped");
    load(root, cache, &tr, &rep);
    cr_assert_eq(rep.cached, 1, "the cache was not written: %s", rep.cache_note);
    ln_dataset_free(&tr);
}

Test(files, cache_notices_a_rewrite_that_keeps_size_and_mtime)
{
    const char *root = jpeg_tree("tree_rewrite"), *cache = tmp_path("rw.bin");
    ln_dataset a, b;
    ln_folder_report rep;
    load(root, cache, &a, &rep);
    load(root, cache, &b, &rep);
    cr_assert_eq(rep.cached, 1);
    ln_dataset_free(&b);
    /* another picture in a/0.jpg, padded to the same size (a decoder stops
     * at the end-of-image marker), with the old modification time */
    char p[1200];
    snprintf(p, sizeof p, "%s/a/0.jpg", root);
    struct stat sb;
    cr_assert_eq(stat(p, &sb), 0);
    uint8_t px[32 * 48 * 3];
    smooth_image(32, 48, 3, 999, px);
    size_t len;
    uint8_t *j = make_jpeg(&(jpeg_spec){.w = 32, .h = 48, .comps = 3, .quality = 50}, px, &len);
    cr_assert(len < (size_t)sb.st_size, "%zu >= %lld", len, (long long)sb.st_size);
    uint8_t *padded = calloc(1, (size_t)sb.st_size);
    memcpy(padded, j, len);
    struct timespec pause = {.tv_nsec = 30000000}; /* ctime has the kernel tick's granularity */
    nanosleep(&pause, NULL);
    cr_assert_eq(write_file(p, padded, (size_t)sb.st_size), 0);
    struct timespec times[2] = {sb.st_atim, sb.st_mtim};
    cr_assert_eq(utimensat(AT_FDCWD, p, times, 0), 0);
    free(j), free(padded);
    load(root, cache, &b, &rep);
    cr_assert_eq(rep.cached, 0, "a rewritten source file was served from the cache");
    cr_assert(memcmp(a.pixels, b.pixels, (size_t)a.n * 3 * 28 * 28) != 0);
    ln_dataset_free(&a), ln_dataset_free(&b);
}

/* ---- item 5: the atomic-write module ---- */

static int count_tmp(const char *path)
{
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "ls '%s'.tmp* 2>/dev/null | wc -l", path);
    FILE *p = popen(cmd, "r");
    int n = -1;
    if (p) {
        if (fscanf(p, "%d", &n) != 1) n = -1;
        pclose(p);
    }
    return n;
}

Test(files, atomic_commit_abort_and_reaping)
{
    const char *path = tmp_path("atomic.txt");
    cr_assert_eq(write_file(path, "old", 3), 0);
    ln_atomic_file a;
    cr_assert_eq(ln_atomic_begin(&a, path), LN_OK, "%s", ln_last_error());
    fputs("new", a.f);
    ln_atomic_abort(&a);
    cr_assert(same_bytes(path, (const unsigned char *)"old", 3));
    cr_assert_eq(count_tmp(path), 0);
    cr_assert_eq(ln_atomic_begin(&a, path), LN_OK);
    fputs("new!", a.f);
    cr_assert(same_bytes(path, (const unsigned char *)"old", 3), "replaced before the commit");
    cr_assert_eq(ln_atomic_commit(&a), LN_OK, "%s", ln_last_error());
    cr_assert(same_bytes(path, (const unsigned char *)"new!", 4));
    cr_assert_eq(count_tmp(path), 0);
    /* a live writer's temporary (ours) stays, a dead one's goes */
    char live[1200], dead[1200];
    snprintf(live, sizeof live, "%s.tmp.%ld", path, (long)getpid());
    snprintf(dead, sizeof dead, "%s.tmp.%ld", path, 4194305L);
    cr_assert_eq(write_file(live, "x", 1), 0);
    cr_assert_eq(write_file(dead, "x", 1), 0);
    cr_assert_eq(ln_atomic_remove_stale(path), 1);
    cr_assert_eq(access(live, F_OK), 0);
    cr_assert_eq(access(dead, F_OK), -1);
    unlink(live);
    cr_assert_eq(ln_same_file(path, path), 1);
    cr_assert_eq(ln_same_file(path, live), 0);
}

/* A write that fails for lack of room (RLIMIT_FSIZE stands in for a full
 * disk) keeps the old file and leaves no temporary. */
Test(files, atomic_write_failure_keeps_the_old_file)
{
    const char *path = tmp_path("full.safetensors");
    save_model(path, "lenet5");
    size_t n;
    unsigned char *before = read_file(path, &n);
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit r = {.rlim_cur = 4096, .rlim_max = 4096};
        setrlimit(RLIMIT_FSIZE, &r);
        ln_net net;
        ln_net_build("lenet5", 1, 28, 28, 10, &net);
        ln_net_init(&net, 8);
        ln_status st = ln_net_save(&net, path);
        _exit(st == LN_ERR_IO && strstr(ln_last_error(), path) ? 0 : 1);
    }
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the save did not fail cleanly");
    cr_assert(same_bytes(path, before, n), "the old file was damaged");
    cr_assert_eq(count_tmp(path), 0, "a temporary was left");
    free(before);
}

/* ---- item 6: the checksums cover the header ---- */

/* Replace the first `from` in the file's header by `to` (same length). */
static void edit_header(const char *path, const char *from, const char *to)
{
    size_t len;
    unsigned char *b = read_file(path, &len);
    cr_assert_not_null(b);
    size_t hl = (size_t)b[0] | (size_t)b[1] << 8 | (size_t)b[2] << 16;
    cr_assert(hl + 8 <= len);
    char *h = strndup((const char *)b + 8, hl);
    char *at = strstr(h, from);
    cr_assert_not_null(at, "'%s' not in the header of %s", from, path);
    memcpy(b + 8 + (at - h), to, strlen(to));
    cr_assert_eq(write_file(path, b, len), 0);
    free(h);
    free(b);
}

Test(files, a_changed_spec_fails_the_checksum)
{
    const char *path = tmp_path("spec.safetensors");
    save_model(path, "lenet5");
    ln_net net;
    cr_assert_eq(ln_net_load(path, &net), LN_OK, "%s", ln_last_error());
    ln_net_free(&net);
    edit_header(path, "tanh", "relu");
    cr_assert_neq(ln_net_load(path, &net), LN_OK, "a model whose spec was edited loaded");
    cr_assert(strstr(ln_last_error(), "checksum mismatch") && strstr(ln_last_error(), path), "%s", ln_last_error());
    int rc = run_clif(out, sizeof out, "verify '%s'", path);
    cr_assert_neq(rc, 0, "verify passed an edited model:\n%s", out);
}

Test(files, a_changed_checkpoint_setting_fails_the_checksum)
{
    const char *data = mnist("d6"), *ck = tmp_path("c6.ckpt");
    int rc = run_clif(out, sizeof out, "train --data '%s' --epochs 2 --stop-after 2 --batch 16 --lr 0.05 --threads 1 "
                      "--quiet --checkpoint '%s'", data, ck);
    cr_assert_eq(rc, 0, "%s", out);
    rc = run_clif(out, sizeof out, "verify '%s'", ck);
    cr_assert_eq(rc, 0, "%s", out);
    edit_header(ck, "\"train.lr\":\"0.05", "\"train.lr\":\"0.95");
    rc = run_clif(out, sizeof out, "verify '%s'", ck);
    cr_assert_neq(rc, 0, "verify passed a checkpoint with an edited learning rate:\n%s", out);
    cr_assert(strstr(out, "checksum mismatch"), "%s", out);
    rc = run_clif(out, sizeof out, "train --resume '%s' --quiet --threads 1", ck);
    cr_assert_neq(rc, 0, "resumed from an edited checkpoint:\n%s", out);
}

Test(files, files_without_checksums_still_load)
{
    /* what PyTorch's safetensors writes: the tensors and lenet's metadata only */
    const char *src = tmp_path("with.safetensors"), *dst = tmp_path("without.safetensors");
    save_model(src, "lenet5");
    ln_st_file f;
    cr_assert_eq(ln_st_read(src, &f), LN_OK);
    cr_assert(f.has_file_crc32);
    ln_st_meta m[16];
    int nm = 0;
    for (int i = 0; i < f.nmeta; i++)
        if (strcmp(f.meta[i].key, LN_CRC_KEY) && strcmp(f.meta[i].key, LN_FILE_CRC_KEY)) m[nm++] = f.meta[i];
    cr_assert_eq(ln_st_write(dst, f.tensors, f.ntensors, m, nm), LN_OK);
    ln_st_free(&f);
    ln_net net;
    cr_assert_eq(ln_net_load(dst, &net), LN_OK, "%s", ln_last_error());
    ln_net_free(&net);
}

/* ---- item 12: outputs that are inputs; idx2jpeg on a full disk ---- */

Test(files, train_outputs_may_not_be_inputs)
{
    const char *data = mnist("d12"), *ck = tmp_path("c12.ckpt"), *other = tmp_path("c12b.ckpt");
    int rc = run_clif(out, sizeof out, "train --data '%s' --epochs 2 --stop-after 1 --batch 16 --threads 1 --quiet "
                      "--checkpoint '%s'", data, ck);
    cr_assert_eq(rc, 0, "%s", out);
    size_t n;
    unsigned char *before = read_file(ck, &n);
    rc = run_clif(out, sizeof out, "train --resume '%s' --checkpoint '%s' --log '%s' --quiet --threads 1", ck, other, ck);
    cr_assert_neq(rc, 0, "--log = --resume accepted:\n%s", out);
    cr_assert(same_bytes(ck, before, n), "the resumed checkpoint was written to");
    free(before);
    char idx[1200];
    snprintf(idx, sizeof idx, "%s/train-images-idx3-ubyte", data);
    before = read_file(idx, &n);
    rc = run_clif(out, sizeof out, "train --data '%s' --epochs 1 --batch 16 --threads 1 --quiet --save '%s'", data, idx);
    cr_assert_neq(rc, 0, "--save = a data file accepted:\n%s", out);
    cr_assert(same_bytes(idx, before, n), "the training data was overwritten");
    free(before);
}

static void idx2jpeg(char *exe, size_t cap)
{
    char cli[1024];
    snprintf(cli, sizeof cli, "%s", LENET_CLI);
    snprintf(exe, cap, "%s/lenet-idx2jpeg", dirname(cli));
}

Test(files, idx2jpeg_full_disk_names_the_file_and_leaves_no_partial_jpeg)
{
    char exe[1100], cmd[4096];
    idx2jpeg(exe, sizeof exe);
    const char *data = mnist("dj"), *dst = tmp_path("jpegs");
    /* RLIMIT_FSIZE, SIGXFSZ ignored: a write past 4 KiB fails with EFBIG,
     * as on a full disk */
    snprintf(cmd, sizeof cmd, "trap '' XFSZ; ulimit -f 4; %s --threads 1 --limit 4 '%s' '%s'", exe, data, dst);
    int rc = run_prog("", cmd, out, sizeof out);
    cr_assert(rc != 0 && rc != -1, "idx2jpeg on a full disk: status %d\n%s", rc, out);
    cr_assert(strstr(out, dst) && strstr(out, ".jpg"), "no file named:\n%s", out);
    snprintf(cmd, sizeof cmd, "find '%s' -name '*.jpg' | wc -l", dst);
    FILE *p = popen(cmd, "r");
    int left = -1;
    cr_assert(p && fscanf(p, "%d", &left) == 1);
    pclose(p);
    cr_assert_eq(left, 0, "%d partial JPEG files left", left);
}
