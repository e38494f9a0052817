/* Minibatch training and evaluation, parallel across the batch.
 *
 * A step is two loops of work items in one parallel region. First chunks:
 * the batch is cut into chunks of a size that depends on the batch size
 * alone (down to one sample, so that a small batch still has 16 chunks);
 * each chunk runs forward and backward on one thread. Dense layers (and
 * convolutions, when chunks are small) leave their inputs and output
 * gradients in batch buffers, and their weight gradients are formed
 * afterwards over the whole batch, one product per block of input columns
 * (dense) or output channels (convolutions), each fused with the SGD
 * update of its weights. The other parameters accumulate in a buffer per
 * chunk, summed in chunk order by blocks of parameters. Which thread ran
 * which chunk or block never matters, so the weights are bitwise identical
 * for any --threads. */
#ifndef LN_TRAINER_H
#define LN_TRAINER_H
#include "data/dataset.h"
#include "nn/pass.h"

/* constant; cosine to zero at the last step; lecun98: the shape of LeCun
 * et al.'s 1998 schedule (0.0005 for 2 epochs, 0.0002 for 3, 0.0001 for
 * 3, 0.00005 for 4, then 0.00001) as multiples 1, 0.4, 0.2, 0.1, 0.02 of
 * the base rate, per epoch. */
typedef enum ln_schedule { LN_SCHED_CONSTANT, LN_SCHED_COSINE, LN_SCHED_LECUN98 } ln_schedule;
/* The schedule called `name` ("constant", "cosine", "lecun98"), or -1. */
int ln_schedule_from_name(const char *name);

/* ln_sgd (the optimizer's settings) is the SGD kernel's, in kernels.h. */

/* Training-time augmentation: a horizontal flip (probability 1/2) and a
 * translation by up to `shift` pixels each way (zero fill), drawn from a
 * hash of (seed, epoch, sample index): the same whatever the thread. */
typedef struct ln_augment {
    int flip, shift;
    uint64_t seed;
    long epoch;
} ln_augment;

/* Phases of a step, timed when ln_trainer.prof is set. */
enum { LN_PH_DATA, LN_PH_FORWARD, LN_PH_BACKWARD, LN_PH_REDUCE, LN_PH_UPDATE, LN_PH_COUNT };
extern const char *const ln_phase_names[LN_PH_COUNT];

/* Seconds spent per phase, summed over threads and steps; wait is time
 * threads spent idle at the step's barriers. */
typedef struct ln_step_prof {
    double phase[LN_PH_COUNT], wait;
    long steps;
} ln_step_prof;

/* One unit of the update phase: a block of parameters reduced from the
 * chunk buffers, or a block of a deferred layer's weights. */
typedef struct ln_update_item {
    int layer;         /* deferred layer, or -1 */
    int block;         /* its column block (dense) or output-channel block (convolution) */
    size_t lo, hi;     /* reduced parameters [lo, hi) */
} ln_update_item;

typedef struct ln_trainer {
    ln_net *net;
    const ln_kernels *k;
    int threads, batch, chunk, max_chunks;
    ln_workspace *ws;   /* [threads] */
    float *grads;       /* [max_chunks][gspan], laid out as the parameters */
    size_t gspan;       /* up to the last parameter that chunks accumulate (0: none) */
    float *velocity;    /* [nparams] */
    double *chunk_loss; /* [max_chunks] */
    int *chunk_correct; /* [max_chunks] */
    ln_defer defer;     /* batch buffers of the deferred layers */
    float **tbuf;       /* [threads]: a block's gradient (gblock_len floats), then
                         * conv kernel scratch (scratch_len); allocated and first
                         * touched by its own thread */
    size_t gblock_len, scratch_len;
    ln_update_item *items;
    int nitems;
    ln_step_prof *prof; /* NULL, or where to add phase times */
    ln_augment aug;     /* zero: none; the caller sets .epoch each epoch */
    double *tphase;     /* [threads][LN_PH_COUNT + 1] per-thread times */
} ln_trainer;

/* The chunk size for a batch size: batch/16 samples, so that a batch of 16
 * or more has at least 16 chunks, but at most 8 (their activations and
 * gradients fit one core's L2) until a batch has 64 chunks, which bounds
 * the chunk buffers of large batches; at least 1. Smaller chunks cost the
 * kernels efficiency (batch 32 on one core: chunks of 2 take ~13% more CPU
 * than chunks of 8, chunks of 1 ~25%), so the floor is 16 chunks, not 32. */
int ln_chunk_size(int batch);

/* The parallel work of one step of n samples on `threads` threads: the
 * chunk loop's items and the update loop's, the estimated work of each
 * loop (FLOPs) and the most of it any one thread gets when the items go,
 * in order, to whichever thread is free first (as the dynamic schedule
 * hands them out). speedup_bound = total work / sum of the two maxima. */
typedef struct ln_step_plan {
    int chunk, chunks, items;
    double work[2], max_work[2], speedup_bound;
} ln_step_plan;
void ln_trainer_plan(const ln_trainer *t, int n, int threads, ln_step_plan *p);

ln_status ln_trainer_init(ln_trainer *t, ln_net *net, const ln_kernels *k, int threads, int batch);
void ln_trainer_free(ln_trainer *t);

/* One SGD step on the samples idx[0..n) (n <= batch) of d at learning rate
 * opt->lr. Reports the summed loss and the number of correct predictions
 * (before the update). A non-finite loss leaves the weights untouched and
 * returns LN_ERR_NUMERIC. */
ln_status ln_trainer_step(ln_trainer *t, const ln_dataset *d, const uint32_t *idx, int n,
                          const ln_sgd *opt, double *loss_sum, int *correct);

/* Evaluation with buffers kept across calls (a training run evaluates
 * every epoch; allocating each time fragmented the heap by ~5 MB an epoch). */
typedef struct ln_evaluator {
    const ln_net *net;
    const ln_kernels *k;
    int threads, cap;
    ln_workspace *ws; /* [threads] */
    double *loss;     /* [cap] per chunk */
    int *right;
} ln_evaluator;
ln_status ln_evaluator_init(ln_evaluator *e, const ln_net *net, const ln_kernels *k, int threads);
ln_status ln_evaluator_run(ln_evaluator *e, const ln_dataset *d, double *mean_loss, double *accuracy);
void ln_evaluator_free(ln_evaluator *e);

/* Mean loss and accuracy of the network on all of d (threads threads). */
ln_status ln_net_evaluate(const ln_net *net, const ln_kernels *k, int threads, const ln_dataset *d,
                      double *mean_loss, double *accuracy);

/* Learning rate at global step `step` of `total`, warm-up steps first. */
float ln_schedule_lr(ln_schedule s, float base, long step, long total, long warmup, long per_epoch);

/* Fill ws->x0 and ws->labels with samples idx[0..n) of d scaled to [0,1],
 * augmented by a (NULL or all-zero: as stored). */
void ln_load_chunk(const ln_dataset *d, const uint32_t *idx, int n, ln_workspace *ws, const ln_augment *a);
/* Parse "flip", "shift", "shift=N", comma-separated, into a (shift 2 when
 * not given). Returns 0, or -1 with a message in ln_last_error(). */
int ln_augment_parse(const char *spec, ln_augment *a);
/* Index of the largest of `classes` probabilities (first on ties). */
int ln_argmax(const float *p, int classes);

#endif
