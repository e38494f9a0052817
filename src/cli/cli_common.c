/* What every subcommand shares: errors, execution settings, models and
 * data, and printing names safely. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "cli.h"
#include "opts.h"

int cli_fail(const char *cmd)
{
    fprintf(stderr, "lenet %s: %s\n", cmd, ln_last_error());
    return EXIT_RUNTIME;
}

int cli_exec(const char *cmd, const char *kernels, int threads, ln_exec *x)
{
    /* a set the CPU lacks is a usage error too: tests/interop reads exit 2
     * as "not on this CPU" */
    if (kernels && !strcmp(kernels, "auto")) kernels = NULL; /* as ln_exec reads it: $LENET_KERNELS first */
    if (ln_kernels_check(kernels) != LN_OK) {
        fprintf(stderr, "lenet %s: %s\n", cmd, ln_last_error());
        return EXIT_USAGE;
    }
    *x = (ln_exec){.threads = threads, .kernels = kernels};
    return 0;
}

const char *cli_kernel_name(const ln_exec *x)
{
    const char *k = x ? x->kernels : NULL;
    if (!k || !*k) k = getenv("LENET_KERNELS"); /* as the library reads it */
    return !k || !*k || !strcmp(k, "auto") ? ln_kernel_set_auto() : k;
}

const char *cli_kernels_help(void)
{
    static char help[256];
    if (help[0]) return help;
    size_t n = (size_t)snprintf(help, sizeof help, "kernel set: auto");
    for (const char *const *s = ln_kernel_sets(); *s && n < sizeof help; s++)
        n += (size_t)snprintf(help + n, sizeof help - n, ", %s", *s);
    if (n < sizeof help)
        snprintf(help + n, sizeof help - n, " (default auto: the best this CPU runs; or $LENET_KERNELS)");
    return help;
}

int cli_default_threads(void) { return ln_cpu_cores(); }

int cli_check_model(const char *cmd, const char *model)
{
    if (ln_model_check(model) == LN_OK) return 0;
    /* the library names the argument "model"; here it is a flag */
    const char *e = ln_last_error();
    if (!strncmp(e, "model: ", 7)) e += 7;
    fprintf(stderr, "lenet %s: %s%s\n", cmd, strncmp(e, "--model", 7) ? "--model: " : "", e);
    return EXIT_USAGE;
}

int cli_load_model(const char *cmd, const char *path, ln_model **m)
{
    *m = NULL;
    return ln_model_load(path, m) != LN_OK ? cli_fail(cmd) : 0;
}

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

static int count(const ln_data *d) { return d ? ln_data_count(d) : 0; }

/* An MNIST-format directory (or a path that is no folder at all: the
 * MNIST loader's message says what is missing, with the package hint). */
static int load_mnist(const char *cmd, const cli_data *o, ln_data **train, ln_data **test)
{
    if (o->val_split > 0.0) {
        fprintf(stderr, "lenet %s: --val-split: %s has its own test split (t10k)\n", cmd, o->dir);
        return EXIT_USAGE;
    }
    if ((!o->test_only && ln_data_mnist(o->dir, "train", train) != LN_OK) ||
        ln_data_mnist(o->dir, "t10k", test) != LN_OK) {
        ln_data_free(*train);
        *train = NULL;
        return cli_fail(cmd);
    }
    if (o->test_only) return 0;
    /* a model is built for the training images and run on the test
     * images: they must agree */
    int c[2], h[2], w[2], k[2];
    ln_data_shape(*test, &c[0], &h[0], &w[0]);
    ln_data_shape(*train, &c[1], &h[1], &w[1]);
    k[0] = ln_data_classes(*test), k[1] = ln_data_classes(*train);
    if (c[0] == c[1] && h[0] == h[1] && w[0] == w[1] && k[0] == k[1]) return 0;
    fprintf(stderr, "lenet %s: --data %s: the test images (t10k) are %dx%dx%d with %d classes, the training "
            "images %dx%dx%d with %d: the two splits must agree\n", cmd, o->dir, c[0], h[0], w[0], k[0], c[1], h[1],
            w[1], k[1]);
    ln_data_free(*train), ln_data_free(*test);
    *train = *test = NULL;
    return EXIT_RUNTIME;
}

int cli_load_data(const char *cmd, const cli_data *o, ln_data **train, ln_data **test)
{
    *train = *test = NULL;
    struct stat sb;
    if (ln_data_is_mnist(o->dir) || stat(o->dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return load_mnist(cmd, o, train, test);
    ln_jpeg_options jo;
    ln_jpeg_options_init(&jo);
    jo.height = o->h, jo.width = o->w, jo.val_split = o->val_split, jo.seed = o->seed, jo.strict = o->strict;
    jo.cache = o->cache, jo.threads = o->threads, jo.messages = o->quiet ? NULL : stderr;
    ln_jpeg_report rep;
    if (ln_data_jpeg_folder(o->dir, &jo, train, test, &rep) != LN_OK) return cli_fail(cmd);
    if (rep.cache_note[0]) fprintf(stderr, "lenet %s: %s\n", cmd, rep.cache_note);
    if (o->quiet_summary) return 0;
    char a[32], b[32], c[32];
    printf("data %s: %s layout, %d classes, %s train / %s %s images; ", o->dir, rep.layout, ln_data_classes(*train),
           cli_grouped(count(*train), a, sizeof a), cli_grouped(count(*test), b, sizeof b),
           !strcmp(rep.layout, "classes") ? "held-out" : "val");
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
    const char *const *b = ln_model_builtins();
    for (int i = 0; b[i] && n < sizeof help; i++)
        n += (size_t)snprintf(help + n, sizeof help - n, "%s%s", b[i], i ? ", " : " (default), ");
    if (n < sizeof help) snprintf(help + n, sizeof help - n, "or a layer list or file (docs/MODELS.md)");
    return help;
}

static const char *const FASHION[10] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                        "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

const char *cli_fashion_name(int c) { return c >= 0 && c < 10 ? FASHION[c] : NULL; }

int cli_is_fashion(const char *dir)
{
    for (const char *p = dir; *p; p++)
        if (!strncasecmp(p, "fashion", 7)) return 1;
    return 0;
}

const char *cli_class_name(const ln_model *m, int fashion, int c, char *buf, size_t cap)
{
    const char *name = ln_model_class_name(m, c);
    if (name) return ln_text_escape(name, buf, cap);
    if (fashion && ln_model_classes(m) == 10 && cli_fashion_name(c)) snprintf(buf, cap, "%s", FASHION[c]);
    else snprintf(buf, cap, "%d", c);
    return buf;
}
