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
/* The same for another program (e.g. LENET_BENCH). */
int run_prog(const char *exe, const char *args, char *out, size_t cap);
/* Read a whole file; caller frees. NULL on failure. */
unsigned char *read_file(const char *path, size_t *len);
/* n random 1x28x28 images with random labels 0..9 from the project's PRNG;
 * free with ln_dataset_free. */
ln_dataset random_dataset(int n, uint64_t seed);

#endif
