/* Atomic replacement of an output file: write a temporary beside it, make
 * it durable, rename it over the target, sync the directory. Readers see
 * the old file or the new one, never a partial one; a failure leaves the
 * target as it was. One module for every writer (model files, checkpoints,
 * the image cache); see docs/FORMAT.md, "Writing: atomic replacement".
 *
 *     ln_atomic_file a;
 *     if (ln_atomic_begin(&a, path) != LN_OK) return ...;   // message set
 *     fwrite(..., a.f); ...                                  // errors are sticky
 *     return ln_atomic_commit(&a);                           // or ln_atomic_abort(&a)
 */
#ifndef LN_ATOMIC_FILE_H
#define LN_ATOMIC_FILE_H
#include <stdio.h>

#include "lenet/status.h"

typedef struct ln_atomic_file {
    FILE *f;    /* the temporary, open for writing */
    char *path; /* the target (a copy) */
    char *tmp;  /* "<path>.tmp.<pid>" */
} ln_atomic_file;

/* Whether path may be written as an output: it does not exist, or it is
 * (through any symbolic link) a regular file. A FIFO, device, socket or
 * folder is refused with "<path>: not a regular file (a FIFO); refusing to
 * replace it" (LN_ERR_IO): renaming over it would replace, say, /dev/null. */
ln_status ln_output_check(const char *path);

/* Check path (ln_output_check) and create "<path>.tmp.<pid>" beside it:
 * O_NOFOLLOW (never through a planted link), O_EXCL after removing any
 * leftover of ours, write-locked until commit or abort (so
 * ln_atomic_remove_stale leaves it alone). On failure *a is cleared and
 * nothing exists. */
ln_status ln_atomic_begin(ln_atomic_file *a, const char *path);
/* Flush, fsync and close the temporary (any write error on a->f is
 * reported here), check the target again, rename the temporary over it
 * and fsync the directory (EINVAL from a filesystem that cannot sync
 * directories is not an error). On any failure before the rename the
 * temporary is removed and the target untouched. Always releases *a. */
ln_status ln_atomic_commit(ln_atomic_file *a);
/* Close and remove the temporary; the target is untouched. */
void ln_atomic_abort(ln_atomic_file *a);

/* Remove temporaries "<path>.tmp.<pid>" that writers killed mid-write
 * (SIGKILL, power loss) left behind: regular files whose process <pid> is
 * gone here and whose write lock is free. Returns how many were removed. */
int ln_atomic_remove_stale(const char *path);

/* 1 when a and b both exist and are the same file (device and inode,
 * through links), else 0. */
int ln_same_file(const char *a, const char *b);

#endif
