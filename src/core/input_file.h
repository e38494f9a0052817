/* Opening an input file: only a regular file is accepted, and the open
 * never blocks (a FIFO at the path would otherwise wait forever for a
 * writer). */
#ifndef LN_INPUT_FILE_H
#define LN_INPUT_FILE_H
#include <stdio.h>
#include <sys/stat.h>

#include "lenet/status.h"

/* What a stat mode is, for messages: "a FIFO", "a folder", ... */
const char *ln_file_kind(mode_t mode);

/* Open path read-only (O_CLOEXEC), refusing anything but a regular file
 * with "<path>: cannot open: <reason>" or "<path>: not a regular file
 * (a FIFO)" (LN_ERR_IO). Returns the descriptor, in blocking mode, or -1.
 * sb (may be NULL) receives the file's fstat. */
int ln_open_input(const char *path, struct stat *sb);
/* The same as a stdio stream ("rb"), or NULL. */
FILE *ln_fopen_input(const char *path, struct stat *sb);

#endif
