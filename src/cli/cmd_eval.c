/* lenet eval and lenet predict: use a saved model on a test set, or on
 * JPEG files. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "opts.h"

/* Load the model and the test split it will be run on (t10k of an MNIST
 * directory, or an image folder's val split); checks that the data's image
 * shape and classes match the model's input. */
static int load_pair(const char *cmd, const char *model_path, const cli_data *cd, ln_model **m, ln_data **test)
{
    *test = NULL;
    int rc = cli_load_model(cmd, model_path, m), mc, mh, mw, c, h, w;
    if (rc) return rc;
    ln_model_input(*m, &mc, &mh, &mw);
    cli_data d = *cd;
    d.h = mh, d.w = mw;
    ln_data *train;
    if ((rc = cli_load_data(cmd, &d, &train, test))) return rc;
    ln_data_free(train);
    ln_data_shape(*test, &c, &h, &w);
    int k = ln_data_classes(*test), mk = ln_model_classes(*m);
    if (c != mc || h != mh || w != mw || k != mk) {
        fprintf(stderr, "lenet %s: %s: images are %dx%dx%d with %d classes, the model %s expects %dx%dx%d with %d\n",
                cmd, cd->dir, c, h, w, k, model_path, mc, mh, mw, mk);
        return EXIT_RUNTIME;
    }
    if (ln_data_count(*test) == 0) {
        fprintf(stderr, "lenet %s: %s: no test images (an image folder without val/ needs --val-split)\n", cmd, cd->dir);
        return EXIT_RUNTIME;
    }
    return 0;
}

/* A number for JSON: NaN and infinities have no JSON form. */
static void json_num(const char *key, double v)
{
    if (isfinite(v)) printf("\"%s\":%.6f", key, v);
    else printf("\"%s\":null", key);
}

int cmd_eval(int argc, char **argv)
{
    const char *load = NULL, *kernels = NULL;
    int threads = cli_default_threads(), json = 0, confusion = 0;
    float split = 0.0f;
    cli_data cd = {.dir = LN_FASHION_MNIST_DIR, .seed = 1};
    const opt_spec specs[] = {
        {"load", OPT_STR, &load, 0, 0, "FILE", "model file to evaluate (required)"},
        {"data", OPT_STR, &cd.dir, 0, 0, "DIR", "MNIST-format directory or JPEG image folder (default " LN_FASHION_MNIST_DIR ")"},
        {"val-split", OPT_FLOAT, &split, 0, 0.9, "F", "image folder without val/: the held-out fraction used in training"},
        {"seed", OPT_U64, &cd.seed, 0, 0, "N", "the training run's --seed (draws the held-out images; default 1)"},
        {"cache", OPT_STR, &cd.cache, 0, 0, "FILE", "decoded-image cache (default DIR/.lenet-cache-HxWx3.bin)"},
        {"threads", OPT_INT, &threads, 1, 1024, "N", "OpenMP threads (default: number of cores)"},
        {"kernels", OPT_STR, &kernels, 0, 0, "ISA", cli_kernels_help()},
        {"confusion", OPT_FLAG, &confusion, 0, 0, NULL, "also the confusion matrix and per-class precision, recall, F1"},
        {"json", OPT_FLAG, &json, 0, 0, NULL, "print one JSON object (with the confusion matrix)"},
        {NULL, 0, NULL, 0, 0, NULL, NULL},
    };
    const char *pos[1];
    int npos, rc = opts_parse("eval", "--load FILE [options]", specs, argc, argv, 2, pos, 0, &npos);
    if (rc) return rc < 0 ? EXIT_OK : rc;
    if (!load) {
        fprintf(stderr, "lenet eval: --load FILE is required (see lenet eval --help)\n");
        return EXIT_USAGE;
    }
    ln_exec x;
    if ((rc = cli_exec("eval", kernels, threads, &x))) return rc;
    ln_model *m = NULL;
    ln_data *test = NULL;
    long *cm = NULL;
    ln_eval_result r;
    cd.val_split = split, cd.threads = threads, cd.quiet_summary = json, cd.test_only = 1;
    if (!(rc = load_pair("eval", load, &cd, &m, &test))) {
        int k = ln_model_classes(m), fashion = cli_is_fashion(cd.dir);
        if (!(cm = calloc((size_t)k * k, sizeof *cm))) {
            fprintf(stderr, "lenet eval: out of memory\n");
            rc = EXIT_RUNTIME;
        } else if (ln_evaluate(m, test, &x, &r, cm) != LN_OK) {
            rc = cli_fail("eval");
        } else if (json) {
            printf("{\"model\":\"%s\",\"images\":%ld,", ln_model_name(m), r.n);
            json_num("test_loss", r.loss);
            putchar(',');
            json_num("test_acc", r.accuracy);
            putchar(',');
            cli_json_confusion(m, fashion, cm);
            printf("}\n");
        } else {
            printf("%s (%s): %ld test images, loss %.4f, accuracy %.2f%%\n", load, ln_model_name(m), r.n, r.loss,
                   100.0 * r.accuracy);
            if (confusion) cli_print_confusion(m, fashion, cm);
        }
    }
    free(cm);
    ln_model_free(m);
    ln_data_free(test);
    return rc;
}

/* Classify JPEG files, read and decoded as the folder loader does. */
static int predict_files(const ln_model *m, const ln_exec *x, const char *const *files, int nfiles, int top)
{
    int rc = EXIT_OK, n = ln_model_classes(m);
    float *p = malloc((size_t)n * sizeof *p);
    int *order = malloc((size_t)n * sizeof *order);
    for (int f = 0; f < nfiles && p && order; f++) {
        if (ln_predict_jpeg(m, files[f], x, p) != LN_OK) {
            rc = cli_fail("predict");
            continue;
        }
        for (int c = 0; c < n; c++) order[c] = c;
        for (int i = 0; i < n && i < top; i++) /* selection sort of the top classes */
            for (int j = i + 1; j < n; j++)
                if (p[order[j]] > p[order[i]]) {
                    int t = order[i];
                    order[i] = order[j], order[j] = t;
                }
        char name[1024];
        printf("%s: %s (p=%.4f)", files[f], cli_class_name(m, 0, order[0], name, sizeof name), (double)p[order[0]]);
        for (int i = 1; i < top && i < n; i++)
            printf(", %s p=%.4f", cli_class_name(m, 0, order[i], name, sizeof name), (double)p[order[i]]);
        printf("\n");
    }
    if (!p || !order) {
        fprintf(stderr, "lenet predict: out of memory\n");
        rc = EXIT_RUNTIME;
    }
    free(p);
    free(order);
    return rc;
}

/* Classify test image `index` of the data, every class's probability. */
static int predict_index(const ln_model *m, const ln_exec *x, const ln_data *test, int index, int fashion)
{
    int n = ln_model_classes(m);
    float *p = malloc((size_t)n * sizeof *p);
    if (!p) {
        fprintf(stderr, "lenet predict: out of memory\n");
        return EXIT_RUNTIME;
    }
    if (ln_predict_data(m, test, index, 1, x, p) != LN_OK) {
        free(p);
        return cli_fail("predict");
    }
    char a[1024], b[1024];
    int best = ln_argmax(p, n);
    printf("test image %d: predicted class %s (p=%.4f), label %s\n", index, cli_class_name(m, fashion, best, a, sizeof a),
           (double)p[best], cli_class_name(m, fashion, ln_data_label(test, index), b, sizeof b));
    for (int c = 0; c < n; c++) printf("  class %s: p=%.4f\n", cli_class_name(m, fashion, c, a, sizeof a), (double)p[c]);
    free(p);
    return EXIT_OK;
}

int cmd_predict(int argc, char **argv)
{
    const char *load = NULL;
    int index = -1, top = 3;
    cli_data cd = {.dir = LN_FASHION_MNIST_DIR, .seed = 1, .quiet_summary = 1, .test_only = 1,
                   .threads = cli_default_threads()};
    float split = 0.0f;
    const opt_spec specs[] = {
        {"load", OPT_STR, &load, 0, 0, "FILE", "model file (required)"},
        {"index", OPT_INT, &index, 0, 1 << 30, "N", "classify test image N of --data (instead of IMAGE files)"},
        {"data", OPT_STR, &cd.dir, 0, 0, "DIR", "MNIST-format directory or JPEG image folder (default " LN_FASHION_MNIST_DIR ")"},
        {"val-split", OPT_FLOAT, &split, 0, 0.9, "F", "image folder without val/: the held-out fraction used in training"},
        {"seed", OPT_U64, &cd.seed, 0, 0, "N", "the training run's --seed (default 1)"},
        {"top", OPT_INT, &top, 1, 256, "K", "classes shown per image file (default 3)"},
        {NULL, 0, NULL, 0, 0, NULL, NULL},
    };
    const char *pos[256];
    int npos, rc = opts_parse("predict", "--load FILE (IMAGE.jpg... | --index N) [options]", specs, argc, argv, 2, pos,
                              256, &npos);
    if (rc) return rc < 0 ? EXIT_OK : rc;
    if (!load || (index < 0) == (npos == 0)) {
        fprintf(stderr, "lenet predict: --load FILE and either image files or --index N are required "
                        "(see lenet predict --help)\n");
        return EXIT_USAGE;
    }
    cd.val_split = split;
    ln_exec x;
    if ((rc = cli_exec("predict", NULL, cd.threads, &x))) return rc;
    ln_model *m = NULL;
    if (npos) {
        if (!(rc = cli_load_model("predict", load, &m))) rc = predict_files(m, &x, pos, npos, top);
        ln_model_free(m);
        return rc;
    }
    ln_data *test = NULL;
    if (!(rc = load_pair("predict", load, &cd, &m, &test))) {
        if (index >= ln_data_count(test)) {
            fprintf(stderr, "lenet predict: --index %d is out of range (the test set has %d images)\n", index,
                    ln_data_count(test));
            rc = EXIT_USAGE;
        } else {
            rc = predict_index(m, &x, test, index, cli_is_fashion(cd.dir));
        }
    }
    ln_model_free(m);
    ln_data_free(test);
    return rc;
}
