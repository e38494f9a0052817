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
 * for any --threads.
 *
 * Across processes (src/dist: mpirun), each rank runs a contiguous range of
 * the chunks (chunks r*C/N .. (r+1)*C/N - 1 of C, on N ranks), and the
 * step is still, bit for bit, the one-process step:
 * - chunk-accumulated parameters: the chunk-order sum is carried along the
 *   ranks in order (rank r receives the sum of the chunks before its own,
 *   adds its chunks to it one by one, and passes it on, in segments so
 *   that the ranks work as a pipeline), to the last rank;
 * - deferred layers: each block of weights has an owner rank (largest
 *   blocks first, to the least loaded rank); the owner receives the other
 *   ranks' rows of that block's batch buffer (dense: its input columns;
 *   convolution: its output channels' gradients) and of the layer's other
 *   buffer (dense: the output gradients; convolution: the inputs), forms
 *   the block's gradient over the whole batch, as one process does;
 * - one ring all-gather then gives every rank the owners' gradients, the
 *   chunk sum (from the last rank) and every chunk's loss and count (summed
 *   in chunk order: every rank sees one process's loss, so a non-finite
 *   one stops all ranks at the same step);
 * - every rank then applies the same SGD calls to every parameter, so all
 *   ranks hold the same weights and momentum after each step.
 * Rows may leave chunk by chunk during the chunk loop (overlap, below).
 * With allreduce_fast set, each rank instead forms partial gradients over
 * its own rows, and MPI_Allreduce sums them: less traffic at large
 * batches, but the sums' order then depends on the number of ranks (and
 * on the MPI library), so the weights are no longer those of one process.
 * The step's MPI calls are made by the main thread (MPI_THREAD_FUNNELED):
 * call ln_trainer_init and ln_trainer_step from it, on every rank. */
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
enum { LN_PH_DATA, LN_PH_FORWARD, LN_PH_BACKWARD, LN_PH_REDUCE, LN_PH_UPDATE, LN_PH_EXCHANGE, LN_PH_COUNT };
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
    /* Across processes: this process is rank `rank` of `nranks` (1: the
     * one-process step; set it to 1 after init to train on this process
     * alone, as lenet-bench does for comparisons). allreduce_fast: 0 (the
     * default) gives every rank
     * the weights of a one-process run, bit for bit; 1 sums per-rank
     * gradients with MPI_Allreduce (see above). The caller may set it
     * between steps; all ranks must agree. */
    int rank, nranks, allreduce_fast;
    int *owner;         /* [nitems]: the rank that forms a deferred block's gradient, or -1 */
    size_t *goff;       /* [nitems]: where that gradient lies in dgrad (floats) */
    size_t *rank_goff;  /* [nranks + 1]: each rank's blocks' range of dgrad */
    float *dgrad;       /* deferred blocks' gradients, grouped by owner */
    float *chain;       /* [gspan]: the chunk sum received from the previous rank */
    size_t (*seg)[2];   /* chunk-accumulated parameter ranges, in segments of the chain */
    int nseg, *seg_h;   /* their count; [nseg] transfer handles */
    int overlap;        /* 1: each chunk's rows leave for their owners as soon as the chunk's
                         * backward pass ends, while later chunks run; 0: after all of this
                         * rank's chunks (the same numbers). Default: 1 when the ranks span
                         * several hosts, 0 on one (shared memory: the copies cost the CPUs
                         * the same either way, and chunk by chunk sends more messages) */
    int owns_any;       /* this rank owns some deferred block */
    int *chunk_done;    /* [max_chunks]: this rank's chunks whose rows are ready */
    double comm_bytes;  /* bytes this rank sent in the last step (exchange volume) */
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

/* What a step of n samples on nranks processes exchanges (by the plan
 * ln_trainer_step follows there; fast: a ring allreduce's share, which
 * MPI's own algorithm may beat or miss), in bytes: the most any rank sends
 * and receives, all ranks' sends together, and the parts. */
typedef struct ln_exchange_volume {
    double max_sent, max_recv, total;
    double rows_bytes;       /* deferred layers' rows received by their blocks' owners, all ranks */
    double max_rows_recv;    /* the most of them one rank receives */
    double fold_bytes;       /* the chunk-accumulated parameters' gradient (chain, then broadcast) */
    double defer_grad_bytes; /* the deferred layers' gradients (gathered to every rank) */
} ln_exchange_volume;
void ln_trainer_exchange_volume(const ln_trainer *t, int n, int nranks, int fast, ln_exchange_volume *v);
/* Collective: the transfers of a step of n samples alone (rows, chunk sum,
 * gathers; or the allreduces), all ranks starting together, on the buffers
 * as the last step left them (the weights are not touched): the seconds
 * they took here. For lenet-bench allreduce. */
double ln_trainer_exchange_only(ln_trainer *t, int n);
void ln_trainer_free(ln_trainer *t);

/* One SGD step on the samples idx[0..n) (n <= batch) of d at learning rate
 * opt->lr. Reports the summed loss and the number of correct predictions
 * (before the update). A non-finite loss leaves the weights untouched and
 * returns LN_ERR_NUMERIC. */
ln_status ln_trainer_step(ln_trainer *t, const ln_dataset *d, const uint32_t *idx, int n,
                          const ln_sgd *opt, double *loss_sum, int *correct);

/* Evaluation with buffers kept across calls (a training run evaluates
 * every epoch; allocating each time fragmented the heap by ~5 MB an epoch).
 * Across processes, ln_evaluator_run is collective: each rank evaluates a
 * contiguous share of the images (whole chunks of 32), and the chunks'
 * losses and counts are gathered and summed in chunk order, so every rank
 * gets the figures of one process exactly; set `local` after init to
 * evaluate all of d on this rank alone. */
typedef struct ln_evaluator {
    const ln_net *net;
    const ln_kernels *k;
    int threads, cap, local;
    ln_workspace *ws; /* [threads] */
    double *loss;     /* [cap] per chunk */
    int *right;
} ln_evaluator;
ln_status ln_evaluator_init(ln_evaluator *e, const ln_net *net, const ln_kernels *k, int threads);
ln_status ln_evaluator_run(ln_evaluator *e, const ln_dataset *d, double *mean_loss, double *accuracy);
void ln_evaluator_free(ln_evaluator *e);

/* Mean loss and accuracy of the network on all of d (threads threads);
 * collective across processes, as ln_evaluator_run. */
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
