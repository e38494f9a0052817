/* Shared test helpers: temporary paths, file writing, running the CLI. */
#ifndef LN_TEST_SUPPORT_H
#define LN_TEST_SUPPORT_H
#include <stddef.h>
#include <stdint.h>

#include "data/dataset.h"

/* A fresh path under the test build directory, unique per process. */
const char *tmp_path(const char *name);
/* Write bytes to a file; returns 0 on success. */
int write_file(const char *path, const void *data, size_t len);
/* gzip-compress bytes into a file; returns 0 on success. */
int write_gz(const char *path, const void *data, size_t len);
/* Run the lenet CLI with `args` (a shell-quoted string); capture combined
 * stdout+stderr into out (NUL-terminated, truncated to cap). Returns the
 * exit status, or -1 if it did not exit normally (a crash). */
int run_cli(const char *args, char *out, size_t cap);
/* run_cli with printf-style arguments (aborts the test if they do not fit). */
int run_clif(char *out, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The same for another program (e.g. LENET_BENCH). */
int run_prog(const char *exe, const char *args, char *out, size_t cap);
/* Start the lenet CLI in the background (stdout+stderr to `log`); returns
 * its pid (the shell execs it, so signals reach lenet itself). */
int spawn_cli(const char *args, const char *log);
/* Wait for a spawned process: its exit status, or 256 + the signal that
 * killed it. */
int wait_cli(int pid);
/* Write `ntrain` and `ntest` random images (random_dataset) as an
 * MNIST-format directory `dir` (created). Returns 0 on success. */
int write_mnist_dir(const char *dir, int ntrain, int ntest, uint64_t seed);
/* Read a whole file; caller frees. NULL on failure. */
unsigned char *read_file(const char *path, size_t *len);
/* n random 1x28x28 images with random labels 0..9 from the project's PRNG;
 * free with ln_dataset_free. */
ln_dataset random_dataset(int n, uint64_t seed);

/* A JPEG of w x h interleaved pixels with `comps` components (1 gray,
 * 3 RGB, 4 CMYK stored as given), in memory (free()). hsamp/vsamp: the
 * first component's sampling factors (2,2 = 4:2:0; 0 = libjpeg's default). */
typedef struct jpeg_spec {
    int w, h, comps, quality, hsamp, vsamp, progressive, restart_rows, ycck, no_adobe;
} jpeg_spec;
uint8_t *make_jpeg(const jpeg_spec *s, const uint8_t *pixels, size_t *len);
/* A smooth test pattern (JPEG-friendly) of interleaved pixels. */
void smooth_image(int w, int h, int comps, uint64_t seed, uint8_t *px);

#endif
