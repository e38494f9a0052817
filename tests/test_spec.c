/* The model description language: parse errors point at the token, shape
 * errors name the layer, built-ins expand to what they should (Keras's
 * parameter counts), the canonical form round-trips, and a hand-typed spec
 * trains and reloads from its model file without --model. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "nn/net.h"
#include "nn/pass.h"
#include "nn/spec.h"
#include "support.h"

static void parse_fails(const char *text, const char *want)
{
    ln_spec s;
    char err[256] = "";
    cr_assert_neq(ln_spec_parse(text, &s, err, sizeof err), LN_OK, "'%s' parsed", text);
    cr_assert(strstr(err, want), "'%s': error '%s' lacks '%s'", text, err, want);
}

Test(spec, parse_errors_point_at_the_token)
{
    parse_fails("conv 6 5x5 same; tahn", "unknown layer 'tahn' at 1:18");
    parse_fails("conv 6 5x5\nrelu\nmaxpool 3", "maxpool at 3:1: only 2");
    parse_fails("conv six 5x5", "'conv' at 1:6 needs a positive number, got 'six'");
    parse_fails("conv 6 5y5", "expected 'x' and a number after 5 at 1:9");
    parse_fails("conv 6 5x3", "square kernels");
    parse_fails("dense 84 tanh", "unexpected 'tanh' at 1:10");
    parse_fails("dense", "needs a positive number, got 'end of layer'");
    parse_fails("resize 28", "expected 'x' and a number after 28");
    parse_fails("conv 6 5x5 @", "unexpected character '@' at 1:12");
    parse_fails("  # only a comment\n\n", "no layers");
    parse_fails("dense 0", "positive number");
}

Test(spec, comments_blank_lines_and_round_trip)
{
    const char *text = "# a small net\nconv 6 5x5 valid   # no padding\n\n tanh ;avgpool 2\nflatten; dense classes\nsoftmax\n";
    ln_spec s, t;
    char err[256], a[512], b[512];
    cr_assert_eq(ln_spec_parse(text, &s, err, sizeof err), LN_OK, "%s", err);
    cr_assert_eq(s.n, 6);
    cr_assert(s.items[0].op == LN_SPEC_CONV && s.items[0].a == 6 && s.items[0].b == 5 && !s.items[0].same);
    cr_assert(s.items[4].op == LN_SPEC_DENSE && s.items[4].a == LN_SPEC_CLASSES);
    cr_assert(s.items[2].line == 4 && s.items[2].col == 8, "avgpool at %d:%d", s.items[2].line, s.items[2].col);
    ln_spec_format(&s, a, sizeof a);
    cr_assert_str_eq(a, "conv 6 5x5 valid; tanh; avgpool 2; flatten; dense classes; softmax");
    cr_assert_eq(ln_spec_parse(a, &t, err, sizeof err), LN_OK);
    ln_spec_format(&t, b, sizeof b);
    cr_assert_str_eq(a, b);
}

static void build_fails(const char *text, int classes, const char *want)
{
    ln_net net;
    cr_assert_neq(ln_net_build(text, 1, 28, 28, classes, &net), LN_OK, "'%s' built", text);
    cr_assert(strstr(ln_last_error(), want), "'%s': error '%s' lacks '%s'", text, ln_last_error(), want);
}

Test(spec, shape_errors_name_the_layer)
{
    build_fails("conv 6 5x5; dense 10; softmax", 10, "layer 2 (dense 10, at 1:13) needs a flattened input, got 6x28x28");
    build_fails("conv 6 5x5; flatten; dense 12; softmax", 10, "layer 4 (softmax, at 1:32): gets 12x1x1 values for 10 classes");
    build_fails("conv 6 5x5; flatten; dense 10", 10, "the last layer must be softmax");
    build_fails("flatten; dense 10; softmax; relu", 10, "layer 3 (softmax, at 1:20): softmax must be the last layer");
    build_fails("conv 6 29x29 valid; flatten; dense classes; softmax", 10, "square kernels"); /* parse: 15 max */
    build_fails("conv 6 9x9 valid; conv 6 9x9 valid; conv 6 9x9 valid; conv 6 9x9 valid; flatten; dense classes; softmax",
                10, "layer 4 (conv 6 9x9 valid, at 1:55): a 9x9 kernel on a 4x4 input");
    build_fails("conv 6 4x4 same; flatten; dense classes; softmax", 10, "'same' padding needs an odd kernel size");
    build_fails("resize 1x1; maxpool 2; flatten; dense classes; softmax", 10, "layer 2 (maxpool 2, at 1:13): pooling a 1x1 input");
}

static size_t params_of(const char *model, int c)
{
    ln_net net;
    cr_assert_eq(ln_net_build(model, c, 28, 28, 10, &net), LN_OK, "%s: %s", model, ln_last_error());
    size_t n = net.nparams;
    ln_net_free(&net);
    return n;
}

Test(spec, builtins_match_keras_counts)
{
    /* Keras's model.summary() of the seed: 156 + 2,416 + 48,120 + 494,004 + 850 */
    cr_assert_eq(params_of("lenet5", 1), 545546);
    cr_assert_eq(params_of("lenet5", 3), 545846);
    cr_assert_eq(params_of("lenet5-relu", 1), 545546);
    ln_net net;
    cr_assert_eq(ln_net_build("lenet5-relu", 1, 28, 28, 10, &net), LN_OK);
    int relu = 0, maxpool = 0;
    for (int i = 0; i < net.nlayers; i++) relu += net.layers[i].kind == LN_L_RELU, maxpool += net.layers[i].kind == LN_L_MAXPOOL;
    cr_assert(relu == 4 && maxpool == 2, "%d relu, %d maxpool", relu, maxpool);
    ln_net_free(&net);
    /* a built-in is its spec: the same layers typed by hand */
    cr_assert_eq(ln_net_build(ln_spec_builtin("lenet5"), 1, 28, 28, 10, &net), LN_OK);
    cr_assert_str_eq(net.model, "custom");
    cr_assert_eq(net.nparams, 545546);
    ln_net_free(&net);
}

Test(spec, subsampling_counts_as_in_the_paper)
{
    /* LeCun et al. 1998: S2 has 12 trainable parameters, S4 32 */
    ln_net net;
    cr_assert_eq(ln_net_build("conv 6 5x5 valid; stanh; subsample 2; conv 16 5x5 valid; stanh; subsample 2; flatten; "
                              "dense classes; softmax", 1, 32, 32, 10, &net), LN_OK, "%s", ln_last_error());
    cr_assert_eq(net.layers[2].w_len + net.layers[2].b_len, 12);
    cr_assert_eq(net.layers[5].w_len + net.layers[5].b_len, 32);
    cr_assert(net.layers[5].out_h == 5 && net.layers[5].out_w == 5);
    ln_net_free(&net);
}

/* The 1998 paper's network as far as the language has it (its RBF output
 * is not in yet: a dense layer and softmax stand in), with the paper's
 * per-layer parameter counts: C1 156, S2 12, C3 1,516, S4 32, C5 48,120,
 * F6 10,164. */
Test(spec, lecun98_layers_and_counts)
{
    ln_net net;
    cr_assert_eq(ln_net_build("pad 2; normalize -0.1 1.175; conv 6 5x5 valid; stanh; subsample 2; stanh; "
                              "conv 16 5x5 valid table lecun98; stanh; subsample 2; stanh; conv 120 5x5 valid; stanh; "
                              "flatten; dense 84; stanh; dense classes; softmax",
                              1, 28, 28, 10, &net),
                 LN_OK, "%s", ln_last_error());
    static const size_t want[] = {156, 12, 1516, 32, 48120, 10164};
    int k = 0;
    for (int i = 0; i < net.nlayers && k < 6; i++)
        if (net.layers[i].w_len) {
            cr_assert_eq(ln_layer_trainable(&net.layers[i]), want[k], "layer %s: %zu trainable, the paper has %zu",
                         net.layers[i].name, ln_layer_trainable(&net.layers[i]), want[k]);
            k++;
        }
    cr_assert(net.layers[0].out_h == 32 && net.layers[2].out_h == 28, "input 32x32, C1 28x28");
    /* Table I: 60 connections; C3 map 15 reads all six, map 0 reads 0-2 */
    int links = 0;
    for (int o = 0; o < 16; o++)
        for (int i = 0; i < 6; i++) links += ln_table_connected(LN_TABLE_LECUN98, o, i);
    cr_assert_eq(links, 60);
    cr_assert(ln_table_connected(LN_TABLE_LECUN98, 0, 2) && !ln_table_connected(LN_TABLE_LECUN98, 0, 3));
    cr_assert(ln_table_connected(LN_TABLE_LECUN98, 12, 3) && !ln_table_connected(LN_TABLE_LECUN98, 12, 2));
    ln_net_init(&net, 1);
    const ln_layer *c3 = &net.layers[6];
    cr_assert(c3->table && c3->out_c == 16);
    for (int o = 0; o < 16; o++)
        for (int i = 0; i < 6; i++) {
            float m = 0.0f;
            for (int t = 0; t < 25; t++) m = fmaxf(m, fabsf(net.params[c3->w_off + ((size_t)o * 6 + i) * 25 + t]));
            cr_assert(ln_table_connected(1, o, i) ? m > 0.0f : m == 0.0f, "C3 %d<-%d: max |w| %g", o, i, (double)m);
        }
    ln_net_free(&net);
    build_fails("conv 6 5x5; tanh; pad 2; flatten; dense classes; softmax", 10, "only before the first layer with parameters");
    build_fails("conv 8 5x5 valid table lecun98; flatten; dense classes; softmax", 10, "connects 6 maps to 16, not 1 to 8");
    parse_fails("conv 16 5x5 valid table lenet", "unknown connection table 'lenet'");
    parse_fails("normalize -0.1", "needs two numbers");
}

Test(spec, lenet5_1998_builtin)
{
    ln_net net;
    cr_assert_eq(ln_net_build("lenet5-1998", 1, 28, 28, 10, &net), LN_OK, "%s", ln_last_error());
    cr_assert_eq(ln_net_trainable(&net), 60000, "LeCun et al.: 60,000 trainable parameters, here %zu",
                 ln_net_trainable(&net));
    const ln_layer *rbf = &net.layers[net.nlayers - 1];
    cr_assert(rbf->kind == LN_L_RBF && rbf->frozen && rbf->in_c == 84 && rbf->out_c == 10);
    ln_net_init(&net, 3);
    /* prototypes: +-1, the 7x12 glyphs, every pair apart in at least 7 of 84 places */
    const float *w = net.params + rbf->w_off;
    for (int i = 0; i < 840; i++) cr_assert(w[i] == 1.0f || w[i] == -1.0f);
    for (int a = 0; a < 10; a++)
        for (int b = a + 1; b < 10; b++) {
            int d = 0;
            for (int j = 0; j < 84; j++) d += w[a * 84 + j] != w[b * 84 + j];
            cr_assert_geq(d, 7, "glyphs %d and %d differ in %d places", a, b, d);
        }
    /* lecun98 init: C1's 25 inputs a unit: +-2.4/25, biases drawn too */
    const ln_layer *c1 = &net.layers[2];
    float m = 0.0f, mb = 0.0f;
    for (size_t i = 0; i < c1->w_len; i++) m = fmaxf(m, fabsf(net.params[c1->w_off + i]));
    for (size_t i = 0; i < c1->b_len; i++) mb = fmaxf(mb, fabsf(net.params[c1->b_off + i]));
    cr_assert(m <= 2.4f / 25 && m > 0.05f && mb > 0.0f && mb <= 2.4f / 25, "C1 max |w| %g, |b| %g", (double)m, (double)mb);
    ln_net_free(&net);
    build_fails("flatten; dense 84; rbf 12", 10, "one unit per class");
    build_fails("flatten; rbf classes; tanh", 10, "the last layer");
}

Test(spec, spec_files_and_unknown_names)
{
    const char *path = tmp_path("net.spec");
    const char *text = "# LeNet-ish\nconv 4 3x3 same\nrelu\nmaxpool 2\nflatten\ndense classes\nsoftmax\n";
    cr_assert_eq(write_file(path, text, strlen(text)), 0);
    cr_assert_eq(params_of(path, 1), 4 * 9 + 4 + (size_t)4 * 14 * 14 * 10 + 10);
    ln_net net;
    cr_assert_neq(ln_net_build("lenet7", 1, 28, 28, 10, &net), LN_OK);
    cr_assert(strstr(ln_last_error(), "'lenet7' is neither a built-in model (lenet5, lenet5-relu, lenet5-1998)"), "%s", ln_last_error());
}

Test(spec, hand_typed_spec_trains_and_reloads, .timeout = 300)
{
    static char out[1 << 15];
    const char *model = tmp_path("hand.safetensors");
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "train --model 'conv 6 5x5 same; relu; maxpool 2; flatten; dense 32; tanh; dense classes; softmax' "
             "--limit 3000 --epochs 2 --quiet --save %s", model);
    cr_assert_eq(run_cli(cmd, out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, "model custom"), "%s", out);
    snprintf(cmd, sizeof cmd, "eval --load %s --json", model);
    cr_assert_eq(run_cli(cmd, out, sizeof out), 0, "%s", out);
    const char *acc = strstr(out, "\"test_acc\":");
    cr_assert_not_null(acc, "%s", out);
    cr_assert_gt(atof(acc + 11), 0.70, "%s", out);
    cr_assert_eq(run_cli("info --model 'conv 6 5x5; tahn'", out, sizeof out), 2, "%s", out);
    cr_assert(strstr(out, "unknown layer 'tahn' at 1:13"), "%s", out);
    /* lenet5-1998: its own recipe, RBF prototypes saved without a bias, reloaded */
    const char *m98 = tmp_path("l98.safetensors");
    snprintf(cmd, sizeof cmd, "train --model lenet5-1998 --limit 2000 --epochs 1 --quiet --save %s", m98);
    cr_assert_eq(run_cli(cmd, out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, "60,000 parameters") && strstr(out, "lr 0.002"), "%s", out);
    const char *t = strstr(out, "test loss ");
    cr_assert_not_null(t, "%s", out);
    double tl = atof(t + 10); /* the test loss training reported */
    snprintf(cmd, sizeof cmd, "eval --load %s --json", m98);
    cr_assert_eq(run_cli(cmd, out, sizeof out), 0, "%s", out);
    const char *el = strstr(out, "\"test_loss\":");
    cr_assert_not_null(el, "%s", out);
    cr_assert(fabs(atof(el + 12) - tl) <= 1e-4 * tl, "reloaded model: test loss %s, training reported %.4f", el, tl);
    cr_assert_eq(run_cli("info --model lenet5-relu", out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, "spec: resize 28x28; conv 6 5x5 same; relu; maxpool 2;"), "%s", out);
}

/* Random token soup: every input parses or is refused with a message, and
 * what parses builds or is refused (no crash, nothing read out of bounds:
 * the sanitizer build runs this too). */
Test(spec, random_specs_never_crash)
{
    static const char *const tok[] = {"conv", "6", "5x5", "3x3", "same", "valid", "table", "lecun98", "tanh",
                                      "stanh", "relu", "sigmoid", "avgpool", "maxpool", "subsample", "2", "pad",
                                      "normalize", "-0.1", "1.175", "flatten", "dense", "84", "classes", "softmax",
                                      "rbf", "map", "init", "glorot", "resize", "28x28", ";", "\n", "#", "x", "@",
                                      "-", ".", "0", "99999999"};
    ln_rng r;
    ln_rng_seed(&r, 77);
    int parsed = 0, built = 0;
    for (int t = 0; t < 3000; t++) {
        char text[512] = "";
        int n = 1 + (int)ln_rng_below(&r, 24);
        for (int i = 0; i < n; i++) {
            const char *w = tok[ln_rng_below(&r, sizeof tok / sizeof tok[0])];
            strncat(text, w, sizeof text - strlen(text) - 2);
            strncat(text, ln_rng_below(&r, 4) ? " " : "", sizeof text - strlen(text) - 1);
        }
        ln_spec s;
        char err[256] = "";
        if (ln_spec_parse(text, &s, err, sizeof err) != LN_OK) {
            cr_assert(err[0], "'%s' refused without a message", text);
            continue;
        }
        parsed++;
        ln_net net;
        if (ln_net_build(text, 1, 28, 28, 10, &net) == LN_OK) {
            built++;
            ln_net_free(&net);
        } else {
            cr_assert(ln_last_error()[0], "'%s' not built, no message", text);
        }
    }
    cr_log_info("%d of 3000 parsed, %d built", parsed, built);
    cr_assert_gt(parsed, 0);
}

/* Random layer lists (each layer well formed, the order anything): what
 * builds also runs forward and backward on a small batch, in a workspace
 * sized by the model; what does not build says why. */
Test(spec, random_layer_orders_build_or_explain)
{
    static const char *const lay[] = {"conv 6 5x5 same", "conv 4 3x3 valid", "conv 16 5x5 valid table lecun98",
                                      "tanh", "stanh", "relu", "sigmoid", "avgpool 2", "maxpool 2", "subsample 2",
                                      "pad 2", "normalize -0.1 1.175", "flatten", "dense 20", "dense classes",
                                      "softmax", "rbf classes", "rbf classes map", "init lecun98", "resize 14x14"};
    ln_rng r;
    ln_rng_seed(&r, 78);
    int built = 0;
    for (int t = 0; t < 4000; t++) {
        char text[1024] = "";
        int n = 2 + (int)ln_rng_below(&r, 9);
        for (int i = 0; i < n; i++) {
            /* end with a loss layer more often than chance */
            const char *w = i == n - 1 && ln_rng_below(&r, 2) ? (ln_rng_below(&r, 2) ? "flatten; dense classes; softmax" : "flatten; dense 84; rbf classes")
                                                               : lay[ln_rng_below(&r, sizeof lay / sizeof lay[0])];
            snprintf(text + strlen(text), sizeof text - strlen(text), "%s%s", i ? "; " : "", w);
        }
        ln_net net;
        if (ln_net_build(text, 1, 28, 28, 10, &net) != LN_OK) {
            cr_assert(ln_last_error()[0], "'%s' not built, no message", text);
            continue;
        }
        built++;
        ln_net_init(&net, (uint64_t)t);
        ln_workspace ws;
        cr_assert_eq(ln_ws_alloc(&net, ln_kernels_scalar(), 3, &ws), LN_OK);
        for (int i = 0; i < 3 * 28 * 28; i++) ws.x0[i] = (float)ln_rng_uniform(&r);
        for (int i = 0; i < 3; i++) ws.labels[i] = (uint8_t)ln_rng_below(&r, 10);
        float *g = calloc(net.nparams + 1, sizeof *g);
        double loss = ln_forward(&net, ln_kernels_scalar(), &ws, 3, 1, 1.0f / 3);
        ln_backward(&net, ln_kernels_scalar(), &ws, 3, g, NULL);
        cr_assert(isfinite(loss), "'%s': loss %g", text, loss);
        free(g);
        ln_ws_free(&ws);
        ln_net_free(&net);
    }
    cr_log_info("%d of 4000 random layer lists built and ran", built);
    cr_assert_gt(built, 50, "only %d built: the generator is too harsh to test anything", built);
}
