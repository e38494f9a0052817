#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "nn/net.h"
#include "nn/spec.h"
#include "opts.h"

int cli_fail(const char *cmd)
{
    fprintf(stderr, "lenet %s: %s\n", cmd, ln_last_error());
    return EXIT_RUNTIME;
}

int cli_kernels(const char *cmd, const char *want, const ln_kernels **k)
{
    ln_status st = ln_kernels_select(want, k);
    if (st == LN_OK) return 0;
    fprintf(stderr, "lenet %s: %s\n", cmd, ln_last_error());
    return EXIT_USAGE;
}

int cli_default_threads(void) { return omp_get_num_procs(); }

const char *cli_grouped(long long v, char *buf, int cap)
{
    char digits[32];
    int n = snprintf(digits, sizeof digits, "%lld", v < 0 ? -v : v), o = 0;
    if (v < 0 && o < cap - 1) buf[o++] = '-';
    for (int i = 0; i < n && o < cap - 1; i++) {
        if (i && (n - i) % 3 == 0 && o < cap - 1) buf[o++] = ',';
        if (o < cap - 1) buf[o++] = digits[i];
    }
    buf[o] = 0;
    return buf;
}

int cli_check_model(const char *cmd, const char *model)
{
    char name[32], err[256];
    char *text;
    if (ln_spec_resolve(model, name, sizeof name, &text) != LN_OK) {
        fprintf(stderr, "lenet %s: %s\n", cmd, ln_last_error());
        return EXIT_USAGE;
    }
    ln_spec s;
    ln_status st = ln_spec_parse(text, &s, err, sizeof err);
    free(text);
    if (st != LN_OK) {
        fprintf(stderr, "lenet %s: --model: %s\n", cmd, err);
        return EXIT_USAGE;
    }
    return 0;
}

int cli_load_data(const char *cmd, const cli_data *o, ln_dataset *train, ln_dataset *test)
{
    *train = (ln_dataset){0}, *test = (ln_dataset){0};
    struct stat sb;
    /* a missing folder gets the MNIST loader's message (with the package hint) */
    if (ln_is_mnist_dir(o->dir) || stat(o->dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        if (o->val_split > 0.0) {
            fprintf(stderr, "lenet %s: --val-split: %s has its own test split (t10k)\n", cmd, o->dir);
            return EXIT_USAGE;
        }
        if ((!o->test_only && ln_mnist_load(o->dir, "train", train)) || ln_mnist_load(o->dir, "t10k", test)) {
            ln_dataset_free(train);
            return cli_fail(cmd);
        }
        return 0;
    }
    ln_folder_opts fo = {.h = o->h, .w = o->w, .val_split = o->val_split, .seed = o->seed, .strict = o->strict,
                         .cache = o->cache, .threads = o->threads};
    ln_folder_report rep;
    if (ln_folder_load(o->dir, &fo, train, test, &rep) != LN_OK) return cli_fail(cmd);
    if (rep.cache_note[0]) fprintf(stderr, "lenet %s: %s\n", cmd, rep.cache_note);
    if (o->quiet_summary) return 0;
    char a[32], b[32], c[32];
    printf("data %s: %s layout, %d classes, %s train / %s %s images; ", o->dir, rep.layout, train->nclasses,
           cli_grouped(train->n, a, sizeof a), cli_grouped(test->n, b, sizeof b), !strcmp(rep.layout, "classes") ? "held-out" : "val");
    if (rep.cached)
        printf("read from cache %s in %.2f s", rep.cache_path, rep.seconds);
    else
        printf("decoded %s files in %.2f s (%.0f img/s, %d threads)", cli_grouped(rep.files, c, sizeof c), rep.seconds,
               rep.seconds > 0 ? rep.files / rep.seconds : 0.0, o->threads);
    if (rep.bad) printf("; %d bad file%s skipped", rep.bad, rep.bad == 1 ? "" : "s");
    if (rep.ignored) printf("; %d non-image file%s ignored", rep.ignored, rep.ignored == 1 ? "" : "s");
    printf("\n");
    fflush(stdout);
    return 0;
}
