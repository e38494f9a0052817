/* The files a training run writes, checked before its first step so that
 * a run never fails at its end for a path known at its start. */
#ifndef LN_RUN_PATHS_H
#define LN_RUN_PATHS_H
#include "lenet/status.h"

typedef struct ln_run_paths {
    const char *save, *log;   /* NULL: none */
    const char *ckpt;         /* where checkpoints go (always set) */
    const char *ckpt_flag;    /* how messages name it: "--checkpoint", "--resume" or "checkpoint" */
    const char *ckpt_hint;    /* ends messages about it ("" or how to choose another) */
    const char *resume;       /* the checkpoint resumed from, or NULL */
    const char *data;         /* the training data's directory, or "" */
} ln_run_paths;

/* Each output may be written (not a directory, FIFO or device; a name that
 * fits with the temporary's suffix; a writable folder), no two outputs are
 * one file, and none is one of the run's inputs. */
ln_status ln_run_paths_check(const ln_run_paths *p);

#endif
