/* Training: a recipe, the run loop, checkpoints and resume.
 *
 * ln_train runs epochs of minibatch SGD on a model: each epoch shuffles
 * the training set (seeded), augments if asked (keyed by seed, epoch and
 * image, never by thread), steps through it, evaluates on the test set and
 * reports; it checkpoints as asked, stops cleanly on request (a callback,
 * a signal, a step budget) with a checkpoint to resume from, and saves the
 * model atomically at the end. The weights after a run depend on the
 * model, the data and the recipe alone: not on the thread count, and not
 * on whether the run was stopped and resumed on the way. */
#ifndef LENET_TRAIN_H
#define LENET_TRAIN_H
#include <stdint.h>

#include "lenet/data.h"
#include "lenet/model.h"
#include "lenet/system.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Everything that shapes the weights. */
typedef struct ln_recipe {
    int epochs;            /* passes over the training set */
    int batch;             /* minibatch size (the last batch of an epoch may be smaller) */
    float lr;              /* peak learning rate */
    float momentum;        /* SGD momentum, 0 for plain SGD */
    int nesterov;          /* Nesterov momentum */
    float weight_decay;    /* L2 weight decay */
    const char *schedule;  /* "constant", "cosine" (to zero at the last step) or "lecun98" */
    int warmup;            /* epochs of linear warm-up, < epochs */
    uint64_t seed;         /* shuffling and augmentation (the model's weights have their own, ln_model_new's) */
    const char *augment;   /* NULL, or "flip", "shift", "shift=N" (N in 1..8) comma-separated */
    int limit;             /* train on this many images only (0: all; see ln_data_limit) */
    double val_split;      /* recorded in checkpoints: the hold-out the caller made of a folder */
} ln_recipe;

/* Fill r with a named recipe: "default" (15 epochs, batch 64, SGD 0.05
 * Nesterov 0.9, cosine, weight decay 5e-4: >= 90% on Fashion-MNIST),
 * "seed" (the Keras lesson's: 5 epochs, batch 32, SGD 0.01) or "lecun98"
 * (lenet5-1998's). NULL is "default". */
LN_API ln_status ln_recipe_init(ln_recipe *r, const char *name);
/* The recipe names, NULL-terminated (static). */
LN_API const char *const *ln_recipe_names(void);
/* The recipe a model trains with unless told: lenet5-1998's own, else
 * "default". */
LN_API const char *ln_recipe_for_model(const char *model);
/* Check every field (ranges, names, warm-up shorter than the run). */
LN_API ln_status ln_recipe_check(const ln_recipe *r);

/* ---- checkpoints ---------------------------------------------------- */

/* A checkpoint read from disk: a model, its momentum buffers, the recipe,
 * where the run stood, and a fingerprint of its training data. */
typedef struct ln_checkpoint ln_checkpoint;

typedef struct ln_checkpoint_info {
    long epoch;            /* the epoch to run next (1-based; epochs + 1: the run is complete) */
    long epoch_step;       /* steps of it already run */
    long step;             /* steps since the start of the run */
    char kernels[16];      /* the kernel set that trained it */
    char data[1024];       /* the training data's source as recorded */
    long data_n;           /* training images */
    uint32_t data_crc;     /* ln_data_crc32 of them */
} ln_checkpoint_info;

/* Read and verify a checkpoint (checksums, every tensor, every key). */
LN_API ln_status ln_checkpoint_open(const char *path, ln_checkpoint **out);
LN_API void ln_checkpoint_free(ln_checkpoint *c);
/* The recipe it was trained with; its strings live as long as c. */
LN_API void ln_checkpoint_recipe(const ln_checkpoint *c, ln_recipe *r);
LN_API void ln_checkpoint_info_get(const ln_checkpoint *c, ln_checkpoint_info *out);
/* Its model, owned by c: clone it to train it. */
LN_API const ln_model *ln_checkpoint_model(const ln_checkpoint *c);

/* ---- the run -------------------------------------------------------- */

/* Where a run is, after each step. */
typedef struct ln_progress {
    long epoch, epochs;            /* 1-based */
    long epoch_step, epoch_steps;  /* steps of this epoch done, and in all */
    long step, total_steps;        /* since the start of the run (a resumed run counts from the original start) */
    long images;                   /* images of this epoch so far */
    double loss;                   /* mean training loss of this epoch so far */
    double img_per_s;              /* this epoch's training rate */
    double eta_s;                  /* estimated seconds to the end of the epoch */
    int evaluating;                /* 1: the epoch's steps are done and evaluation starts */
} ln_progress;

/* One epoch's figures, as written to the log. */
typedef struct ln_epoch_stats {
    long epoch, epochs;
    double train_loss, train_acc;  /* over this epoch's steps (a resumed epoch includes the steps before) */
    double test_loss, test_acc;    /* NAN without test data */
    double img_per_s;              /* training images per second */
    double seconds;                /* training and evaluation */
    double lr;                     /* the rate of the epoch's last step */
} ln_epoch_stats;

/* What a run is about to do, once its checks have passed. */
typedef struct ln_run_info {
    char kernels[16];              /* the kernel set it trains with */
    int threads;                   /* OpenMP threads (per process) */
    int processes;                 /* MPI processes (1 without mpirun) */
    int train_images, test_images; /* after recipe.limit */
    long epoch_steps, total_steps;
    long first_epoch, first_step;  /* where it starts: 1, 0 unless resumed */
    int resumed;                   /* continuing a checkpoint */
    const char *checkpoint;        /* where checkpoints go */
} ln_run_info;

/* Callbacks run on the calling thread, between steps; any may be NULL.
 * Under MPI only rank 0 calls start, progress and epoch; should_stop is
 * polled on every rank and any rank's request stops all at the same step. */
typedef struct ln_callbacks {
    void *user;
    /* before the first step */
    void (*start)(const ln_run_info *i, void *user);
    /* after every step */
    void (*progress)(const ln_progress *p, void *user);
    /* after each epoch's evaluation (and log line) */
    void (*epoch)(const ln_epoch_stats *s, void *user);
    /* polled after every step: nonzero stops the run there, with a
     * checkpoint, as a signal does */
    int (*should_stop)(void *user);
} ln_callbacks;

/* How to run: everything that does not change the weights. */
typedef struct ln_run_options {
    ln_exec exec;                  /* threads and kernels */
    const char *save;              /* write the model here at the end (atomic), or NULL */
    const char *log;               /* JSON Lines, one object per epoch (a resumed run appends), or NULL */
    const char *checkpoint;        /* where checkpoints go; NULL: "<save>.ckpt", else "lenet.ckpt" */
    int checkpoint_every;          /* -1: only when stopped early; 0: after every epoch; N: every N steps too */
    long stop_after;               /* stop after this many steps of this call, with a checkpoint (0: never) */
    const ln_checkpoint *resume;   /* continue this checkpoint's run (NULL: start) */
    int allreduce_fast;            /* under MPI: combine gradients with MPI_Allreduce (faster; weights then
                                    * depend on the number of processes) instead of in a fixed order */
    ln_callbacks cb;
} ln_run_options;

LN_API void ln_run_options_init(ln_run_options *o);

/* How a run ended. */
typedef enum ln_run_end {
    LN_RUN_COMPLETE,               /* every epoch ran (the model was saved, if asked) */
    LN_RUN_STOPPED,                /* a stop request or signal: checkpoint saved */
    LN_RUN_STOPPED_AFTER,          /* stop_after steps ran: checkpoint saved */
} ln_run_end;

typedef struct ln_run_result {
    ln_run_end end;
    int signal;                    /* the signal that stopped it (ln_stop_on_signals), or 0 */
    long step, total_steps;        /* where it ended */
    int epochs_run;                /* epochs completed by this call */
    int checkpoint_saved;          /* a checkpoint was written (to `checkpoint`) */
    int log_failed;                /* the log could not be written (the status is LN_ERR_IO) */
    char checkpoint[4096];         /* where checkpoints go */
    ln_epoch_stats last;           /* the last epoch's figures (epoch 0 if none) */
} ln_run_result;

/* Messages name the outputs as lenet train's flags do (--save, --log,
 * --checkpoint).
 *
 * Train m on `train`, evaluating on `test` (NULL or empty: no test) after
 * each epoch. Every output path is checked before the first step (not a
 * directory, a FIFO or one of the run's inputs; its folder writable), the
 * recipe too (ln_recipe_check), so a run never fails at its end for an
 * argument known at its start. A model without class names takes
 * train's. With o->resume, m must hold the checkpoint's model (its
 * weights are replaced by the checkpoint's), r its recipe (only epochs may
 * differ) and train the same images (count and CRC-32).
 *
 * Returns LN_OK when the run completed or stopped as asked (res says
 * which); LN_ERR_NUMERIC when the loss turned non-finite (the weights of
 * the step before are kept; nothing is saved over earlier files); other
 * errors with the message in ln_last_error(). A log that cannot be written
 * stops the run as a stop request does (checkpoint, or at the last epoch
 * the model saved), then returns LN_ERR_IO. */
LN_API ln_status ln_train(ln_model *m, const ln_data *train, const ln_data *test, const ln_recipe *r,
                          const ln_run_options *o, ln_run_result *res);

/* The checks ln_train makes of o's outputs (save, log, checkpoint:
 * writable, not directories or devices, not one another, not the
 * checkpoint resumed from), without data: to refuse a bad path before
 * loading anything. ln_train repeats them with the data's files. */
LN_API ln_status ln_run_check_outputs(const ln_run_options *o);

/* Make SIGINT and SIGTERM stop runs: the first finishes the step, saves a
 * checkpoint and ends the run with LN_RUN_STOPPED (res->signal says which);
 * a second kills the process at once (the file on disk is still the last
 * complete checkpoint). Process-wide; for programs that do not handle
 * these signals themselves. */
LN_API ln_status ln_stop_on_signals(void);
/* Ask running and future runs to stop, as a signal would (async-signal
 * safe: callable from the caller's own handler). `sig` is reported in
 * res->signal (0 for none). */
LN_API void ln_request_stop(int sig);
/* Nonzero while a stop is requested: the signal, or -1 if asked with 0. */
LN_API int ln_stop_requested(void);
/* Forget a stop request (before another run). */
LN_API void ln_stop_reset(void);

#ifdef __cplusplus
}
#endif
#endif
