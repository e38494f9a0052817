/* Named recipes and the check every recipe passes before a run. */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "lenet/train.h"
#include "train/trainer.h"

typedef struct named_recipe {
    const char *name;
    ln_recipe r;
} named_recipe;

/* default: >= 90% Fashion-MNIST test accuracy (README); seed: the Keras
 * lesson's (SGD 0.01, no momentum, batch 32, 5 epochs); lecun98:
 * lenet5-1998's, whose RBF loss is a sum of squared distances, so its rate
 * is 25x smaller than the default's, without weight decay. */
static const named_recipe recipes[] = {
    {"default", {.epochs = 15, .batch = 64, .lr = 0.05f, .momentum = 0.9f, .nesterov = 1, .weight_decay = 5e-4f,
                 .schedule = "cosine", .seed = 1}},
    {"seed", {.epochs = 5, .batch = 32, .lr = 0.01f, .schedule = "constant", .seed = 1}},
    {"lecun98", {.epochs = 15, .batch = 32, .lr = 0.002f, .momentum = 0.9f, .nesterov = 1, .schedule = "cosine",
                 .seed = 1}},
};
enum { NRECIPES = sizeof recipes / sizeof recipes[0] };

const char *const *ln_recipe_names(void)
{
    static const char *names[NRECIPES + 1];
    for (int i = 0; i < NRECIPES; i++) names[i] = recipes[i].name;
    return names;
}

ln_status ln_recipe_init(ln_recipe *r, const char *name)
{
    if (!r) return ln_fail(LN_ERR_ARG, "ln_recipe_init: no recipe to fill");
    if (!name) name = "default";
    for (int i = 0; i < NRECIPES; i++)
        if (!strcmp(name, recipes[i].name)) {
            *r = recipes[i].r;
            return LN_OK;
        }
    return ln_fail(LN_ERR_ARG, "--recipe: unknown recipe '%s' (expected default, seed or lecun98)", name);
}

const char *ln_recipe_for_model(const char *model)
{
    return model && !strcmp(model, "lenet5-1998") ? "lecun98" : "default";
}

ln_status ln_recipe_check(const ln_recipe *r)
{
    if (!r) return ln_fail(LN_ERR_ARG, "no recipe");
    if (r->epochs < 1 || r->epochs > 100000) return ln_fail(LN_ERR_ARG, "--epochs %d: expected 1..100000", r->epochs);
    if (r->batch < 1 || r->batch > 65536) return ln_fail(LN_ERR_ARG, "--batch %d: expected 1..65536", r->batch);
    if (!(r->lr > 0.0f && r->lr <= 1e3f)) return ln_fail(LN_ERR_ARG, "--lr %g: expected a rate in (0, 1000]", r->lr);
    if (!(r->momentum >= 0.0f && r->momentum < 1.0f))
        return ln_fail(LN_ERR_ARG, "--momentum %g: expected 0 <= momentum < 1", r->momentum);
    if (!(r->weight_decay >= 0.0f && r->weight_decay <= 1.0f))
        return ln_fail(LN_ERR_ARG, "--weight-decay %g: expected 0..1", r->weight_decay);
    if (!r->schedule || ln_schedule_from_name(r->schedule) < 0)
        return ln_fail(LN_ERR_ARG, "--schedule: unknown schedule '%s' (expected constant, cosine or lecun98)",
                       r->schedule ? r->schedule : "(null)");
    if (r->warmup < 0 || (r->warmup && r->warmup >= r->epochs))
        return ln_fail(LN_ERR_ARG, "--warmup %d must be less than --epochs %d", r->warmup, r->epochs);
    if (r->limit < 0) return ln_fail(LN_ERR_ARG, "--limit %d: expected a count of images", r->limit);
    if (!(r->val_split >= 0.0 && r->val_split <= 0.9))
        return ln_fail(LN_ERR_ARG, "--val-split %g: expected 0..0.9", r->val_split);
    ln_augment a;
    if (r->augment && ln_augment_parse(r->augment, &a)) return LN_ERR_ARG;
    return LN_OK;
}
