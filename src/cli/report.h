/* lenet report: one self-contained HTML page (inline SVG and CSS, images
 * as data URIs, no scripts, nothing fetched) of one or more training runs:
 * their curves per epoch, the run's header (model, recipe, data, machine)
 * and, given a model and test data, its confusion matrix, per-class
 * precision, recall and F1, and its most confident mistakes. docs/REPORT.md
 * describes the page. */
#ifndef LN_CLI_REPORT_H
#define LN_CLI_REPORT_H
#include <stddef.h>

#include <lenet/lenet.h>

/* For `lenet train --report FILE`, after each epoch: write the page of the
 * run logged in logs[0..nlogs) (lenet train --log files, one or more runs
 * overlaid) to html_path. With a model and test data (both may be NULL)
 * the page has the evaluation too. While the run is going on (its log has
 * no end line and fewer epochs than its recipe) the page reloads itself
 * every 30 s in a browser. The file is replaced atomically (html_path.tmp,
 * then rename). Returns 0, or -1 with a one-line message in err. */
int report_write(const char *html_path, const char *const *logs, int nlogs, const ln_model *model, const ln_data *test,
                 const ln_exec *x, char *err, size_t errcap);

/* What else a page can say. */
typedef struct report_opts {
    const char *title;       /* the page's title (NULL: from the logs) */
    const char *model_path;  /* where the model came from, shown on the page (NULL: "the model being trained") */
    int mistakes;            /* images in the grid of most confident mistakes */
    int live;                /* 1: reload in the browser while the run goes on */
} report_opts;

void report_opts_init(report_opts *o);
int report_write_opts(const char *html_path, const char *const *logs, int nlogs, const ln_model *model,
                      const ln_data *test, const ln_exec *x, const report_opts *o, char *err, size_t errcap);

#endif
