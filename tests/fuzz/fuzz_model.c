/* The safetensors reader (io/safetensors.c, io/json.c) and the model file
 * loader built on it (io/model_file.c, then nn/spec.c and nn/net.c from
 * the file's "spec") on arbitrary bytes, through a real file. Each reader
 * is one row of READERS, the checkpoint loader (io/checkpoint.c) included. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "fuzz_tmp.h"
#include "io/checkpoint.h"
#include "io/model_file.h"
#include "io/safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Everything a loaded file hands out must be readable (ASan): every
 * tensor's data in full, every name and metadata string. */
static void st_read(const char *path)
{
    ln_st_file f;
    ln_status st = ln_st_read(path, &f);
    FUZZ_CHECK(st != LN_ERR_NOMEM); /* a small file must never exhaust memory */
    if (st != LN_OK) {
        FUZZ_CHECK(!f.ntensors && !f.tensors && !f.nmeta && !f.meta);
        return;
    }
    volatile float sum = 0.0f;
    for (int i = 0; i < f.ntensors; i++) {
        const ln_st_tensor *t = &f.tensors[i];
        FUZZ_CHECK(t->ndim >= 0 && t->ndim <= LN_ST_MAX_DIMS && ln_st_find(&f, t->name) == t);
        size_t n = 1;
        for (int d = 0; d < t->ndim; d++) n *= (size_t)t->shape[d];
        for (size_t j = 0; j < n; j++) sum += t->data[j];
    }
    for (int i = 0; i < f.nmeta; i++)
        sum += (float)strlen(f.meta[i].value) + (ln_st_meta_get(&f, f.meta[i].key) != NULL);
    (void)sum;
    ln_st_free(&f);
}

/* A loaded model's layers must agree with its parameters. */
static void model_load(const char *path)
{
    ln_net net;
    ln_status st = ln_net_load(path, &net);
    FUZZ_CHECK(st != LN_ERR_NOMEM);
    if (st != LN_OK) return;
    for (int i = 0; i < net.nlayers; i++) {
        const ln_layer *l = &net.layers[i];
        FUZZ_CHECK(l->w_off + l->w_len <= net.nparams && l->b_off + l->b_len <= net.nparams);
        FUZZ_CHECK(!i || ln_layer_in_len(l) == ln_layer_out_len(&net.layers[i - 1]));
    }
    volatile float sum = 0.0f;
    for (size_t j = 0; j < net.nparams; j++) sum += net.params[j];
    if (net.class_names)
        for (int i = 0; i < net.nclasses; i++) sum += (float)strlen(net.class_names[i]);
    (void)sum;
    ln_net_free(&net);
}

/* A loaded checkpoint's state must be self-consistent, its momentum
 * readable. */
static void checkpoint_load(const char *path)
{
    ln_net net;
    float *v;
    ln_train_state s;
    ln_status st = ln_checkpoint_load(path, &net, &v, &s);
    FUZZ_CHECK(st != LN_ERR_NOMEM);
    if (st != LN_OK) {
        FUZZ_CHECK(!v && !net.params);
        return;
    }
    long per_epoch = (s.data_n + s.batch - 1) / s.batch;
    FUZZ_CHECK(s.epoch >= 1 && s.epoch <= s.epochs + 1 && s.epoch_step < per_epoch);
    FUZZ_CHECK(s.step == (s.epoch - 1) * per_epoch + s.epoch_step && s.right <= s.seen);
    volatile float sum = 0.0f;
    for (size_t j = 0; j < net.nparams; j++) sum += v[j];
    (void)sum;
    free(v);
    ln_net_free(&net);
}

static void (*const READERS[])(const char *path) = {st_read, model_load, checkpoint_load};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_tmp_write("model", data, size);
    for (size_t i = 0; i < sizeof READERS / sizeof READERS[0]; i++) READERS[i](path);
    return 0;
}
