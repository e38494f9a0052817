/* The public model API (include/lenet/model.h) over ln_net. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "api/handles.h"
#include "core/text.h"
#include "io/model_file.h"
#include "nn/spec.h"

static ln_status new_model(ln_model **out)
{
    *out = calloc(1, sizeof **out);
    return *out ? LN_OK : ln_fail(LN_ERR_NOMEM, "out of memory for a model");
}

ln_status ln_model_new(const char *model, int channels, int height, int width, int classes, uint64_t seed,
                       ln_model **out)
{
    if (!out) return ln_fail(LN_ERR_ARG, "ln_model_new: out is NULL");
    *out = NULL;
    if (!model) return ln_fail(LN_ERR_ARG, "ln_model_new: model is NULL");
    ln_model *m;
    ln_status st = new_model(&m);
    if (st != LN_OK) return st;
    /* ln_net_build's steps, with parse errors under the argument's name
     * here ("model: ..."), not the CLI's flag */
    char name[32], *text = NULL;
    if ((st = ln_spec_resolve(model, name, sizeof name, &text)) == LN_OK)
        st = ln_net_build_spec(text, name, "model", channels, height, width, classes, &m->net);
    free(text);
    if (st != LN_OK) {
        ln_model_free(m);
        return st;
    }
    ln_net_init(&m->net, seed);
    *out = m;
    return LN_OK;
}

ln_status ln_model_load(const char *path, ln_model **out)
{
    if (!out) return ln_fail(LN_ERR_ARG, "ln_model_load: out is NULL");
    *out = NULL;
    if (!path) return ln_fail(LN_ERR_ARG, "ln_model_load: path is NULL");
    ln_model *m;
    ln_status st = new_model(&m);
    if (st != LN_OK) return st;
    if ((st = ln_net_load(path, &m->net)) != LN_OK || (st = ln_net_check_finite(&m->net, NULL, path)) != LN_OK) {
        ln_model_free(m);
        return st;
    }
    *out = m;
    return LN_OK;
}

ln_status ln_model_file_info(const char *path, ln_file_info *out)
{
    if (!path || !out) return ln_fail(LN_ERR_ARG, "ln_model_file_info: %s is NULL", path ? "out" : "path");
    memset(out, 0, sizeof *out);
    ln_st_file f;
    ln_status st = ln_st_read(path, &f);
    if (st != LN_OK) return st;
    const char *kind = ln_st_meta_get(&f, "kind");
    out->checkpoint = kind && !strcmp(kind, "checkpoint");
    out->checksummed = ln_st_meta_get(&f, LN_CRC_KEY) != NULL;
    ln_st_free(&f);
    return LN_OK;
}

ln_status ln_model_save(const ln_model *m, const char *path)
{
    if (!m || !path) return ln_fail(LN_ERR_ARG, "ln_model_save: %s is NULL", m ? "path" : "model");
    ln_status st = ln_net_check_finite(&m->net, NULL, path);
    return st != LN_OK ? st : ln_net_save(&m->net, path);
}

ln_status ln_model_clone(const ln_model *m, ln_model **out)
{
    if (!out) return ln_fail(LN_ERR_ARG, "ln_model_clone: out is NULL");
    *out = NULL;
    if (!m) return ln_fail(LN_ERR_ARG, "ln_model_clone: model is NULL");
    ln_model *c;
    ln_status st = new_model(&c);
    if (st != LN_OK) return st;
    /* the layers by value; the parameters (64-byte aligned, as
     * ln_net_build allocates them) and the names copied */
    const ln_net *n = &m->net;
    c->net = *n;
    c->net.params = NULL, c->net.class_names = NULL;
    size_t bytes = (n->nparams * sizeof(float) + 63) / 64 * 64;
    if (!(c->net.params = aligned_alloc(64, bytes ? bytes : 64)))
        st = ln_fail(LN_ERR_NOMEM, "model %s: cannot allocate %zu parameters", n->model, n->nparams);
    if (st == LN_OK) st = ln_net_set_class_names(&c->net, n->class_names);
    if (st != LN_OK) {
        ln_model_free(c);
        return st;
    }
    memcpy(c->net.params, n->params, n->nparams * sizeof *n->params);
    *out = c;
    return LN_OK;
}

void ln_model_free(ln_model *m)
{
    if (!m) return;
    ln_net_free(&m->net);
    free(m);
}

const char *const *ln_model_builtins(void) { return ln_net_models(); }

ln_status ln_model_check(const char *model)
{
    if (!model) return ln_fail(LN_ERR_ARG, "ln_model_check: model is NULL");
    char name[32], err[256];
    char *text;
    ln_status st = ln_spec_resolve(model, name, sizeof name, &text);
    if (st != LN_OK) return st;
    ln_spec s;
    st = ln_spec_parse(text, &s, err, sizeof err);
    free(text);
    return st == LN_OK ? LN_OK : ln_fail(LN_ERR_ARG, "model: %s", err);
}

const char *ln_model_name(const ln_model *m) { return m->net.model; }

const char *ln_model_spec(const ln_model *m) { return m->net.spec; }

void ln_model_input(const ln_model *m, int *channels, int *height, int *width)
{
    if (channels) *channels = m->net.in_c;
    if (height) *height = m->net.in_h;
    if (width) *width = m->net.in_w;
}

int ln_model_classes(const ln_model *m) { return m->net.nclasses; }

const char *ln_model_class_name(const ln_model *m, int c)
{
    return m->net.class_names && c >= 0 && c < m->net.nclasses ? m->net.class_names[c] : NULL;
}

ln_status ln_model_set_class_names(ln_model *m, const char *const *names)
{
    if (!m) return ln_fail(LN_ERR_ARG, "ln_model_set_class_names: model is NULL");
    if (names)
        for (int c = 0; c < m->net.nclasses; c++) {
            const char *s = names[c] ? names[c] : "";
            if (!ln_utf8_valid(s, strlen(s)))
                return ln_fail(LN_ERR_ARG, "class name %d is not valid UTF-8 (a model file stores names as JSON)", c);
        }
    /* ln_net_set_class_names copies the strings and never writes them */
    return ln_net_set_class_names(&m->net, (char *const *)names);
}

/* ---- layers ---- */

int ln_model_layers(const ln_model *m) { return m->net.nlayers; }

/* A layer kind's word in the spec language. */
static const char *kind_word(ln_layer_kind k)
{
    static const ln_spec_op ops[] = {
        [LN_L_RESIZE] = LN_SPEC_RESIZE, [LN_L_CONV] = LN_SPEC_CONV, [LN_L_AVGPOOL] = LN_SPEC_AVGPOOL,
        [LN_L_MAXPOOL] = LN_SPEC_MAXPOOL, [LN_L_TANH] = LN_SPEC_TANH, [LN_L_RELU] = LN_SPEC_RELU,
        [LN_L_FLATTEN] = LN_SPEC_FLATTEN, [LN_L_DENSE] = LN_SPEC_DENSE, [LN_L_SOFTMAX_XENT] = LN_SPEC_SOFTMAX,
        [LN_L_STANH] = LN_SPEC_STANH, [LN_L_SIGMOID] = LN_SPEC_SIGMOID, [LN_L_SUBSAMPLE] = LN_SPEC_SUBSAMPLE,
        [LN_L_PAD] = LN_SPEC_PAD, [LN_L_NORMALIZE] = LN_SPEC_NORMALIZE, [LN_L_RBF] = LN_SPEC_RBF,
    };
    return (size_t)k < sizeof ops / sizeof ops[0] ? ln_spec_op_word(ops[k]) : "?";
}

ln_status ln_model_layer(const ln_model *m, int i, ln_layer_info *out)
{
    if (!m || !out) return ln_fail(LN_ERR_ARG, "ln_model_layer: %s is NULL", m ? "out" : "model");
    if (i < 0 || i >= m->net.nlayers)
        return ln_fail(LN_ERR_ARG, "ln_model_layer: layer %d is out of range 0..%d", i, m->net.nlayers - 1);
    const ln_layer *l = &m->net.layers[i];
    memset(out, 0, sizeof *out);
    snprintf(out->kind, sizeof out->kind, "%s", kind_word(l->kind));
    snprintf(out->name, sizeof out->name, "%s", l->name);
    out->in_c = l->in_c, out->in_h = l->in_h, out->in_w = l->in_w;
    out->out_c = l->out_c, out->out_h = l->out_h, out->out_w = l->out_w;
    out->params = (long long)(l->w_len + l->b_len);
    out->trainable = (long long)ln_layer_trainable(l);
    out->flops = ln_layer_flops(l);
    return LN_OK;
}

long long ln_model_trainable(const ln_model *m) { return (long long)ln_net_trainable(&m->net); }

double ln_model_forward_flops(const ln_model *m) { return ln_net_forward_flops(&m->net); }

double ln_model_step_flops(const ln_model *m) { return ln_net_step_flops(&m->net); }

/* ---- parameters ---- */

/* The tensors as the model file holds them (names, shapes, file order). */
typedef struct tensor_list {
    ln_st_tensor t[LN_MODEL_MAX_TENSORS];
    ln_tensor_name names[LN_MODEL_MAX_TENSORS];
    int n;
} tensor_list;

static void list_tensors(const ln_net *net, tensor_list *tl)
{
    tl->n = ln_mfile_tensors(net, net->params, "", tl->t, tl->names);
}

static void tensor_info(const ln_net *net, const ln_st_tensor *t, ln_tensor_info *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "%s", t->name);
    out->ndim = t->ndim;
    out->len = 1;
    for (int d = 0; d < t->ndim && d < 4; d++) out->shape[d] = (int)t->shape[d], out->len *= (size_t)t->shape[d];
    out->offset = (size_t)(t->data - net->params);
    out->trainable = 1;
    for (int i = 0; i < net->nlayers; i++) /* the layer that holds it: RBF prototypes are fixed */
        if (net->layers[i].w_len && net->layers[i].w_off == out->offset) out->trainable = !net->layers[i].frozen;
}

int ln_model_tensors(const ln_model *m)
{
    tensor_list tl;
    list_tensors(&m->net, &tl);
    return tl.n;
}

ln_status ln_model_tensor(const ln_model *m, int i, ln_tensor_info *out)
{
    if (!m || !out) return ln_fail(LN_ERR_ARG, "ln_model_tensor: %s is NULL", m ? "out" : "model");
    tensor_list tl;
    list_tensors(&m->net, &tl);
    if (i < 0 || i >= tl.n) return ln_fail(LN_ERR_ARG, "ln_model_tensor: tensor %d is out of range 0..%d", i, tl.n - 1);
    tensor_info(&m->net, &tl.t[i], out);
    return LN_OK;
}

ln_status ln_model_find_tensor(const ln_model *m, const char *name, ln_tensor_info *out)
{
    if (!m || !name || !out) return ln_fail(LN_ERR_ARG, "ln_model_find_tensor: an argument is NULL");
    tensor_list tl;
    list_tensors(&m->net, &tl);
    for (int i = 0; i < tl.n; i++)
        if (!strcmp(tl.t[i].name, name)) {
            tensor_info(&m->net, &tl.t[i], out);
            return LN_OK;
        }
    return ln_fail(LN_ERR_ARG, "model %s has no tensor '%s'", m->net.model, name);
}

size_t ln_model_param_len(const ln_model *m) { return m->net.nparams; }

static ln_status check_range(const ln_model *m, const void *buf, size_t offset, size_t len, const char *fn)
{
    if (!m || (!buf && len)) return ln_fail(LN_ERR_ARG, "%s: %s is NULL", fn, m ? "the buffer" : "model");
    if (offset > m->net.nparams || len > m->net.nparams - offset)
        return ln_fail(LN_ERR_ARG, "%s: floats [%zu, %zu + %zu) lie outside the %zu parameters", fn, offset, offset,
                       len, m->net.nparams);
    return LN_OK;
}

ln_status ln_model_read_params(const ln_model *m, size_t offset, float *dst, size_t len)
{
    ln_status st = check_range(m, dst, offset, len, "ln_model_read_params");
    if (st == LN_OK && len) memcpy(dst, m->net.params + offset, len * sizeof *dst);
    return st;
}

/* The first float of src (to be written at offset) that would set a
 * weight a connection table leaves out to nonzero: its index, or len. */
static size_t first_gap_write(const ln_net *net, size_t offset, const float *src, size_t len, const ln_layer **at)
{
    for (int i = 0; i < net->nlayers; i++) {
        const ln_layer *l = &net->layers[i];
        if (l->kind != LN_L_CONV || !l->table) continue;
        size_t end = l->w_off + l->w_len, taps = (size_t)l->k * l->k;
        size_t lo = offset > l->w_off ? offset : l->w_off, hi = offset + len < end ? offset + len : end;
        for (size_t p = lo; p < hi; p++) {
            size_t q = (p - l->w_off) / taps; /* = o * in_c + c */
            int o = (int)(q / (size_t)l->in_c), c = (int)(q % (size_t)l->in_c);
            if (src[p - offset] != 0.0f && !ln_table_connected(l->table, o, c)) {
                *at = l;
                return p - offset;
            }
        }
    }
    return len;
}

ln_status ln_model_write_params(ln_model *m, size_t offset, const float *src, size_t len)
{
    ln_status st = check_range(m, src, offset, len, "ln_model_write_params");
    if (st != LN_OK) return st;
    for (size_t j = 0; j < len; j++)
        if (!isfinite(src[j]))
            return ln_fail(LN_ERR_NUMERIC, "ln_model_write_params: src[%zu] is %s: nothing written", j,
                           isnan(src[j]) ? "NaN" : "an infinity");
    const ln_layer *l = NULL;
    size_t j = first_gap_write(&m->net, offset, src, len, &l);
    if (j < len)
        return ln_fail(LN_ERR_ARG, "ln_model_write_params: src[%zu] would set %s.weight[%zu], a connection its table "
                       "leaves out, to %g (it must stay 0): nothing written", j, l->name, offset + j - l->w_off,
                       (double)src[j]);
    if (len) memcpy(m->net.params + offset, src, len * sizeof *src);
    return LN_OK;
}
