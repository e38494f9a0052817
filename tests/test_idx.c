/* IDX / MNIST loading: round trips, and one test per way a file can be
 * wrong, each checking the status and that the message names the file
 * and the reason. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "data/dataset.h"
#include "support.h"

/* ---- file builders ---- */

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint8_t pixel_at(size_t i) { return (uint8_t)(i * 31u + 7u); }

/* idx3 image file: n images of r x c with a known pixel pattern. */
static uint8_t *make_idx3(uint32_t n, uint32_t r, uint32_t c, size_t *len)
{
    size_t px = (size_t)n * r * c;
    uint8_t *b = malloc(16 + px);
    cr_assert_not_null(b);
    put_be32(b, 0x00000803u);
    put_be32(b + 4, n);
    put_be32(b + 8, r);
    put_be32(b + 12, c);
    for (size_t i = 0; i < px; i++) b[16 + i] = pixel_at(i);
    *len = 16 + px;
    return b;
}

/* idx1 label file: labels i % 10. */
static uint8_t *make_idx1(uint32_t n, size_t *len)
{
    uint8_t *b = malloc(8 + (size_t)n);
    cr_assert_not_null(b);
    put_be32(b, 0x00000801u);
    put_be32(b + 4, n);
    for (uint32_t i = 0; i < n; i++) b[8 + i] = (uint8_t)(i % 10);
    *len = 8 + (size_t)n;
    return b;
}

static void put(const char *path, const void *data, size_t len, int gz)
{
    int rc = gz ? write_gz(path, data, len) : write_file(path, data, len);
    cr_assert_eq(rc, 0, "cannot write %s", path);
}

static const char *make_dir(const char *name)
{
    const char *d = tmp_path(name);
    mkdir(d, 0700);
    return d;
}

static const char *join(char *buf, size_t cap, const char *dir, const char *name)
{
    snprintf(buf, cap, "%s/%s", dir, name);
    return buf;
}

/* Write a split's two files into dir ("gz" picks the .gz names). */
static void put_split(const char *dir, const char *split, uint32_t ni, uint32_t nl, int gz)
{
    char p[1024], name[128];
    size_t len;
    uint8_t *im = make_idx3(ni, 28, 28, &len);
    snprintf(name, sizeof name, "%s-images-idx3-ubyte%s", split, gz ? ".gz" : "");
    put(join(p, sizeof p, dir, name), im, len, gz);
    free(im);
    uint8_t *lb = make_idx1(nl, &len);
    snprintf(name, sizeof name, "%s-labels-idx1-ubyte%s", split, gz ? ".gz" : "");
    put(join(p, sizeof p, dir, name), lb, len, gz);
    free(lb);
}

/* ---- failure checks ---- */

static void expect_msg(const char *name, const char *word)
{
    const char *m = ln_last_error();
    cr_assert(strstr(m, name) != NULL, "message lacks \"%s\": %s", name, m);
    cr_assert(strstr(m, word) != NULL, "message lacks \"%s\": %s", word, m);
    cr_assert(strchr(m, '\n') == NULL, "message is not one line: %s", m);
}

static void images_fail(const char *path, ln_status want, const char *word)
{
    uint8_t *px = (uint8_t *)1;
    int n = -1, r = -1, c = -1;
    ln_status st = ln_idx_read_images(path, &px, &n, &r, &c);
    cr_assert_eq(st, want, "status %d, want %d: %s", st, want, ln_last_error());
    cr_assert_null(px);
    cr_assert_eq(n, 0);
    expect_msg(path, word);
}

static void labels_fail(const char *path, ln_status want, const char *word)
{
    uint8_t *lb = (uint8_t *)1;
    int n = -1;
    ln_status st = ln_idx_read_labels(path, &lb, &n);
    cr_assert_eq(st, want, "status %d, want %d: %s", st, want, ln_last_error());
    cr_assert_null(lb);
    expect_msg(path, word);
}

static void mnist_fail(const char *dir, ln_status want, const char *name, const char *word)
{
    ln_dataset d;
    ln_status st = ln_mnist_load(dir, "train", &d);
    cr_assert_eq(st, want, "status %d, want %d: %s", st, want, ln_last_error());
    cr_assert_null(d.pixels);
    cr_assert_null(d.labels);
    expect_msg(name, word);
}

/* ---- round trips ---- */

static void images_roundtrip(int gz)
{
    size_t len;
    uint8_t *src = make_idx3(7, 5, 3, &len);
    const char *path = tmp_path(gz ? "rt-images.gz" : "rt-images");
    put(path, src, len, gz);
    uint8_t *px;
    int n, r, c;
    cr_assert_eq(ln_idx_read_images(path, &px, &n, &r, &c), LN_OK, "%s", ln_last_error());
    cr_assert_eq(n, 7);
    cr_assert_eq(r, 5);
    cr_assert_eq(c, 3);
    cr_assert_arr_eq(px, src + 16, len - 16);
    free(px);
    free(src);
}

static void labels_roundtrip(int gz)
{
    size_t len;
    uint8_t *src = make_idx1(23, &len);
    const char *path = tmp_path(gz ? "rt-labels.gz" : "rt-labels");
    put(path, src, len, gz);
    uint8_t *lb;
    int n;
    cr_assert_eq(ln_idx_read_labels(path, &lb, &n), LN_OK, "%s", ln_last_error());
    cr_assert_eq(n, 23);
    cr_assert_arr_eq(lb, src + 8, 23);
    free(lb);
    free(src);
}

Test(idx, images_plain_roundtrip) { images_roundtrip(0); }
Test(idx, images_gz_roundtrip) { images_roundtrip(1); }
Test(idx, labels_plain_roundtrip) { labels_roundtrip(0); }
Test(idx, labels_gz_roundtrip) { labels_roundtrip(1); }

static void check_split(const char *dir, const char *split, int n)
{
    ln_dataset d;
    cr_assert_eq(ln_mnist_load(dir, split, &d), LN_OK, "%s", ln_last_error());
    cr_assert_eq(d.n, n);
    cr_assert_eq(d.c, 1);
    cr_assert_eq(d.h, 28);
    cr_assert_eq(d.w, 28);
    cr_assert_eq(d.nclasses, 10);
    for (int i = 0; i < n; i++) cr_assert_eq(d.labels[i], i % 10);
    for (size_t i = 0; i < (size_t)n * 784; i++) cr_assert_eq(d.pixels[i], pixel_at(i));
    ln_dataset_free(&d);
    cr_assert_null(d.pixels);
    cr_assert_eq(d.n, 0);
}

Test(mnist, loads_gz_and_plain_names)
{
    const char *dir = make_dir("mnist-ok");
    put_split(dir, "train", 12, 12, 1);
    put_split(dir, "t10k", 4, 4, 0);
    check_split(dir, "train", 12);
    check_split(dir, "t10k", 4);
}

Test(mnist, prefers_gz_over_plain)
{
    const char *dir = make_dir("mnist-both");
    put_split(dir, "train", 3, 3, 1);
    put_split(dir, "train", 5, 5, 0);
    check_split(dir, "train", 3);
}

Test(mnist, rejects_unknown_split)
{
    const char *dir = make_dir("mnist-split");
    ln_dataset d;
    cr_assert_eq(ln_mnist_load(dir, "test", &d), LN_ERR_ARG);
    cr_assert(strstr(ln_last_error(), "test") != NULL, "%s", ln_last_error());
}

/* ---- bad headers ---- */

Test(idx, bad_magic)
{
    size_t len;
    uint8_t *b = make_idx3(2, 4, 4, &len);
    put_be32(b, 0x00000802u);
    const char *path = tmp_path("train-images-idx3-ubyte.gz");
    put(path, b, len, 1);
    images_fail(path, LN_ERR_FORMAT, "bad magic 0x00000802 (expected 0x00000803");
    put_be32(b, 0x03080000u); /* little-endian writer */
    put(path, b, len, 0);
    images_fail(path, LN_ERR_FORMAT, "magic");
    free(b);
}

Test(idx, labels_file_given_as_images)
{
    size_t len;
    uint8_t *b = make_idx1(16, &len);
    const char *path = tmp_path("swapped");
    put(path, b, len, 0);
    images_fail(path, LN_ERR_FORMAT, "looks like an idx1 label file");
    free(b);
    b = make_idx3(1, 2, 2, &len);
    put(path, b, len, 0);
    labels_fail(path, LN_ERR_FORMAT, "looks like an idx3 image file");
    free(b);
}

Test(idx, non_ubyte_element_type)
{
    size_t len;
    uint8_t *b = make_idx3(1, 2, 2, &len);
    put_be32(b, 0x00000d03u); /* float data */
    const char *path = tmp_path("float-images");
    put(path, b, len, 0);
    images_fail(path, LN_ERR_FORMAT, "unsigned-byte");
    free(b);
}

Test(idx, zero_length_file)
{
    const char *path = tmp_path("empty");
    put(path, "", 0, 0);
    images_fail(path, LN_ERR_FORMAT, "empty");
    labels_fail(path, LN_ERR_FORMAT, "empty");
    const char *gz = tmp_path("empty.gz"); /* a valid gzip of nothing */
    put(gz, "", 0, 1);
    images_fail(gz, LN_ERR_FORMAT, "empty");
}

Test(idx, header_shorter_than_16_bytes)
{
    size_t len;
    uint8_t *b = make_idx3(1, 2, 2, &len);
    const char *path = tmp_path("short-header");
    put(path, b, 10, 0);
    images_fail(path, LN_ERR_FORMAT, "truncated header: 10 bytes");
    put(path, b, 3, 0);
    images_fail(path, LN_ERR_FORMAT, "header");
    b[3] = 0x01; /* an idx1 magic, but 6 bytes of an 8-byte header */
    put(path, b, 6, 0);
    labels_fail(path, LN_ERR_FORMAT, "header");
    free(b);
}

Test(idx, zero_images_or_labels)
{
    size_t len;
    uint8_t *b = make_idx3(0, 28, 28, &len);
    const char *path = tmp_path("no-images");
    put(path, b, len, 0);
    images_fail(path, LN_ERR_FORMAT, "no images");
    free(b);
    b = make_idx1(0, &len);
    put(path, b, len, 0);
    labels_fail(path, LN_ERR_FORMAT, "no labels");
    free(b);
}

Test(idx, bad_image_size)
{
    size_t len;
    uint8_t *b = make_idx3(1, 0, 28, &len);
    const char *path = tmp_path("bad-size");
    put(path, b, len, 0);
    images_fail(path, LN_ERR_FORMAT, "image size 0x28");
    put_be32(b + 8, 5000);
    put(path, b, len, 0);
    images_fail(path, LN_ERR_FORMAT, "image size 5000x28");
    free(b);
}

/* ---- header disagrees with length ---- */

Test(idx, truncated_payload)
{
    size_t len;
    uint8_t *b = make_idx3(3, 4, 4, &len);
    const char *path = tmp_path("trunc-images");
    put(path, b, len - 1, 0);
    images_fail(path, LN_ERR_FORMAT, "truncated: header says 3 images of 4x4 = 64 bytes");
    expect_msg(path, "file holds 63");
    const char *gz = tmp_path("trunc-images.gz");
    put(gz, b, len - 5, 1);
    images_fail(gz, LN_ERR_FORMAT, "decompressed content holds 59");
    free(b);
}

Test(idx, trailing_bytes)
{
    size_t len;
    uint8_t *b = make_idx1(10, &len);
    uint8_t *big = calloc(len + 3, 1);
    memcpy(big, b, len);
    const char *path = tmp_path("trail-labels");
    put(path, big, len + 3, 0);
    labels_fail(path, LN_ERR_FORMAT, "trailing bytes: header says 10 labels = 18 bytes");
    expect_msg(path, "(3 extra)");
    free(big);
    free(b);
}

/* Huge claimed dims on a tiny file: no overflow, no huge allocation. */
Test(idx, huge_dims_small_file)
{
    size_t len;
    uint8_t *b = make_idx3(1, 4, 4, &len);
    put_be32(b + 4, 0xffffffffu);
    put_be32(b + 8, 4096);
    put_be32(b + 12, 4096);
    const char *path = tmp_path("huge");
    put(path, b, len, 0);
    images_fail(path, LN_ERR_FORMAT, "truncated");
    free(b);
}

/* ---- broken gzip ---- */

/* Write a valid gzipped idx3 file; return its path and compressed bytes. */
static const char *gz_with(const char *name, uint8_t **raw, size_t *glen)
{
    size_t len;
    uint8_t *b = make_idx3(4, 8, 8, &len);
    const char *path = tmp_path(name);
    put(path, b, len, 1);
    free(b);
    *raw = read_file(path, glen);
    cr_assert_not_null(*raw);
    return path;
}

Test(gz, corrupted_crc)
{
    size_t glen;
    uint8_t *raw;
    const char *path = gz_with("bad-crc.gz", &raw, &glen);
    raw[glen - 8] ^= 0x5a; /* first byte of the CRC-32 in the trailer */
    put(path, raw, glen, 0);
    free(raw);
    images_fail(path, LN_ERR_FORMAT, "corrupt");
}

Test(gz, corrupted_length_field)
{
    size_t glen;
    uint8_t *raw;
    const char *path = gz_with("bad-isize.gz", &raw, &glen);
    raw[glen - 1] ^= 0x01; /* ISIZE, the last trailer field */
    put(path, raw, glen, 0);
    free(raw);
    images_fail(path, LN_ERR_FORMAT, "corrupt");
}

Test(gz, truncated_stream)
{
    size_t glen;
    uint8_t *raw;
    const char *path = gz_with("cut.gz", &raw, &glen);
    put(path, raw, glen / 2, 0);
    images_fail(path, LN_ERR_FORMAT, "gzip stream truncated");
    put(path, raw, glen - 4, 0); /* only the trailer's ISIZE missing */
    images_fail(path, LN_ERR_FORMAT, "truncated");
    free(raw);
}

/* Every prefix of a valid file must fail cleanly, never crash or pass. */
Test(gz, every_prefix_fails)
{
    size_t glen;
    uint8_t *raw;
    gz_with("prefix-src.gz", &raw, &glen);
    const char *cut = tmp_path("prefix.gz");
    for (size_t k = 0; k < glen; k++) {
        put(cut, raw, k, 0);
        uint8_t *px = NULL;
        int n, r, c;
        ln_status st = ln_idx_read_images(cut, &px, &n, &r, &c);
        cr_assert_neq(st, LN_OK, "prefix of %zu bytes accepted", k);
        cr_assert_null(px);
    }
    free(raw);
}

/* Seeded garbage, half of it behind a gzip magic: errors only. */
Test(gz, garbage_never_crashes)
{
    const char *path = tmp_path("garbage");
    uint32_t s = 12345;
    uint8_t buf[300];
    for (int t = 0; t < 200; t++) {
        size_t len = (size_t)(t * 7 % 300);
        for (size_t i = 0; i < len; i++) {
            s = s * 1664525u + 1013904223u;
            buf[i] = (uint8_t)(s >> 24);
        }
        if (len >= 2 && t % 2) {
            buf[0] = 0x1f;
            buf[1] = 0x8b;
        }
        put(path, buf, len, 0);
        uint8_t *px = NULL;
        int n, r, c;
        if (ln_idx_read_images(path, &px, &n, &r, &c) == LN_OK) free(px);
        if (ln_idx_read_labels(path, &px, &n) == LN_OK) free(px);
    }
}

/* ---- open errors ---- */

Test(idx, missing_file)
{
    const char *path = tmp_path("does-not-exist.gz");
    images_fail(path, LN_ERR_IO, "No such file");
}

Test(idx, directory_as_file)
{
    const char *dir = make_dir("a-directory");
    images_fail(dir, LN_ERR_IO, "directory");
}

/* ---- MNIST directory checks ---- */

Test(mnist, labels_out_of_range)
{
    const char *dir = make_dir("mnist-badlabel");
    put_split(dir, "train", 6, 6, 1);
    size_t len;
    uint8_t *lb = make_idx1(6, &len);
    lb[8 + 3] = 10;
    char p[1024];
    put(join(p, sizeof p, dir, "train-labels-idx1-ubyte.gz"), lb, len, 1);
    free(lb);
    mnist_fail(dir, LN_ERR_FORMAT, p, "label 10 at index 3");
}

Test(mnist, count_mismatch)
{
    const char *dir = make_dir("mnist-count");
    put_split(dir, "train", 5, 4, 0);
    char ip[1024], lp[1024];
    join(ip, sizeof ip, dir, "train-images-idx3-ubyte");
    join(lp, sizeof lp, dir, "train-labels-idx1-ubyte");
    mnist_fail(dir, LN_ERR_FORMAT, ip, "counts");
    expect_msg(lp, "5 images");
}

Test(mnist, missing_directory)
{
    const char *dir = tmp_path("no-such-dir");
    mnist_fail(dir, LN_ERR_IO, dir, "does not exist");
    expect_msg(dir, "apt-get install dataset-fashion-mnist");
}

Test(mnist, directory_is_a_file)
{
    const char *path = tmp_path("not-a-dir");
    put(path, "x", 1, 0);
    mnist_fail(path, LN_ERR_IO, path, "not a directory");
}

Test(mnist, missing_file)
{
    const char *dir = make_dir("mnist-nofile");
    size_t len;
    uint8_t *lb = make_idx1(4, &len);
    char p[1024], gz[1024], plain[1024];
    put(join(p, sizeof p, dir, "train-labels-idx1-ubyte.gz"), lb, len, 1);
    free(lb);
    join(gz, sizeof gz, dir, "train-images-idx3-ubyte.gz");
    join(plain, sizeof plain, dir, "train-images-idx3-ubyte");
    mnist_fail(dir, LN_ERR_IO, gz, "no such file");
    expect_msg(plain, "also tried");
}

Test(mnist, bad_file_error_passes_through)
{
    const char *dir = make_dir("mnist-badmagic");
    put_split(dir, "train", 2, 2, 0);
    size_t len;
    uint8_t *b = make_idx1(2, &len);
    char p[1024];
    put(join(p, sizeof p, dir, "train-images-idx3-ubyte"), b, len, 0);
    free(b);
    mnist_fail(dir, LN_ERR_FORMAT, p, "bad magic");
}

/* ---- dataset helpers ---- */

Test(dataset, free_is_safe_on_zeroed)
{
    ln_dataset d = {0};
    ln_dataset_free(&d);
    ln_dataset_free(&d);
    cr_assert_null(d.pixels);
}

Test(dataset, truncate_keeps_prefix)
{
    const char *dir = make_dir("mnist-trunc");
    put_split(dir, "train", 9, 9, 0);
    ln_dataset d;
    cr_assert_eq(ln_mnist_load(dir, "train", &d), LN_OK, "%s", ln_last_error());
    ln_dataset_truncate(&d, 20); /* larger: no-op */
    cr_assert_eq(d.n, 9);
    ln_dataset_truncate(&d, 4);
    cr_assert_eq(d.n, 4);
    for (size_t i = 0; i < 4 * 784; i++) cr_assert_eq(d.pixels[i], pixel_at(i));
    for (int i = 0; i < 4; i++) cr_assert_eq(d.labels[i], i % 10);
    ln_dataset_truncate(&d, 0);
    cr_assert_eq(d.n, 0);
    ln_dataset_free(&d);
}

/* ---- the real data set, when installed ---- */

Test(fashion, t10k_loads)
{
    struct stat sb;
    if (stat(LN_DEFAULT_DATA_DIR, &sb) != 0) cr_skip_test("%s not installed", LN_DEFAULT_DATA_DIR);
    ln_dataset d;
    cr_assert_eq(ln_mnist_load(LN_DEFAULT_DATA_DIR, "t10k", &d), LN_OK, "%s", ln_last_error());
    cr_assert_eq(d.n, 10000);
    cr_assert_eq(d.c, 1);
    cr_assert_eq(d.h, 28);
    cr_assert_eq(d.w, 28);
    /* Values read independently with Python's gzip module. */
    cr_assert_eq(d.labels[0], 9);
    long sum = 0;
    for (int i = 0; i < 784; i++) sum += d.pixels[i];
    cr_assert_eq(sum, 33456);
    int count[10] = {0};
    for (int i = 0; i < d.n; i++) count[d.labels[i]]++;
    for (int k = 0; k < 10; k++) cr_assert_eq(count[k], 1000, "class %d", k);
    ln_dataset_free(&d);
}
