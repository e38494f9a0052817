#include "io/checkpoint.h"

#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/model_file.h"
#include "train/trainer.h"

/* Training state as metadata strings. Floats are printed with 9
 * significant digits and doubles with 17, which read back bit for bit. */
typedef struct state_text {
    char v[24][72];
    int n;
} state_text;

static const char *put(state_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static const char *put(state_text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->v[t->n], sizeof t->v[t->n], fmt, ap);
    va_end(ap);
    return t->v[t->n++];
}

ln_status ln_checkpoint_save(const char *path, const ln_net *net, const float *velocity, const ln_train_state *s)
{
    ln_st_tensor t[2 * LN_MODEL_MAX_TENSORS];
    ln_tensor_name names[2 * LN_MODEL_MAX_TENSORS];
    ln_st_meta m[LN_MODEL_MAX_META + 24];
    ln_mfile_meta_text text;
    state_text v = {.n = 0};
    int nt = ln_mfile_tensors(net, net->params, "", t, names);
    nt += ln_mfile_tensors(net, velocity, LN_CKPT_VELOCITY, t + nt, names + nt);
    int nm = ln_mfile_meta(net, m, &text);
    if (net->class_names && !text.class_names) return ln_fail(LN_ERR_NOMEM, "out of memory saving %s", path);
    m[nm++] = (ln_st_meta){"kind", "checkpoint"};
    m[nm++] = (ln_st_meta){"train.epoch", put(&v, "%ld", s->epoch)};
    m[nm++] = (ln_st_meta){"train.epoch_step", put(&v, "%ld", s->epoch_step)};
    m[nm++] = (ln_st_meta){"train.step", put(&v, "%ld", s->step)};
    m[nm++] = (ln_st_meta){"train.rng", put(&v, "%016" PRIx64 ",%016" PRIx64 ",%016" PRIx64 ",%016" PRIx64,
                                            s->rng[0], s->rng[1], s->rng[2], s->rng[3])};
    m[nm++] = (ln_st_meta){"train.loss_sum", put(&v, "%.17g", s->loss_sum)};
    m[nm++] = (ln_st_meta){"train.seconds", put(&v, "%.17g", s->seconds)};
    m[nm++] = (ln_st_meta){"train.right", put(&v, "%ld", s->right)};
    m[nm++] = (ln_st_meta){"train.seen", put(&v, "%ld", s->seen)};
    m[nm++] = (ln_st_meta){"train.epochs", put(&v, "%d", s->epochs)};
    m[nm++] = (ln_st_meta){"train.batch", put(&v, "%d", s->batch)};
    m[nm++] = (ln_st_meta){"train.warmup", put(&v, "%d", s->warmup)};
    m[nm++] = (ln_st_meta){"train.nesterov", put(&v, "%d", s->nesterov)};
    m[nm++] = (ln_st_meta){"train.limit", put(&v, "%d", s->limit)};
    m[nm++] = (ln_st_meta){"train.val_split", put(&v, "%.9g", s->val_split)};
    m[nm++] = (ln_st_meta){"train.lr", put(&v, "%.9g", s->lr)};
    m[nm++] = (ln_st_meta){"train.momentum", put(&v, "%.9g", s->momentum)};
    m[nm++] = (ln_st_meta){"train.weight_decay", put(&v, "%.9g", s->weight_decay)};
    m[nm++] = (ln_st_meta){"train.schedule", s->schedule};
    m[nm++] = (ln_st_meta){"train.augment", s->augment};
    m[nm++] = (ln_st_meta){"train.kernels", s->isa};
    m[nm++] = (ln_st_meta){"train.seed", put(&v, "%" PRIu64, s->seed)};
    m[nm++] = (ln_st_meta){"train.data", s->data};
    m[nm++] = (ln_st_meta){"train.data_n", put(&v, "%ld", s->data_n)};
    m[nm++] = (ln_st_meta){"train.data_crc32", put(&v, "%08" PRIx32, s->data_crc)};
    ln_status st = ln_st_write_crc(path, t, nt, m, nm, LN_CRC_KEY, LN_FILE_CRC_KEY);
    free(text.class_names);
    return st;
}

/* ------------------------------------------------------------------ load */

typedef struct reader {
    const ln_st_file *f;
    const char *path;
    ln_status st; /* the first failure */
} reader;

static const char *get(reader *r, const char *key)
{
    if (r->st) return NULL;
    const char *v = ln_st_meta_get(r->f, key);
    if (!v) r->st = ln_fail(LN_ERR_FORMAT, "%s: checkpoint has no '%s' in __metadata__", r->path, key);
    return v;
}

static void bad(reader *r, const char *key, const char *v, const char *want)
{
    r->st = ln_fail(LN_ERR_FORMAT, "%s: checkpoint's %s is '%.40s', not %s", r->path, key, v, want);
}

/* Integers in [lo, hi], written in full: no sign games, no trailing text. */
static long get_long(reader *r, const char *key, long lo, long hi)
{
    const char *v = get(r, key);
    if (!v) return 0;
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (!*v || *end || errno || x < lo || x > hi) {
        char want[64];
        snprintf(want, sizeof want, "an integer in [%ld, %ld]", lo, hi);
        bad(r, key, v, want);
        return 0;
    }
    return x;
}

static double get_double(reader *r, const char *key, double lo, double hi)
{
    const char *v = get(r, key);
    if (!v) return 0;
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    if (!*v || *end || errno || !(x >= lo && x <= hi)) {
        char want[64];
        snprintf(want, sizeof want, "a number in [%g, %g]", lo, hi);
        bad(r, key, v, want);
        return 0;
    }
    return x;
}

static uint64_t get_hex(reader *r, const char *key, const char *v, int digits)
{
    uint64_t x = 0;
    for (int i = 0; i < digits; i++) {
        char c = v[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0) {
            bad(r, key, v, "lowercase hex");
            return 0;
        }
        x = x << 4 | (uint64_t)d;
    }
    return x;
}

static void get_str(reader *r, const char *key, char *dst, size_t cap)
{
    const char *v = get(r, key);
    if (!v) return;
    if (strlen(v) >= cap) {
        bad(r, key, v, "a short string");
        return;
    }
    memcpy(dst, v, strlen(v) + 1);
}

static void read_state(reader *r, ln_train_state *s)
{
    memset(s, 0, sizeof *s);
    s->epochs = (int)get_long(r, "train.epochs", 1, 100000);
    s->batch = (int)get_long(r, "train.batch", 1, 65536);
    s->warmup = (int)get_long(r, "train.warmup", 0, 100000);
    s->nesterov = (int)get_long(r, "train.nesterov", 0, 1);
    s->limit = (int)get_long(r, "train.limit", 0, 1L << 30);
    s->val_split = (float)get_double(r, "train.val_split", 0, 0.9);
    s->lr = (float)get_double(r, "train.lr", 1e-13, 1e3); /* --lr 1e-12 as a float is 9.99999996e-13 */
    s->momentum = (float)get_double(r, "train.momentum", 0, 0.999999);
    s->weight_decay = (float)get_double(r, "train.weight_decay", 0, 1);
    get_str(r, "train.schedule", s->schedule, sizeof s->schedule);
    get_str(r, "train.augment", s->augment, sizeof s->augment);
    get_str(r, "train.kernels", s->isa, sizeof s->isa);
    get_str(r, "train.data", s->data, sizeof s->data);
    /* what --resume would refuse, refused here, so verify says the same */
    if (!r->st && ln_schedule_from_name(s->schedule) < 0)
        bad(r, "train.schedule", s->schedule, "constant, cosine or lecun98");
    ln_augment aug;
    if (!r->st && s->augment[0] && ln_augment_parse(s->augment, &aug))
        bad(r, "train.augment", s->augment, "a list of flip and shift=N");
    if (!r->st && s->warmup && s->warmup >= s->epochs)
        r->st = ln_fail(LN_ERR_FORMAT, "%s: checkpoint's train.warmup %d is not below train.epochs %d", r->path,
                        s->warmup, s->epochs);
    const char *seed = get(r, "train.seed");
    if (seed) {
        char *end;
        errno = 0;
        s->seed = strtoull(seed, &end, 10);
        if (!*seed || *seed == '-' || *end || errno) bad(r, "train.seed", seed, "an unsigned integer");
    }
    s->data_n = get_long(r, "train.data_n", 1, 1L << 31);
    const char *crc = get(r, "train.data_crc32");
    if (crc && strlen(crc) != 8) bad(r, "train.data_crc32", crc, "8 hex digits");
    else if (crc) s->data_crc = (uint32_t)get_hex(r, "train.data_crc32", crc, 8);
    /* position: at most one epoch past the last (a finished run) */
    s->epoch = get_long(r, "train.epoch", 1, (long)s->epochs + 1);
    long steps_per_epoch = s->batch ? (s->data_n + s->batch - 1) / s->batch : 0;
    s->epoch_step = get_long(r, "train.epoch_step", 0, steps_per_epoch ? steps_per_epoch - 1 : 0);
    if (!r->st && s->epoch == s->epochs + 1 && s->epoch_step)
        r->st = ln_fail(LN_ERR_FORMAT, "%s: checkpoint's train.epoch_step %ld is past the run's end", r->path,
                        s->epoch_step);
    s->step = get_long(r, "train.step", 0, 1L << 62);
    if (!r->st && s->step != (s->epoch - 1) * steps_per_epoch + s->epoch_step)
        r->st = ln_fail(LN_ERR_FORMAT, "%s: checkpoint's train.step %ld does not match epoch %ld, step %ld of %ld", r->path,
                        s->step, s->epoch, s->epoch_step, steps_per_epoch);
    const char *rng = get(r, "train.rng");
    if (rng && (strlen(rng) != 67 || rng[16] != ',' || rng[33] != ',' || rng[50] != ','))
        bad(r, "train.rng", rng, "4 comma-separated 16-digit hex words");
    else if (rng)
        for (int i = 0; i < 4; i++) s->rng[i] = get_hex(r, "train.rng", rng + 17 * i, 16);
    if (!r->st && !(s->rng[0] | s->rng[1] | s->rng[2] | s->rng[3]))
        r->st = ln_fail(LN_ERR_FORMAT, "%s: checkpoint's train.rng is all zero (not a valid generator state)", r->path);
    s->loss_sum = get_double(r, "train.loss_sum", 0, 1e300);
    s->seconds = get_double(r, "train.seconds", 0, 1e300);
    s->seen = get_long(r, "train.seen", 0, s->data_n);
    s->right = get_long(r, "train.right", 0, s->seen);
}

ln_status ln_checkpoint_load(const char *path, ln_net *net, float **velocity, ln_train_state *s)
{
    ln_st_file f;
    memset(net, 0, sizeof *net);
    *velocity = NULL;
    ln_status st = ln_st_read(path, &f);
    if (st != LN_OK) return st;
    const char *kind = ln_st_meta_get(&f, "kind");
    if (!kind || strcmp(kind, "checkpoint") != 0) {
        st = ln_fail(LN_ERR_FORMAT, "%s: not a checkpoint: a model file has no training state (only a file written "
                     "by lenet train --checkpoint can be resumed)", path);
        goto out;
    }
    int extra = 0;
    for (int i = 0; i < f.ntensors; i++) extra += !strncmp(f.tensors[i].name, LN_CKPT_VELOCITY, strlen(LN_CKPT_VELOCITY));
    if ((st = ln_mfile_from_file(&f, path, 1, extra, net))) goto out;
    ln_st_tensor t[LN_MODEL_MAX_TENSORS];
    ln_tensor_name names[LN_MODEL_MAX_TENSORS];
    int want = ln_mfile_tensors(net, net->params, "", t, names);
    if (extra != want) {
        st = ln_fail(LN_ERR_FORMAT, "%s: %d optimizer tensors, model %s needs %d", path, extra, net->model, want);
        goto out;
    }
    float *v = aligned_alloc(64, (net->nparams * sizeof(float) + 63) / 64 * 64);
    if (!v) {
        st = ln_fail(LN_ERR_NOMEM, "%s: out of memory", path);
        goto out;
    }
    memset(v, 0, net->nparams * sizeof(float));
    *velocity = v;
    /* every parameter tensor has its velocity, and nothing else is there */
    if ((st = ln_mfile_load_tensors(&f, path, net, LN_CKPT_VELOCITY, v))) goto out;
    reader r = {&f, path, LN_OK};
    read_state(&r, s);
    st = r.st;
out:
    if (st != LN_OK) {
        free(*velocity);
        *velocity = NULL;
        ln_net_free(net);
    }
    ln_st_free(&f);
    return st;
}
