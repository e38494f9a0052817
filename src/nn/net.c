/* Network construction: layer shapes, parameter layout, initialisation. */
#include "net.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "spec.h"

typedef struct builder {
    ln_net *net;
    int c, h, w;     /* current activation shape */
    int nconv, ndense, nsub;
    ln_status st;
} builder;

static ln_layer *push(builder *b, ln_layer_kind kind)
{
    ln_net *net = b->net;
    if (b->st != LN_OK) return NULL;
    if (net->nlayers == LN_MAX_LAYERS) {
        b->st = ln_fail(LN_ERR_ARG, "model %s: more than %d layers", net->model, LN_MAX_LAYERS);
        return NULL;
    }
    ln_layer *l = &net->layers[net->nlayers++];
    memset(l, 0, sizeof *l);
    l->kind = kind;
    l->in_c = l->out_c = b->c;
    l->in_h = l->out_h = b->h;
    l->in_w = l->out_w = b->w;
    return l;
}

/* Per sample, no layer outputs more values than the largest input (4 x
 * 4096 x 4096): sizes then fit an int (flatten multiplies them) and a
 * spec such as 'resize 99999x99999' is refused, not allocated. */
#define MAX_VALUES ((int64_t)4 * 4096 * 4096)
/* LeNet-class networks have up to a few million parameters; a spec (or a
 * 200-byte model file) asking for more than 2^26 is refused before the
 * allocation. */
#define MAX_PARAMS ((size_t)1 << 26)

static void set_out(builder *b, ln_layer *l, int c, int h, int w)
{
    l->out_c = b->c = c;
    l->out_h = b->h = h;
    l->out_w = b->w = w;
    if (c <= 0 || h <= 0 || w <= 0)
        b->st = ln_fail(LN_ERR_ARG, "model %s: layer %d (%s) has an empty output %dx%dx%d",
                        b->net->model, b->net->nlayers, ln_layer_kind_name(l->kind), c, h, w);
    else if ((int64_t)c * h * w > MAX_VALUES)
        b->st = ln_fail(LN_ERR_ARG, "model %s: layer %d (%s) has an output of %dx%dx%d values, more than the %lld "
                        "supported", b->net->model, b->net->nlayers, ln_layer_kind_name(l->kind), c, h, w,
                        (long long)MAX_VALUES);
}

static void add_params(builder *b, ln_layer *l, size_t wlen, size_t blen)
{
    l->w_off = b->net->nparams;
    l->w_len = wlen;
    l->b_off = l->w_off + wlen;
    l->b_len = blen;
    b->net->nparams += wlen + blen;
}

static void resize(builder *b, int h, int w)
{
    if (b->h == h && b->w == w) return; /* identity: no layer */
    ln_layer *l = push(b, LN_L_RESIZE);
    if (l) set_out(b, l, b->c, h, w);
}

static void conv(builder *b, int maps, int k, int same)
{
    ln_layer *l = push(b, LN_L_CONV);
    if (!l) return;
    l->k = k;
    l->pad = same ? (k - 1) / 2 : 0;
    snprintf(l->name, sizeof l->name, "conv%d", ++b->nconv);
    if (same && k % 2 == 0) {
        b->st = ln_fail(LN_ERR_ARG, "model %s: %s: 'same' padding needs an odd kernel size, got %d",
                        b->net->model, l->name, k);
        return;
    }
    set_out(b, l, maps, b->h + 2 * l->pad - k + 1, b->w + 2 * l->pad - k + 1);
    add_params(b, l, (size_t)maps * l->in_c * k * k, (size_t)maps);
}

static void simple(builder *b, ln_layer_kind kind)
{
    ln_layer *l = push(b, kind);
    if (!l) return;
    if (kind == LN_L_AVGPOOL || kind == LN_L_MAXPOOL) set_out(b, l, b->c, b->h / 2, b->w / 2);
    if (kind == LN_L_FLATTEN) set_out(b, l, b->c * b->h * b->w, 1, 1);
}

static void dense(builder *b, int units)
{
    ln_layer *l = push(b, LN_L_DENSE);
    if (!l) return;
    snprintf(l->name, sizeof l->name, "fc%d", ++b->ndense);
    if (b->h != 1 || b->w != 1) {
        b->st = ln_fail(LN_ERR_ARG, "model %s: %s needs a flattened input, got %dx%dx%d",
                        b->net->model, l->name, b->c, b->h, b->w);
        return;
    }
    set_out(b, l, units, 1, 1);
    add_params(b, l, (size_t)units * l->in_c, (size_t)units);
}

/* Name a spec item in a message: "layer 3 (dense 84, at 1:40)". */
static const char *where(const ln_spec_item *it, int i, char *buf, size_t cap)
{
    ln_spec one = {.n = 1, .items = {*it}};
    char txt[64];
    ln_spec_format(&one, txt, sizeof txt);
    snprintf(buf, cap, "layer %d (%s, at %d:%d)", i + 1, txt, it->line, it->col);
    return buf;
}

/* Build the layers of a parsed spec, checking each shape as it goes. */
static void build_spec(builder *b, const ln_spec *s, int nclasses)
{
    char w[128];
    for (int i = 0; i < s->n && b->st == LN_OK; i++) {
        const ln_spec_item *it = &s->items[i];
        switch (it->op) {
        case LN_SPEC_INIT: b->net->init = it->a; break;
        case LN_SPEC_RESIZE:
        case LN_SPEC_PAD:
        case LN_SPEC_NORMALIZE: {
            /* input layers have no backward pass: nothing with parameters may precede them */
            for (int j = 0; j < b->net->nlayers; j++)
                if (b->net->layers[j].w_len) {
                    b->st = ln_fail(LN_ERR_ARG, "model %s: %s: only before the first layer with parameters",
                                    b->net->model, where(it, i, w, sizeof w));
                    return;
                }
            if (it->op == LN_SPEC_RESIZE) {
                resize(b, it->a, it->b);
            } else if (it->op == LN_SPEC_PAD) {
                ln_layer *l = push(b, LN_L_PAD);
                if (l) l->pad = it->a, set_out(b, l, b->c, b->h + 2 * it->a, b->w + 2 * it->a);
            } else {
                ln_layer *l = push(b, LN_L_NORMALIZE);
                if (l) l->lo = it->lo, l->hi = it->hi;
            }
            break;
        }
        case LN_SPEC_CONV:
            if (!it->same && (it->b > b->h || it->b > b->w)) {
                b->st = ln_fail(LN_ERR_ARG, "model %s: %s: a %dx%d kernel on a %dx%d input ('valid' needs it to fit)",
                                b->net->model, where(it, i, w, sizeof w), it->b, it->b, b->h, b->w);
                return;
            }
            if (it->table && (b->c != 6 || it->a != 16)) {
                b->st = ln_fail(LN_ERR_ARG, "model %s: %s: table lecun98 connects 6 maps to 16, not %d to %d",
                                b->net->model, where(it, i, w, sizeof w), b->c, it->a);
                return;
            }
            conv(b, it->a, it->b, it->same);
            if (b->st == LN_OK) b->net->layers[b->net->nlayers - 1].table = it->table;
            break;
        case LN_SPEC_AVGPOOL:
        case LN_SPEC_MAXPOOL:
            if (b->h < 2 || b->w < 2) {
                b->st = ln_fail(LN_ERR_ARG, "model %s: %s: pooling a %dx%d input", b->net->model,
                                where(it, i, w, sizeof w), b->h, b->w);
                return;
            }
            simple(b, it->op == LN_SPEC_AVGPOOL ? LN_L_AVGPOOL : LN_L_MAXPOOL);
            break;
        case LN_SPEC_TANH: simple(b, LN_L_TANH); break;
        case LN_SPEC_RELU: simple(b, LN_L_RELU); break;
        case LN_SPEC_STANH: simple(b, LN_L_STANH); break;
        case LN_SPEC_SUBSAMPLE: {
            if (b->h < 2 || b->w < 2) {
                b->st = ln_fail(LN_ERR_ARG, "model %s: %s: subsampling a %dx%d input", b->net->model,
                                where(it, i, w, sizeof w), b->h, b->w);
                return;
            }
            ln_layer *l = push(b, LN_L_SUBSAMPLE);
            if (!l) return;
            snprintf(l->name, sizeof l->name, "sub%d", ++b->nsub);
            set_out(b, l, b->c, b->h / 2, b->w / 2);
            add_params(b, l, (size_t)b->c, (size_t)b->c);
            break;
        }
        case LN_SPEC_SIGMOID: simple(b, LN_L_SIGMOID); break;
        case LN_SPEC_FLATTEN: simple(b, LN_L_FLATTEN); break;
        case LN_SPEC_DENSE:
            if (b->h != 1 || b->w != 1) {
                b->st = ln_fail(LN_ERR_ARG, "model %s: %s needs a flattened input, got %dx%dx%d (add 'flatten' before it)",
                                b->net->model, where(it, i, w, sizeof w), b->c, b->h, b->w);
                return;
            }
            dense(b, it->a == LN_SPEC_CLASSES ? nclasses : it->a);
            break;
        case LN_SPEC_RBF: {
            int out = it->a == LN_SPEC_CLASSES ? nclasses : it->a;
            if (i != s->n - 1 || b->h != 1 || b->w != 1 || out != nclasses) {
                b->st = ln_fail(LN_ERR_ARG, "model %s: %s: the last layer, on a flattened input, with one unit per class "
                                "(%d here; got %dx%dx%d in, %d units)", b->net->model, where(it, i, w, sizeof w),
                                nclasses, b->c, b->h, b->w, out);
                return;
            }
            ln_layer *l = push(b, LN_L_RBF);
            if (!l) return;
            snprintf(l->name, sizeof l->name, "rbf");
            l->lo = it->same ? 1.0f : -1.0f; /* MAP criterion with j = 1, or the plain one */
            l->frozen = 1;
            set_out(b, l, out, 1, 1);
            add_params(b, l, (size_t)out * l->in_c, 0);
            break;
        }
        case LN_SPEC_SOFTMAX:
            if (i != s->n - 1) {
                b->st = ln_fail(LN_ERR_ARG, "model %s: %s: softmax must be the last layer", b->net->model,
                                where(it, i, w, sizeof w));
                return;
            }
            if (b->h != 1 || b->w != 1 || b->c != nclasses) {
                b->st = ln_fail(LN_ERR_ARG, "model %s: %s: gets %dx%dx%d values for %d classes (end with 'dense classes')",
                                b->net->model, where(it, i, w, sizeof w), b->c, b->h, b->w, nclasses);
                return;
            }
            simple(b, LN_L_SOFTMAX_XENT);
            break;
        }
    }
    ln_layer_kind last = b->net->nlayers ? b->net->layers[b->net->nlayers - 1].kind : LN_L_RESIZE;
    if (b->st == LN_OK && last != LN_L_SOFTMAX_XENT && last != LN_L_RBF)
        b->st = ln_fail(LN_ERR_ARG, "model %s: the last layer must be softmax or rbf (the loss)", b->net->model);
}

const char *const *ln_net_models(void)
{
    static const char *names[8];
    for (int i = 0; i < 7 && ln_spec_builtin_name(i); i++) names[i] = ln_spec_builtin_name(i);
    return names;
}

ln_status ln_net_build(const char *model, int c, int h, int w, int nclasses, ln_net *net)
{
    memset(net, 0, sizeof *net);
    char name[32];
    char *text;
    ln_status st = ln_spec_resolve(model, name, sizeof name, &text);
    if (st != LN_OK) return st;
    st = ln_net_build_spec(text, name, "--model", c, h, w, nclasses, net);
    free(text);
    return st;
}

ln_status ln_net_build_spec(const char *text, const char *name, const char *origin, int c, int h, int w,
                            int nclasses, ln_net *net)
{
    memset(net, 0, sizeof *net);
    char err[256];
    ln_spec spec;
    ln_status st = ln_spec_parse(text, &spec, err, sizeof err);
    if (st != LN_OK) return ln_fail(LN_ERR_ARG, "%s: %s", origin, err);
    snprintf(net->model, sizeof net->model, "%s", name);
    if (c <= 0 || h <= 0 || w <= 0 || c > 4 || h > 4096 || w > 4096)
        return ln_fail(LN_ERR_ARG, "model %s: unsupported input shape %dx%dx%d", name, c, h, w);
    if (nclasses < 2 || nclasses > 256)
        return ln_fail(LN_ERR_ARG, "model %s: unsupported number of classes %d", name, nclasses);
    ln_spec_format(&spec, net->spec, sizeof net->spec);
    net->in_c = c, net->in_h = h, net->in_w = w, net->nclasses = nclasses;
    builder b = {.net = net, .c = c, .h = h, .w = w};
    build_spec(&b, &spec, nclasses);
    if (b.st != LN_OK) return b.st;
    if (net->nparams > MAX_PARAMS)
        return ln_fail(LN_ERR_ARG, "model %s: %zu parameters, more than the %zu supported", name, net->nparams,
                       MAX_PARAMS);
    size_t bytes = (net->nparams * sizeof(float) + 63) / 64 * 64;
    net->params = aligned_alloc(64, bytes ? bytes : 64);
    if (!net->params) return ln_fail(LN_ERR_NOMEM, "model %s: cannot allocate %zu parameters", name, net->nparams);
    memset(net->params, 0, bytes);
    return LN_OK;
}

static void free_names(ln_net *net)
{
    if (net->class_names)
        for (int i = 0; i < net->nclasses; i++) free(net->class_names[i]);
    free(net->class_names);
    net->class_names = NULL;
}

void ln_net_free(ln_net *net)
{
    free(net->params);
    free_names(net);
    memset(net, 0, sizeof *net);
}

ln_status ln_net_set_class_names(ln_net *net, char *const *names)
{
    free_names(net);
    if (!names) return LN_OK;
    char **c = calloc((size_t)net->nclasses, sizeof *c);
    if (!c) return ln_fail(LN_ERR_NOMEM, "out of memory for class names");
    net->class_names = c;
    for (int i = 0; i < net->nclasses; i++)
        if (!(c[i] = strdup(names[i] ? names[i] : ""))) {
            free_names(net);
            return ln_fail(LN_ERR_NOMEM, "out of memory for class names");
        }
    return LN_OK;
}

void ln_net_init(ln_net *net, uint64_t seed)
{
    ln_rng r;
    ln_rng_seed(&r, seed);
    for (int i = 0; i < net->nlayers; i++) {
        const ln_layer *l = &net->layers[i];
        if (!l->w_len) continue;
        if (l->kind == LN_L_RBF) {
            ln_rbf_prototypes(l->out_c, l->in_c, seed, net->params + l->w_off);
            continue;
        }
        int ksz = l->kind == LN_L_CONV ? l->k * l->k : 1;
        double fan_in = (double)l->in_c * ksz, fan_out = (double)l->out_c * ksz;
        if (l->kind == LN_L_CONV && l->table) /* a C3 map reads only its table's inputs */
            fan_in = (double)(ln_layer_trainable(l) - l->b_len) / l->out_c;
        float limit = (float)sqrt(6.0 / (fan_in + fan_out));
        int lecun = net->init == LN_INIT_LECUN98;
        if (l->kind == LN_L_SUBSAMPLE) fan_in = 4.0, lecun = 1; /* LeCun 1998: +-2.4 / fan-in (a 2x2 window) */
        if (lecun) limit = (float)(2.4 / fan_in);
        float *w = net->params + l->w_off;
        for (size_t j = 0; j < l->w_len; j++) w[j] = (2.0f * ln_rng_uniform(&r) - 1.0f) * limit;
        if (l->kind == LN_L_CONV && l->table) /* missing connections stay zero for good */
            for (int o = 0; o < l->out_c; o++)
                for (int c = 0; c < l->in_c; c++)
                    if (!ln_table_connected(l->table, o, c))
                        memset(w + ((size_t)o * l->in_c + c) * l->k * l->k, 0, (size_t)l->k * l->k * sizeof *w);
        if (net->init == LN_INIT_LECUN98) /* the paper draws biases like weights */
            for (size_t j = 0; j < l->b_len; j++) net->params[l->b_off + j] = (2.0f * ln_rng_uniform(&r) - 1.0f) * limit;
        else
            memset(net->params + l->b_off, 0, l->b_len * sizeof(float));
    }
}

double ln_layer_flops(const ln_layer *l)
{
    double out = (double)ln_layer_out_len(l);
    switch (l->kind) {
    case LN_L_CONV: /* a table's missing connections are not computed in principle */
        return 2.0 * (double)l->out_h * l->out_w * (double)(ln_layer_trainable(l) - l->b_len);
    case LN_L_DENSE: return 2.0 * out * l->in_c;
    case LN_L_AVGPOOL: case LN_L_MAXPOOL: return 4.0 * out;
    case LN_L_SUBSAMPLE: return 6.0 * out;
    case LN_L_PAD: return 0.0;
    case LN_L_RBF: return 3.0 * out * l->in_c;
    case LN_L_NORMALIZE: return 2.0 * out;
    case LN_L_RESIZE: return 8.0 * out;
    case LN_L_TANH: case LN_L_RELU: case LN_L_SOFTMAX_XENT: case LN_L_STANH: case LN_L_SIGMOID: return out;
    case LN_L_FLATTEN: return 0.0;
    }
    return 0.0;
}

/* The RBF prototypes for ten classes: digits drawn as 7x12 bitmaps, row
 * by row ('#' is +1, '.' -1), bold strokes so that every pair differs in
 * many of the 84 places (docs/MODELS.md shows them). */
static const char *const GLYPHS[10] = {
    /* 0 */ ".#####."
            "##...##"
            "##...##"
            "##..###"
            "##.#.##"
            "##.#.##"
            "###..##"
            "##...##"
            "##...##"
            ".#####."
            "......."
            ".......",
    /* 1 */ "...##.."
            "..###.."
            ".####.."
            "...##.."
            "...##.."
            "...##.."
            "...##.."
            "...##.."
            "...##.."
            ".######"
            "......."
            ".......",
    /* 2 */ ".#####."
            "##...##"
            ".....##"
            ".....##"
            "....##."
            "...##.."
            "..##..."
            ".##...."
            "##....."
            "#######"
            "......."
            ".......",
    /* 3 */ ".#####."
            "##...##"
            ".....##"
            ".....##"
            "..####."
            ".....##"
            ".....##"
            ".....##"
            "##...##"
            ".#####."
            "......."
            ".......",
    /* 4 */ "....##."
            "...###."
            "..####."
            ".##.##."
            "##..##."
            "#######"
            "....##."
            "....##."
            "....##."
            "....##."
            "......."
            ".......",
    /* 5 */ "#######"
            "##....."
            "##....."
            "######."
            ".....##"
            ".....##"
            ".....##"
            ".....##"
            "##...##"
            ".#####."
            "......."
            ".......",
    /* 6 */ "..####."
            ".##...."
            "##....."
            "######."
            "##...##"
            "##...##"
            "##...##"
            "##...##"
            "##...##"
            ".#####."
            "......."
            ".......",
    /* 7 */ "#######"
            ".....##"
            "....##."
            "....##."
            "...##.."
            "...##.."
            "..##..."
            "..##..."
            "..##..."
            "..##..."
            "......."
            ".......",
    /* 8 */ ".#####."
            "##...##"
            "##...##"
            "##...##"
            ".#####."
            "##...##"
            "##...##"
            "##...##"
            "##...##"
            ".#####."
            "......."
            ".......",
    /* 9 */ ".#####."
            "##...##"
            "##...##"
            "##...##"
            ".######"
            ".....##"
            ".....##"
            ".....##"
            "....##."
            ".####.."
            "......."
            ".......",
};

void ln_rbf_prototypes(int out, int in, uint64_t seed, float *w)
{
    ln_rng r;
    ln_rng_seed(&r, seed ^ 0x524246u);
    for (int i = 0; i < out; i++)
        for (int j = 0; j < in; j++)
            w[(size_t)i * in + j] = out <= 10 && in == 84 ? (GLYPHS[i][j] == '#' ? 1.0f : -1.0f)
                                                          : (ln_rng_next(&r) & 1 ? 1.0f : -1.0f);
}

/* LeCun et al. 1998, Table I: C3 maps 0-5 read three contiguous S2 maps,
 * 6-11 four contiguous, 12-14 four non-contiguous, 15 all six. */
int ln_table_connected(int table, int o, int i)
{
    if (table != LN_TABLE_LECUN98 || o < 0 || o > 15 || i < 0 || i > 5) return table == 0;
    if (o < 6) return (i - o + 6) % 6 < 3;
    if (o < 12) return (i - (o - 6) + 6) % 6 < 4;
    static const unsigned char rest[3] = {0x1B /* 0,1,3,4 */, 0x36 /* 1,2,4,5 */, 0x2D /* 0,2,3,5 */};
    if (o < 15) return (rest[o - 12] >> i) & 1;
    return 1;
}

size_t ln_layer_trainable(const ln_layer *l)
{
    if (l->frozen) return 0;
    if (l->kind != LN_L_CONV || !l->table) return l->w_len + l->b_len;
    size_t n = 0;
    for (int o = 0; o < l->out_c; o++)
        for (int i = 0; i < l->in_c; i++) n += (size_t)ln_table_connected(l->table, o, i);
    return n * (size_t)l->k * l->k + l->b_len;
}

size_t ln_net_trainable(const ln_net *net)
{
    size_t n = 0;
    for (int i = 0; i < net->nlayers; i++) n += ln_layer_trainable(&net->layers[i]);
    return n;
}

static int multiplies(const ln_layer *l) { return l->kind == LN_L_CONV || l->kind == LN_L_DENSE; }

double ln_net_forward_flops(const ln_net *net)
{
    double f = 0.0;
    for (int i = 0; i < net->nlayers; i++)
        if (multiplies(&net->layers[i])) f += ln_layer_flops(&net->layers[i]);
    return f;
}

double ln_net_step_flops(const ln_net *net)
{
    double f = 0.0;
    int seen = 0; /* a layer with parameters below this one */
    for (int i = 0; i < net->nlayers; i++) {
        const ln_layer *l = &net->layers[i];
        if (!multiplies(l)) continue;
        f += ln_layer_flops(l) * (seen ? 3.0 : 2.0);
        seen = 1;
    }
    return f;
}

const char *ln_layer_kind_name(ln_layer_kind k)
{
    static const char *const names[] = {
        [LN_L_RESIZE] = "Resizing", [LN_L_CONV] = "Conv2D", [LN_L_AVGPOOL] = "AvgPool2D",
        [LN_L_MAXPOOL] = "MaxPool2D", [LN_L_TANH] = "Tanh", [LN_L_RELU] = "ReLU",
        [LN_L_FLATTEN] = "Flatten", [LN_L_DENSE] = "Dense", [LN_L_SOFTMAX_XENT] = "Softmax",
        [LN_L_STANH] = "ScaledTanh", [LN_L_SIGMOID] = "Sigmoid", [LN_L_SUBSAMPLE] = "Subsample",
        [LN_L_PAD] = "Pad", [LN_L_NORMALIZE] = "Normalize", [LN_L_RBF] = "RBF",
    };
    return names[k];
}
