/* Clock, order statistics of repeated timings, JSON strings. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "io/json.h"

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The q-quantile of sorted v[0..n), interpolated linearly. */
static double quantile(const double *v, int n, double q)
{
    double at = q * (n - 1);
    int lo = (int)at;
    if (lo >= n - 1) return v[n - 1];
    return v[lo] + (at - lo) * (v[lo + 1] - v[lo]);
}

void bench_stats_of(double *v, int n, bench_stats *st)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    st->min = v[0], st->max = v[n - 1];
    st->med = quantile(v, n, 0.5), st->q1 = quantile(v, n, 0.25), st->q3 = quantile(v, n, 0.75);
}

const char *bench_json_str(const char *s, char *buf, size_t cap)
{
    ln_json_escape(buf, cap, s, strlen(s));
    return buf;
}
