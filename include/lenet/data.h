/* Datasets: labelled images in memory.
 *
 * An ln_data holds n images of channels x height x width with labels in
 * [0, classes), and optionally class names. Pixels are 8-bit (scaled to
 * [0,1] as the engine reads them) or floats used as they are. Sources: an
 * MNIST-format directory (IDX files, gzipped or not), a folder of JPEG
 * class folders (decoded in parallel and cached), or arrays the caller
 * owns. A dataset is read-only once made: any number of threads and runs
 * may use one at a time. */
#ifndef LENET_DATA_H
#define LENET_DATA_H
#include <stdint.h>
#include <stdio.h>

#include "lenet/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ln_data ln_data;

/* Debian's dataset-fashion-mnist package: the default training data. */
#define LN_FASHION_MNIST_DIR "/usr/share/datasets/fashion-mnist"

/* One split of an MNIST-format directory: "train" reads
 * train-{images-idx3,labels-idx1}-ubyte[.gz], "t10k" the test files. Every
 * header field is checked against the file's real size; labels must lie
 * in 0..9. */
LN_API ln_status ln_data_mnist(const char *dir, const char *split, ln_data **out);
/* 1 if dir holds an MNIST-format training split. */
LN_API int ln_data_is_mnist(const char *dir);

/* How to read a folder of JPEG class folders. */
typedef struct ln_jpeg_options {
    int height, width;     /* images are resized to 3 x height x width (default 28 x 28) */
    double val_split;      /* a plain DIR/<class>/ layout: fraction of each class held out (default 0.2) */
    uint64_t seed;         /* the hold-out's draw (default 1) */
    int strict;            /* a bad file is an error (default 0: skipped, and counted) */
    const char *cache;     /* decoded-image cache file; NULL: DIR/.lenet-cache-HxWx3.bin; "": none */
    int threads;           /* decoding threads (0: all cores) */
    FILE *messages;        /* where skipped files are reported, one line each (default NULL: nowhere) */
} ln_jpeg_options;

/* What a folder load found. */
typedef struct ln_jpeg_report {
    int files;             /* image files considered */
    int bad;               /* skipped */
    int ignored;           /* neither JPEG nor named like an image */
    int cached;            /* 1 if the pixels came from a valid cache */
    double seconds;        /* decoding (or cache reading) time */
    char layout[16];       /* "train/val" or "classes" */
    char cache_path[4096];
    char cache_note[4600]; /* why the cache was rebuilt or not written, or "" */
} ln_jpeg_report;

LN_API void ln_jpeg_options_init(ln_jpeg_options *o);
/* Read DIR: Imagenette's DIR/{train,val}/<class>/... or DIR/<class>/...
 * with o->val_split held out per class. Classes are the sorted folder
 * names. *train and *val are new datasets (*val may be empty); rep (may be
 * NULL) says what was found. */
LN_API ln_status ln_data_jpeg_folder(const char *dir, const ln_jpeg_options *o, ln_data **train, ln_data **val,
                                     ln_jpeg_report *rep);
/* Decode every image of DIR without keeping pixels: bad files are listed
 * on `out` (may be NULL). Returns the number of bad files, or -1 on an
 * error; *classes gets the number of classes. */
LN_API int ln_data_jpeg_verify(const char *dir, int threads, FILE *out, int *classes);

/* A dataset over caller-owned arrays, copied neither: pixels [n][c][h][w]
 * (8-bit, or floats as the network should see them) and labels [n] in
 * [0, classes). The arrays must stay valid and unchanged while the dataset
 * lives. classes <= 256. */
LN_API ln_status ln_data_wrap_u8(const uint8_t *pixels, const uint8_t *labels, int n, int channels, int height,
                                 int width, int classes, ln_data **out);
LN_API ln_status ln_data_wrap_float(const float *pixels, const uint8_t *labels, int n, int channels, int height,
                                    int width, int classes, ln_data **out);
/* Give the dataset a copy of names[0..classes) (NULL removes them). */
LN_API ln_status ln_data_set_class_names(ln_data *d, const char *const *names);
/* Keep n images (n >= 1; at least the count keeps all): data without
 * class names (an MNIST split, arrays) keeps its first n; a folder's
 * (sorted by class) n drawn with `seed`, in order. */
LN_API ln_status ln_data_limit(ln_data *d, int n, uint64_t seed);
LN_API void ln_data_free(ln_data *d);

LN_API int ln_data_count(const ln_data *d);
LN_API void ln_data_shape(const ln_data *d, int *channels, int *height, int *width);
LN_API int ln_data_classes(const ln_data *d);
/* Class c's name, or NULL (IDX data, or arrays without names). */
LN_API const char *ln_data_class_name(const ln_data *d, int c);
/* Where the data came from (a directory, absolute if it could be
 * resolved), or "" for arrays. */
LN_API const char *ln_data_source(const ln_data *d);
/* Label of image i (-1 outside 0..count-1). */
LN_API int ln_data_label(const ln_data *d, int i);
/* Image i as the network sees it: c*h*w floats (8-bit pixels / 255). */
LN_API ln_status ln_data_image(const ln_data *d, int i, float *dst);
/* CRC-32 of the pixels and labels in order: a checkpoint's fingerprint of
 * its training data. */
LN_API uint32_t ln_data_crc32(const ln_data *d);

#ifdef __cplusplus
}
#endif
#endif
