#include "opts.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void opts_usage(const char *cmd, const char *synopsis, const opt_spec *specs)
{
    printf("usage: lenet %s %s\n\noptions:\n", cmd, synopsis);
    for (const opt_spec *s = specs; s->name; s++) {
        char left[48];
        snprintf(left, sizeof left, "--%s%s%s", s->name, s->arg ? " " : "", s->arg ? s->arg : "");
        printf("  %-24s %s\n", left, s->help);
    }
    printf("  %-24s %s\n", "--help", "show this help");
}

static int bad(const char *cmd, const char *fmt, const char *a, const char *b)
{
    fprintf(stderr, "lenet %s: ", cmd);
    fprintf(stderr, fmt, a, b);
    fprintf(stderr, " (see lenet %s --help)\n", cmd);
    return EXIT_USAGE;
}

static int set_value(const char *cmd, const opt_spec *s, const char *v)
{
    char *end;
    errno = 0;
    switch (s->type) {
    case OPT_INT: {
        long x = strtol(v, &end, 10);
        if (!*v || *end || errno) return bad(cmd, "--%s: '%s' is not an integer", s->name, v);
        if (x < s->min || x > s->max) {
            char range[64];
            snprintf(range, sizeof range, "%.0f..%.0f", s->min, s->max);
            return bad(cmd, "--%s: value out of range (allowed %s)", s->name, range);
        }
        *(int *)s->dst = (int)x;
        return 0;
    }
    case OPT_U64: {
        unsigned long long x = strtoull(v, &end, 10);
        if (!*v || *end || errno || v[0] == '-') return bad(cmd, "--%s: '%s' is not a non-negative integer", s->name, v);
        *(unsigned long long *)s->dst = x;
        return 0;
    }
    case OPT_FLOAT: {
        double x = strtod(v, &end);
        if (!*v || *end || errno || !isfinite(x)) return bad(cmd, "--%s: '%s' is not a number", s->name, v);
        if (x < s->min || x > s->max) {
            char range[64];
            snprintf(range, sizeof range, "%g..%g", s->min, s->max);
            return bad(cmd, "--%s: value out of range (allowed %s)", s->name, range);
        }
        *(float *)s->dst = (float)x;
        return 0;
    }
    case OPT_STR:
        if (!*v) return bad(cmd, "--%s: empty value%s", s->name, "");
        *(const char **)s->dst = v;
        return 0;
    case OPT_FLAG: *(int *)s->dst = 1; return 0;
    case OPT_FLAG_OFF: *(int *)s->dst = 0; return 0;
    }
    return 0;
}

int opts_parse(const char *cmd, const char *synopsis, const opt_spec *specs, int argc, char **argv,
               int first, const char **pos, int maxpos, int *npos)
{
    *npos = 0;
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            opts_usage(cmd, synopsis, specs);
            return -1;
        }
        if (strncmp(a, "--", 2) != 0 || !a[2]) {
            if (*npos == maxpos) return bad(cmd, "unexpected argument '%s'%s", a, "");
            pos[(*npos)++] = a;
            continue;
        }
        const char *name = a + 2, *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        const opt_spec *s = specs;
        while (s->name && (strlen(s->name) != len || strncmp(s->name, name, len) != 0)) s++;
        if (!s->name) return bad(cmd, "unknown option '%s'%s", a, "");
        const char *v = eq ? eq + 1 : NULL;
        if (s->type == OPT_FLAG || s->type == OPT_FLAG_OFF) {
            if (v) return bad(cmd, "--%s takes no value%s", s->name, "");
        } else if (!v) {
            if (i + 1 >= argc) return bad(cmd, "--%s needs a value%s", s->name, "");
            v = argv[++i];
        }
        int rc = set_value(cmd, s, v ? v : "");
        if (rc) return rc;
    }
    return 0;
}

/* Walk argv as opts_parse does; the last occurrence of --name: its value
 * (or "" for a flag) and 1, or 0 if absent. */
static int find_last(const opt_spec *specs, int argc, char **argv, int first, const char *name, const char **val)
{
    int found = 0;
    *val = NULL;
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) != 0 || !a[2]) continue;
        const char *n = a + 2, *eq = strchr(n, '=');
        size_t len = eq ? (size_t)(eq - n) : strlen(n);
        const opt_spec *s = specs;
        while (s->name && (strlen(s->name) != len || strncmp(s->name, n, len) != 0)) s++;
        if (!s->name) continue;
        const char *v = eq ? eq + 1 : "";
        if (!eq && s->type != OPT_FLAG && s->type != OPT_FLAG_OFF) v = i + 1 < argc ? argv[++i] : NULL;
        if (!strcmp(s->name, name)) found = 1, *val = v;
    }
    return found;
}

const char *opts_value(const opt_spec *specs, int argc, char **argv, int first, const char *name)
{
    const char *v;
    return find_last(specs, argc, argv, first, name, &v) ? v : NULL;
}

int opts_given(const opt_spec *specs, int argc, char **argv, int first, const char *name)
{
    const char *v;
    return find_last(specs, argc, argv, first, name, &v);
}
