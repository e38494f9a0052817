/* Table-driven option parsing for lenet-bench: --name VALUE or
 * --name=VALUE, every value range-checked, every error naming its flag. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "kernels.h"

const char *bench_sets_list(void)
{
    static char list[160];
    if (!list[0]) {
        size_t n = 0;
        for (const char *const *b = ln_kernels_built(); *b && n < sizeof list; b++)
            n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", n ? ", " : "", *b);
    }
    return list;
}

int bench_is_set(const char *name)
{
    for (const char *const *b = ln_kernels_built(); *b; b++)
        if (!strcmp(*b, name)) return 1;
    return 0;
}

int bench_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "lenet-bench %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, " (see lenet-bench %s --help)\n", cmd);
    va_end(ap);
    return BENCH_USAGE;
}

static void usage(const char *cmd, const char *synopsis, const bopt *specs)
{
    printf("usage: lenet-bench %s %s\n\noptions:\n", cmd, synopsis);
    for (const bopt *s = specs; s->name; s++) {
        char left[48];
        snprintf(left, sizeof left, "--%s%s%s", s->name, s->arg ? " " : "", s->arg ? s->arg : "");
        printf("  %-28s %s\n", left, s->help);
    }
    printf("  %-28s %s\n", "--help", "show this help");
}

static int set_value(const char *cmd, const bopt *s, const char *v)
{
    switch (s->type) {
    case BOPT_INT: {
        char *end;
        errno = 0;
        long x = strtol(v, &end, 10);
        if (!*v || *end || errno) return bench_usage_error(cmd, "--%s: '%s' is not an integer", s->name, v);
        if (x < s->min || x > s->max)
            return bench_usage_error(cmd, "--%s: %ld is out of range (allowed %d..%d)", s->name, x, s->min, s->max);
        *(int *)s->dst = (int)x;
        return 0;
    }
    case BOPT_STR:
        if (!*v) return bench_usage_error(cmd, "--%s: empty value", s->name);
        *(const char **)s->dst = v;
        return 0;
    case BOPT_LIST: {
        bopt_list *l = s->dst;
        if (!*v) return bench_usage_error(cmd, "--%s: empty value", s->name);
        if (l->n == BOPT_LIST_MAX) return bench_usage_error(cmd, "--%s: at most %d of them", s->name, BOPT_LIST_MAX);
        l->v[l->n++] = v;
        return 0;
    }
    case BOPT_FLAG: *(int *)s->dst = 1; return 0;
    }
    return 0;
}

int bench_parse(const char *cmd, const char *synopsis, const bopt *specs, int argc, char **argv, int first)
{
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(cmd, synopsis, specs);
            return -1;
        }
        if (strncmp(a, "--", 2) != 0 || !a[2]) return bench_usage_error(cmd, "unexpected argument '%s'", a);
        const char *name = a + 2, *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        const bopt *s = specs;
        while (s->name && (strlen(s->name) != len || strncmp(s->name, name, len) != 0)) s++;
        if (!s->name) return bench_usage_error(cmd, "unknown option '%.*s'", (int)(len + 2), a);
        const char *v = eq ? eq + 1 : NULL;
        if (s->type == BOPT_FLAG && v) return bench_usage_error(cmd, "--%s takes no value", s->name);
        if (s->type != BOPT_FLAG && !v) {
            if (i + 1 >= argc) return bench_usage_error(cmd, "--%s needs a value (%s)", s->name, s->arg);
            v = argv[++i];
        }
        int rc = set_value(cmd, s, v ? v : "");
        if (rc) return rc;
    }
    return 0;
}
