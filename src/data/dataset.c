#include <stdlib.h>
#include <string.h>

#include "dataset.h"

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
