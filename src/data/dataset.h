/* In-memory labelled image set: pixels stay uint8 ([n][c][h][w]) and are
 * scaled to floats per batch by the engine. */
#ifndef LN_DATASET_H
#define LN_DATASET_H
#include <stddef.h>
#include <stdint.h>

#include "lenet/lenet.h"

typedef struct ln_dataset {
    int n;          /* number of images */
    int c, h, w;    /* channels, rows, columns of each image */
    int nclasses;   /* labels lie in [0, nclasses) */
    uint8_t *pixels; /* n*c*h*w bytes */
    uint8_t *labels; /* n bytes */
} ln_dataset;

void ln_dataset_free(ln_dataset *d);
/* Keep only the first n images (n <= d->n). */
void ln_dataset_truncate(ln_dataset *d, int n);

/* IDX files (MNIST format), gzipped or plain: detected by content. Every
 * header field is checked against the file's real length; on failure the
 * message names the file. idx3: ubyte images [n][rows][cols]; idx1: ubyte
 * labels [n]. */
ln_status ln_idx_read_images(const char *path, uint8_t **pixels, int *n, int *rows, int *cols);
ln_status ln_idx_read_labels(const char *path, uint8_t **labels, int *n);

/* An MNIST-format directory: {train,t10k}-{images-idx3,labels-idx1}-ubyte
 * with or without .gz. `split` is "train" or "t10k". Labels must lie in
 * 0..9 and the two files must agree on the count. */
ln_status ln_mnist_load(const char *dir, const char *split, ln_dataset *out);

/* The default data directory (Debian's dataset-fashion-mnist package). */
#define LN_DEFAULT_DATA_DIR "/usr/share/datasets/fashion-mnist"

#endif
