/* lenet probe: the numbers an independent implementation checks lenet
 * against (tools/torch_interop.py check, tests/interop): the last layer's
 * outputs on the first --count test images, the loss gradient of every
 * trained tensor on the first --batch test images from the plain forward and
 * backward pass, and the weights after one real training step
 * (ln_trainer_step: momentum 0, weight decay 0) on the same images. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "io/atomic_file.h"
#include "io/model_file.h"
#include "io/safetensors.h"
#include "opts.h"
#include "train/trainer.h"

enum { MAX_OUT = 4 * LN_MAX_LAYERS + 4 };

typedef struct probe_out {
    ln_st_tensor t[MAX_OUT];
    char names[MAX_OUT][48];
    int n;
} probe_out;

static ln_st_tensor *add(probe_out *o, const char *prefix, const char *name, const float *data)
{
    snprintf(o->names[o->n], sizeof o->names[o->n], "%s%s", prefix, name);
    o->t[o->n] = (ln_st_tensor){.name = o->names[o->n], .data = data};
    return &o->t[o->n++];
}

/* One entry per trained tensor of net, named prefix + the model file's name,
 * shaped as in the model file, its data at base + the parameter offset. */
static void add_params(probe_out *o, const ln_net *net, const char *prefix, const float *base)
{
    char name[40];
    for (int i = 0; i < net->nlayers; i++) {
        const ln_layer *l = &net->layers[i];
        if (!l->w_len || l->frozen) continue; /* RBF prototypes are fixed */
        snprintf(name, sizeof name, "%s.weight", l->name);
        ln_st_tensor *t = add(o, prefix, name, base + l->w_off);
        t->shape[0] = l->out_c, t->shape[1] = l->in_c, t->shape[2] = t->shape[3] = l->k;
        t->ndim = l->kind == LN_L_SUBSAMPLE ? 1 : l->kind == LN_L_CONV ? 4 : 2;
        snprintf(name, sizeof name, "%s.bias", l->name);
        t = add(o, prefix, name, base + l->b_off);
        t->ndim = 1, t->shape[0] = l->out_c;
    }
}

/* Logits (the softmax's input) or RBF distances of images [0, count), and
 * lenet's predicted class for each, `cap` images at a time. */
static void outputs(const ln_net *net, const ln_kernels *k, ln_workspace *ws, const ln_dataset *d, int count,
                    float *logits, float *pred)
{
    int nl = net->nlayers, nc = net->nclasses, rbf = net->layers[nl - 1].kind == LN_L_RBF;
    uint32_t idx[256];
    for (int lo = 0; lo < count; lo += ws->cap) {
        int m = count - lo < ws->cap ? count - lo : ws->cap;
        for (int i = 0; i < m; i++) idx[i] = (uint32_t)(lo + i);
        ln_load_chunk(d, idx, m, ws, NULL);
        ln_forward(net, k, ws, m, 0, 0.0f);
        const float *z = rbf ? ws->act[nl - 1] : ws->act[nl - 2], *p = ln_ws_probs(net, ws);
        for (int j = 0; j < m * nc; j++) logits[(size_t)lo * nc + j] = rbf ? -z[j] : z[j]; /* RBF stores -y */
        for (int i = 0; i < m; i++) pred[lo + i] = (float)ln_argmax(p + (size_t)i * nc, nc);
    }
}

typedef struct probe_args {
    const char *load, *out, *kernels;
    int count, batch, threads;
    float lr;
} probe_args;

/* Outputs, the plain pass's gradient, then the trainer's step (which
 * changes net's weights), written to a->out. */
static ln_status measure(ln_net *net, const ln_kernels *k, const ln_dataset *test, const probe_args *a)
{
    int count = a->count, batch = a->batch, nc = net->nclasses;
    ln_workspace ws = {0};
    ln_trainer tr = {0};
    float *logits = malloc((size_t)count * nc * sizeof *logits), *pred = malloc((size_t)count * sizeof *pred);
    float *grads = calloc(net->nparams, sizeof *grads);
    ln_status st = logits && pred && grads ? ln_ws_alloc(net, k, batch, &ws) : ln_fail(LN_ERR_NOMEM, "out of memory");
    if (st == LN_OK) outputs(net, k, &ws, test, count, logits, pred);

    /* the plain pass: dloss/dparams of the batch's mean loss, as one chunk */
    uint32_t idx[256];
    for (int i = 0; i < batch; i++) idx[i] = (uint32_t)i;
    float loss = 0.0f, step_loss = 0.0f;
    if (st == LN_OK) {
        ln_load_chunk(test, idx, batch, &ws, NULL);
        loss = (float)(ln_forward(net, k, &ws, batch, 1, 1.0f / batch) / batch);
        ln_backward(net, k, &ws, batch, grads, NULL);
    }
    /* the real step: the trainer's chunks, threads and fused dense updates */
    double sum = 0.0;
    int correct;
    ln_sgd opt = {.lr = a->lr};
    if (st == LN_OK) st = ln_trainer_init(&tr, net, k, a->threads, batch);
    if (st == LN_OK) st = ln_trainer_step(&tr, test, idx, batch, &opt, &sum, &correct);
    step_loss = (float)(sum / batch);

    probe_out o = {.n = 0};
    ln_st_tensor *t = add(&o, "", "logits", logits);
    t->ndim = 2, t->shape[0] = count, t->shape[1] = nc;
    t = add(&o, "", "pred", pred);
    t->ndim = 1, t->shape[0] = count;
    add(&o, "", "loss", &loss)->ndim = 0;
    add(&o, "", "step_loss", &step_loss)->ndim = 0;
    add_params(&o, net, "grad.", grads);
    add_params(&o, net, "step.", net->params);
    char cnt[16], bat[16], lrs[32], thr[16];
    snprintf(cnt, sizeof cnt, "%d", count);
    snprintf(bat, sizeof bat, "%d", batch);
    snprintf(lrs, sizeof lrs, "%.9g", (double)a->lr);
    snprintf(thr, sizeof thr, "%d", a->threads);
    ln_st_meta m[] = {{"format", "lenet-probe"}, {"model", net->model}, {"spec", net->spec}, {"kernels", k->isa},
                      {"count", cnt},           {"batch", bat},       {"lr", lrs},         {"threads", thr}};
    if (st == LN_OK) st = ln_st_write(a->out, o.t, o.n, m, (int)(sizeof m / sizeof m[0]));
    if (st == LN_OK)
        printf("%s: %s, kernels %s: outputs of %d test images; gradient and one SGD step (lr %g) on %d, "
               "loss %.6f\n", a->out, net->model, k->isa, count, (double)a->lr, batch, (double)loss);
    ln_trainer_free(&tr);
    ln_ws_free(&ws);
    free(logits);
    free(pred);
    free(grads);
    return st;
}

static int probe(const cli_data *cd, const probe_args *a)
{
    const ln_kernels *k;
    int rc = cli_kernels("probe", a->kernels, &k);
    if (rc) return rc;
    ln_net net = {0};
    ln_dataset train, test;
    if (ln_net_load(a->load, &net) != LN_OK) return cli_fail("probe");
    cli_data d = *cd;
    d.h = net.in_h, d.w = net.in_w;
    if (!(rc = cli_load_data("probe", &d, &train, &test))) {
        int need = a->count > a->batch ? a->count : a->batch;
        if (test.c != net.in_c || test.h != net.in_h || test.w != net.in_w || test.nclasses != net.nclasses ||
            test.n < need) {
            fprintf(stderr, "lenet probe: %s: %d test images of %dx%dx%d, %d classes; %s needs %dx%dx%d, "
                            "%d classes and %d images\n", cd->dir, test.n, test.c, test.h, test.w, test.nclasses,
                    a->load, net.in_c, net.in_h, net.in_w, net.nclasses, need);
            rc = EXIT_RUNTIME;
        } else if (measure(&net, k, &test, a) != LN_OK) {
            rc = cli_fail("probe");
        }
        ln_dataset_free(&train);
        ln_dataset_free(&test);
    }
    ln_net_free(&net);
    return rc;
}

int cmd_probe(int argc, char **argv)
{
    probe_args a = {.count = 1000, .batch = 32, .threads = cli_default_threads(), .lr = 0.1f};
    cli_data cd = {.dir = LN_DEFAULT_DATA_DIR, .seed = 1, .quiet_summary = 1, .test_only = 1};
    const opt_spec specs[] = {
        {"load", OPT_STR, &a.load, 0, 0, "FILE", "model file (required)"},
        {"out", OPT_STR, &a.out, 0, 0, "FILE", "safetensors file to write (required)"},
        {"data", OPT_STR, &cd.dir, 0, 0, "DIR", "MNIST-format directory (default " LN_DEFAULT_DATA_DIR "); its test split is used"},
        {"count", OPT_INT, &a.count, 1, 1 << 20, "N", "test images whose outputs are written (default 1000)"},
        {"batch", OPT_INT, &a.batch, 1, 256, "N", "test images of the gradient and the step (default 32)"},
        {"lr", OPT_FLOAT, &a.lr, 0, 100, "X", "learning rate of the step (default 0.1; momentum and weight decay 0)"},
        {"threads", OPT_INT, &a.threads, 1, 1024, "N", "OpenMP threads of the step (default: number of cores)"},
        {"kernels", OPT_STR, &a.kernels, 0, 0, "ISA", ln_kernels_help()},
        {NULL, 0, NULL, 0, 0, NULL, NULL},
    };
    const char *pos[1];
    int npos, rc = opts_parse("probe", "--load FILE --out FILE [options]", specs, argc, argv, 2, pos, 0, &npos);
    if (rc) return rc < 0 ? EXIT_OK : rc;
    if (!a.load || !a.out) {
        fprintf(stderr, "lenet probe: --load FILE and --out FILE are required (see lenet probe --help)\n");
        return EXIT_USAGE;
    }
    if (ln_same_file(a.load, a.out)) { /* the probe would replace the model it measures */
        fprintf(stderr, "lenet probe: --out %s is the --load file: choose another output\n", a.out);
        return EXIT_USAGE;
    }
    if (ln_output_check(a.out) != LN_OK) { /* a FIFO, a device: fail before the work */
        fprintf(stderr, "lenet probe: --out %s\n", ln_last_error());
        return EXIT_USAGE;
    }
    cd.threads = a.threads;
    return probe(&cd, &a);
}
