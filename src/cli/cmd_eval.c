/* lenet eval and lenet predict: use a saved model on a test set, or on
 * JPEG files. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "io/model_file.h"
#include "opts.h"
#include "train/trainer.h"

/* Load the model and the test split it will be run on (t10k of an MNIST
 * directory, or an image folder's val split); checks that the data's image
 * shape and classes match the model's input. */
static int load_pair(const char *cmd, const char *model_path, const cli_data *cd, ln_net *net, ln_dataset *test)
{
    if (ln_net_load(model_path, net) != LN_OK) return cli_fail(cmd);
    int rc = cli_check_finite(cmd, model_path, net, NULL);
    if (rc) return rc;
    cli_data d = *cd;
    d.h = net->in_h, d.w = net->in_w;
    ln_dataset train;
    rc = cli_load_data(cmd, &d, &train, test);
    if (rc) return rc;
    ln_dataset_free(&train);
    if (test->c != net->in_c || test->h != net->in_h || test->w != net->in_w || test->nclasses != net->nclasses) {
        fprintf(stderr, "lenet %s: %s: images are %dx%dx%d with %d classes, the model %s expects %dx%dx%d with %d\n",
                cmd, cd->dir, test->c, test->h, test->w, test->nclasses, model_path, net->in_c, net->in_h, net->in_w,
                net->nclasses);
        return EXIT_RUNTIME;
    }
    if (test->n == 0) {
        fprintf(stderr, "lenet %s: %s: no test images (an image folder without val/ needs --val-split)\n", cmd, cd->dir);
        return EXIT_RUNTIME;
    }
    return 0;
}

/* What the last layer gives per class: softmax probabilities ("p=0.93"),
 * or an RBF model's squared distances, stored negated ("distance 12.3"). */
static const char *score_str(const ln_net *net, float v, char *buf, size_t cap)
{
    if (net->layers[net->nlayers - 1].kind == LN_L_RBF) snprintf(buf, cap, "distance %.3f", -(double)v);
    else snprintf(buf, cap, "p=%.4f", (double)v);
    return buf;
}

/* The name of class c (escaped), Fashion-MNIST's for its unnamed classes
 * (fashion: --data is Fashion-MNIST), else the number. */
static const char *class_name(const ln_net *net, int c, char *buf, size_t cap, int fashion)
{
    return cli_class_name(net, fashion, c, buf, cap);
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
    int threads = cli_default_threads(), json = 0;
    float split = 0.0f;
    cli_data cd = {.dir = LN_DEFAULT_DATA_DIR, .seed = 1};
    const opt_spec specs[] = {
        {"load", OPT_STR, &load, 0, 0, "FILE", "model file to evaluate (required)"},
        {"data", OPT_STR, &cd.dir, 0, 0, "DIR", "MNIST-format directory or JPEG image folder (default " LN_DEFAULT_DATA_DIR ")"},
        {"val-split", OPT_FLOAT, &split, 0, 0.9, "F", "image folder without val/: the held-out fraction used in training"},
        {"seed", OPT_U64, &cd.seed, 0, 0, "N", "the training run's --seed (draws the held-out images; default 1)"},
        {"cache", OPT_STR, &cd.cache, 0, 0, "FILE", "decoded-image cache (default DIR/.lenet-cache-HxWx3.bin)"},
        {"threads", OPT_INT, &threads, 1, 1024, "N", "OpenMP threads (default: number of cores)"},
        {"kernels", OPT_STR, &kernels, 0, 0, "ISA", ln_kernels_help()},
        {"json", OPT_FLAG, &json, 0, 0, NULL, "print one JSON object"},
        {NULL, 0, NULL, 0, 0, NULL, NULL},
    };
    const char *pos[1];
    int npos, rc = opts_parse("eval", "--load FILE [options]", specs, argc, argv, 2, pos, 0, &npos);
    if (rc) return rc < 0 ? EXIT_OK : rc;
    if (!load) {
        fprintf(stderr, "lenet eval: --load FILE is required (see lenet eval --help)\n");
        return EXIT_USAGE;
    }
    const ln_kernels *k;
    if ((rc = cli_kernels("eval", kernels, &k))) return rc;
    ln_net net = {0};
    ln_dataset test = {0};
    double loss, acc;
    cd.val_split = split, cd.threads = threads, cd.quiet_summary = json, cd.test_only = 1;
    if (!(rc = load_pair("eval", load, &cd, &net, &test))) {
        if (ln_net_evaluate(&net, k, threads, &test, &loss, &acc) != LN_OK) {
            rc = cli_fail("eval");
        } else if (json) {
            printf("{\"model\":\"%s\",\"images\":%d,", net.model, test.n);
            json_num("test_loss", loss);
            putchar(',');
            json_num("test_acc", acc);
            printf("}\n");
        } else {
            printf("%s (%s): %d test images, loss %.4f, accuracy %.2f%%\n", load, net.model, test.n, loss,
                   100.0 * acc);
        }
    }
    ln_net_free(&net);
    ln_dataset_free(&test);
    return rc;
}

/* Classify JPEG files, read and decoded as the folder loader does, to the
 * model's input (gray models get the mean of the three planes). */
static int predict_files(const ln_net *net, const ln_kernels *k, const char *const *files, int nfiles, int top)
{
    ln_workspace ws = {0};
    if (ln_ws_alloc_infer(net, k, 1, &ws) != LN_OK) return cli_fail("predict");
    int rc = EXIT_OK;
    size_t plane = (size_t)net->in_h * net->in_w;
    uint8_t *rgb = malloc(3 * plane);
    for (int f = 0; f < nfiles && rgb; f++) {
        char why[LN_FOLDER_REASON] = "";
        if (ln_image_file_decode(files[f], net->in_h, net->in_w, rgb, why) != 0) {
            fprintf(stderr, "lenet predict: %s: %s\n", files[f], why);
            rc = EXIT_RUNTIME;
            continue;
        }
        for (size_t i = 0; i < plane; i++) {
            if (net->in_c == 1) ws.x0[i] = ((float)rgb[i] + rgb[plane + i] + rgb[2 * plane + i]) * (1.0f / (3 * 255.0f));
            else
                for (int c = 0; c < 3; c++) ws.x0[c * plane + i] = rgb[c * plane + i] * (1.0f / 255.0f);
        }
        ln_forward(net, k, &ws, 1, 0, 0.0f);
        const float *p = ln_ws_probs(net, &ws);
        int order[256], n = net->nclasses < 256 ? net->nclasses : 256;
        for (int c = 0; c < n; c++) order[c] = c;
        for (int i = 0; i < n; i++) /* selection sort: a handful of classes */
            for (int j = i + 1; j < n; j++)
                if (p[order[j]] > p[order[i]]) {
                    int t = order[i];
                    order[i] = order[j], order[j] = t;
                }
        char name[1024], sc[48];
        printf("%s: %s (%s)", files[f], class_name(net, order[0], name, sizeof name, 0), score_str(net, p[order[0]], sc, sizeof sc));
        for (int i = 1; i < top && i < n; i++)
            printf(", %s %s", class_name(net, order[i], name, sizeof name, 0), score_str(net, p[order[i]], sc, sizeof sc));
        printf("\n");
    }
    if (!rgb) rc = cli_fail("predict");
    free(rgb);
    ln_ws_free(&ws);
    return rc;
}

int cmd_predict(int argc, char **argv)
{
    const char *load = NULL;
    int index = -1, top = 3;
    cli_data cd = {.dir = LN_DEFAULT_DATA_DIR, .seed = 1, .quiet_summary = 1, .test_only = 1,
                   .threads = cli_default_threads()};
    float split = 0.0f;
    const opt_spec specs[] = {
        {"load", OPT_STR, &load, 0, 0, "FILE", "model file (required)"},
        {"index", OPT_INT, &index, 0, 1 << 30, "N", "classify test image N of --data (instead of IMAGE files)"},
        {"data", OPT_STR, &cd.dir, 0, 0, "DIR", "MNIST-format directory or JPEG image folder (default " LN_DEFAULT_DATA_DIR ")"},
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
    const ln_kernels *k;
    if ((rc = cli_kernels("predict", NULL, &k))) return rc;
    ln_net net = {0};
    ln_dataset test = {0};
    ln_workspace ws = {0};
    if (npos) {
        if (ln_net_load(load, &net) != LN_OK) return cli_fail("predict");
        if (!(rc = cli_check_finite("predict", load, &net, NULL))) rc = predict_files(&net, k, pos, npos, top);
        ln_net_free(&net);
        return rc;
    }
    if (!(rc = load_pair("predict", load, &cd, &net, &test))) {
        if (index >= test.n) {
            fprintf(stderr, "lenet predict: --index %d is out of range (the test set has %d images)\n", index, test.n);
            rc = EXIT_USAGE;
        } else if (ln_ws_alloc_infer(&net, k, 1, &ws) != LN_OK) {
            rc = cli_fail("predict");
        } else {
            uint32_t idx = (uint32_t)index;
            char a[1024], b[1024];
            int fashion = cli_is_fashion(cd.dir);
            ln_load_chunk(&test, &idx, 1, &ws, NULL);
            ln_forward(&net, k, &ws, 1, 0, 0.0f);
            const float *p = ln_ws_probs(&net, &ws);
            int best = ln_argmax(p, net.nclasses);
            char sc[48];
            printf("test image %d: predicted class %s (%s), label %s\n", index,
                   class_name(&net, best, a, sizeof a, fashion), score_str(&net, p[best], sc, sizeof sc),
                   class_name(&net, test.labels[index], b, sizeof b, fashion));
            for (int c = 0; c < net.nclasses; c++)
                printf("  class %s: %s\n", class_name(&net, c, a, sizeof a, fashion), score_str(&net, p[c], sc, sizeof sc));
        }
    }
    ln_ws_free(&ws);
    ln_net_free(&net);
    ln_dataset_free(&test);
    return rc;
}
