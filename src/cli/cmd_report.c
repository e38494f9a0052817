/* lenet report: one self-contained HTML page of one or more training runs
 * (their --log files), and, with --load, the model's evaluation on its test
 * data. The page itself is built in report_html.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <lenet/lenet.h>

#include "cli.h"
#include "opts.h"
#include "report.h"
#include "report_log.h"

#define MAX_LOGS 64

int cmd_report(int argc, char **argv)
{
    const char *out = "report.html", *load = NULL, *data = NULL, *kernels = NULL, *title = NULL;
    int threads = cli_default_threads(), mistakes = 32;
    float split = -1.0f;
    unsigned long long seed = 0;
    const opt_spec specs[] = {
        {"output", OPT_STR, &out, 0, 0, "FILE", "the page to write, also -o FILE (default report.html; - for stdout)"},
        {"load", OPT_STR, &load, 0, 0, "MODEL", "a model file or checkpoint: adds its evaluation (confusion matrix, "
                                                "per-class scores, mistakes)"},
        {"data", OPT_STR, &data, 0, 0, "DIR", "the test data for --load (default: the run's, from its log; else "
                                              LN_FASHION_MNIST_DIR ")"},
        {"val-split", OPT_FLOAT, &split, 0, 0.9, "F", "image folder without val/: the held-out fraction used in training"},
        {"seed", OPT_U64, &seed, 0, 0, "N", "image folder: the training run's --seed (default: the log's, else 1)"},
        {"mistakes", OPT_INT, &mistakes, 0, 256, "N", "most confident mistakes shown (default 32)"},
        {"title", OPT_STR, &title, 0, 0, "TEXT", "the page's title (default: the logs' names)"},
        {"threads", OPT_INT, &threads, 1, 1024, "N", "OpenMP threads for --load (default: number of cores)"},
        {"kernels", OPT_STR, &kernels, 0, 0, "ISA", cli_kernels_help()},
        {NULL, 0, NULL, 0, 0, NULL, NULL},
    };
    /* -o FILE is --output FILE: rewrite it where it stands as an option
     * (not as the value of one) */
    char **args = malloc((size_t)argc * sizeof *args);
    if (!args) {
        fprintf(stderr, "lenet report: out of memory\n");
        return EXIT_RUNTIME;
    }
    for (int i = 0; i < argc; i++) args[i] = argv[i];
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "-o")) {
            args[i] = "--output";
            i++;
            continue;
        }
        if (strncmp(argv[i], "--", 2) || strchr(argv[i], '=')) continue;
        for (const opt_spec *s = specs; s->name; s++)
            if (!strcmp(argv[i] + 2, s->name)) {
                if (s->type != OPT_FLAG && s->type != OPT_FLAG_OFF) i++; /* its value */
                break;
            }
    }
    const char *pos[MAX_LOGS];
    int npos, rc = opts_parse("report", "RUN.jsonl... [-o FILE] [--load MODEL [--data DIR]] [options]", specs, argc,
                              args, 2, pos, MAX_LOGS, &npos);
    free(args);
    if (rc) return rc < 0 ? EXIT_OK : rc;
    if (!npos) {
        fprintf(stderr, "lenet report: give one or more training logs (lenet train --log FILE) "
                        "(see lenet report --help)\n");
        return EXIT_USAGE;
    }
    if (!load && (data || split >= 0)) {
        fprintf(stderr, "lenet report: --%s needs --load MODEL (the data is for evaluating a model)\n",
                data ? "data" : "val-split");
        return EXIT_USAGE;
    }
    ln_exec x;
    if ((rc = cli_exec("report", kernels, threads, &x))) return rc;
    ln_model *model = NULL;
    ln_data *test = NULL;
    if (load) {
        /* the data and the folder split: the flags, else the first log's run line */
        rl_run first;
        char err[1024];
        if (rl_load(pos[0], &first, err, sizeof err)) {
            fprintf(stderr, "lenet report: %s\n", err);
            rl_free(&first);
            return EXIT_RUNTIME;
        }
        const rj *head = rl_head(&first), *recipe = rj_get(head, "recipe");
        char dir[4096];
        snprintf(dir, sizeof dir, "%s", data ? data : rj_str(head, "data") ? rj_str(head, "data") : LN_FASHION_MNIST_DIR);
        double v;
        if (split < 0) split = rj_num(recipe, "val_split", &v) && v >= 0 && v <= 0.9 ? (float)v : 0.0f;
        if (!opts_given(specs, argc, argv, 2, "seed")) seed = rj_num(recipe, "seed", &v) && v >= 0 ? (unsigned long long)v : 1;
        rl_free(&first);
        if ((rc = cli_load_model("report", load, &model))) return rc;
        int c;
        cli_data cd = {.dir = dir, .val_split = split, .seed = seed, .threads = threads, .quiet_summary = 1,
                       .test_only = 1, .quiet = 1};
        ln_model_input(model, &c, &cd.h, &cd.w);
        ln_data *train = NULL;
        rc = cli_load_data("report", &cd, &train, &test);
        ln_data_free(train);
        if (!rc && ln_data_count(test) == 0) {
            fprintf(stderr, "lenet report: %s: no test images (an image folder without val/ needs --val-split)\n", dir);
            rc = EXIT_RUNTIME;
        }
        if (rc) {
            ln_data_free(test);
            ln_model_free(model);
            return rc;
        }
    }
    report_opts o;
    report_opts_init(&o);
    o.title = title, o.model_path = load, o.mistakes = mistakes;
    char err[1024];
    if (report_write_opts(out, pos, npos, model, test, &x, &o, err, sizeof err)) {
        fprintf(stderr, "lenet report: %s\n", err);
        rc = EXIT_RUNTIME;
    } else if (strcmp(out, "-")) {
        struct stat sb;
        if (stat(out, &sb) == 0) printf("wrote %s (%lld KB)\n", out, ((long long)sb.st_size + 1023) / 1024);
    }
    ln_data_free(test);
    ln_model_free(model);
    return rc;
}
