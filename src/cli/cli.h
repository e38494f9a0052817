/* The lenet command-line tool: one function per subcommand. */
#ifndef LN_CLI_H
#define LN_CLI_H

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
/* 545546 -> "545,546" in buf */
const char *cli_grouped(long long v, char *buf, int cap);

#endif
