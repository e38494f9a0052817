/* The public C API (include/lenet/{status,system,model,data,eval}.h)
 * against the internals it wraps: models built, saved and loaded, their
 * layers, FLOPs and parameter tensors; datasets over caller arrays;
 * evaluation (loss bit for bit ln_net_evaluate's, the confusion matrix,
 * any thread count); predictions; gradients against finite differences;
 * JPEG prediction; kernel sets, versions and status names. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "api/handles.h"
#include "core/rng.h"
#include "io/model_file.h"
#include "lenet/lenet.h"
#include "nn/spec.h"
#include "support.h"
#include "train/trainer.h"

/* ---- helpers ---- */

static ln_model *new_model(const char *spec, int c, int h, int w, int classes, uint64_t seed)
{
    ln_model *m = NULL;
    cr_assert_eq(ln_model_new(spec, c, h, w, classes, seed, &m), LN_OK, "%s", ln_last_error());
    cr_assert_not_null(m);
    return m;
}

/* n random 8-bit images c x h x w with labels below `classes`. */
static void random_u8(int n, int c, int h, int w, int classes, uint64_t seed, uint8_t **px, uint8_t **labels)
{
    size_t len = (size_t)n * c * h * w;
    *px = malloc(len);
    *labels = malloc((size_t)n);
    cr_assert(*px && *labels);
    ln_rng r;
    ln_rng_seed(&r, seed);
    for (size_t i = 0; i < len; i++) (*px)[i] = (uint8_t)ln_rng_below(&r, 256);
    for (int i = 0; i < n; i++) (*labels)[i] = (uint8_t)ln_rng_below(&r, (uint32_t)classes);
}

/* The floats the engine makes of 8-bit pixels (dataset.c's expression). */
static float *to_float(const uint8_t *px, size_t len)
{
    float *f = malloc(len * sizeof *f);
    cr_assert_not_null(f);
    for (size_t i = 0; i < len; i++) f[i] = (float)px[i] * (1.0f / 255.0f);
    return f;
}

static float *params_copy(const ln_model *m)
{
    size_t n = ln_model_param_len(m);
    float *p = malloc(n * sizeof *p);
    cr_assert_not_null(p);
    cr_assert_eq(ln_model_read_params(m, 0, p, n), LN_OK, "%s", ln_last_error());
    return p;
}

static int file_exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* The model every evaluation test runs: small enough for a fast suite, with
 * a conv, a pool and two dense layers (chunking and threads matter). */
#define SMALL "conv 4 5x5 same; tanh; avgpool 2; flatten; dense 16; tanh; dense classes; softmax"

/* ---- status, version, system ---- */

Test(api, version_and_status_names)
{
    cr_assert_str_eq(ln_version(), LENET_VERSION);
    cr_assert_eq(ln_version_number(), LENET_VERSION_NUMBER);
    const ln_status all[] = {LN_OK, LN_ERR_IO, LN_ERR_FORMAT, LN_ERR_ARG, LN_ERR_NOMEM, LN_ERR_NUMERIC,
                             LN_ERR_UNSUPPORTED};
    int n = (int)(sizeof all / sizeof all[0]);
    for (int i = 0; i < n; i++) {
        const char *s = ln_status_name(all[i]);
        cr_assert(s && s[0], "status %d has no name", all[i]);
        cr_assert_str_neq(s, ln_status_name((ln_status)99), "status %d is named as an unknown one", all[i]);
        for (int j = 0; j < i; j++)
            cr_assert_str_neq(s, ln_status_name(all[j]), "statuses %d and %d share a name", i, j);
    }
    cr_assert_str_eq(ln_status_name(LN_OK), "ok");
}

/* ln_text_escape: what a terminal could act on becomes \xNN, valid UTF-8
 * passes, a cut never splits a character and is marked. */
Test(api, text_escape)
{
    char out[64];
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"plain name", "plain name"},
        {"tab\there", "tab\\x09here"},
        {"esc\x1b[31m", "esc\\x1b[31m"},
        {"del\x7f", "del\\x7f"},
        {"back\\slash", "back\\\\slash"},
        {"caf\xc3\xa9", "caf\xc3\xa9"},                  /* é */
        {"c1\xc2\x9b", "c1\\xc2\\x9b"},                  /* U+009B (CSI) */
        {"bad\xff\xfe", "bad\\xff\\xfe"},                /* not UTF-8 */
        {"over\xc0\xaf", "over\\xc0\\xaf"},              /* overlong '/' */
        {"sur\xed\xa0\x80", "sur\\xed\\xa0\\x80"},       /* a surrogate */
        {"", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        cr_assert_str_eq(ln_text_escape(cases[i].in, out, sizeof out), cases[i].want, "case %zu", i);
    /* cut: cap-4 bytes of whole pieces, then "..." (an escape or a
     * character that would pass them is left out whole) */
    cr_assert_str_eq(ln_text_escape("ab\x01\x02\x03", out, 8), "ab...");
    cr_assert_str_eq(ln_text_escape("\xc3\xa9\xc3\xa9\xc3\xa9", out, 6), "\xc3\xa9...");
    cr_assert_str_eq(ln_text_escape("\xc3\xa9\xc3\xa9\xc3\xa9", out, 7), "\xc3\xa9\xc3\xa9\xc3\xa9");
    cr_assert_str_eq(ln_text_escape("exactly7", out, 9), "exactly7");
    cr_assert_str_eq(ln_text_escape("exactly8!", out, 9), "exact...");
    out[0] = 'x';
    cr_assert_eq(ln_text_escape("abc", out, 0), out); /* cap 0 writes nothing */
    cr_assert_eq(out[0], 'x');
}

Test(api, kernel_sets)
{
    cr_assert_eq(ln_kernels_check("nope"), LN_ERR_ARG);
    cr_assert(strstr(ln_last_error(), "nope") && strstr(ln_last_error(), "scalar"), "message: %s", ln_last_error());
    cr_assert_eq(ln_kernels_check("scalar"), LN_OK, "%s", ln_last_error());
    cr_assert_eq(ln_kernels_check("auto"), LN_OK, "%s", ln_last_error());
    const char *const *sets = ln_kernel_sets();
    int has_scalar = 0, n = 0;
    for (; sets[n]; n++) {
        has_scalar |= !strcmp(sets[n], "scalar");
        /* a built set either runs or is refused as unsupported */
        ln_status want = ln_kernel_set_runs(sets[n]) ? LN_OK : LN_ERR_UNSUPPORTED;
        cr_assert_eq(ln_kernels_check(sets[n]), want, "%s", sets[n]);
    }
    cr_assert(has_scalar && n >= 1);
    cr_assert_eq(ln_kernel_set_runs("scalar"), 1);
    cr_assert_eq(ln_kernel_set_runs("nope"), 0);
    cr_assert_eq(ln_kernel_set_runs(NULL), 0);
    cr_assert_eq(ln_kernel_set_runs(ln_kernel_set_auto()), 1, "auto picks %s", ln_kernel_set_auto());
    cr_assert_not_null(ln_cpu_brand());
    const char *f = ln_cpu_features();
    cr_assert(strstr(f, "avx2=") && strstr(f, "neon=") && strstr(f, "os-zmm="), "features: %s", f);
    cr_assert_geq(ln_cpu_cores(), 1);
}

Test(api, exec_is_checked)
{
    ln_model *m = new_model(SMALL, 1, 8, 8, 3, 1);
    float img[64] = {0}, p[3];
    cr_assert_eq(ln_predict(m, img, 1, &(ln_exec){.threads = -1}, p), LN_ERR_ARG);
    cr_assert(strstr(ln_last_error(), "threads"), "message: %s", ln_last_error());
    cr_assert_eq(ln_predict(m, img, 1, &(ln_exec){.kernels = "nope"}, p), LN_ERR_ARG);
    cr_assert(strstr(ln_last_error(), "nope"), "message: %s", ln_last_error());
    cr_assert_eq(ln_predict(m, img, 1, &(ln_exec){.threads = 2, .kernels = "auto"}, p), LN_OK, "%s", ln_last_error());
    cr_assert_eq(ln_predict(m, img, 1, NULL, p), LN_OK, "%s", ln_last_error());
    ln_model_free(m);
}

/* ---- models ---- */

Test(api, model_new_builtin_spec_and_bad_spec)
{
    ln_model *m = new_model("lenet5", 1, 28, 28, 10, 42);
    cr_assert_str_eq(ln_model_name(m), "lenet5");
    cr_assert_eq(ln_model_classes(m), 10);
    int c, h, w;
    ln_model_input(m, &c, &h, &w);
    cr_assert(c == 1 && h == 28 && w == 28);
    cr_assert_null(ln_model_class_name(m, 0));
    /* the same seed gives the internals' weights */
    ln_net ref;
    cr_assert_eq(ln_net_build("lenet5", 1, 28, 28, 10, &ref), LN_OK);
    ln_net_init(&ref, 42);
    cr_assert_eq(ln_model_param_len(m), ref.nparams);
    cr_assert_eq(memcmp(m->net.params, ref.params, ref.nparams * sizeof(float)), 0);
    cr_assert_str_eq(ln_model_spec(m), ref.spec);
    ln_net_free(&ref);
    int builtin = 0;
    for (const char *const *b = ln_model_builtins(); *b; b++) {
        builtin |= !strcmp(*b, "lenet5");
        cr_assert_eq(ln_model_check(*b), LN_OK, "%s: %s", *b, ln_last_error());
    }
    cr_assert(builtin);
    ln_model_free(m);

    m = new_model(SMALL, 1, 8, 8, 3, 1);
    cr_assert_str_eq(ln_model_name(m), "custom");
    cr_assert_eq(ln_model_check(SMALL), LN_OK);
    ln_model_free(m);

    m = (ln_model *)1;
    cr_assert_eq(ln_model_new("conv 4 5x5 same; frobnicate; dense classes; softmax", 1, 8, 8, 3, 1, &m), LN_ERR_ARG);
    cr_assert_null(m);
    cr_assert(strstr(ln_last_error(), "frobnicate"), "message: %s", ln_last_error());
    cr_assert_eq(ln_model_check("conv 4 5x5 same; frobnicate; softmax"), LN_ERR_ARG);
    cr_assert(strstr(ln_last_error(), "frobnicate"), "message: %s", ln_last_error());
    /* a valid spec on an input it cannot take */
    cr_assert_eq(ln_model_new(SMALL, 1, 8, 8, 1, 1, &m), LN_ERR_ARG);
    cr_assert(strstr(ln_last_error(), "classes"), "message: %s", ln_last_error());
}

Test(api, model_save_load_round_trip)
{
    ln_model *m = new_model("lenet5", 3, 16, 16, 4, 7);
    const char *names[] = {"apple", "banana", "cherry", "d\xc3\xa4te"};
    cr_assert_eq(ln_model_set_class_names(m, names), LN_OK, "%s", ln_last_error());
    const char *path = tmp_path("api_round.safetensors");
    cr_assert_eq(ln_model_save(m, path), LN_OK, "%s", ln_last_error());
    ln_model *l = NULL;
    cr_assert_eq(ln_model_load(path, &l), LN_OK, "%s", ln_last_error());
    cr_assert_eq(ln_model_param_len(l), ln_model_param_len(m));
    float *a = params_copy(m), *b = params_copy(l);
    cr_assert_eq(memcmp(a, b, ln_model_param_len(m) * sizeof *a), 0, "parameters differ after save and load");
    cr_assert_str_eq(ln_model_name(l), "lenet5");
    cr_assert_str_eq(ln_model_spec(l), ln_model_spec(m));
    for (int c = 0; c < 4; c++) cr_assert_str_eq(ln_model_class_name(l, c), names[c]);
    cr_assert_null(ln_model_class_name(l, 4));

    /* a clone is equal and independent */
    ln_model *k = NULL;
    cr_assert_eq(ln_model_clone(l, &k), LN_OK, "%s", ln_last_error());
    ln_model_free(l);
    float *c = params_copy(k);
    cr_assert_eq(memcmp(a, c, ln_model_param_len(m) * sizeof *a), 0);
    cr_assert_str_eq(ln_model_class_name(k, 3), names[3]);
    cr_assert_eq(ln_model_set_class_names(k, NULL), LN_OK);
    cr_assert_null(ln_model_class_name(k, 0));
    cr_assert_str_eq(ln_model_class_name(m, 0), "apple");

    /* names must be UTF-8; non-finite weights are not saved (the old file stays) */
    const char *bad[] = {"a", "b\xff", "c", "d"};
    cr_assert_eq(ln_model_set_class_names(k, bad), LN_ERR_ARG);
    cr_assert(strstr(ln_last_error(), "UTF-8"), "message: %s", ln_last_error());
    k->net.params[5] = NAN;
    cr_assert_eq(ln_model_save(k, path), LN_ERR_NUMERIC);
    cr_assert(strstr(ln_last_error(), "conv1.weight"), "message: %s", ln_last_error());
    cr_assert_eq(ln_model_load(path, &l), LN_OK, "%s", ln_last_error());
    float *d = params_copy(l);
    cr_assert_eq(memcmp(a, d, ln_model_param_len(m) * sizeof *a), 0, "a refused save changed the file");
    const char *fresh = tmp_path("api_nan.safetensors");
    cr_assert_eq(ln_model_save(k, fresh), LN_ERR_NUMERIC);
    cr_assert(!file_exists(fresh), "a refused save left a file");
    ln_model_free(l);
    cr_assert_eq(ln_model_load(tmp_path("api_missing.safetensors"), &l), LN_ERR_IO);
    cr_assert_null(l);
    cr_assert(strstr(ln_last_error(), "api_missing"), "message: %s", ln_last_error());
    free(a), free(b), free(c), free(d);
    ln_model_free(k);
    ln_model_free(m);
}

Test(api, layers_and_flops_match_internals)
{
    const char *const models[] = {"lenet5", "lenet5-1998", SMALL};
    for (int mi = 0; mi < 3; mi++) {
        ln_model *m = new_model(models[mi], 1, 28, 28, 10, 3);
        const ln_net *net = &m->net;
        cr_assert_eq(ln_model_layers(m), net->nlayers);
        long long trainable = 0;
        double flops = 0.0;
        for (int i = 0; i < ln_model_layers(m); i++) {
            ln_layer_info li;
            const ln_layer *l = &net->layers[i];
            cr_assert_eq(ln_model_layer(m, i, &li), LN_OK);
            cr_assert_str_eq(li.name, l->name);
            cr_assert(li.in_c == l->in_c && li.in_h == l->in_h && li.in_w == l->in_w);
            cr_assert(li.out_c == l->out_c && li.out_h == l->out_h && li.out_w == l->out_w);
            cr_assert_eq(li.params, (long long)(l->w_len + l->b_len));
            cr_assert_eq(li.trainable, (long long)ln_layer_trainable(l));
            cr_assert_eq(li.flops, ln_layer_flops(l));
            if (l->kind == LN_L_CONV) cr_assert_str_eq(li.kind, "conv");
            if (l->kind == LN_L_DENSE) cr_assert_str_eq(li.kind, "dense");
            if (l->kind == LN_L_RBF) cr_assert_str_eq(li.kind, "rbf");
            if (l->kind == LN_L_SOFTMAX_XENT) cr_assert_str_eq(li.kind, "softmax");
            cr_assert_str_neq(li.kind, "?");
            trainable += li.trainable;
            if (l->kind == LN_L_CONV || l->kind == LN_L_DENSE) flops += li.flops;
        }
        cr_assert_eq(trainable, ln_model_trainable(m));
        cr_assert_eq(ln_model_trainable(m), (long long)ln_net_trainable(net));
        cr_assert_eq(ln_model_forward_flops(m), ln_net_forward_flops(net));
        cr_assert_eq(ln_model_forward_flops(m), flops);
        cr_assert_eq(ln_model_step_flops(m), ln_net_step_flops(net));
        cr_assert_gt(ln_model_step_flops(m), flops);
        ln_layer_info li;
        cr_assert_eq(ln_model_layer(m, net->nlayers, &li), LN_ERR_ARG);
        ln_model_free(m);
    }
    /* LeNet-5 (1998) has the paper's 60,000 trainable parameters, of more stored */
    ln_model *m = new_model("lenet5-1998", 1, 28, 28, 10, 3);
    cr_assert_lt(ln_model_trainable(m), (long long)ln_model_param_len(m));
    ln_model_free(m);
}

Test(api, tensors_read_write)
{
    ln_model *m = new_model("lenet5", 1, 28, 28, 10, 5);
    ln_st_tensor t[LN_MODEL_MAX_TENSORS];
    ln_tensor_name names[LN_MODEL_MAX_TENSORS];
    int nt = ln_mfile_tensors(&m->net, m->net.params, "", t, names);
    cr_assert_eq(ln_model_tensors(m), nt);
    size_t covered = 0;
    for (int i = 0; i < nt; i++) {
        ln_tensor_info ti;
        cr_assert_eq(ln_model_tensor(m, i, &ti), LN_OK);
        cr_assert_str_eq(ti.name, t[i].name);
        cr_assert_eq(ti.ndim, t[i].ndim);
        size_t len = 1;
        for (int d = 0; d < ti.ndim; d++) {
            cr_assert_eq(ti.shape[d], t[i].shape[d]);
            len *= (size_t)ti.shape[d];
        }
        cr_assert_eq(ti.len, len);
        cr_assert_eq(ti.offset, (size_t)(t[i].data - m->net.params));
        cr_assert_eq(ti.trainable, 1);
        covered += ti.len;
    }
    cr_assert_eq(covered, ln_model_param_len(m), "the tensors do not cover the parameters");
    ln_tensor_info w;
    cr_assert_eq(ln_model_find_tensor(m, "conv1.weight", &w), LN_OK, "%s", ln_last_error());
    cr_assert(w.ndim == 4 && w.shape[0] == 6 && w.shape[1] == 1 && w.shape[2] == 5 && w.shape[3] == 5);
    cr_assert_eq(w.offset, m->net.layers[1].w_off, "conv1 follows the resize layer");
    cr_assert_eq(ln_model_find_tensor(m, "fc9.weight", &w), LN_ERR_ARG);
    cr_assert(strstr(ln_last_error(), "fc9.weight"), "message: %s", ln_last_error());

    /* write and read back a tensor */
    ln_tensor_info b;
    cr_assert_eq(ln_model_find_tensor(m, "fc1.bias", &b), LN_OK);
    float *v = malloc(b.len * sizeof *v), *r = malloc(b.len * sizeof *r);
    for (size_t i = 0; i < b.len; i++) v[i] = 0.25f * (float)i - 3.0f;
    cr_assert_eq(ln_model_write_params(m, b.offset, v, b.len), LN_OK, "%s", ln_last_error());
    cr_assert_eq(ln_model_read_params(m, b.offset, r, b.len), LN_OK);
    cr_assert_eq(memcmp(v, r, b.len * sizeof *v), 0);
    cr_assert_eq(memcmp(m->net.params + b.offset, v, b.len * sizeof *v), 0);

    /* non-finite values: refused, nothing written */
    float *before = params_copy(m);
    v[b.len - 1] = NAN;
    cr_assert_eq(ln_model_write_params(m, b.offset, v, b.len), LN_ERR_NUMERIC);
    v[b.len - 1] = 0.0f, v[3] = -INFINITY;
    cr_assert_eq(ln_model_write_params(m, b.offset, v, b.len), LN_ERR_NUMERIC);
    cr_assert(strstr(ln_last_error(), "src[3]"), "message: %s", ln_last_error());
    float *after = params_copy(m);
    cr_assert_eq(memcmp(before, after, ln_model_param_len(m) * sizeof *before), 0, "a refused write wrote");
    /* outside the array */
    size_t n = ln_model_param_len(m);
    cr_assert_eq(ln_model_read_params(m, n - 2, r, 3), LN_ERR_ARG);
    cr_assert_eq(ln_model_write_params(m, n, v, 1), LN_ERR_ARG);
    cr_assert_eq(ln_model_read_params(m, n, r, 0), LN_OK);
    cr_assert_eq(ln_model_tensor(m, nt, &w), LN_ERR_ARG);
    free(v), free(r), free(before), free(after);
    ln_model_free(m);
}

Test(api, fixed_tensors_and_table_gaps)
{
    ln_model *m = new_model("lenet5-1998", 1, 28, 28, 10, 5);
    ln_tensor_info rbf, c3;
    cr_assert_eq(ln_model_find_tensor(m, "rbf.weight", &rbf), LN_OK, "%s", ln_last_error());
    cr_assert_eq(rbf.trainable, 0);
    cr_assert_eq(ln_model_find_tensor(m, "conv2.weight", &c3), LN_OK, "%s", ln_last_error());
    cr_assert_eq(c3.trainable, 1);
    /* what was read can be written back (its gaps are zero) */
    float *w = malloc(c3.len * sizeof *w);
    cr_assert_eq(ln_model_read_params(m, c3.offset, w, c3.len), LN_OK);
    cr_assert_eq(ln_model_write_params(m, c3.offset, w, c3.len), LN_OK, "%s", ln_last_error());
    /* output map 0 reads input maps 0-2 only: [0][3][0][0] is a gap */
    size_t gap = (size_t)3 * 25;
    cr_assert_eq(w[gap], 0.0f);
    float *before = params_copy(m);
    w[gap] = 0.5f;
    cr_assert_eq(ln_model_write_params(m, c3.offset, w, c3.len), LN_ERR_ARG);
    cr_assert(strstr(ln_last_error(), "conv2.weight[75]"), "message: %s", ln_last_error());
    float one = 0.5f;
    cr_assert_eq(ln_model_write_params(m, c3.offset + gap, &one, 1), LN_ERR_ARG);
    /* [1][0] is a gap too (map 1 reads maps 1-3); [0][0] is connected */
    cr_assert_eq(ln_model_write_params(m, c3.offset + 150, &one, 1), LN_ERR_ARG);
    float *after = params_copy(m);
    cr_assert_eq(memcmp(before, after, ln_model_param_len(m) * sizeof *before), 0, "a refused write wrote");
    cr_assert_eq(ln_model_write_params(m, c3.offset, &one, 1), LN_OK, "%s", ln_last_error());
    cr_assert_eq(m->net.params[c3.offset], 0.5f);
    free(w), free(before), free(after);
    ln_model_free(m);
}

/* ---- data ---- */

Test(api, data_wrap_checks_arguments)
{
    uint8_t px[4 * 2 * 2] = {0}, labels[4] = {0, 1, 2, 1};
    ln_data *d = NULL;
    cr_assert_eq(ln_data_wrap_u8(px, labels, 4, 1, 2, 2, 3, &d), LN_OK, "%s", ln_last_error());
    cr_assert_eq(ln_data_count(d), 4);
    cr_assert_eq(ln_data_classes(d), 3);
    cr_assert_str_eq(ln_data_source(d), "");
    cr_assert_null(ln_data_class_name(d, 0));
    cr_assert_eq(ln_data_label(d, 2), 2);
    ln_data_free(d);

    labels[3] = 3;
    d = (ln_data *)1;
    cr_assert_eq(ln_data_wrap_u8(px, labels, 4, 1, 2, 2, 3, &d), LN_ERR_ARG);
    cr_assert_null(d);
    cr_assert(strstr(ln_last_error(), "labels[3]"), "message: %s", ln_last_error());
    float fpx[16] = {0};
    cr_assert_eq(ln_data_wrap_float(fpx, labels, 4, 1, 2, 2, 3, &d), LN_ERR_ARG);
    cr_assert(strstr(ln_last_error(), "labels[3]"), "message: %s", ln_last_error());
    labels[3] = 1;
    cr_assert_eq(ln_data_wrap_u8(px, labels, 0, 1, 2, 2, 3, &d), LN_ERR_ARG);
    cr_assert_eq(ln_data_wrap_u8(px, labels, 4, 0, 2, 2, 3, &d), LN_ERR_ARG);
    cr_assert_eq(ln_data_wrap_u8(px, labels, 4, 1, 2, -2, 3, &d), LN_ERR_ARG);
    cr_assert_eq(ln_data_wrap_u8(px, labels, 4, 1, 2, 2, 0, &d), LN_ERR_ARG);
    cr_assert_eq(ln_data_wrap_u8(px, labels, 4, 1, 2, 2, 257, &d), LN_ERR_ARG);
    cr_assert_eq(ln_data_wrap_u8(NULL, labels, 4, 1, 2, 2, 3, &d), LN_ERR_ARG);
    cr_assert_eq(ln_data_wrap_float(fpx, NULL, 4, 1, 2, 2, 3, &d), LN_ERR_ARG);
    cr_assert_eq(ln_data_wrap_float(fpx, labels, 4, 1, 2, 2, 256, &d), LN_OK, "%s", ln_last_error());
    float img[4];
    cr_assert_eq(ln_data_image(d, 4, img), LN_ERR_ARG);
    ln_data_free(d);
}

Test(api, data_limit_truncates_or_draws)
{
    int n = 50;
    uint8_t *px, *labels;
    random_u8(n, 1, 4, 4, 5, 11, &px, &labels);
    ln_data *d;
    cr_assert_eq(ln_data_wrap_u8(px, labels, n, 1, 4, 4, 5, &d), LN_OK);
    uint32_t crc_all = ln_data_crc32(d);
    /* no class names (IDX): the first n */
    cr_assert_eq(ln_data_limit(d, 60, 1), LN_OK);
    cr_assert_eq(ln_data_count(d), n);
    cr_assert_eq(ln_data_crc32(d), crc_all);
    cr_assert_eq(ln_data_limit(d, 0, 1), LN_ERR_ARG);
    cr_assert_eq(ln_data_limit(d, 20, 1), LN_OK);
    cr_assert_eq(ln_data_count(d), 20);
    for (int i = 0; i < 20; i++) cr_assert_eq(ln_data_label(d, i), labels[i]);
    ln_data_free(d);
    /* class names (a folder's): n drawn by the seed, as ln_dataset_subsample */
    const char *names[] = {"a", "b", "c", "d", "e"};
    cr_assert_eq(ln_data_wrap_u8(px, labels, n, 1, 4, 4, 5, &d), LN_OK);
    cr_assert_eq(ln_data_set_class_names(d, names), LN_OK);
    cr_assert_str_eq(ln_data_class_name(d, 4), "e");
    cr_assert_eq(ln_data_limit(d, 20, 9), LN_OK);
    ln_dataset ref = {.n = n, .c = 1, .h = 4, .w = 4, .nclasses = 5, .pixels = px, .labels = labels, .borrowed = 1};
    cr_assert_eq(ln_dataset_subsample(&ref, 20, 9), LN_OK);
    cr_assert_eq(ln_data_count(d), 20);
    cr_assert_eq(ln_data_crc32(d), ln_dataset_crc32(&ref));
    float a[16], b[16];
    for (int i = 0; i < 20; i++) {
        cr_assert_eq(ln_data_image(d, i, a), LN_OK);
        ln_dataset_image(&ref, i, b);
        cr_assert_eq(memcmp(a, b, sizeof a), 0);
    }
    /* the caller's arrays are untouched */
    uint8_t *px2, *labels2;
    random_u8(n, 1, 4, 4, 5, 11, &px2, &labels2);
    cr_assert(!memcmp(px, px2, (size_t)n * 16) && !memcmp(labels, labels2, (size_t)n));
    cr_assert_eq(ln_data_set_class_names(d, NULL), LN_OK);
    cr_assert_null(ln_data_class_name(d, 0));
    ln_dataset_free(&ref);
    ln_data_free(d);
    free(px), free(labels), free(px2), free(labels2);
}

Test(api, data_mnist_directory)
{
    const char *dir = tmp_path("api_mnist");
    cr_assert_eq(write_mnist_dir(dir, 40, 30, 5), 0);
    cr_assert_eq(ln_data_is_mnist(dir), 1);
    ln_data *tr = NULL, *te = NULL;
    cr_assert_eq(ln_data_mnist(dir, "train", &tr), LN_OK, "%s", ln_last_error());
    cr_assert_eq(ln_data_mnist(dir, "t10k", &te), LN_OK, "%s", ln_last_error());
    cr_assert_eq(ln_data_count(tr), 40);
    cr_assert_eq(ln_data_count(te), 30);
    cr_assert_eq(ln_data_classes(te), 10);
    cr_assert_eq(ln_data_source(te)[0], '/', "source %s is not absolute", ln_data_source(te));
    cr_assert(strstr(ln_data_source(te), "api_mnist"));
    ln_dataset ref = random_dataset(30, 6); /* write_mnist_dir's test split */
    cr_assert_eq(ln_data_crc32(te), ln_dataset_crc32(&ref));
    ln_dataset_free(&ref);
    ln_data *x = (ln_data *)1;
    cr_assert_eq(ln_data_mnist(dir, "val", &x), LN_ERR_ARG);
    cr_assert_null(x);
    cr_assert_neq(ln_data_mnist(tmp_path("api_nowhere"), "train", &x), LN_OK);
    cr_assert(strstr(ln_last_error(), "api_nowhere"), "message: %s", ln_last_error());
    cr_assert_eq(ln_data_is_mnist(tmp_path("api_nowhere")), 0);
    ln_data_free(tr);
    ln_data_free(te);
}

/* Write a w x h RGB JPEG (smooth pattern) to path; returns its pixels. */
static void write_jpeg(const char *path, int w, int h, uint64_t seed)
{
    uint8_t *px = malloc((size_t)w * h * 3);
    smooth_image(w, h, 3, seed, px);
    size_t len;
    uint8_t *j = make_jpeg(&(jpeg_spec){.w = w, .h = h, .comps = 3, .quality = 90}, px, &len);
    cr_assert_not_null(j);
    cr_assert_eq(write_file(path, j, len), 0);
    free(j);
    free(px);
}

Test(api, data_jpeg_folder_and_messages)
{
    const char *root = tmp_path("api_folder");
    char p[1024];
    cr_assert_eq(mkdir(root, 0755), 0);
    for (int c = 0; c < 2; c++) {
        snprintf(p, sizeof p, "%s/%s", root, c ? "dog" : "cat");
        cr_assert_eq(mkdir(p, 0755), 0);
        for (int i = 0; i < 5; i++) {
            snprintf(p, sizeof p, "%s/%s/%d.jpg", root, c ? "dog" : "cat", i);
            write_jpeg(p, 20, 16, (uint64_t)(10 * c + i));
        }
    }
    snprintf(p, sizeof p, "%s/dog/broken.jpg", root);
    cr_assert_eq(write_file(p, "\xff\xd8\xff\xe0 not really", 15), 0);

    ln_jpeg_options o;
    ln_jpeg_options_init(&o);
    cr_assert(o.height == 28 && o.width == 28 && o.val_split == 0.2 && o.seed == 1 && !o.messages && !o.cache);
    o.height = o.width = 12, o.cache = "", o.threads = 2;
    FILE *msg = tmpfile();
    cr_assert_not_null(msg);
    o.messages = msg;
    ln_data *tr = NULL, *va = NULL;
    ln_jpeg_report rep;
    cr_assert_eq(ln_data_jpeg_folder(root, &o, &tr, &va, &rep), LN_OK, "%s", ln_last_error());
    cr_assert_eq(rep.files, 11);
    cr_assert_eq(rep.bad, 1);
    cr_assert_str_eq(rep.layout, "classes");
    cr_assert_eq(ln_data_count(tr) + ln_data_count(va), 10);
    cr_assert_eq(ln_data_count(va), 2, "20%% of 5 per class");
    cr_assert_str_eq(ln_data_class_name(tr, 1), "dog");
    int c, h, w;
    ln_data_shape(tr, &c, &h, &w);
    cr_assert(c == 3 && h == 12 && w == 12);
    cr_assert_eq(ln_data_source(tr)[0], '/');
    cr_assert_str_eq(ln_data_source(tr), ln_data_source(va));
    char line[512] = "";
    rewind(msg);
    cr_assert_not_null(fgets(line, sizeof line, msg), "no message for the bad file");
    cr_assert(strstr(line, "broken.jpg"), "message: %s", line);
    fclose(msg);
    ln_data_free(tr);
    ln_data_free(va);

    /* strict: the bad file is an error naming it */
    o.messages = NULL, o.strict = 1;
    cr_assert_eq(ln_data_jpeg_folder(root, &o, &tr, &va, NULL), LN_ERR_FORMAT);
    cr_assert(!tr && !va);
    cr_assert(strstr(ln_last_error(), "broken.jpg"), "message: %s", ln_last_error());
    o.strict = 0, o.val_split = 1.5;
    cr_assert_eq(ln_data_jpeg_folder(root, &o, &tr, &va, NULL), LN_ERR_ARG);
    int classes = 0;
    cr_assert_eq(ln_data_jpeg_verify(root, 1, NULL, &classes), 1, "%s", ln_last_error());
    cr_assert_eq(classes, 2);
}

/* ---- evaluation and prediction ---- */

Test(api, wrap_u8_and_float_evaluate_alike)
{
    int n = 75;
    uint8_t *px, *labels;
    random_u8(n, 1, 12, 12, 4, 21, &px, &labels);
    float *f = to_float(px, (size_t)n * 144);
    ln_model *m = new_model(SMALL, 1, 12, 12, 4, 2);
    ln_data *du, *df;
    cr_assert_eq(ln_data_wrap_u8(px, labels, n, 1, 12, 12, 4, &du), LN_OK);
    cr_assert_eq(ln_data_wrap_float(f, labels, n, 1, 12, 12, 4, &df), LN_OK);
    ln_eval_result ru, rf;
    long cu[16], cf[16];
    ln_exec x = {.threads = 2};
    cr_assert_eq(ln_evaluate(m, du, &x, &ru, cu), LN_OK, "%s", ln_last_error());
    cr_assert_eq(ln_evaluate(m, df, &x, &rf, cf), LN_OK, "%s", ln_last_error());
    cr_assert_eq(ru.n, n);
    cr_assert(isfinite(ru.loss) && ru.loss > 0.0);
    cr_assert_eq(memcmp(&ru.loss, &rf.loss, sizeof ru.loss), 0, "loss %.17g vs %.17g", ru.loss, rf.loss);
    cr_assert_eq(ru.accuracy, rf.accuracy);
    cr_assert_eq(memcmp(cu, cf, sizeof cu), 0);
    float a[144], b[144];
    cr_assert_eq(ln_data_image(du, 7, a), LN_OK);
    cr_assert_eq(ln_data_image(df, 7, b), LN_OK);
    cr_assert_eq(memcmp(a, b, sizeof a), 0);
    ln_data_free(du), ln_data_free(df);
    ln_model_free(m);
    free(px), free(labels), free(f);
}

Test(api, evaluate_confusion_and_threads)
{
    int n = 203, nc = 5; /* 7 chunks, the last partial */
    uint8_t *px, *labels;
    random_u8(n, 1, 14, 14, nc, 31, &px, &labels);
    ln_model *m = new_model(SMALL, 1, 14, 14, nc, 8);
    ln_data *d;
    cr_assert_eq(ln_data_wrap_u8(px, labels, n, 1, 14, 14, nc, &d), LN_OK);
    ln_eval_result r1, r2, r0;
    long c1[25], c2[25];
    memset(c1, 0x55, sizeof c1); /* written over whole */
    cr_assert_eq(ln_evaluate(m, d, &(ln_exec){.threads = 1}, &r1, c1), LN_OK, "%s", ln_last_error());
    cr_assert_eq(ln_evaluate(m, d, &(ln_exec){.threads = 2}, &r2, c2), LN_OK, "%s", ln_last_error());
    cr_assert_eq(ln_evaluate(m, d, NULL, &r0, NULL), LN_OK, "%s", ln_last_error());
    cr_assert_eq(memcmp(&r1.loss, &r2.loss, sizeof r1.loss), 0, "1 vs 2 threads: %.17g vs %.17g", r1.loss, r2.loss);
    cr_assert_eq(memcmp(&r1.loss, &r0.loss, sizeof r1.loss), 0);
    cr_assert_eq(r1.accuracy, r2.accuracy);
    cr_assert_eq(memcmp(c1, c2, sizeof c1), 0, "confusion matrices differ between 1 and 2 threads");
    long total = 0, diag = 0;
    for (int t = 0; t < nc; t++) {
        long row = 0;
        for (int p = 0; p < nc; p++) row += c1[t * nc + p];
        long want = 0;
        for (int i = 0; i < n; i++) want += labels[i] == t;
        cr_assert_eq(row, want, "row %d counts %ld images of %ld", t, row, want);
        total += row, diag += c1[t * nc + t];
    }
    cr_assert_eq(total, n);
    cr_assert_eq(r1.accuracy, (double)diag / n);
    /* the internals' evaluator: the same loss bit for bit, the same accuracy */
    double loss, acc;
    const ln_kernels *k;
    cr_assert_eq(ln_kernels_select(NULL, &k), LN_OK);
    for (int t = 1; t <= 2; t++) {
        cr_assert_eq(ln_net_evaluate(&m->net, k, t, &d->ds, &loss, &acc), LN_OK);
        cr_assert_eq(memcmp(&loss, &r1.loss, sizeof loss), 0, "ln_net_evaluate %.17g, ln_evaluate %.17g", loss,
                     r1.loss);
        cr_assert_eq(acc, r1.accuracy);
    }
    /* the scalar kernels give the same counts here too, and their own loss */
    ln_eval_result rs;
    cr_assert_eq(ln_evaluate(m, d, &(ln_exec){.threads = 2, .kernels = "scalar"}, &rs, NULL), LN_OK);
    cr_assert_eq(ln_net_evaluate(&m->net, ln_kernels_scalar(), 1, &d->ds, &loss, &acc), LN_OK);
    cr_assert_eq(memcmp(&loss, &rs.loss, sizeof loss), 0);
    ln_data_free(d);

    /* a mismatched dataset is refused */
    cr_assert_eq(ln_data_wrap_u8(px, labels, n / 4, 1, 28, 7, nc, &d), LN_OK);
    cr_assert_eq(ln_evaluate(m, d, NULL, &r1, NULL), LN_ERR_ARG);
    cr_assert(strstr(ln_last_error(), "1x28x7"), "message: %s", ln_last_error());
    ln_data_free(d);
    ln_model *small = new_model(SMALL, 1, 14, 14, 2, 8);
    cr_assert_eq(ln_data_wrap_u8(px, labels, n, 1, 14, 14, nc, &d), LN_OK);
    cr_assert_eq(ln_evaluate(small, d, NULL, &r1, NULL), LN_ERR_ARG);
    cr_assert(strstr(ln_last_error(), "classes"), "message: %s", ln_last_error());
    float *probs = malloc((size_t)n * 2 * sizeof *probs); /* predictions read no labels */
    cr_assert_eq(ln_predict_data(small, d, 0, n, NULL, probs), LN_OK, "%s", ln_last_error());
    free(probs);
    ln_data_free(d);
    ln_model_free(small);
    ln_model_free(m);
    free(px), free(labels);
}

Test(api, predict_and_predict_data_agree)
{
    int n = 70, nc = 6;
    uint8_t *px, *labels;
    random_u8(n, 1, 10, 10, nc, 41, &px, &labels);
    float *f = to_float(px, (size_t)n * 100);
    ln_model *m = new_model(SMALL, 1, 10, 10, nc, 4);
    ln_data *d;
    cr_assert_eq(ln_data_wrap_u8(px, labels, n, 1, 10, 10, nc, &d), LN_OK);
    float *a = malloc((size_t)n * nc * sizeof *a), *b = malloc((size_t)n * nc * sizeof *b);
    float *c = malloc((size_t)n * nc * sizeof *c);
    cr_assert_eq(ln_predict(m, f, n, &(ln_exec){.threads = 1}, a), LN_OK, "%s", ln_last_error());
    cr_assert_eq(ln_predict_data(m, d, 0, n, &(ln_exec){.threads = 2}, b), LN_OK, "%s", ln_last_error());
    cr_assert_eq(memcmp(a, b, (size_t)n * nc * sizeof *a), 0, "ln_predict and ln_predict_data differ");
    cr_assert_eq(ln_predict(m, f, n, &(ln_exec){.threads = 2}, c), LN_OK);
    cr_assert_eq(memcmp(a, c, (size_t)n * nc * sizeof *a), 0, "1 and 2 threads differ");
    /* rows are probabilities; their argmax is what ln_evaluate counts */
    long right = 0;
    for (int i = 0; i < n; i++) {
        double s = 0.0;
        for (int k = 0; k < nc; k++) {
            cr_assert(a[i * nc + k] >= 0.0f);
            s += a[i * nc + k];
        }
        cr_assert(fabs(s - 1.0) < 1e-5, "row %d sums to %g", i, s);
        right += ln_argmax(a + (size_t)i * nc, nc) == labels[i];
    }
    ln_eval_result r;
    cr_assert_eq(ln_evaluate(m, d, NULL, &r, NULL), LN_OK);
    cr_assert_eq(r.accuracy, (double)right / n);
    /* a window: the same rows (to float rounding: its chunks start elsewhere) */
    cr_assert_eq(ln_predict_data(m, d, 37, 5, NULL, c), LN_OK, "%s", ln_last_error());
    for (int i = 0; i < 5 * nc; i++) cr_assert_float_eq(c[i], a[37 * nc + i], 1e-6);
    cr_assert_eq(ln_predict_data(m, d, 66, 5, NULL, c), LN_ERR_ARG);
    cr_assert_eq(ln_predict_data(m, d, -1, 1, NULL, c), LN_ERR_ARG);
    cr_assert_eq(ln_predict_data(m, d, n, 0, NULL, c), LN_OK);
    cr_assert_eq(ln_argmax((const float[]){0.2f, 0.4f, 0.4f, 0.1f}, 4), 1, "ties go to the first");
    ln_data_free(d);
    ln_model_free(m);
    free(px), free(labels), free(f), free(a), free(b), free(c);
}

Test(api, rbf_outputs_are_probabilities)
{
    ln_model *m = new_model("lenet5-1998", 1, 28, 28, 10, 6);
    uint8_t *px, *labels;
    random_u8(3, 1, 28, 28, 10, 51, &px, &labels);
    float *f = to_float(px, 3 * 784), p[30];
    cr_assert_eq(ln_predict(m, f, 3, NULL, p), LN_OK, "%s", ln_last_error());
    for (int i = 0; i < 3; i++) {
        double s = 0.0;
        for (int k = 0; k < 10; k++) {
            cr_assert(p[i * 10 + k] > 0.0f && p[i * 10 + k] < 1.0f);
            s += p[i * 10 + k];
        }
        cr_assert(fabs(s - 1.0) < 1e-5, "row %d sums to %g", i, s);
    }
    ln_model_free(m);
    free(px), free(labels), free(f);
}

Test(api, predict_jpeg)
{
    const char *path = tmp_path("api_one.jpg");
    write_jpeg(path, 40, 30, 77);
    int h = 16, w = 16, nc = 3;
    uint8_t rgb[3 * 16 * 16];
    char why[LN_FOLDER_REASON];
    cr_assert_eq(ln_image_file_decode(path, h, w, rgb, why), 0, "%s", why);
    ln_model *m3 = new_model(SMALL, 3, h, w, nc, 9), *m1 = new_model(SMALL, 1, h, w, nc, 9);
    float x3[3 * 256], x1[256], want[3], got[3];
    for (int i = 0; i < 3 * 256; i++) x3[i] = rgb[i] * (1.0f / 255.0f);
    for (int i = 0; i < 256; i++) x1[i] = ((float)rgb[i] + rgb[256 + i] + rgb[512 + i]) * (1.0f / (3 * 255.0f));
    cr_assert_eq(ln_predict(m3, x3, 1, NULL, want), LN_OK);
    cr_assert_eq(ln_predict_jpeg(m3, path, NULL, got), LN_OK, "%s", ln_last_error());
    cr_assert_eq(memcmp(want, got, sizeof want), 0);
    cr_assert_eq(ln_predict(m1, x1, 1, NULL, want), LN_OK);
    cr_assert_eq(ln_predict_jpeg(m1, path, NULL, got), LN_OK, "%s", ln_last_error());
    cr_assert_eq(memcmp(want, got, sizeof want), 0);
    /* errors name the file */
    const char *missing = tmp_path("api_missing.jpg"), *junk = tmp_path("api_junk.jpg");
    cr_assert_eq(ln_predict_jpeg(m3, missing, NULL, got), LN_ERR_IO);
    cr_assert(strstr(ln_last_error(), "api_missing.jpg"), "message: %s", ln_last_error());
    cr_assert_eq(write_file(junk, "\xff\xd8\xff\xe0 truncated", 14), 0);
    cr_assert_eq(ln_predict_jpeg(m3, junk, NULL, got), LN_ERR_FORMAT);
    cr_assert(strstr(ln_last_error(), "api_junk.jpg"), "message: %s", ln_last_error());
    ln_model *m2 = new_model(SMALL, 2, h, w, nc, 9);
    cr_assert_eq(ln_predict_jpeg(m2, path, NULL, got), LN_ERR_ARG);
    ln_model_free(m1), ln_model_free(m2), ln_model_free(m3);
}

/* ---- gradients ---- */

/* The summed loss of the model's current weights. */
static double loss_of(const ln_model *m, const float *x, const uint8_t *labels, int n, const ln_exec *e, float *g)
{
    double l;
    cr_assert_eq(ln_gradients(m, x, labels, n, e, g, &l), LN_OK, "%s", ln_last_error());
    return l;
}

/* Every parameter of a tiny model (188 of them) nudged by +-EPS: the
 * central difference of the summed loss of the float forward pass
 * (scalar kernels) against ln_gradients. Two errors meet: truncation,
 * EPS^2 |f'''| / 6, and the loss's float rounding (~1e-7 relative of a
 * loss of ~4.4) divided by 2 EPS. Measured largest |a - n|: 7.5e-5 at
 * EPS = 3e-3 (rounding), 4.3e-5 at 5e-3, 9.7e-5 at 1e-2 and 8.4e-4 at
 * 3e-2 (truncation, growing as EPS^2), whatever the gradient's size.
 * At 5e-3 the bound |a - n| <= 2e-4 + 1e-3 |n| leaves a margin of ~5
 * and fails a gradient off by 1% wherever |n| > 0.022: 155 of the 188
 * parameters have |n| > 0.05 (the largest ~2.75), and the largest must
 * exceed 0.05 for the check to count. */
#define FD_EPS 5e-3
#define FD_ATOL 2e-4
#define FD_RTOL 1e-3

Test(api, gradients_match_finite_differences)
{
    const char *spec = "conv 3 3x3 valid; tanh; avgpool 2; flatten; dense 5; tanh; dense classes; softmax";
    ln_model *m = new_model(spec, 1, 8, 8, 3, 12);
    int n = 4;
    uint8_t *px, *labels;
    random_u8(n, 1, 8, 8, 3, 61, &px, &labels);
    float *x = to_float(px, (size_t)n * 64);
    size_t np = ln_model_param_len(m);
    cr_assert_eq(np, (size_t)(3 * 9 + 3 + 27 * 5 + 5 + 5 * 3 + 3));
    ln_exec e = {.threads = 1, .kernels = "scalar"};
    float *g = malloc(np * sizeof *g), *scratch = malloc(np * sizeof *scratch), *p = params_copy(m);
    double l0 = loss_of(m, x, labels, n, &e, g);
    cr_assert(isfinite(l0) && l0 > 0.0);
    double worst = 0.0, largest = 0.0;
    for (size_t i = 0; i < np; i++) {
        float hi = (float)(p[i] + FD_EPS), lo = (float)(p[i] - FD_EPS);
        cr_assert_eq(ln_model_write_params(m, i, &hi, 1), LN_OK);
        double lh = loss_of(m, x, labels, n, &e, scratch);
        cr_assert_eq(ln_model_write_params(m, i, &lo, 1), LN_OK);
        double ll = loss_of(m, x, labels, n, &e, scratch);
        cr_assert_eq(ln_model_write_params(m, i, &p[i], 1), LN_OK);
        double num = (lh - ll) / ((double)hi - lo), err = fabs(g[i] - num);
        cr_assert_leq(err, FD_ATOL + FD_RTOL * fabs(num), "parameter %zu: ln_gradients %.7g, finite difference %.7g", i,
                      (double)g[i], num);
        worst = err > worst ? err : worst;
        largest = fabs(num) > largest ? fabs(num) : largest;
    }
    cr_assert_gt(largest, 0.05, "the largest gradient is only %g: the check would pass vacuously", largest);
    cr_assert_gt(worst, 0.0, "float gradients equal to the differences exactly: the check is not measuring");

    /* the same numbers for any threads; the loss is ln_evaluate's (summed) */
    float *g2 = malloc(np * sizeof *g2);
    double l2 = loss_of(m, x, labels, n, &(ln_exec){.threads = 2, .kernels = "scalar"}, g2);
    cr_assert_eq(memcmp(g, g2, np * sizeof *g), 0);
    cr_assert_eq(l0, l2);
    ln_data *d;
    ln_eval_result r;
    cr_assert_eq(ln_data_wrap_float(x, labels, n, 1, 8, 8, 3, &d), LN_OK);
    cr_assert_eq(ln_evaluate(m, d, &e, &r, NULL), LN_OK);
    cr_assert(fabs(r.loss * n - l0) <= 1e-12 * l0, "evaluate %.17g x %d, gradients %.17g", r.loss, n, l0);
    ln_data_free(d);
    /* bad labels are refused */
    labels[2] = 3;
    cr_assert_eq(ln_gradients(m, x, labels, n, &e, g, &l2), LN_ERR_ARG);
    cr_assert(strstr(ln_last_error(), "labels[2]"), "message: %s", ln_last_error());
    free(g), free(g2), free(scratch), free(p), free(x), free(px), free(labels);
    ln_model_free(m);
}

Test(api, gradients_chunked_and_fixed_tensors_zero)
{
    /* lenet5-1998: RBF prototypes get no gradient, nor a table's gaps */
    ln_model *m = new_model("lenet5-1998", 1, 28, 28, 10, 13);
    int n = 70; /* two chunks */
    uint8_t *px, *labels;
    random_u8(n, 1, 28, 28, 10, 71, &px, &labels);
    float *x = to_float(px, (size_t)n * 784);
    size_t np = ln_model_param_len(m);
    float *g = malloc(np * sizeof *g), *ga = malloc(np * sizeof *ga), *gb = malloc(np * sizeof *gb);
    memset(g, 0x7f, np * sizeof *g); /* overwritten whole */
    double l, la, lb;
    cr_assert_eq(ln_gradients(m, x, labels, n, NULL, g, &l), LN_OK, "%s", ln_last_error());
    ln_tensor_info rbf, c3;
    cr_assert_eq(ln_model_find_tensor(m, "rbf.weight", &rbf), LN_OK);
    for (size_t i = 0; i < rbf.len; i++) cr_assert_eq(g[rbf.offset + i], 0.0f, "rbf.weight[%zu] has a gradient", i);
    cr_assert_eq(ln_model_find_tensor(m, "conv2.weight", &c3), LN_OK);
    size_t nonzero = 0;
    for (int o = 0; o < 16; o++)
        for (int c = 0; c < 6; c++)
            for (int t = 0; t < 25; t++) {
                float v = g[c3.offset + ((size_t)o * 6 + c) * 25 + t];
                if (!ln_table_connected(LN_TABLE_LECUN98, o, c))
                    cr_assert_eq(v, 0.0f, "gap [%d][%d] has a gradient", o, c);
                nonzero += v != 0.0f;
            }
    cr_assert_gt(nonzero, 1000);
    /* the sum over two halves is the whole, to float rounding */
    cr_assert_eq(ln_gradients(m, x, labels, 35, NULL, ga, &la), LN_OK);
    cr_assert_eq(ln_gradients(m, x + 35 * 784, labels + 35, 35, NULL, gb, &lb), LN_OK);
    cr_assert(fabs(la + lb - l) <= 1e-9 * l, "%.17g + %.17g vs %.17g", la, lb, l);
    double worst = 0.0, scale = 0.0;
    for (size_t i = 0; i < np; i++) {
        double e = fabs((double)ga[i] + gb[i] - g[i]);
        worst = e > worst ? e : worst;
        scale = fabs(g[i]) > scale ? fabs(g[i]) : scale;
    }
    cr_assert_leq(worst, 1e-4 * scale, "halves differ from the whole by %g (largest gradient %g)", worst, scale);
    /* zero images: zero gradients and loss */
    cr_assert_eq(ln_gradients(m, NULL, NULL, 0, NULL, g, &l), LN_OK);
    cr_assert_eq(l, 0.0);
    cr_assert_eq(g[0], 0.0f);
    free(g), free(ga), free(gb), free(x), free(px), free(labels);
    ln_model_free(m);
}
