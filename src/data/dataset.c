#include <stdlib.h>
#include <string.h>

#include "dataset.h"

void ln_dataset_free(ln_dataset *d)
{
    if (!d) return;
    free(d->pixels);
    free(d->labels);
    memset(d, 0, sizeof *d);
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
