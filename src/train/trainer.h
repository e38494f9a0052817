/* Minibatch training and evaluation, parallel across the batch.
 *
 * A batch is cut into chunks of a fixed size that depends on the batch size
 * alone; each chunk's gradient goes to a buffer of its own and the buffers
 * are summed in chunk order. Which thread ran which chunk never matters, so
 * the weights are bitwise identical for any --threads. */
#ifndef LN_TRAINER_H
#define LN_TRAINER_H
#include "data/dataset.h"
#include "nn/pass.h"

typedef enum ln_schedule { LN_SCHED_CONSTANT, LN_SCHED_COSINE } ln_schedule;

typedef struct ln_sgd {
    float lr, momentum, weight_decay;
    int nesterov;
} ln_sgd;

typedef struct ln_trainer {
    ln_net *net;
    const ln_kernels *k;
    int threads, batch, chunk, max_chunks;
    ln_workspace *ws;   /* [threads] */
    float *grads;       /* [max_chunks][nparams] */
    float *velocity;    /* [nparams] */
    double *chunk_loss; /* [max_chunks] */
    int *chunk_correct; /* [max_chunks] */
} ln_trainer;

/* The chunk size for a batch size: at least 4 samples, at most 16 chunks
 * (bounds gradient-buffer memory at large batches). */
int ln_chunk_size(int batch);

ln_status ln_trainer_init(ln_trainer *t, ln_net *net, const ln_kernels *k, int threads, int batch);
void ln_trainer_free(ln_trainer *t);

/* One SGD step on the samples idx[0..n) (n <= batch) of d at learning rate
 * opt->lr. Reports the summed loss and the number of correct predictions
 * (before the update). A non-finite loss leaves the weights untouched and
 * returns LN_ERR_NUMERIC. */
ln_status ln_trainer_step(ln_trainer *t, const ln_dataset *d, const uint32_t *idx, int n,
                          const ln_sgd *opt, double *loss_sum, int *correct);

/* Mean loss and accuracy of the network on all of d (threads threads). */
ln_status ln_evaluate(const ln_net *net, const ln_kernels *k, int threads, const ln_dataset *d,
                      double *mean_loss, double *accuracy);

/* Learning rate at global step `step` of `total`, warm-up steps first. */
float ln_schedule_lr(ln_schedule s, float base, long step, long total, long warmup);

/* Fill ws->x0 and ws->labels with samples idx[0..n) of d scaled to [0,1]. */
void ln_load_chunk(const ln_dataset *d, const uint32_t *idx, int n, ln_workspace *ws);
/* Index of the largest of `classes` probabilities (first on ties). */
int ln_argmax(const float *p, int classes);

#endif
