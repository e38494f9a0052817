/* The model description language (nn/spec.c) and the shape checks of
 * ln_net_build (nn/net.c) on arbitrary text. The canonical form must parse
 * back to itself; a spec that builds must have consistent layer shapes and
 * parameter offsets, must come back identical from a model file, and when
 * it is small runs forward and backward on two samples with the scalar
 * kernels and the CPU's own. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "fuzz_tmp.h"
#include "io/model_file.h"
#include "kernels.h"
#include "nn/net.h"
#include "nn/pass.h"
#include "nn/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Inputs the spec is built for: the datasets' shapes and the extremes. */
static const struct { int c, h, w, classes; } SHAPES[] = {
    {1, 28, 28, 10}, {3, 32, 32, 10}, {2, 1, 1, 2}, {4, 7, 5, 256}, {1, 64, 3, 3},
};

/* parse(format(s)) == s, seen through the canonical text. */
static void check_round_trip(const ln_spec *s)
{
    static char a[LN_SPEC_TEXT_MAX], b[LN_SPEC_TEXT_MAX], err[256];
    size_t n = ln_spec_format(s, a, sizeof a);
    char small[16]; /* snprintf-like: cut, NUL-terminated, same length */
    FUZZ_CHECK(ln_spec_format(s, small, sizeof small) == n);
    FUZZ_CHECK(strlen(small) == (n < sizeof small ? n : sizeof small - 1));
    ln_spec t;
    FUZZ_CHECK(n < sizeof a && ln_spec_parse(a, &t, err, sizeof err) == LN_OK);
    ln_spec_format(&t, b, sizeof b);
    FUZZ_CHECK(strcmp(a, b) == 0);
}

static void check_layers(const ln_net *net)
{
    for (int i = 0; i < net->nlayers; i++) {
        const ln_layer *l = &net->layers[i];
        FUZZ_CHECK(l->out_c > 0 && l->out_h > 0 && l->out_w > 0);
        FUZZ_CHECK(l->w_off + l->w_len <= net->nparams && l->b_off + l->b_len <= net->nparams);
        FUZZ_CHECK(ln_layer_in_len(l) == (i ? ln_layer_out_len(&net->layers[i - 1])
                                            : (size_t)net->in_c * net->in_h * net->in_w));
    }
    FUZZ_CHECK(ln_layer_out_len(&net->layers[net->nlayers - 1]) == (size_t)net->nclasses);
}

/* Small enough to run on every input: the fuzzer's speed is the point. */
static int small(const ln_net *net)
{
    if (net->nparams > 100000 || ln_net_forward_flops(net) > 4e6) return 0;
    for (int i = 0; i < net->nlayers; i++)
        if (ln_layer_out_len(&net->layers[i]) > 100000) return 0;
    return 1;
}

static void run(const ln_net *net, const ln_kernels *k)
{
    ln_workspace ws;
    if (ln_ws_alloc(net, k, 2, &ws) != LN_OK) return;
    size_t in = (size_t)net->in_c * net->in_h * net->in_w;
    for (size_t i = 0; i < 2 * in; i++) ws.x0[i] = (float)(i % 7) / 6.0f;
    ws.labels[0] = 0;
    ws.labels[1] = (uint8_t)(net->nclasses - 1);
    float *g = calloc(net->nparams + 1, sizeof *g);
    FUZZ_CHECK(g);
    (void)ln_forward(net, k, &ws, 2, 1, 0.5f);
    ln_backward(net, k, &ws, 2, g, NULL);
    (void)ln_ws_probs(net, &ws);
    free(g);
    ln_ws_free(&ws);
}

/* What a model file holds must rebuild the same network: save, load,
 * compare layers and parameters bit for bit. */
static void check_model_file(const ln_net *net)
{
    const char *path = fuzz_tmp_path("model");
    FUZZ_CHECK(ln_net_save(net, path) == LN_OK);
    ln_net back;
    ln_status st = ln_net_load(path, &back);
    if (st != LN_OK) fprintf(stderr, "saved '%s', loading it: %s\n", net->spec, ln_last_error());
    FUZZ_CHECK(st == LN_OK);
    FUZZ_CHECK(!strcmp(back.spec, net->spec) && back.nlayers == net->nlayers && back.nparams == net->nparams);
    FUZZ_CHECK(!memcmp(back.layers, net->layers, (size_t)net->nlayers * sizeof net->layers[0]));
    FUZZ_CHECK(!memcmp(back.params, net->params, net->nparams * sizeof *net->params));
    ln_net_free(&back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > LN_SPEC_TEXT_MAX) return 0;
    char *text = malloc(size + 1);
    FUZZ_CHECK(text);
    memcpy(text, data, size);
    text[size] = 0;
    ln_spec s;
    char err[256];
    if (ln_spec_parse(text, &s, err, sizeof err) == LN_OK) {
        for (int i = 0; i < s.n; i++) /* the parser's promise for numbers (so no NaN) */
            FUZZ_CHECK(s.items[i].op != LN_SPEC_NORMALIZE || (fabsf(s.items[i].lo) <= 1e6f && fabsf(s.items[i].hi) <= 1e6f));
        check_round_trip(&s);
    }
    const ln_kernels *best = NULL;
    FUZZ_CHECK(ln_kernels_select("auto", &best) == LN_OK);
    int saved = 0;
    for (size_t i = 0; i < sizeof SHAPES / sizeof SHAPES[0]; i++) {
        ln_net net;
        /* a built-in name as --model gives it; anything else as text only
         * (ln_net_build would open a file of that name) */
        ln_status st = ln_spec_builtin(text) ? ln_net_build(text, SHAPES[i].c, SHAPES[i].h, SHAPES[i].w, SHAPES[i].classes, &net)
                                             : ln_net_build_spec(text, "custom", "fuzz", SHAPES[i].c, SHAPES[i].h, SHAPES[i].w,
                                                                 SHAPES[i].classes, &net);
        FUZZ_CHECK(st != LN_ERR_NOMEM); /* sizes are capped: no spec may exhaust memory */
        if (st != LN_OK) continue;
        check_layers(&net);
        if (net.nparams <= 1000000) {
            ln_net_init(&net, 1);
            if (!saved++) check_model_file(&net);
        }
        if (small(&net)) {
            run(&net, ln_kernels_scalar());
            if (best != ln_kernels_scalar()) run(&net, best);
        }
        ln_net_free(&net);
    }
    free(text);
    return 0;
}
