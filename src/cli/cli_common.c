#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "cli.h"
#include "core/text.h"
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
        /* a model is built for the training images and run on the test
         * images: they must agree, or the test pass reads past them */
        if (!o->test_only && (test->c != train->c || test->h != train->h || test->w != train->w ||
                              test->nclasses != train->nclasses)) {
            fprintf(stderr, "lenet %s: --data %s: the test images (t10k) are %dx%dx%d with %d classes, the training "
                    "images %dx%dx%d with %d: the two splits must agree\n", cmd, o->dir, test->c, test->h, test->w,
                    test->nclasses, train->c, train->h, train->w, train->nclasses);
            ln_dataset_free(train);
            ln_dataset_free(test);
            return EXIT_RUNTIME;
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

const char *cli_model_help(void)
{
    static char help[256];
    if (help[0]) return help;
    size_t n = 0;
    for (int i = 0; ln_spec_builtin_name(i) && n < sizeof help; i++)
        n += (size_t)snprintf(help + n, sizeof help - n, "%s%s", ln_spec_builtin_name(i), i ? ", " : " (default), ");
    if (n < sizeof help) snprintf(help + n, sizeof help - n, "or a layer list or file (docs/MODELS.md)");
    return help;
}

int cli_check_finite(const char *cmd, const char *path, const ln_net *net, const float *velocity)
{
    for (int pass = 0; pass < (velocity ? 2 : 1); pass++) {
        const float *base = pass ? velocity : net->params;
        for (int i = 0; i < net->nlayers; i++) {
            const ln_layer *l = &net->layers[i];
            const struct { const char *part; size_t off, len; } t[2] = {{"weight", l->w_off, l->w_len},
                                                                      {"bias", l->b_off, l->b_len}};
            for (int j = 0; j < 2; j++)
                for (size_t k = 0; k < t[j].len; k++) {
                    float v = base[t[j].off + k];
                    if (isfinite(v)) continue;
                    fprintf(stderr, "lenet %s: %s: %s%s.%s holds %s at index %zu (a model with non-finite weights "
                            "is unusable)\n", cmd, path, pass ? "momentum of " : "", l->name, t[j].part,
                            isnan(v) ? "NaN" : "an infinity", k);
                    return EXIT_RUNTIME;
                }
        }
    }
    return 0;
}

static const char *const FASHION[10] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                        "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

int cli_is_fashion(const char *dir)
{
    for (const char *p = dir; *p; p++)
        if (!strncasecmp(p, "fashion", 7)) return 1;
    return 0;
}

const char *cli_class_name(const ln_net *net, int fashion, int c, char *buf, size_t cap)
{
    if (net->class_names) return ln_text_escape(net->class_names[c], buf, cap);
    if (fashion && net->nclasses == 10 && c >= 0 && c < 10) snprintf(buf, cap, "%s", FASHION[c]);
    else snprintf(buf, cap, "%d", c);
    return buf;
}
