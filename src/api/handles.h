/* What the public API's opaque handles hold. Private to the library. */
#ifndef LN_API_HANDLES_H
#define LN_API_HANDLES_H
#include "data/dataset.h"
#include "io/checkpoint.h"
#include "lenet/lenet.h"
#include "nn/net.h"

struct ln_model {
    ln_net net;
};

struct ln_data {
    ln_dataset ds;
    char source[1024]; /* the directory it came from (resolved), "" for arrays */
};

struct ln_checkpoint {
    ln_model model;
    float *velocity;   /* laid out as model.net.params */
    ln_train_state st;
    char path[4096];
};

#endif
