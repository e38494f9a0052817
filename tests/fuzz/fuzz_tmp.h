/* Path-taking readers are fuzzed through a real file: the input is written
 * to one temporary file per process and tag, so the code under test is the
 * same open/read/stat code a user's file goes through. */
#ifndef LN_FUZZ_TMP_H
#define LN_FUZZ_TMP_H
#include <stddef.h>
#include <stdint.h>

/* Write data to this process's temporary file for `tag` (e.g. "idx",
 * "model.gz") and return its path; aborts if the file cannot be written,
 * since every later result would be meaningless. Removed at exit. */
const char *fuzz_tmp_write(const char *tag, const uint8_t *data, size_t size);
/* The same path, empty, for callers that write it themselves. */
const char *fuzz_tmp_path(const char *tag);

#endif
