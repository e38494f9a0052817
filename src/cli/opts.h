/* Table-driven option parsing for the CLI: every value is range-checked and
 * every error names the flag. */
#ifndef LN_CLI_OPTS_H
#define LN_CLI_OPTS_H

typedef enum { OPT_INT, OPT_FLOAT, OPT_STR, OPT_FLAG, OPT_U64 } opt_type;

typedef struct opt_spec {
    const char *name; /* without the leading "--" */
    opt_type type;
    void *dst;        /* int*, float*, const char**, int* (flag), unsigned long long* */
    double min, max;  /* inclusive bounds for numbers */
    const char *arg;  /* value placeholder for --help ("N", "FILE") */
    const char *help;
} opt_spec;

/* Exit codes of the CLI. */
enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

/* Parse argv[first..argc) against specs (terminated by a NULL name).
 * Returns 0 on success, EXIT_USAGE after printing a one-line error, or -1
 * if --help was given (usage already printed). Positional arguments are
 * collected into pos (up to maxpos) and counted in *npos. */
int opts_parse(const char *cmd, const char *synopsis, const opt_spec *specs, int argc, char **argv,
               int first, const char **pos, int maxpos, int *npos);
void opts_usage(const char *cmd, const char *synopsis, const opt_spec *specs);

#endif
