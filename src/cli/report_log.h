/* lenet report: reading the JSON Lines log of `lenet train --log`.
 *
 * Every line is an object. {"epoch":N,...} lines give an epoch's figures;
 * a {"run":{...}} line starts each invocation (lenet 0.2 and later: the
 * model, recipe, data and machine) and {"end":{...}} closes it. Older logs
 * hold epoch lines alone. Unknown keys and unknown kinds of line are
 * ignored; a line that is not a JSON object, or an epoch line without its
 * numbers, is an error naming FILE:LINE. */
#ifndef LN_CLI_REPORT_LOG_H
#define LN_CLI_REPORT_LOG_H
#include <stddef.h>

#include "report_json.h"

typedef struct rl_epoch {
    int epoch;
    /* NAN where the log has no value (test figures without test data) */
    double train_loss, train_acc, test_loss, test_acc;
    double img_per_s, seconds, lr;
} rl_epoch;

typedef struct rl_run {
    char *path;
    const char *name;      /* the file's name without its folders (in path) */
    rl_epoch *ep;          /* in epoch order; an epoch logged twice (a resumed run) keeps its last line */
    int nep;
    rj **heads;            /* the "run" objects, in order */
    int nheads;
    rj **ends;             /* the "end" objects, in order */
    int nends;
    int ended;             /* the last "run" line has its "end" line */
    int lines;             /* lines read */
    double wall_s;         /* the end lines' wall_s, plus the epochs' seconds of invocations without one */
    int wall_complete;     /* every invocation has its end line (0 for old logs) */
} rl_run;

/* Read the log at path into r (zeroed first). Returns 0, or -1 with a
 * one-line message "PATH:LINE: ..." (or "PATH: ...") in err. */
int rl_load(const char *path, rl_run *r, char *err, size_t errcap);
void rl_free(rl_run *r);

/* The first run line's object (the run's header), or NULL for old logs. */
const rj *rl_head(const rl_run *r);
/* The best test accuracy and its epoch (-1 if the log has none). */
double rl_best_test_acc(const rl_run *r, int *epoch);

#endif
