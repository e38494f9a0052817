/* lenet eval's confusion matrix and per-class figures, for a terminal
 * (aligned, names escaped) and as JSON members. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Precision, recall and F1 of class c; NAN where undefined (no image
 * predicted as c, or none of it). */
static void figures(const long *cm, int k, int c, double *p, double *r, double *f1, long *support)
{
    long tp = cm[(size_t)c * k + c], predicted = 0, actual = 0;
    for (int j = 0; j < k; j++) predicted += cm[(size_t)j * k + c], actual += cm[(size_t)c * k + j];
    *p = predicted ? (double)tp / predicted : NAN;
    *r = actual ? (double)tp / actual : NAN;
    *f1 = isnan(*p) || isnan(*r) ? NAN : *p + *r > 0 ? 2 * *p * *r / (*p + *r) : 0.0;
    *support = actual;
}

/* Terminal columns of valid UTF-8 text (one per character). */
static int columns(const char *s)
{
    int n = 0;
    for (; *s; s++) n += ((unsigned char)*s & 0xc0) != 0x80;
    return n;
}

static void pad(int n)
{
    for (; n > 0; n--) putchar(' ');
}

static int digits(long v)
{
    int d = 1;
    for (; v >= 10; v /= 10) d++;
    return d;
}

void cli_print_confusion(const ln_model *m, int fashion, const long *cm)
{
    int k = ln_model_classes(m), iw = digits(k - 1), nw = 5;
    long most = 0;
    char name[128];
    for (int c = 0; c < k; c++) {
        int w = columns(cli_class_name(m, fashion, c, name, 28));
        nw = w > nw ? w : nw;
        for (int j = 0; j < k; j++) most = cm[(size_t)c * k + j] > most ? cm[(size_t)c * k + j] : most;
    }
    int cw = digits(most) > iw ? digits(most) : iw;
    cw = (cw > 4 ? cw : 4) + 2;
    /* columns are headed by class numbers: names would make the matrix too wide to read */
    printf("\nconfusion matrix (rows: true class, columns: predicted class)\n");
    pad(iw + 1 + nw);
    for (int j = 0; j < k; j++) printf("%*d", cw, j);
    putchar('\n');
    for (int c = 0; c < k; c++) {
        const char *s = cli_class_name(m, fashion, c, name, 28);
        printf("%*d %s", iw, c, s);
        pad(nw - columns(s));
        for (int j = 0; j < k; j++) printf("%*ld", cw, cm[(size_t)c * k + j]);
        putchar('\n');
    }
    printf("\n%-*s %10s %10s %10s %10s\n", iw + 1 + nw, "class", "precision", "recall", "F1", "support");
    for (int c = 0; c < k; c++) {
        double p, r, f1;
        long support;
        figures(cm, k, c, &p, &r, &f1, &support);
        const char *s = cli_class_name(m, fashion, c, name, 28);
        printf("%*d %s", iw, c, s);
        pad(nw - columns(s));
        const double v[3] = {p, r, f1};
        for (int i = 0; i < 3; i++) {
            if (isnan(v[i])) printf(" %10s", "-");
            else printf(" %10.4f", v[i]);
        }
        printf(" %10ld\n", support);
    }
}

/* s as a JSON string: quotes, backslashes and control characters escaped
 * (class names are UTF-8: a model file stores them as JSON). */
static void json_str(const char *s)
{
    putchar('"');
    for (const unsigned char *u = (const unsigned char *)s; *u; u++) {
        if (*u == '"' || *u == '\\') printf("\\%c", *u);
        else if (*u < 0x20) printf("\\u%04x", *u);
        else putchar(*u);
    }
    putchar('"');
}

static void json_num(double v)
{
    if (isfinite(v)) printf("%.6f", v);
    else printf("null");
}

/* Class c's name as stored (unescaped), or as cli_class_name names it. */
static const char *raw_name(const ln_model *m, int fashion, int c, char *num, size_t cap)
{
    const char *name = ln_model_class_name(m, c);
    if (!name && fashion && ln_model_classes(m) == 10) name = cli_fashion_name(c);
    if (!name) snprintf(num, cap, "%d", c), name = num;
    return name;
}

void cli_json_confusion(const ln_model *m, int fashion, const long *cm)
{
    int k = ln_model_classes(m);
    printf("\"classes\":[");
    for (int c = 0; c < k; c++) {
        char num[16];
        if (c) putchar(',');
        json_str(raw_name(m, fashion, c, num, sizeof num));
    }
    printf("],\"confusion\":[");
    for (int c = 0; c < k; c++) {
        printf("%s[", c ? "," : "");
        for (int j = 0; j < k; j++) printf("%s%ld", j ? "," : "", cm[(size_t)c * k + j]);
        putchar(']');
    }
    printf("],\"per_class\":[");
    for (int c = 0; c < k; c++) {
        double p, r, f1;
        long support;
        figures(cm, k, c, &p, &r, &f1, &support);
        printf("%s{\"class\":", c ? "," : "");
        char num[16];
        json_str(raw_name(m, fashion, c, num, sizeof num));
        printf(",\"precision\":"), json_num(p);
        printf(",\"recall\":"), json_num(r);
        printf(",\"f1\":"), json_num(f1);
        printf(",\"support\":%ld}", support);
    }
    putchar(']');
}
