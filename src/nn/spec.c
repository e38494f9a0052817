/* The model description language (docs/MODELS.md): a list of layers,
 * parsed into ln_spec items with their source positions, so that parse
 * errors and shape errors can point at the text. */
#include "spec.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/input_file.h"

static const struct {
    const char *word;
    ln_spec_op op;
    int nargs; /* 0: none; 1: one integer (or 'classes'); 2: AxB; 3: two decimals; 4: a scheme name */
} WORDS[] = {
    {"resize", LN_SPEC_RESIZE, 2}, {"conv", LN_SPEC_CONV, 1},   {"avgpool", LN_SPEC_AVGPOOL, 1},
    {"maxpool", LN_SPEC_MAXPOOL, 1}, {"tanh", LN_SPEC_TANH, 0}, {"relu", LN_SPEC_RELU, 0},
    {"flatten", LN_SPEC_FLATTEN, 0}, {"dense", LN_SPEC_DENSE, 1}, {"softmax", LN_SPEC_SOFTMAX, 0},
    {"stanh", LN_SPEC_STANH, 0},     {"sigmoid", LN_SPEC_SIGMOID, 0}, {"subsample", LN_SPEC_SUBSAMPLE, 1},
    {"pad", LN_SPEC_PAD, 1},         {"normalize", LN_SPEC_NORMALIZE, 3}, {"rbf", LN_SPEC_RBF, 1},
    {"init", LN_SPEC_INIT, 4},
};
enum { NWORDS = sizeof WORDS / sizeof WORDS[0] };

const char *ln_spec_op_word(ln_spec_op op)
{
    for (int i = 0; i < NWORDS; i++)
        if (WORDS[i].op == op) return WORDS[i].word;
    return "?";
}

typedef struct lexer {
    const char *src, *p;
    int line, col;
} lexer;

typedef struct token {
    char text[48];
    int line, col;
    int sep; /* a layer separator (';' or a line end), or the end (text "") */
} token;

static void advance(lexer *x)
{
    if (*x->p == '\n') x->line++, x->col = 1;
    else x->col++;
    x->p++;
}

/* The next token: a word or number (letters, digits, '-', '_', '.'), 'x'
 * splits "5x5" into 5 x 5; ';' and line ends separate layers; '#' starts
 * a comment to the line's end. */
static int next(lexer *x, token *t, char *err, size_t cap)
{
    for (;;) {
        while (*x->p == ' ' || *x->p == '\t' || *x->p == '\r') advance(x);
        if (*x->p == '#')
            while (*x->p && *x->p != '\n') advance(x);
        else break;
    }
    t->line = x->line, t->col = x->col, t->sep = 0, t->text[0] = 0;
    if (!*x->p) {
        t->sep = 1;
        return 0;
    }
    if (*x->p == ';' || *x->p == '\n') {
        t->sep = 1;
        snprintf(t->text, sizeof t->text, "%s", *x->p == ';' ? ";" : "\\n");
        advance(x);
        return 0;
    }
    size_t n = 0;
    if (isdigit((unsigned char)*x->p) || ((*x->p == '-' || *x->p == '+' || *x->p == '.') && (isdigit((unsigned char)x->p[1]) || x->p[1] == '.'))) {
        /* a number: [+-] digits [. digits]; 'x' ends it (5x5) */
        if (*x->p == '-' || *x->p == '+') t->text[n++] = *x->p, advance(x);
        while ((isdigit((unsigned char)*x->p) || *x->p == '.') && n + 1 < sizeof t->text) t->text[n++] = *x->p, advance(x);
        /* an exponent (1e-05): the canonical form writes tiny values so */
        const char *p = x->p;
        if ((p[0] == 'e' || p[0] == 'E') &&
            (isdigit((unsigned char)p[1]) || ((p[1] == '-' || p[1] == '+') && isdigit((unsigned char)p[2]))))
            for (int k = 0; (k < 2 || isdigit((unsigned char)*x->p)) && n + 1 < sizeof t->text; k++)
                t->text[n++] = *x->p, advance(x);
    } else if (isalpha((unsigned char)*x->p) || *x->p == '_') {
        while ((isalnum((unsigned char)*x->p) || *x->p == '_' || *x->p == '-') && n + 1 < sizeof t->text)
            t->text[n++] = *x->p, advance(x);
    } else {
        snprintf(err, cap, "unexpected character '%c' at %d:%d", *x->p, t->line, t->col);
        return -1;
    }
    t->text[n] = 0;
    return 0;
}

static int is_int(const char *s) { return *s && strspn(s, "0123456789") == strlen(s) && strlen(s) < 7; }

static int is_decimal(const char *s, float *v)
{
    char *end;
    errno = 0;
    double d = strtod(s, &end);
    if (!*s || *end || errno || !(d >= -1e6 && d <= 1e6)) return 0; /* "nan" too */
    *v = (float)d;
    return 1;
}

/* "5x5" arrives as one word "5x5"? No: digits stop at 'x', so "5", then
 * "x5" as a word. Parse A then "xB". */
static int parse_dims(lexer *x, token *t, int *a, int *b, char *err, size_t cap)
{
    if (!is_int(t->text)) {
        snprintf(err, cap, "expected a size like 5x5 at %d:%d, got '%s'", t->line, t->col, t->sep ? "end of layer" : t->text);
        return -1;
    }
    *a = atoi(t->text);
    token u;
    if (next(x, &u, err, cap)) return -1;
    if (u.sep || u.text[0] != 'x' || !is_int(u.text + 1)) {
        snprintf(err, cap, "expected 'x' and a number after %d at %d:%d, got '%s'", *a, u.line, u.col,
                 u.sep ? "end of layer" : u.text);
        return -1;
    }
    *b = atoi(u.text + 1);
    return 0;
}

ln_status ln_spec_parse(const char *text, ln_spec *s, char *err, size_t cap)
{
    memset(s, 0, sizeof *s);
    lexer x = {.src = text, .p = text, .line = 1, .col = 1};
    token t;
    for (;;) {
        if (next(&x, &t, err, cap)) return LN_ERR_ARG;
        if (t.sep) {
            if (!*t.text) break; /* end */
            continue;            /* empty layer: ";;" or blank lines */
        }
        int w = -1;
        for (int i = 0; i < NWORDS; i++)
            if (!strcmp(t.text, WORDS[i].word)) w = i;
        if (w < 0) {
            char list[160] = "";
            for (int i = 0; i < NWORDS; i++) snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", WORDS[i].word);
            snprintf(err, cap, "unknown layer '%s' at %d:%d (layers: %s)", t.text, t.line, t.col, list);
            return LN_ERR_ARG;
        }
        if (s->n == LN_SPEC_MAX) {
            snprintf(err, cap, "more than %d layers at %d:%d", LN_SPEC_MAX, t.line, t.col);
            return LN_ERR_ARG;
        }
        ln_spec_item *it = &s->items[s->n++];
        memset(it, 0, sizeof *it);
        it->op = WORDS[w].op, it->line = t.line, it->col = t.col;
        token a;
        if (WORDS[w].nargs) {
            if (next(&x, &a, err, cap)) return LN_ERR_ARG;
            if (WORDS[w].nargs == 2) {
                if (parse_dims(&x, &a, &it->a, &it->b, err, cap)) return LN_ERR_ARG;
            } else if (WORDS[w].nargs == 4) {
                if (a.sep || (strcmp(a.text, "glorot") != 0 && strcmp(a.text, "lecun98") != 0)) {
                    snprintf(err, cap, "'init' at %d:%d: expected glorot or lecun98, got '%s'", it->line, it->col,
                             a.sep ? "end of layer" : a.text);
                    return LN_ERR_ARG;
                }
                it->a = strcmp(a.text, "lecun98") ? LN_INIT_GLOROT : LN_INIT_LECUN98;
            } else if (WORDS[w].nargs == 3) {
                token b2;
                if (a.sep || !is_decimal(a.text, &it->lo) || next(&x, &b2, err, cap) || b2.sep ||
                    !is_decimal(b2.text, &it->hi)) {
                    snprintf(err, cap, "'%s' at %d:%d needs two numbers (the values 0 and 1 map to)", WORDS[w].word,
                             it->line, it->col);
                    return LN_ERR_ARG;
                }
            } else if ((it->op == LN_SPEC_DENSE || it->op == LN_SPEC_RBF) && !strcmp(a.text, "classes")) {
                it->a = LN_SPEC_CLASSES;
            } else if (!is_int(a.text) || atoi(a.text) < 1) {
                snprintf(err, cap, "'%s' at %d:%d needs a positive number, got '%s'", WORDS[w].word, a.line, a.col,
                         a.sep ? "end of layer" : a.text);
                return LN_ERR_ARG;
            } else {
                it->a = atoi(a.text);
            }
        }
        if (it->op == LN_SPEC_CONV) { /* conv MAPS KxK [same|valid] */
            if (next(&x, &a, err, cap) || parse_dims(&x, &a, &it->b, &it->c, err, cap)) return LN_ERR_ARG;
            if (it->b != it->c || it->b < 1 || it->b > 15) {
                snprintf(err, cap, "conv at %d:%d: square kernels of 1x1 to 15x15 only, got %dx%d", it->line, it->col, it->b, it->c);
                return LN_ERR_ARG;
            }
            it->same = 1;
            lexer save = x;
            if (next(&x, &a, err, cap)) return LN_ERR_ARG;
            if (!a.sep && (!strcmp(a.text, "same") || !strcmp(a.text, "valid"))) it->same = !strcmp(a.text, "same");
            else x = save;
            save = x;
            if (next(&x, &a, err, cap)) return LN_ERR_ARG;
            if (!a.sep && !strcmp(a.text, "table")) {
                if (next(&x, &a, err, cap)) return LN_ERR_ARG;
                if (a.sep || strcmp(a.text, "lecun98") != 0) {
                    snprintf(err, cap, "conv at %d:%d: unknown connection table '%s' at %d:%d (known: lecun98)", it->line,
                             it->col, a.sep ? "" : a.text, a.line, a.col);
                    return LN_ERR_ARG;
                }
                it->table = LN_TABLE_LECUN98;
            } else {
                x = save;
            }
        }
        if (it->op == LN_SPEC_RBF) { /* rbf N [map]: the MAP criterion (its 'same' flag) */
            lexer save = x;
            if (next(&x, &a, err, cap)) return LN_ERR_ARG;
            if (!a.sep && !strcmp(a.text, "map")) it->same = 1;
            else x = save;
        }
        if (it->op == LN_SPEC_PAD && it->a > 16) {
            snprintf(err, cap, "pad at %d:%d: at most 16, got %d", it->line, it->col, it->a);
            return LN_ERR_ARG;
        }
        if ((it->op == LN_SPEC_AVGPOOL || it->op == LN_SPEC_MAXPOOL || it->op == LN_SPEC_SUBSAMPLE) && it->a != 2) {
            snprintf(err, cap, "%s at %d:%d: only 2 (2x2, stride 2) is supported, got %d", WORDS[w].word, it->line, it->col, it->a);
            return LN_ERR_ARG;
        }
        if (next(&x, &t, err, cap)) return LN_ERR_ARG;
        if (!t.sep) {
            snprintf(err, cap, "unexpected '%s' at %d:%d after '%s' (one layer per line or ';')", t.text, t.line, t.col, WORDS[w].word);
            return LN_ERR_ARG;
        }
        if (!*t.text) break;
    }
    if (s->n == 0) {
        snprintf(err, cap, "no layers");
        return LN_ERR_ARG;
    }
    return LN_OK;
}

/* The shortest %g that reads back as the same float: a model file's spec
 * must rebuild exactly the network that was saved. */
static void format_float(char *buf, size_t cap, float v)
{
    for (int digits = 6; digits <= 9; digits++) {
        snprintf(buf, cap, "%.*g", digits, (double)v);
        if ((float)strtod(buf, NULL) == v) return;
    }
}

size_t ln_spec_format(const ln_spec *s, char *buf, size_t cap)
{
    size_t n = 0;
    if (cap) buf[0] = 0;
    for (int i = 0; i < s->n; i++) {
        const ln_spec_item *it = &s->items[i];
        char one[64];
        switch (it->op) {
        case LN_SPEC_RESIZE: snprintf(one, sizeof one, "resize %dx%d", it->a, it->b); break;
        case LN_SPEC_CONV:
            snprintf(one, sizeof one, "conv %d %dx%d %s%s", it->a, it->b, it->b, it->same ? "same" : "valid",
                     it->table ? " table lecun98" : "");
            break;
        case LN_SPEC_PAD: snprintf(one, sizeof one, "pad %d", it->a); break;
        case LN_SPEC_INIT: snprintf(one, sizeof one, "init %s", it->a == LN_INIT_LECUN98 ? "lecun98" : "glorot"); break;
        case LN_SPEC_RBF:
            if (it->a == LN_SPEC_CLASSES) snprintf(one, sizeof one, "rbf classes%s", it->same ? " map" : "");
            else snprintf(one, sizeof one, "rbf %d%s", it->a, it->same ? " map" : "");
            break;
        case LN_SPEC_NORMALIZE: {
            char lo[24], hi[24];
            format_float(lo, sizeof lo, it->lo), format_float(hi, sizeof hi, it->hi);
            snprintf(one, sizeof one, "normalize %s %s", lo, hi);
            break;
        }
        case LN_SPEC_AVGPOOL: case LN_SPEC_MAXPOOL: case LN_SPEC_SUBSAMPLE: snprintf(one, sizeof one, "%s %d", ln_spec_op_word(it->op), it->a); break;
        case LN_SPEC_DENSE:
            if (it->a == LN_SPEC_CLASSES) snprintf(one, sizeof one, "dense classes");
            else snprintf(one, sizeof one, "dense %d", it->a);
            break;
        default: snprintf(one, sizeof one, "%s", ln_spec_op_word(it->op)); break;
        }
        int k = snprintf(buf + (n < cap ? n : cap ? cap - 1 : 0), n < cap ? cap - n : 0, "%s%s", i ? "; " : "", one);
        n += (size_t)(k > 0 ? k : 0);
    }
    return n;
}

static const struct {
    const char *name, *spec;
} BUILTIN[] = {
    {"lenet5", "resize 28x28; conv 6 5x5 same; tanh; avgpool 2; conv 16 5x5 same; tanh; avgpool 2; "
               "conv 120 5x5 same; tanh; flatten; dense 84; tanh; dense classes; softmax"},
    {"lenet5-relu", "resize 28x28; conv 6 5x5 same; relu; maxpool 2; conv 16 5x5 same; relu; maxpool 2; "
                    "conv 120 5x5 same; relu; flatten; dense 84; relu; dense classes; softmax"},
    /* LeCun et al. 1998, section II.B: 28x28 padded to 32x32, pixels to
     * [-0.1, 1.175], C1 S2 C3(Table I) S4 C5 F6 with the scaled tanh, RBF
     * outputs; 60,000 trainable parameters */
    {"lenet5-1998", "init lecun98; pad 2; normalize -0.1 1.175; conv 6 5x5 valid; stanh; subsample 2; stanh; "
                    "conv 16 5x5 valid table lecun98; stanh; subsample 2; stanh; conv 120 5x5 valid; stanh; "
                    "flatten; dense 84; stanh; rbf classes"},
};

const char *ln_spec_builtin(const char *name)
{
    for (size_t i = 0; i < sizeof BUILTIN / sizeof BUILTIN[0]; i++)
        if (!strcmp(name, BUILTIN[i].name)) return BUILTIN[i].spec;
    return NULL;
}

const char *ln_spec_builtin_name(int i)
{
    return i >= 0 && (size_t)i < sizeof BUILTIN / sizeof BUILTIN[0] ? BUILTIN[i].name : NULL;
}

ln_status ln_spec_resolve(const char *arg, char *name, size_t ncap, char **text)
{
    *text = NULL;
    const char *b = ln_spec_builtin(arg);
    if (b) {
        snprintf(name, ncap, "%s", arg);
        *text = strdup(b);
        return *text ? LN_OK : ln_fail(LN_ERR_NOMEM, "out of memory");
    }
    /* a file, when a file of that name exists; else the text itself */
    struct stat sb;
    FILE *f = NULL;
    if (!strpbrk(arg, ";\n") && stat(arg, &sb) == 0) { /* a name that exists: it must be a readable file */
        if (!(f = ln_fopen_input(arg, NULL))) /* a FIFO is refused, never waited on */
            return ln_fail(LN_ERR_IO, "--model %s", ln_last_error());
    }
    if (f) {
        char *buf = malloc(LN_SPEC_TEXT_MAX + 1);
        size_t n = buf ? fread(buf, 1, LN_SPEC_TEXT_MAX + 1, f) : 0;
        int bad = ferror(f);
        fclose(f);
        if (!buf || bad) {
            free(buf);
            return ln_fail(LN_ERR_IO, "--model %s: cannot read the file", arg);
        }
        if (n > LN_SPEC_TEXT_MAX) {
            free(buf);
            return ln_fail(LN_ERR_ARG, "--model %s: a spec file larger than %d bytes", arg, LN_SPEC_TEXT_MAX);
        }
        buf[n] = 0;
        if (strlen(buf) != n) {
            free(buf);
            return ln_fail(LN_ERR_ARG, "--model %s: not a text file", arg);
        }
        snprintf(name, ncap, "custom");
        *text = buf;
        return LN_OK;
    }
    if (!strpbrk(arg, " ;\n\t")) {
        char list[128] = "";
        for (int i = 0; ln_spec_builtin_name(i); i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", ln_spec_builtin_name(i));
        return ln_fail(LN_ERR_ARG, "--model: '%s' is neither a built-in model (%s), a spec file, nor a layer list",
                       arg, list);
    }
    snprintf(name, ncap, "custom");
    *text = strdup(arg);
    return *text ? LN_OK : ln_fail(LN_ERR_NOMEM, "out of memory");
}
