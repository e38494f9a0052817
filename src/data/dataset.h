/* In-memory labelled image set: pixels stay uint8 ([n][c][h][w]) and are
 * scaled to floats per batch by the engine, or (arrays a library caller
 * owns) are floats used as they are. */
#ifndef LN_DATASET_H
#define LN_DATASET_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lenet/status.h"

typedef struct ln_dataset {
    int n;          /* number of images */
    int c, h, w;    /* channels, rows, columns of each image */
    int nclasses;   /* labels lie in [0, nclasses) */
    uint8_t *pixels; /* n*c*h*w bytes, or NULL when fpixels holds them */
    uint8_t *labels; /* n bytes */
    char **class_names; /* [nclasses] readable names, or NULL (IDX data) */
    float *fpixels;  /* n*c*h*w floats as the network sees them, or NULL */
    int borrowed;    /* pixels, fpixels and labels are the caller's: never freed or moved */
} ln_dataset;

/* Frees what the dataset owns (the class names always). */
void ln_dataset_free(ln_dataset *d);
/* A deep copy that owns everything. */
ln_status ln_dataset_copy(const ln_dataset *src, ln_dataset *dst);
/* Image i as the network sees it: c*h*w floats. */
void ln_dataset_image(const ln_dataset *d, int i, float *dst);
/* CRC-32 of the pixels (bytes or floats) and labels in order. */
uint32_t ln_dataset_crc32(const ln_dataset *d);
/* Keep only the first n images (n <= d->n); borrowed arrays are not
 * shrunk. */
void ln_dataset_truncate(ln_dataset *d, int n);
/* Keep n images drawn at random (seeded), in their order: a folder's
 * images come sorted by class, so its first n would be one class. A
 * borrowed dataset is copied first. */
ln_status ln_dataset_subsample(ln_dataset *d, int n, uint64_t seed);

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

/* A copy of names[0..n) into d->class_names (replacing any). */
ln_status ln_dataset_set_class_names(ln_dataset *d, char *const *names, int n);
/* 1 if dir holds an MNIST-format split (train-images-idx3-ubyte[.gz]). */
int ln_is_mnist_dir(const char *dir);

/* ---- image folders (imgfolder.c) ---- */

/* How to load a folder of JPEG class folders. */
typedef struct ln_folder_opts {
    int h, w;           /* the model's input; images become 3 x h x w */
    double val_split;   /* plain layout: fraction of each class held out */
    uint64_t seed;      /* the split's draw */
    int strict;         /* a bad file is an error, not a skip */
    const char *cache;  /* cache file; NULL: the default beside the data; "": none */
    int threads;
    int quiet;          /* no per-file lines at all */
    FILE *messages;     /* where per-file lines go (unless quiet); NULL: stderr (the CLI's) */
} ln_folder_opts;

typedef struct ln_folder_report {
    int files;          /* image files considered */
    int bad;            /* skipped (reasons printed) */
    int ignored;        /* neither JPEG nor named like an image: not counted as bad */
    int cached;         /* 1 if the pixels came from a valid cache */
    double seconds;     /* decoding (or cache reading) time */
    char layout[16];    /* "train/val" or "classes" */
    char cache_path[4096];
    char cache_note[4600]; /* why the cache was (re)built or not written, or "" */
} ln_folder_report;

/* Load DIR: Imagenette's DIR/{train,val}/<class>/... or a plain
 * DIR/<class>/... with o->val_split held out (seeded, per class). Classes
 * are the sorted folder names (Imagenette's WordNet ids shown by their
 * names). Hidden files and folders are ignored; files are judged by their
 * bytes. Pixels are decoded in parallel and cached (validated by the
 * source list: paths, sizes, modification times). */
ln_status ln_folder_load(const char *dir, const ln_folder_opts *o, ln_dataset *train, ln_dataset *val,
                         ln_folder_report *rep);
/* Scan DIR and decode every image without keeping pixels or cache: per
 * class counts in counts[] (classes in names[], at most max), bad files
 * printed to `out`. Returns the number of bad files, or -1 on an error. */
int ln_folder_verify(const char *dir, int threads, FILE *out, int *nclasses);
/* Every file a load of DIR would consider, in its order (free with
 * ln_folder_list_free). */
ln_status ln_folder_list(const char *dir, char ***paths, int *n);
void ln_folder_list_free(char **paths, int n);
/* Read and decode one file as the loader does into 3 x h x w bytes: 0 ok,
 * 1 bad, 2 not an image; unless 0, why (LN_FOLDER_REASON bytes) says why. */
#define LN_FOLDER_REASON 160
int ln_image_file_decode(const char *path, int h, int w, uint8_t *out, char *why);
/* Imagenette's readable name for a WordNet id, or NULL. */
const char *ln_imagenette_name(const char *wnid);

/* The default data directory (Debian's dataset-fashion-mnist package). */
#define LN_DEFAULT_DATA_DIR "/usr/share/datasets/fashion-mnist"

#endif
