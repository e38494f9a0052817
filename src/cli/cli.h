/* The lenet command-line tool: one function per subcommand. */
#ifndef LN_CLI_H
#define LN_CLI_H

#include "data/dataset.h"
#include "kernels.h"

int cmd_train(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_predict(int argc, char **argv);
int cmd_info(int argc, char **argv);

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

#endif
