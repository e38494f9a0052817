/* The lenet command-line tool: one function per subcommand. */
#ifndef LN_CLI_H
#define LN_CLI_H

#include "data/dataset.h"
#include "kernels.h"
#include "nn/net.h"

int cmd_train(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_predict(int argc, char **argv);
int cmd_info(int argc, char **argv);
/* lenet report: an HTML page of runs (cmd_report.c). */
int cmd_report(int argc, char **argv);

/* Shared helpers (cli_common.c). */
/* Print "lenet CMD: <last library error>" and return EXIT_RUNTIME, or
 * EXIT_USAGE for argument errors. */
int cli_fail(const char *cmd);
/* Pick the kernel table (--kernels or $LENET_KERNELS); prints on failure. */
int cli_kernels(const char *cmd, const char *want, const ln_kernels **k);
/* Usage error unless `model` names a built-in model. */
int cli_check_model(const char *cmd, const char *model);
/* The default thread count: the number of cores. */
int cli_default_threads(void);
/* Where training and evaluation data come from. */
typedef struct cli_data {
    const char *dir;
    double val_split;
    const char *cache; /* NULL: default; "" (--no-cache): none */
    int strict, threads, h, w;
    int quiet_summary; /* no summary line (machine-readable output follows) */
    int test_only;     /* eval/predict: an MNIST directory's training split is not loaded */
    unsigned long long seed;
} cli_data;
/* Load --data: an MNIST-format directory (train, unless test_only, and t10k) or a JPEG image
 * folder (train + its val split), printing a one-line summary of a folder
 * to stdout. Prints the error and returns EXIT_RUNTIME on failure. */
int cli_load_data(const char *cmd, const cli_data *o, ln_dataset *train, ln_dataset *test);
int cmd_verify(int argc, char **argv);
/* Outputs, gradients and one SGD step for tools/torch_interop.py check (cmd_probe.c). */
int cmd_probe(int argc, char **argv);

/* 545546 -> "545,546" in buf */
const char *cli_grouped(long long v, char *buf, int cap);
/* --model's help: the built-in models from the code's own list. */
const char *cli_model_help(void);
/* EXIT_RUNTIME after one line naming the first tensor of the model (or,
 * given, of the momentum) in `path` holding a NaN or infinity; else 0. */
int cli_check_finite(const char *cmd, const char *path, const ln_net *net, const float *velocity);
/* A class's name for printing (control characters escaped), "0".."9" for
 * unnamed classes, or Fashion-MNIST's names when `fashion`. */
const char *cli_class_name(const ln_net *net, int fashion, int c, char *buf, size_t cap);
/* 1 if an MNIST-format directory is Fashion-MNIST by its name. */
int cli_is_fashion(const char *dir);

#endif
