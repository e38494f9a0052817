/* lenet eval and lenet predict: use a saved model on a test set. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "io/model_file.h"
#include "opts.h"
#include "train/trainer.h"

/* Load the model and the test split it will be run on; checks that the
 * data's image shape and classes match the model's input. */
static int load_pair(const char *cmd, const char *model_path, const char *data, ln_net *net, ln_dataset *test)
{
    if (ln_model_load(model_path, net) != LN_OK) return cli_fail(cmd);
    if (ln_mnist_load(data, "t10k", test) != LN_OK) return cli_fail(cmd);
    if (test->c != net->in_c || test->h != net->in_h || test->w != net->in_w || test->nclasses != net->nclasses) {
        fprintf(stderr, "lenet %s: %s: images are %dx%dx%d with %d classes, the model %s expects %dx%dx%d with %d\n",
                cmd, data, test->c, test->h, test->w, test->nclasses, model_path, net->in_c, net->in_h, net->in_w,
                net->nclasses);
        return EXIT_RUNTIME;
    }
    return 0;
}

int cmd_eval(int argc, char **argv)
{
    const char *load = NULL, *data = LN_DEFAULT_DATA_DIR, *kernels = NULL;
    int threads = cli_default_threads(), json = 0;
    const opt_spec specs[] = {
        {"load", OPT_STR, &load, 0, 0, "FILE", "model file to evaluate (required)"},
        {"data", OPT_STR, &data, 0, 0, "DIR", "MNIST-format directory (default " LN_DEFAULT_DATA_DIR ")"},
        {"threads", OPT_INT, &threads, 1, 1024, "N", "OpenMP threads (default: number of cores)"},
        {"kernels", OPT_STR, &kernels, 0, 0, "ISA", "kernel set: auto, scalar, avx2, neon"},
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
    if (!(rc = load_pair("eval", load, data, &net, &test))) {
        if (ln_evaluate(&net, k, threads, &test, &loss, &acc) != LN_OK) {
            rc = cli_fail("eval");
        } else if (json) {
            printf("{\"model\":\"%s\",\"images\":%d,\"test_loss\":%.6f,\"test_acc\":%.6f}\n", net.model, test.n,
                   loss, acc);
        } else {
            printf("%s (%s): %d test images, loss %.4f, accuracy %.2f%%\n", load, net.model, test.n, loss,
                   100.0 * acc);
        }
    }
    ln_net_free(&net);
    ln_dataset_free(&test);
    return rc;
}

int cmd_predict(int argc, char **argv)
{
    const char *load = NULL, *data = LN_DEFAULT_DATA_DIR;
    int index = -1;
    const opt_spec specs[] = {
        {"load", OPT_STR, &load, 0, 0, "FILE", "model file (required)"},
        {"index", OPT_INT, &index, 0, 1 << 30, "N", "index of the test image to classify (required)"},
        {"data", OPT_STR, &data, 0, 0, "DIR", "MNIST-format directory (default " LN_DEFAULT_DATA_DIR ")"},
        {NULL, 0, NULL, 0, 0, NULL, NULL},
    };
    const char *pos[1];
    int npos, rc = opts_parse("predict", "--load FILE --index N [options]", specs, argc, argv, 2, pos, 0, &npos);
    if (rc) return rc < 0 ? EXIT_OK : rc;
    if (!load || index < 0) {
        fprintf(stderr, "lenet predict: --load FILE and --index N are required (see lenet predict --help)\n");
        return EXIT_USAGE;
    }
    const ln_kernels *k;
    if ((rc = cli_kernels("predict", NULL, &k))) return rc;
    ln_net net = {0};
    ln_dataset test = {0};
    ln_workspace ws = {0};
    if (!(rc = load_pair("predict", load, data, &net, &test))) {
        if (index >= test.n) {
            fprintf(stderr, "lenet predict: --index %d is out of range (the test set has %d images)\n", index, test.n);
            rc = EXIT_USAGE;
        } else if (ln_ws_alloc_infer(&net, k, 1, &ws) != LN_OK) {
            rc = cli_fail("predict");
        } else {
            uint32_t idx = (uint32_t)index;
            ln_load_chunk(&test, &idx, 1, &ws, NULL);
            ln_forward(&net, k, &ws, 1, 0, 0.0f);
            const float *p = ln_ws_probs(&net, &ws);
            int best = ln_argmax(p, net.nclasses);
            printf("test image %d: predicted class %d (p=%.4f), label %d\n", index, best, p[best], test.labels[index]);
            for (int c = 0; c < net.nclasses; c++) printf("  class %d: %.6f\n", c, p[c]);
        }
    }
    ln_ws_free(&ws);
    ln_net_free(&net);
    ln_dataset_free(&test);
    return rc;
}
