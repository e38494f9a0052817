/* Checkpoints: everything a training run needs to continue exactly where it
 * stopped, in one model file (io/model_file.h) with extra tensors and
 * metadata (docs/FORMAT.md):
 *  - the weights, under the model's tensor names;
 *  - the SGD momentum buffers, as "optim.velocity.<name>";
 *  - the position (epoch, step), the shuffle RNG's state at the start of
 *    the epoch (the epoch's order is redrawn from it), the epoch's running
 *    totals, the recipe and flags that shape the run, and a fingerprint of
 *    the training data;
 *  - CRC-32s of the data section and of the whole file (header included),
 *    which loading checks. */
#ifndef LN_CHECKPOINT_H
#define LN_CHECKPOINT_H
#include <stdint.h>

#include "nn/net.h"

#define LN_CKPT_VELOCITY "optim.velocity."

typedef struct ln_train_state {
    /* where the run is: `epoch` (1-based) has run `epoch_step` of its steps;
     * `step` counts steps since the start of the run */
    long epoch, epoch_step, step;
    uint64_t rng[4];          /* the shuffle RNG before this epoch's shuffle */
    double loss_sum, seconds; /* this epoch's totals so far */
    long right, seen;
    /* the run's recipe: a resumed run must keep it */
    int epochs, batch, warmup, nesterov, limit;
    float lr, momentum, weight_decay, val_split;
    char schedule[16], augment[64], isa[16];
    uint64_t seed;
    /* the training data: how many images, and a CRC-32 of their pixels and
     * labels in order */
    char data[1024]; /* --data as given */
    long data_n;
    uint32_t data_crc;
} ln_train_state;

/* Write net's weights, the velocity buffer (laid out like net->params) and
 * s to `path`, atomically (write, fsync, rename, sync the directory). */
ln_status ln_checkpoint_save(const char *path, const ln_net *net, const float *velocity, const ln_train_state *s);

/* Read a checkpoint: build the network it describes, load its weights,
 * allocate *velocity (64-byte aligned, free()) and fill s. Any damage, a
 * missing or extra tensor or key, or a model file without training state is
 * a one-line error naming the file. */
ln_status ln_checkpoint_load(const char *path, ln_net *net, float **velocity, ln_train_state *s);

#endif
