/* The public dataset API (include/lenet/data.h) over ln_dataset. */
#define _XOPEN_SOURCE 700 /* realpath */
#include <limits.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "api/handles.h"

static ln_status new_data(ln_data **out)
{
    *out = calloc(1, sizeof **out);
    return *out ? LN_OK : ln_fail(LN_ERR_NOMEM, "out of memory for a dataset");
}

/* d->source = dir resolved (as given when it cannot be resolved, or its
 * resolved form is too long for the field). */
static void set_source(ln_data *d, const char *dir)
{
    char real[PATH_MAX];
    const char *s = realpath(dir, real) && strlen(real) < sizeof d->source ? real : dir;
    size_t n = strnlen(s, sizeof d->source - 1);
    memcpy(d->source, s, n);
    d->source[n] = 0;
}

ln_status ln_data_mnist(const char *dir, const char *split, ln_data **out)
{
    if (!out) return ln_fail(LN_ERR_ARG, "ln_data_mnist: out is NULL");
    *out = NULL;
    if (!dir) return ln_fail(LN_ERR_ARG, "ln_data_mnist: dir is NULL");
    if (!split || (strcmp(split, "train") && strcmp(split, "t10k")))
        return ln_fail(LN_ERR_ARG, "ln_data_mnist: split '%s' is neither \"train\" nor \"t10k\"",
                       split ? split : "(null)");
    ln_data *d;
    ln_status st = new_data(&d);
    if (st == LN_OK && (st = ln_mnist_load(dir, split, &d->ds)) != LN_OK) ln_data_free(d);
    if (st != LN_OK) return st;
    set_source(d, dir);
    *out = d;
    return LN_OK;
}

int ln_data_is_mnist(const char *dir) { return dir && ln_is_mnist_dir(dir); }

void ln_jpeg_options_init(ln_jpeg_options *o)
{
    *o = (ln_jpeg_options){.height = 28, .width = 28, .val_split = 0.2, .seed = 1};
}

ln_status ln_data_jpeg_folder(const char *dir, const ln_jpeg_options *o, ln_data **train, ln_data **val,
                              ln_jpeg_report *rep)
{
    if (!train || !val) return ln_fail(LN_ERR_ARG, "ln_data_jpeg_folder: %s is NULL", train ? "val" : "train");
    *train = *val = NULL;
    if (!dir) return ln_fail(LN_ERR_ARG, "ln_data_jpeg_folder: dir is NULL");
    ln_jpeg_options def;
    ln_jpeg_options_init(&def);
    if (!o) o = &def;
    if (o->height < 1 || o->height > 4096 || o->width < 1 || o->width > 4096)
        return ln_fail(LN_ERR_ARG, "%s: image size %dx%d is out of range 1..4096", dir, o->height, o->width);
    if (!(o->val_split >= 0.0 && o->val_split < 1.0))
        return ln_fail(LN_ERR_ARG, "%s: val_split %g is outside [0, 1)", dir, o->val_split);
    if (o->threads < 0) return ln_fail(LN_ERR_ARG, "%s: threads %d is negative", dir, o->threads);
    ln_folder_opts fo = {.h = o->height, .w = o->width, .val_split = o->val_split, .seed = o->seed,
                         .strict = o->strict, .cache = o->cache,
                         .threads = o->threads ? o->threads : omp_get_num_procs(),
                         .quiet = o->messages == NULL, .messages = o->messages};
    ln_data *tr = NULL, *va = NULL;
    ln_folder_report fr;
    ln_status st = new_data(&tr);
    if (st == LN_OK) st = new_data(&va);
    if (st == LN_OK) st = ln_folder_load(dir, &fo, &tr->ds, &va->ds, &fr);
    if (st != LN_OK) {
        ln_data_free(tr);
        ln_data_free(va);
        return st;
    }
    set_source(tr, dir);
    memcpy(va->source, tr->source, sizeof va->source);
    if (rep) {
        memset(rep, 0, sizeof *rep);
        rep->files = fr.files, rep->bad = fr.bad, rep->ignored = fr.ignored, rep->cached = fr.cached;
        rep->seconds = fr.seconds;
        snprintf(rep->layout, sizeof rep->layout, "%s", fr.layout);
        snprintf(rep->cache_path, sizeof rep->cache_path, "%s", fr.cache_path);
        snprintf(rep->cache_note, sizeof rep->cache_note, "%s", fr.cache_note);
    }
    *train = tr, *val = va;
    return LN_OK;
}

int ln_data_jpeg_verify(const char *dir, int threads, FILE *out, int *classes)
{
    if (!dir || threads < 0) {
        ln_fail(LN_ERR_ARG, "ln_data_jpeg_verify: %s", dir ? "threads is negative" : "dir is NULL");
        return -1;
    }
    /* the verifier always writes its listing: without `out`, to nowhere */
    FILE *sink = out ? out : fopen("/dev/null", "w");
    if (!sink) {
        ln_fail(LN_ERR_IO, "ln_data_jpeg_verify: cannot open /dev/null");
        return -1;
    }
    int nc = 0, bad = ln_folder_verify(dir, threads ? threads : omp_get_num_procs(), sink, &nc);
    if (!out) fclose(sink);
    if (classes) *classes = nc;
    return bad;
}

/* A borrowed dataset over caller arrays (u8 or f32), every argument
 * checked; fn names the caller in messages. */
static ln_status wrap(const char *fn, const uint8_t *u8, const float *f32, const uint8_t *labels, int n, int channels,
                      int height, int width, int classes, ln_data **out)
{
    if (!out) return ln_fail(LN_ERR_ARG, "%s: out is NULL", fn);
    *out = NULL;
    if ((!u8 && !f32) || !labels) return ln_fail(LN_ERR_ARG, "%s: %s is NULL", fn, labels ? "pixels" : "labels");
    if (n <= 0) return ln_fail(LN_ERR_ARG, "%s: n = %d images (at least 1)", fn, n);
    if (channels <= 0 || height <= 0 || width <= 0 || (long long)channels * height * width > INT_MAX)
        return ln_fail(LN_ERR_ARG, "%s: image shape %dx%dx%d is empty or too large", fn, channels, height, width);
    if (classes < 1 || classes > 256)
        return ln_fail(LN_ERR_ARG, "%s: classes = %d is out of range 1..256", fn, classes);
    for (int i = 0; i < n; i++)
        if (labels[i] >= classes)
            return ln_fail(LN_ERR_ARG, "%s: labels[%d] = %d is not below classes = %d", fn, i, labels[i], classes);
    ln_data *d;
    ln_status st = new_data(&d);
    if (st != LN_OK) return st;
    /* never written through: ln_dataset_subsample copies a borrowed set first */
    d->ds = (ln_dataset){.n = n, .c = channels, .h = height, .w = width, .nclasses = classes,
                         .pixels = (uint8_t *)u8, .labels = (uint8_t *)labels, .fpixels = (float *)f32, .borrowed = 1};
    *out = d;
    return LN_OK;
}

ln_status ln_data_wrap_u8(const uint8_t *pixels, const uint8_t *labels, int n, int channels, int height, int width,
                          int classes, ln_data **out)
{
    return wrap("ln_data_wrap_u8", pixels, NULL, labels, n, channels, height, width, classes, out);
}

ln_status ln_data_wrap_float(const float *pixels, const uint8_t *labels, int n, int channels, int height, int width,
                             int classes, ln_data **out)
{
    return wrap("ln_data_wrap_float", NULL, pixels, labels, n, channels, height, width, classes, out);
}

ln_status ln_data_set_class_names(ln_data *d, const char *const *names)
{
    if (!d) return ln_fail(LN_ERR_ARG, "ln_data_set_class_names: data is NULL");
    if (names) /* copied, never written */
        return ln_dataset_set_class_names(&d->ds, (char *const *)names, d->ds.nclasses);
    if (d->ds.class_names)
        for (int c = 0; c < d->ds.nclasses; c++) free(d->ds.class_names[c]);
    free(d->ds.class_names);
    d->ds.class_names = NULL;
    return LN_OK;
}

ln_status ln_data_limit(ln_data *d, int n, uint64_t seed)
{
    if (!d) return ln_fail(LN_ERR_ARG, "ln_data_limit: data is NULL");
    if (n < 1) return ln_fail(LN_ERR_ARG, "ln_data_limit: n = %d (at least 1)", n);
    if (n >= d->ds.n) return LN_OK;
    /* as lenet train --limit: IDX data (no class names) keeps the file's
     * first n; a folder's images are sorted by class, so n are drawn */
    if (!d->ds.class_names) {
        ln_dataset_truncate(&d->ds, n);
        return LN_OK;
    }
    return ln_dataset_subsample(&d->ds, n, seed);
}

void ln_data_free(ln_data *d)
{
    if (!d) return;
    ln_dataset_free(&d->ds);
    free(d);
}

int ln_data_count(const ln_data *d) { return d->ds.n; }

void ln_data_shape(const ln_data *d, int *channels, int *height, int *width)
{
    if (channels) *channels = d->ds.c;
    if (height) *height = d->ds.h;
    if (width) *width = d->ds.w;
}

int ln_data_classes(const ln_data *d) { return d->ds.nclasses; }

const char *ln_data_class_name(const ln_data *d, int c)
{
    return d->ds.class_names && c >= 0 && c < d->ds.nclasses ? d->ds.class_names[c] : NULL;
}

const char *ln_data_source(const ln_data *d) { return d->source; }

int ln_data_label(const ln_data *d, int i) { return i >= 0 && i < d->ds.n ? d->ds.labels[i] : -1; }

ln_status ln_data_image(const ln_data *d, int i, float *dst)
{
    if (!d || !dst) return ln_fail(LN_ERR_ARG, "ln_data_image: %s is NULL", d ? "dst" : "data");
    if (i < 0 || i >= d->ds.n)
        return ln_fail(LN_ERR_ARG, "ln_data_image: image %d is out of range 0..%d", i, d->ds.n - 1);
    ln_dataset_image(&d->ds, i, dst);
    return LN_OK;
}

uint32_t ln_data_crc32(const ln_data *d) { return ln_dataset_crc32(&d->ds); }
