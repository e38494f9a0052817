/* MNIST-format directory loader (MNIST, Fashion-MNIST, ...). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dataset.h"

#define MNIST_CLASSES 10
#define INSTALL_HINT                                                                    \
    "(the default, " LN_DEFAULT_DATA_DIR ", comes with `apt-get install dataset-fashion-mnist`)"

static ln_status check_dir(const char *dir)
{
    struct stat sb;
    if (stat(dir, &sb) != 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return ln_fail(LN_ERR_IO, "data directory %s does not exist " INSTALL_HINT, dir);
        return ln_fail(LN_ERR_IO, "data directory %s: %s " INSTALL_HINT, dir, strerror(errno));
    }
    if (!S_ISDIR(sb.st_mode))
        return ln_fail(LN_ERR_IO, "data directory %s is not a directory " INSTALL_HINT, dir);
    return LN_OK;
}

/* Pick dir/base.gz, else dir/base (the distributions ship either). */
static ln_status find_file(const char *dir, const char *base, char *path, size_t cap)
{
    char plain[4096];
    int a = snprintf(path, cap, "%s/%s.gz", dir, base);
    int b = snprintf(plain, sizeof plain, "%s/%s", dir, base);
    if (a < 0 || (size_t)a >= cap || b < 0 || (size_t)b >= sizeof plain || (size_t)b >= cap)
        return ln_fail(LN_ERR_ARG, "data directory path too long: %s", dir);
    struct stat sb;
    if (stat(path, &sb) == 0) return LN_OK;
    if (stat(plain, &sb) == 0) {
        memcpy(path, plain, (size_t)b + 1);
        return LN_OK;
    }
    return ln_fail(LN_ERR_IO, "%s: no such file (also tried %s)", path, plain);
}

static ln_status check_labels(const char *path, const uint8_t *labels, int n)
{
    for (int i = 0; i < n; i++)
        if (labels[i] >= MNIST_CLASSES)
            return ln_fail(LN_ERR_FORMAT, "%s: label %u at index %d is out of range 0..%d", path,
                           labels[i], i, MNIST_CLASSES - 1);
    return LN_OK;
}

/* Load both files of a split whose paths are already resolved. */
static ln_status load_pair(const char *ipath, const char *lpath, ln_dataset *d)
{
    int nl = 0;
    ln_status st = ln_idx_read_images(ipath, &d->pixels, &d->n, &d->h, &d->w);
    if (st == LN_OK) st = ln_idx_read_labels(lpath, &d->labels, &nl);
    if (st == LN_OK && nl != d->n)
        st = ln_fail(LN_ERR_FORMAT, "%s: %d images but %s has %d labels (counts must match)",
                     ipath, d->n, lpath, nl);
    if (st == LN_OK) st = check_labels(lpath, d->labels, nl);
    return st;
}

ln_status ln_mnist_load(const char *dir, const char *split, ln_dataset *out)
{
    *out = (ln_dataset){0};
    if (!split || (strcmp(split, "train") != 0 && strcmp(split, "t10k") != 0))
        return ln_fail(LN_ERR_ARG, "split \"%s\" is neither \"train\" nor \"t10k\"",
                       split ? split : "(null)");
    ln_status st = check_dir(dir);
    if (st != LN_OK) return st;

    char base[64], ipath[4096], lpath[4096];
    snprintf(base, sizeof base, "%s-images-idx3-ubyte", split);
    st = find_file(dir, base, ipath, sizeof ipath);
    if (st != LN_OK) return st;
    snprintf(base, sizeof base, "%s-labels-idx1-ubyte", split);
    st = find_file(dir, base, lpath, sizeof lpath);
    if (st != LN_OK) return st;

    ln_dataset d = {0};
    st = load_pair(ipath, lpath, &d);
    if (st != LN_OK) {
        ln_dataset_free(&d);
        return st;
    }
    d.c = 1;
    d.nclasses = MNIST_CLASSES;
    *out = d;
    return LN_OK;
}

int ln_is_mnist_dir(const char *dir)
{
    char a[4096], b[4096];
    struct stat sb;
    snprintf(a, sizeof a, "%s/train-images-idx3-ubyte.gz", dir);
    snprintf(b, sizeof b, "%s/train-images-idx3-ubyte", dir);
    return stat(a, &sb) == 0 || stat(b, &sb) == 0;
}
