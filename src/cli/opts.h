/* Table-driven option parsing for the CLI: every value is range-checked and
 * every error names the flag. */
#ifndef LN_CLI_OPTS_H
#define LN_CLI_OPTS_H

/* OPT_FLAG sets its int to 1, OPT_FLAG_OFF to 0 (--no-X beside --X: the later wins) */
typedef enum { OPT_INT, OPT_FLOAT, OPT_STR, OPT_FLAG, OPT_U64, OPT_FLAG_OFF } opt_type;

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
/* A flag repeated takes its last value, in opts_parse and here alike.
 * opts_value: the last value given to --name in argv[first..argc) read as
 * opts_parse reads it (a flag's value is never taken for a flag), or NULL;
 * opts_given: whether --name was given at all. Both before the full parse,
 * for choices that set other defaults (--recipe, --model). */
const char *opts_value(const opt_spec *specs, int argc, char **argv, int first, const char *name);
int opts_given(const opt_spec *specs, int argc, char **argv, int first, const char *name);

#endif
