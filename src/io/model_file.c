#include "model_file.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "nn/spec.h"
#include "safetensors.h"

/* PyTorch's shape of a layer's weight: [out][in][k][k] or [out][in]. */
static int weight_shape(const ln_layer *l, int64_t *shape)
{
    shape[0] = l->out_c;
    shape[1] = l->in_c;
    if (l->kind == LN_L_SUBSAMPLE) return 1; /* one coefficient per map */
    if (l->kind != LN_L_CONV) return 2;
    shape[2] = shape[3] = l->k;
    return 4;
}

int ln_mfile_tensors(const ln_net *net, const float *base, const char *prefix, ln_st_tensor *t,
                     ln_tensor_name *names)
{
    int nt = 0;
    for (int i = 0; i < net->nlayers; i++) {
        const ln_layer *l = &net->layers[i];
        if (!l->w_len) continue;
        snprintf(names[nt], sizeof names[nt], "%s%s.weight", prefix, l->name);
        t[nt] = (ln_st_tensor){.name = names[nt], .data = base + l->w_off};
        t[nt].ndim = weight_shape(l, t[nt].shape);
        nt++;
        if (!l->b_len) continue; /* RBF prototypes: weights only */
        snprintf(names[nt], sizeof names[nt], "%s%s.bias", prefix, l->name);
        t[nt] = (ln_st_tensor){.name = names[nt], .ndim = 1, .shape = {l->out_c}, .data = base + l->b_off};
        nt++;
    }
    return nt;
}

int ln_mfile_meta(const ln_net *net, ln_st_meta *m, ln_mfile_meta_text *text)
{
    char *input = text->input, *classes = text->classes;
    snprintf(input, sizeof text->input, "%d,%d,%d", net->in_c, net->in_h, net->in_w);
    snprintf(classes, sizeof text->classes, "%d", net->nclasses);
    char *cn = NULL;
    if (net->class_names) { /* a JSON array of strings, in the metadata's string value */
        size_t cap = 3;
        for (int i = 0; i < net->nclasses; i++) cap += ln_json_escape(NULL, 0, net->class_names[i], strlen(net->class_names[i])) + 1;
        if ((cn = malloc(cap))) {
            size_t n = 0;
            cn[n++] = '[';
            for (int i = 0; i < net->nclasses; i++) {
                if (i) cn[n++] = ',';
                n += ln_json_escape(cn + n, cap - n, net->class_names[i], strlen(net->class_names[i]));
            }
            cn[n++] = ']';
            cn[n] = 0;
        }
    }
    text->class_names = cn;
    int nm = 0;
    m[nm++] = (ln_st_meta){"format", "lenet"};
    m[nm++] = (ln_st_meta){"format_version", "1"};
    m[nm++] = (ln_st_meta){"model", net->model};
    m[nm++] = (ln_st_meta){"spec", net->spec};
    m[nm++] = (ln_st_meta){"input", input};
    m[nm++] = (ln_st_meta){"classes", classes};
    if (cn) m[nm++] = (ln_st_meta){"class_names", cn};
    return nm;
}

ln_status ln_net_save(const ln_net *net, const char *path)
{
    ln_st_tensor t[LN_MODEL_MAX_TENSORS];
    ln_tensor_name names[LN_MODEL_MAX_TENSORS];
    ln_st_meta m[LN_MODEL_MAX_META];
    ln_mfile_meta_text text;
    int nt = ln_mfile_tensors(net, net->params, "", t, names);
    int nm = ln_mfile_meta(net, m, &text);
    if (net->class_names && !text.class_names) return ln_fail(LN_ERR_NOMEM, "out of memory saving %s", path);
    ln_status st = ln_st_write_crc(path, t, nt, m, nm, LN_CRC_KEY, LN_FILE_CRC_KEY);
    free(text.class_names);
    return st;
}

static ln_status need_meta(const ln_st_file *f, const char *path, const char *key, const char **out)
{
    *out = ln_st_meta_get(f, key);
    if (!*out) return ln_fail(LN_ERR_FORMAT, "%s: not a lenet model file (no '%s' in __metadata__)", path, key);
    return LN_OK;
}

static ln_status load_tensor(const ln_st_file *f, const char *path, const char *name, int ndim,
                             const int64_t *shape, float *dst)
{
    const ln_st_tensor *t = ln_st_find(f, name);
    if (!t) return ln_fail(LN_ERR_FORMAT, "%s: tensor '%s' is missing", path, name);
    int same = t->ndim == ndim;
    size_t numel = 1;
    for (int d = 0; same && d < ndim; d++) same = t->shape[d] == shape[d], numel *= (size_t)shape[d];
    if (!same) {
        char want[64] = "", got[64] = "";
        for (int d = 0; d < ndim; d++) snprintf(want + strlen(want), sizeof want - strlen(want), "%s%lld", d ? "," : "", (long long)shape[d]);
        for (int d = 0; d < t->ndim; d++) snprintf(got + strlen(got), sizeof got - strlen(got), "%s%lld", d ? "," : "", (long long)t->shape[d]);
        return ln_fail(LN_ERR_FORMAT, "%s: tensor '%s' has shape [%s], the model needs [%s]", path, name, got, want);
    }
    memcpy(dst, t->data, numel * sizeof(float));
    return LN_OK;
}

ln_status ln_mfile_load_tensors(const ln_st_file *f, const char *path, const ln_net *net, const char *prefix,
                                float *dst)
{
    for (int i = 0; i < net->nlayers; i++) {
        const ln_layer *l = &net->layers[i];
        if (!l->w_len) continue;
        char name[64];
        int64_t shape[4];
        int nd = weight_shape(l, shape);
        snprintf(name, sizeof name, "%s%s.weight", prefix, l->name);
        ln_status st = load_tensor(f, path, name, nd, shape, dst + l->w_off);
        if (st != LN_OK) return st;
        if (!l->b_len) continue;
        snprintf(name, sizeof name, "%s%s.bias", prefix, l->name);
        shape[0] = l->out_c;
        st = load_tensor(f, path, name, 1, shape, dst + l->b_off);
        if (st != LN_OK) return st;
    }
    return LN_OK;
}

/* Tensors a model has: a weight per parameter layer, and a bias unless RBF. */
static int count_tensors(const ln_net *net)
{
    int n = 0;
    for (int i = 0; i < net->nlayers; i++) n += net->layers[i].w_len ? 1 + (net->layers[i].b_len > 0) : 0;
    return n;
}

/* "class_names": a JSON array of exactly `classes` strings. */
static ln_status load_names(const char *path, const char *text, ln_net *net)
{
    ln_json *root;
    char err[160];
    if (ln_json_parse(text, strlen(text), &root, err, sizeof err) != LN_OK)
        return ln_fail(LN_ERR_FORMAT, "%s: class_names: %s", path, err);
    ln_status st = LN_OK;
    if (root->type != LN_JSON_ARRAY || root->u.list.n != (size_t)net->nclasses)
        st = ln_fail(LN_ERR_FORMAT, "%s: class_names is not an array of %d strings", path, net->nclasses);
    char *names[256];
    for (size_t i = 0; st == LN_OK && i < root->u.list.n; i++) {
        const ln_json *v = &root->u.list.items[i];
        if (v->type != LN_JSON_STRING || strlen(v->u.str.s) != v->u.str.len || i >= 256)
            st = ln_fail(LN_ERR_FORMAT, "%s: class_names[%zu] is not a plain string", path, i);
        else names[i] = v->u.str.s;
    }
    if (st == LN_OK) st = ln_net_set_class_names(net, names);
    ln_json_free(root);
    return st;
}

/* One checksum: the metadata value `key` against `got`; absent is fine
 * unless required. */
static ln_status check_one(const ln_st_file *f, const char *path, const char *key, uint32_t got, int required,
                           const char *what)
{
    const char *want = ln_st_meta_get(f, key);
    if (!want) {
        if (!required) return LN_OK;
        return ln_fail(LN_ERR_FORMAT, "%s: no %s in __metadata__ (a checkpoint must carry its checksums)", path, key);
    }
    char g[9];
    snprintf(g, sizeof g, "%08" PRIx32, got);
    if (strlen(want) != 8 || strspn(want, "0123456789abcdef") != 8)
        return ln_fail(LN_ERR_FORMAT, "%s: %s '%.16s' is not 8 lowercase hex digits", path, key, want);
    if (strcmp(want, g) != 0)
        return ln_fail(LN_ERR_FORMAT, "%s: checksum mismatch: the header says %s, %s is %s (the file is corrupt or was edited)",
                       path, want, what, g);
    return LN_OK;
}

/* The checksums, where the file has them: any damage to the data section
 * (a flipped bit, a torn write) or to the header (a metadata value, the
 * spec, a tensor's shape) is caught before the weights are used. */
static ln_status check_crc(const ln_st_file *f, const char *path, int required)
{
    ln_status st = check_one(f, path, LN_CRC_KEY, f->data_crc32, required, "the data");
    if (!st && ln_st_meta_get(f, LN_FILE_CRC_KEY) && !f->has_file_crc32) /* e.g. written with escapes */
        st = ln_fail(LN_ERR_FORMAT, "%s: %s is not 8 lowercase hex digits as plain header bytes", path, LN_FILE_CRC_KEY);
    if (!st) st = check_one(f, path, LN_FILE_CRC_KEY, f->file_crc32, required, "the file");
    return st;
}

ln_status ln_mfile_from_file(const ln_st_file *f, const char *path, int crc_required, int extra, ln_net *net)
{
    memset(net, 0, sizeof *net);
    const char *fmt, *model, *input, *classes;
    ln_status st = check_crc(f, path, crc_required);
    if (st || (st = need_meta(f, path, "format", &fmt)) || (st = need_meta(f, path, "model", &model)) ||
        (st = need_meta(f, path, "input", &input)) || (st = need_meta(f, path, "classes", &classes)))
        return st;
    int c, h, w, k, used = 0;
    if (strcmp(fmt, "lenet") != 0 || sscanf(input, "%d,%d,%d%n", &c, &h, &w, &used) != 3 ||
        input[used] != 0 || sscanf(classes, "%d%n", &k, &used) != 1 || classes[used] != 0)
        return ln_fail(LN_ERR_FORMAT, "%s: bad lenet metadata (format '%.32s', input '%.32s', classes '%.32s')", path,
                       fmt, input, classes);
    /* the layers come from the spec the file carries (files written before
     * specs existed name a built-in model) */
    const char *spec = ln_st_meta_get(f, "spec");
    if (!spec || !*spec) spec = ln_spec_builtin(model);
    if (!spec) return ln_fail(LN_ERR_FORMAT, "%s: no spec in __metadata__, and model '%.32s' is not built in", path, model);
    char name[32];
    snprintf(name, sizeof name, "%s", model);
    st = ln_net_build_spec(spec, name, "spec", c, h, w, k, net);
    if (st != LN_OK) {
        char why[256];
        snprintf(why, sizeof why, "%s", ln_last_error());
        return ln_fail(st, "%s: %s", path, why);
    }
    st = ln_mfile_load_tensors(f, path, net, "", net->params);
    int want = count_tensors(net) + extra;
    if (st == LN_OK && f->ntensors != want)
        st = ln_fail(LN_ERR_FORMAT, "%s: %d tensors, but model %s%s has %d", path, f->ntensors, net->model,
                     extra ? " with its optimizer state" : "", want);
    const char *names = ln_st_meta_get(f, "class_names");
    if (st == LN_OK && names) st = load_names(path, names, net);
    if (st != LN_OK) ln_net_free(net);
    return st;
}

ln_status ln_net_load(const char *path, ln_net *net)
{
    ln_st_file f;
    memset(net, 0, sizeof *net);
    ln_status st = ln_st_read(path, &f);
    if (st != LN_OK) return st;
    /* a checkpoint also holds one velocity tensor per parameter tensor */
    const char *kind = ln_st_meta_get(&f, "kind");
    int ckpt = kind && !strcmp(kind, "checkpoint");
    int extra = 0;
    if (ckpt)
        for (int i = 0; i < f.ntensors; i++) extra += !strncmp(f.tensors[i].name, "optim.", 6);
    st = ln_mfile_from_file(&f, path, ckpt, extra, net);
    ln_st_free(&f);
    return st;
}

ln_status ln_net_check_finite(const ln_net *net, const float *velocity, const char *path)
{
    for (int pass = 0; pass < (velocity ? 2 : 1); pass++) {
        const float *base = pass ? velocity : net->params;
        for (int i = 0; i < net->nlayers; i++) {
            const ln_layer *l = &net->layers[i];
            const struct {
                const char *part;
                size_t off, len;
            } t[2] = {{"weight", l->w_off, l->w_len}, {"bias", l->b_off, l->b_len}};
            for (int j = 0; j < 2; j++)
                for (size_t k = 0; k < t[j].len; k++) {
                    float v = base[t[j].off + k];
                    if (isfinite(v)) continue;
                    return ln_fail(LN_ERR_NUMERIC,
                                   "%s: %s%s.%s holds %s at index %zu (a model with non-finite weights is unusable)",
                                   path, pass ? "momentum of " : "", l->name, t[j].part,
                                   isnan(v) ? "NaN" : "an infinity", k);
                }
        }
    }
    return LN_OK;
}
