#include <stdlib.h>
#include <string.h>

#include "dataset.h"

#include "core/rng.h"

void ln_dataset_free(ln_dataset *d)
{
    if (!d) return;
    free(d->pixels);
    free(d->labels);
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

void ln_dataset_truncate(ln_dataset *d, int n)
{
    if (!d || n < 0 || n >= d->n) return;
    d->n = n;
    if (n == 0) return; /* keep the buffers: realloc(p, 0) is ill-defined */
    /* Give back the tail (--limit on a 60000-image set frees most of it);
     * a failed shrink leaves the old, larger block, which is still valid. */
    size_t px = (size_t)n * (size_t)d->c * (size_t)d->h * (size_t)d->w;
    uint8_t *p = px ? realloc(d->pixels, px) : NULL;
    if (p) d->pixels = p;
    uint8_t *l = realloc(d->labels, (size_t)n);
    if (l) d->labels = l;
}

ln_status ln_dataset_subsample(ln_dataset *d, int n, uint64_t seed)
{
    if (n < 0 || n >= d->n) return LN_OK;
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
    size_t len = (size_t)d->c * d->h * d->w;
    for (int i = 0, j = 0; i < d->n; i++)
        if (keep[i]) {
            if (j != i) memmove(d->pixels + (size_t)j * len, d->pixels + (size_t)i * len, len);
            d->labels[j++] = d->labels[i];
        }
    free(idx), free(keep);
    ln_dataset_truncate(d, n);
    return LN_OK;
}
