/* lenet probe: the numbers an independent implementation checks lenet
 * against (tools/torch_interop.py check, tests/interop): the last layer's
 * outputs on the first --count test images, the loss gradient of every
 * trained tensor on the first --batch test images (ln_gradients), and the
 * weights after one real training step (ln_train: one epoch of one batch,
 * momentum 0, weight decay 0) on the same images. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "opts.h"

typedef struct probe_args {
    const char *load, *out, *kernels;
    int count, batch, threads;
    float lr;
} probe_args;

/* Logits (the softmax's input) or RBF distances of the first `count`
 * images of d. */
static ln_status outputs(const ln_model *m, const ln_exec *x, const ln_data *d, int count, float *logits)
{
    int c, h, w;
    ln_data_shape(d, &c, &h, &w);
    size_t len = (size_t)c * h * w;
    float *img = malloc((size_t)count * len * sizeof *img);
    ln_status st = img ? LN_OK : ln_fail(LN_ERR_NOMEM, "out of memory for %d images", count);
    for (int i = 0; i < count && st == LN_OK; i++) st = ln_data_image(d, i, img + (size_t)i * len);
    if (st == LN_OK) st = ln_outputs(m, img, count, x, logits);
    free(img);
    return st;
}

/* The first n images of d as floats and labels. */
static ln_status first_images(const ln_data *d, int n, float *images, uint8_t *labels)
{
    int c, h, w;
    ln_data_shape(d, &c, &h, &w);
    size_t len = (size_t)c * h * w;
    for (int i = 0; i < n; i++) {
        ln_status st = ln_data_image(d, i, images + (size_t)i * len);
        if (st != LN_OK) return st;
        labels[i] = (uint8_t)ln_data_label(d, i);
    }
    return LN_OK;
}

/* One SGD step on the batch as the trainer takes it: a run of one epoch
 * over exactly these images (shuffling one batch only reorders a sum). */
static ln_status sgd_step(ln_model *m, const ln_exec *x, const float *images, const uint8_t *labels, int batch,
                          const probe_args *a, double *loss)
{
    int c, h, w;
    ln_model_input(m, &c, &h, &w);
    ln_data *d;
    ln_status st = ln_data_wrap_float(images, labels, batch, c, h, w, ln_model_classes(m), &d);
    if (st != LN_OK) return st;
    ln_recipe r;
    ln_recipe_init(&r, "default");
    r.epochs = 1, r.batch = batch, r.lr = a->lr, r.momentum = 0.0f, r.nesterov = 0, r.weight_decay = 0.0f;
    r.schedule = "constant", r.warmup = 0, r.augment = NULL, r.limit = 0;
    ln_run_options o;
    ln_run_options_init(&o);
    o.exec = *x;
    /* written only if the run were stopped; beside --out, whose folder is writable */
    char ckpt[4200];
    snprintf(ckpt, sizeof ckpt, "%s.ckpt", a->out);
    o.checkpoint = ckpt;
    ln_run_result res;
    st = ln_train(m, d, NULL, &r, &o, &res);
    *loss = res.last.train_loss;
    ln_data_free(d);
    return st;
}

/* Tensors of m's trained parameters named prefix + the model file's names,
 * their data at base + the parameter offset; names in names[]. */
static int add_params(const ln_model *m, const char *prefix, const float *base, cli_tensor *t, char (*names)[64])
{
    int n = 0;
    for (int i = 0; i < ln_model_tensors(m); i++) {
        ln_tensor_info ti;
        if (ln_model_tensor(m, i, &ti) != LN_OK || !ti.trainable) continue; /* RBF prototypes are fixed */
        snprintf(names[n], sizeof names[n], "%s%s", prefix, ti.name);
        t[n] = (cli_tensor){.name = names[n], .ndim = ti.ndim, .data = base + ti.offset};
        for (int d = 0; d < ti.ndim; d++) t[n].shape[d] = ti.shape[d];
        n++;
    }
    return n;
}

/* Outputs, gradients, then the step (which changes m's weights), written
 * to a->out. */
static int measure(ln_model *m, const ln_exec *x, const ln_data *test, const probe_args *a)
{
    int count = a->count, batch = a->batch, nc = ln_model_classes(m), c, h, w;
    ln_model_input(m, &c, &h, &w);
    size_t np = ln_model_param_len(m), len = (size_t)c * h * w;
    float *logits = malloc((size_t)count * nc * sizeof *logits), *pred = malloc((size_t)count * sizeof *pred);
    float *probs = malloc((size_t)count * nc * sizeof *probs), *images = malloc((size_t)batch * len * sizeof *images);
    float *grads = malloc(np * sizeof *grads), *step = malloc(np * sizeof *step);
    uint8_t labels[256];
    int nt = 2 * ln_model_tensors(m) + 4, rc = EXIT_RUNTIME;
    cli_tensor *t = malloc((size_t)nt * sizeof *t);
    char(*names)[64] = malloc((size_t)nt * sizeof *names);
    double sum = 0.0, step_sum = 0.0;
    if (!logits || !pred || !probs || !images || !grads || !step || !t || !names) {
        fprintf(stderr, "lenet probe: out of memory\n");
        goto out;
    }
    if (outputs(m, x, test, count, logits) != LN_OK || ln_predict_data(m, test, 0, count, x, probs) != LN_OK ||
        first_images(test, batch, images, labels) != LN_OK ||
        ln_gradients(m, images, labels, batch, x, grads, &sum) != LN_OK ||
        sgd_step(m, x, images, labels, batch, a, &step_sum) != LN_OK ||
        ln_model_read_params(m, 0, step, np) != LN_OK) {
        rc = cli_fail("probe");
        goto out;
    }
    for (int i = 0; i < count; i++) pred[i] = (float)ln_argmax(probs + (size_t)i * nc, nc);
    for (size_t i = 0; i < np; i++) grads[i] /= (float)batch; /* of the batch's mean loss, as PyTorch's */
    float loss = (float)(sum / batch), step_loss = (float)step_sum;
    int n = 0;
    t[n++] = (cli_tensor){.name = "logits", .ndim = 2, .shape = {count, nc}, .data = logits};
    t[n++] = (cli_tensor){.name = "pred", .ndim = 1, .shape = {count}, .data = pred};
    t[n++] = (cli_tensor){.name = "loss", .ndim = 0, .data = &loss};
    t[n++] = (cli_tensor){.name = "step_loss", .ndim = 0, .data = &step_loss};
    int g = add_params(m, "grad.", grads, t + n, names);
    n += g;
    n += add_params(m, "step.", step, t + n, names + g);
    char cnt[16], bat[16], lrs[32], thr[16];
    snprintf(cnt, sizeof cnt, "%d", count);
    snprintf(bat, sizeof bat, "%d", batch);
    snprintf(lrs, sizeof lrs, "%.9g", (double)a->lr);
    snprintf(thr, sizeof thr, "%d", a->threads);
    const char *kernels = cli_kernel_name(x);
    const char *const meta[][2] = {{"format", "lenet-probe"}, {"model", ln_model_name(m)}, {"spec", ln_model_spec(m)},
                                   {"kernels", kernels},      {"count", cnt},             {"batch", bat},
                                   {"lr", lrs},               {"threads", thr}};
    if (cli_write_tensors("probe", a->out, t, n, meta, (int)(sizeof meta / sizeof meta[0])) == 0) {
        printf("%s: %s, kernels %s: outputs of %d test images; gradient and one SGD step (lr %g) on %d, loss %.6f\n",
               a->out, ln_model_name(m), kernels, count, (double)a->lr, batch, (double)loss);
        rc = EXIT_OK;
    }
out:
    free(logits), free(pred), free(probs), free(images), free(grads), free(step), free(t), free(names);
    return rc;
}

static int probe(const cli_data *cd, const probe_args *a)
{
    ln_exec x;
    int rc = cli_exec("probe", a->kernels, a->threads, &x);
    if (rc) return rc;
    ln_model *m;
    if ((rc = cli_load_model("probe", a->load, &m))) return rc;
    int mc, mh, mw, c, h, w;
    ln_model_input(m, &mc, &mh, &mw);
    cli_data d = *cd;
    d.h = mh, d.w = mw;
    ln_data *train, *test;
    if (!(rc = cli_load_data("probe", &d, &train, &test))) {
        int need = a->count > a->batch ? a->count : a->batch, n = ln_data_count(test), k = ln_data_classes(test);
        ln_data_shape(test, &c, &h, &w);
        if (c != mc || h != mh || w != mw || k != ln_model_classes(m) || n < need) {
            fprintf(stderr, "lenet probe: %s: %d test images of %dx%dx%d, %d classes; %s needs %dx%dx%d, "
                            "%d classes and %d images\n", cd->dir, n, c, h, w, k, a->load, mc, mh, mw,
                    ln_model_classes(m), need);
            rc = EXIT_RUNTIME;
        } else {
            rc = measure(m, &x, test, a);
        }
        ln_data_free(train);
        ln_data_free(test);
    }
    ln_model_free(m);
    return rc;
}

/* 1 when a and b both exist and are the same file. */
static int same_file(const char *a, const char *b)
{
    struct stat x, y;
    return stat(a, &x) == 0 && stat(b, &y) == 0 && x.st_dev == y.st_dev && x.st_ino == y.st_ino;
}

int cmd_probe(int argc, char **argv)
{
    probe_args a = {.count = 1000, .batch = 32, .threads = cli_default_threads(), .lr = 0.1f};
    cli_data cd = {.dir = LN_FASHION_MNIST_DIR, .seed = 1, .quiet_summary = 1, .test_only = 1};
    const opt_spec specs[] = {
        {"load", OPT_STR, &a.load, 0, 0, "FILE", "model file (required)"},
        {"out", OPT_STR, &a.out, 0, 0, "FILE", "safetensors file to write (required)"},
        {"data", OPT_STR, &cd.dir, 0, 0, "DIR", "MNIST-format directory (default " LN_FASHION_MNIST_DIR "); its test split is used"},
        {"count", OPT_INT, &a.count, 1, 1 << 20, "N", "test images whose outputs are written (default 1000)"},
        {"batch", OPT_INT, &a.batch, 1, 256, "N", "test images of the gradient and the step (default 32)"},
        {"lr", OPT_FLOAT, &a.lr, 0, 100, "X", "learning rate of the step (default 0.1; momentum and weight decay 0)"},
        {"threads", OPT_INT, &a.threads, 1, 1024, "N", "OpenMP threads of the step (default: number of cores)"},
        {"kernels", OPT_STR, &a.kernels, 0, 0, "ISA", cli_kernels_help()},
        {NULL, 0, NULL, 0, 0, NULL, NULL},
    };
    const char *pos[1];
    int npos, rc = opts_parse("probe", "--load FILE --out FILE [options]", specs, argc, argv, 2, pos, 0, &npos);
    if (rc) return rc < 0 ? EXIT_OK : rc;
    if (!a.load || !a.out) {
        fprintf(stderr, "lenet probe: --load FILE and --out FILE are required (see lenet probe --help)\n");
        return EXIT_USAGE;
    }
    if (same_file(a.load, a.out)) { /* the probe would replace the model it measures */
        fprintf(stderr, "lenet probe: --out %s is the --load file: choose another output\n", a.out);
        return EXIT_USAGE;
    }
    if ((rc = cli_output_ok("probe", "--out", a.out))) return rc; /* a FIFO, a device: fail before the work */
    cd.threads = a.threads;
    return probe(&cd, &a);
}
