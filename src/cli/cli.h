/* The lenet command-line tool: one function per subcommand, each a client
 * of the public API (<lenet/lenet.h>) alone. */
#ifndef LN_CLI_H
#define LN_CLI_H
#include <stddef.h>

#include "lenet/lenet.h"

int cmd_train(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_predict(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_verify(int argc, char **argv);
/* Outputs, gradients and one SGD step for tools/torch_interop.py check (cmd_probe.c). */
int cmd_probe(int argc, char **argv);
/* lenet report: an HTML page of runs (cmd_report.c). */
int cmd_report(int argc, char **argv);

/* ---- shared helpers (cli_common.c) ---- */

/* Print "lenet CMD: <last library error>" and return EXIT_RUNTIME. */
int cli_fail(const char *cmd);
/* Check --kernels (NULL: $LENET_KERNELS, else auto) and fill x. On an
 * unknown set or one this CPU lacks: one line naming the flag (or the
 * variable), and EXIT_USAGE. Else 0. */
int cli_exec(const char *cmd, const char *kernels, int threads, ln_exec *x);
/* The kernel set x runs ("avx2"): "auto" and $LENET_KERNELS resolved. */
const char *cli_kernel_name(const ln_exec *x);
/* --kernels's help: the sets this build has. */
const char *cli_kernels_help(void);
/* Usage error (one line naming --model) unless `model` names a built-in
 * model, a spec file or valid spec text. */
int cli_check_model(const char *cmd, const char *model);
/* The default thread count: the number of cores. */
int cli_default_threads(void);
/* Load a model file; a file holding a NaN or an infinity is refused with
 * one line naming the tensor. Prints and returns EXIT_RUNTIME on failure. */
int cli_load_model(const char *cmd, const char *path, ln_model **m);

/* Where training and evaluation data come from. */
typedef struct cli_data {
    const char *dir;
    double val_split;
    const char *cache; /* NULL: default; "" (--no-cache): none */
    int strict, threads, h, w;
    int quiet_summary; /* no summary line (machine-readable output follows) */
    int test_only;     /* eval/predict: an MNIST directory's training split is not loaded */
    unsigned long long seed;
    int quiet;         /* no per-file lines on stderr for a folder's skipped files */
} cli_data;
/* Load --data: an MNIST-format directory (train, unless test_only: then
 * *train is NULL; and t10k) or a JPEG image folder (train + its val
 * split), printing a one-line summary of a folder to stdout. Prints the
 * error and returns EXIT_RUNTIME (EXIT_USAGE for a flag that does not fit
 * the data) on failure, with nothing left to free. */
int cli_load_data(const char *cmd, const cli_data *o, ln_data **train, ln_data **test);

/* 545546 -> "545,546" in buf */
const char *cli_grouped(long long v, char *buf, int cap);
/* --model's help: the built-in models from the library's own list. */
const char *cli_model_help(void);
/* A class's name for printing (escaped), Fashion-MNIST's names for
 * unnamed classes when `fashion`, else "0", "1", ... */
const char *cli_class_name(const ln_model *m, int fashion, int c, char *buf, size_t cap);
/* 1 if an MNIST-format directory is Fashion-MNIST by its name. */
int cli_is_fashion(const char *dir);
/* Fashion-MNIST's name of class c (0..9), else NULL. */
const char *cli_fashion_name(int c);

/* ---- lenet probe's output file (probe_file.c) ---- */

typedef struct cli_tensor {
    const char *name;
    int ndim;
    long long shape[4];
    const float *data;
} cli_tensor;
/* 0 if `path` may be written as an output (absent, or a regular file, in
 * a writable folder); else one line naming `flag` and EXIT_USAGE:
 * renaming over a FIFO or a device would replace it. */
int cli_output_ok(const char *cmd, const char *flag, const char *path);
/* Write tensors and metadata {key, value} as a safetensors file, through a
 * temporary beside `path` renamed over it. 0, or -1 after one line. */
int cli_write_tensors(const char *cmd, const char *path, const cli_tensor *t, int nt, const char *const (*meta)[2],
                      int nm);

/* ---- lenet eval's confusion matrix (confusion.c) ---- */

/* cm: classes x classes counts of m's classes, row = true class, column =
 * predicted. The matrix and each class's precision, recall, F1 and
 * support, aligned, class names as cli_class_name gives them. */
void cli_print_confusion(const ln_model *m, int fashion, const long *cm);
/* The same as JSON members "classes":[...],"confusion":[[...]...],
 * "per_class":[{"class":..,"precision":..,"recall":..,"f1":..,"support":..}]
 * (undefined figures are null), with no braces around them. */
void cli_json_confusion(const ln_model *m, int fashion, const long *cm);

#endif
