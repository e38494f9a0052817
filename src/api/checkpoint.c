/* The public face of checkpoints: open one, read its recipe, position and
 * model. Writing them is the run loop's (src/train/run.c). */
#include <stdlib.h>
#include <string.h>

#include "api/handles.h"
#include "io/model_file.h"

ln_status ln_checkpoint_open(const char *path, ln_checkpoint **out)
{
    if (!path || !out) return ln_fail(LN_ERR_ARG, "ln_checkpoint_open: no path or result");
    *out = NULL;
    if (strlen(path) >= sizeof((ln_checkpoint *)0)->path)
        return ln_fail(LN_ERR_ARG, "%.64s...: checkpoint path too long", path);
    ln_checkpoint *c = calloc(1, sizeof *c);
    if (!c) return ln_fail(LN_ERR_NOMEM, "%s: out of memory", path);
    ln_status st = ln_checkpoint_load(path, &c->model.net, &c->velocity, &c->st);
    if (st == LN_OK) st = ln_net_check_finite(&c->model.net, c->velocity, path);
    if (st != LN_OK) {
        ln_checkpoint_free(c);
        return st;
    }
    memcpy(c->path, path, strlen(path) + 1);
    *out = c;
    return LN_OK;
}

void ln_checkpoint_free(ln_checkpoint *c)
{
    if (!c) return;
    ln_net_free(&c->model.net);
    free(c->velocity);
    free(c);
}

void ln_checkpoint_recipe(const ln_checkpoint *c, ln_recipe *r)
{
    const ln_train_state *s = &c->st;
    *r = (ln_recipe){.epochs = s->epochs, .batch = s->batch, .lr = s->lr, .momentum = s->momentum,
                     .nesterov = s->nesterov, .weight_decay = s->weight_decay, .schedule = s->schedule,
                     .warmup = s->warmup, .seed = s->seed, .augment = s->augment[0] ? s->augment : NULL,
                     .limit = s->limit, .val_split = s->val_split};
}

void ln_checkpoint_info_get(const ln_checkpoint *c, ln_checkpoint_info *out)
{
    const ln_train_state *s = &c->st;
    memset(out, 0, sizeof *out);
    out->epoch = s->epoch, out->epoch_step = s->epoch_step, out->step = s->step;
    out->data_n = s->data_n, out->data_crc = s->data_crc;
    memcpy(out->kernels, s->isa, sizeof out->kernels);
    out->kernels[sizeof out->kernels - 1] = 0;
    memcpy(out->data, s->data, sizeof out->data);
    out->data[sizeof out->data - 1] = 0;
}

const ln_model *ln_checkpoint_model(const ln_checkpoint *c) { return &c->model; }
