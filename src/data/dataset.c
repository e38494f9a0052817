#include <stdlib.h>
#include <string.h>

#include "dataset.h"

#include "core/crc32.h"
#include "core/rng.h"

void ln_dataset_free(ln_dataset *d)
{
    if (!d) return;
    if (!d->borrowed) {
        free(d->pixels);
        free(d->fpixels);
        free(d->labels);
    }
    if (d->class_names)
        for (int i = 0; i < d->nclasses; i++) free(d->class_names[i]);
    free(d->class_names);
    memset(d, 0, sizeof *d);
}

ln_status ln_dataset_set_class_names(ln_dataset *d, char *const *names, int n)
{
    char **c = calloc((size_t)(n > 0 ? n : 1), sizeof *c);
    if (!c) return ln_fail(LN_ERR_NOMEM, "out of memory for class names");
    for (int i = 0; i < n; i++)
        if (!(c[i] = strdup(names[i] ? names[i] : ""))) {
            while (i--) free(c[i]);
            free(c);
            return ln_fail(LN_ERR_NOMEM, "out of memory for class names");
        }
    if (d->class_names)
        for (int i = 0; i < d->nclasses; i++) free(d->class_names[i]);
    free(d->class_names);
    d->class_names = c;
    return LN_OK;
}

static size_t image_len(const ln_dataset *d) { return (size_t)d->c * d->h * d->w; }

ln_status ln_dataset_copy(const ln_dataset *src, ln_dataset *dst)
{
    ln_dataset d = *src;
    size_t px = (size_t)src->n * image_len(src), n = (size_t)(src->n > 0 ? src->n : 0);
    d.borrowed = 0, d.class_names = NULL, d.pixels = NULL, d.fpixels = NULL;
    d.labels = malloc(n ? n : 1);
    if (src->fpixels) d.fpixels = malloc((px ? px : 1) * sizeof(float));
    else d.pixels = malloc(px ? px : 1);
    if (!d.labels || (!d.fpixels && !d.pixels) ||
        (src->class_names && ln_dataset_set_class_names(&d, src->class_names, src->nclasses) != LN_OK)) {
        ln_dataset_free(&d);
        return ln_fail(LN_ERR_NOMEM, "out of memory copying %d images", src->n);
    }
    memcpy(d.labels, src->labels, n);
    if (src->fpixels) memcpy(d.fpixels, src->fpixels, px * sizeof(float));
    else memcpy(d.pixels, src->pixels, px);
    *dst = d;
    return LN_OK;
}

void ln_dataset_image(const ln_dataset *d, int i, float *dst)
{
    size_t len = image_len(d);
    if (d->fpixels) {
        memcpy(dst, d->fpixels + (size_t)i * len, len * sizeof *dst);
        return;
    }
    const uint8_t *p = d->pixels + (size_t)i * len;
    for (size_t j = 0; j < len; j++) dst[j] = (float)p[j] * (1.0f / 255.0f);
}

uint32_t ln_dataset_crc32(const ln_dataset *d)
{
    size_t px = (size_t)d->n * image_len(d);
    uint32_t c = d->fpixels ? ln_crc32(0, d->fpixels, px * sizeof(float)) : ln_crc32(0, d->pixels, px);
    return ln_crc32(c, d->labels, (size_t)d->n);
}

void ln_dataset_truncate(ln_dataset *d, int n)
{
    if (!d || n < 0 || n >= d->n) return;
    d->n = n;
    if (n == 0 || d->borrowed) return; /* keep the buffers: realloc(p, 0) is ill-defined */
    /* Give back the tail (--limit on a 60000-image set frees most of it);
     * a failed shrink leaves the old, larger block, which is still valid. */
    size_t px = (size_t)n * image_len(d);
    if (d->fpixels) {
        float *f = px ? realloc(d->fpixels, px * sizeof *f) : NULL;
        if (f) d->fpixels = f;
    } else {
        uint8_t *p = px ? realloc(d->pixels, px) : NULL;
        if (p) d->pixels = p;
    }
    uint8_t *l = realloc(d->labels, (size_t)n);
    if (l) d->labels = l;
}

ln_status ln_dataset_subsample(ln_dataset *d, int n, uint64_t seed)
{
    if (n < 0 || n >= d->n) return LN_OK;
    if (d->borrowed) {
        ln_dataset own;
        if (ln_dataset_copy(d, &own) != LN_OK) return LN_ERR_NOMEM;
        ln_dataset_free(d);
        *d = own;
    }
    uint32_t *idx = malloc((size_t)d->n * sizeof *idx);
    uint8_t *keep = calloc((size_t)d->n, 1);
    if (!idx || !keep) {
        free(idx), free(keep);
        return ln_fail(LN_ERR_NOMEM, "out of memory");
    }
    for (int i = 0; i < d->n; i++) idx[i] = (uint32_t)i;
    ln_rng r;
    ln_rng_seed(&r, seed ^ 0x4c494d4954u);
    ln_rng_shuffle(&r, idx, (uint32_t)d->n);
    for (int i = 0; i < n; i++) keep[idx[i]] = 1;
    size_t len = image_len(d);
    for (int i = 0, j = 0; i < d->n; i++)
        if (keep[i]) {
            if (j != i && d->fpixels)
                memmove(d->fpixels + (size_t)j * len, d->fpixels + (size_t)i * len, len * sizeof(float));
            else if (j != i) memmove(d->pixels + (size_t)j * len, d->pixels + (size_t)i * len, len);
            d->labels[j++] = d->labels[i];
        }
    free(idx), free(keep);
    ln_dataset_truncate(d, n);
    return LN_OK;
}
