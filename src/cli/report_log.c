/* lenet report: reading the JSON Lines log of `lenet train --log`. */
#include "report_log.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Append to a growing array of pointers. */
static int push(rj ***arr, int *n, rj *v)
{
    rj **a = realloc(*arr, (size_t)(*n + 1) * sizeof *a);
    if (!a) return -1;
    a[(*n)++] = v;
    *arr = a;
    return 0;
}

/* A number of an epoch line: absent, null or -1 (lenet's "no test data")
 * give NAN when optional; another type is an error. */
static int epoch_num(const rj *o, const char *key, int required, int minus_one_absent, double *out, char *why,
                     size_t cap)
{
    const rj *v = rj_get(o, key);
    *out = NAN;
    if (!v || v->type == RJ_NULL) {
        if (!required) return 0;
        snprintf(why, cap, "epoch line without \"%s\"", key);
        return -1;
    }
    if (v->type != RJ_NUM) {
        snprintf(why, cap, "\"%s\" is not a number", key);
        return -1;
    }
    if (!isfinite(v->num)) {
        snprintf(why, cap, "\"%s\" is out of range", key);
        return -1;
    }
    if (!(minus_one_absent && v->num == -1.0)) *out = v->num;
    return 0;
}

static int read_epoch(const rj *o, rl_epoch *e, char *why, size_t cap)
{
    const rj *v = rj_get(o, "epoch");
    if (v->type != RJ_NUM || v->num < 1 || v->num > 1e9 || v->num != floor(v->num)) {
        snprintf(why, cap, "\"epoch\" is not a positive integer");
        return -1;
    }
    e->epoch = (int)v->num;
    if (epoch_num(o, "train_loss", 1, 0, &e->train_loss, why, cap) ||
        epoch_num(o, "train_acc", 1, 0, &e->train_acc, why, cap) ||
        epoch_num(o, "test_loss", 0, 1, &e->test_loss, why, cap) ||
        epoch_num(o, "test_acc", 0, 1, &e->test_acc, why, cap) ||
        epoch_num(o, "img_per_s", 0, 0, &e->img_per_s, why, cap) ||
        epoch_num(o, "seconds", 0, 0, &e->seconds, why, cap) || epoch_num(o, "lr", 0, 0, &e->lr, why, cap))
        return -1;
    return 0;
}

/* Insert e in epoch order; a second line for an epoch replaces the first
 * (a run resumed from an earlier checkpoint logs it again). */
static int add_epoch(rl_run *r, const rl_epoch *e)
{
    int i = r->nep;
    while (i > 0 && r->ep[i - 1].epoch > e->epoch) i--;
    if (i > 0 && r->ep[i - 1].epoch == e->epoch) {
        r->ep[i - 1] = *e;
        return 0;
    }
    rl_epoch *ep = realloc(r->ep, (size_t)(r->nep + 1) * sizeof *ep);
    if (!ep) return -1;
    r->ep = ep;
    memmove(ep + i + 1, ep + i, (size_t)(r->nep - i) * sizeof *ep);
    ep[i] = *e;
    r->nep++;
    return 0;
}

int rl_load(const char *path, rl_run *r, char *err, size_t errcap)
{
    memset(r, 0, sizeof *r);
    r->path = strdup(path);
    if (!r->path) {
        snprintf(err, errcap, "%s: out of memory", path);
        return -1;
    }
    const char *slash = strrchr(r->path, '/');
    r->name = slash && slash[1] ? slash + 1 : r->path;
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errcap, "%s: %s", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int rc = 0, lineno = 0;
    double seg_seconds = 0.0; /* epochs' seconds of the current invocation */
    int seg_open = 0;         /* a run line without its end line yet */
    char why[256];
    errno = 0;
    while ((len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        if (memchr(line, 0, (size_t)len)) {
            snprintf(err, errcap, "%s:%d: a NUL byte (not a text file?)", path, lineno);
            rc = -1;
            break;
        }
        size_t i = 0;
        while (i < (size_t)len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r' || line[i] == '\n')) i++;
        if (i == (size_t)len) continue; /* a blank line */
        rj *o = rj_parse(line, (size_t)len, why, sizeof why);
        if (!o) {
            snprintf(err, errcap, "%s:%d: not JSON: %s", path, lineno, why);
            rc = -1;
            break;
        }
        if (o->type != RJ_OBJ) {
            snprintf(err, errcap, "%s:%d: not a JSON object", path, lineno);
            rj_free(o);
            rc = -1;
            break;
        }
        const rj *run = rj_get(o, "run"), *end = rj_get(o, "end");
        if (run || end) {
            const rj *v = run ? run : end;
            if (v->type != RJ_OBJ) {
                snprintf(err, errcap, "%s:%d: \"%s\" is not an object", path, lineno, run ? "run" : "end");
                rj_free(o);
                rc = -1;
                break;
            }
            /* keep the whole line; the header is looked up in it */
            if (push(run ? &r->heads : &r->ends, run ? &r->nheads : &r->nends, o)) {
                rj_free(o);
                snprintf(err, errcap, "%s: out of memory", path);
                rc = -1;
                break;
            }
            if (run) {
                if (seg_open) r->wall_s += seg_seconds; /* the previous invocation never ended */
                seg_open = 1, seg_seconds = 0.0;
                r->ended = 0;
            } else {
                double w;
                if (rj_num(end, "wall_s", &w) && isfinite(w) && w >= 0) r->wall_s += w;
                else r->wall_s += seg_seconds;
                seg_open = 0, seg_seconds = 0.0;
                r->ended = 1;
            }
            continue;
        }
        if (rj_get(o, "epoch")) {
            rl_epoch e;
            if (read_epoch(o, &e, why, sizeof why)) {
                snprintf(err, errcap, "%s:%d: %s", path, lineno, why);
                rj_free(o);
                rc = -1;
                break;
            }
            rj_free(o);
            if (add_epoch(r, &e)) {
                snprintf(err, errcap, "%s: out of memory", path);
                rc = -1;
                break;
            }
            if (isfinite(e.seconds)) seg_seconds += e.seconds;
            continue;
        }
        rj_free(o); /* another kind of line: a later lenet's, ignored */
    }
    if (!rc && ferror(f)) {
        snprintf(err, errcap, "%s: %s", path, strerror(errno ? errno : EIO));
        rc = -1;
    }
    free(line);
    fclose(f);
    r->lines = lineno;
    r->wall_s += seg_seconds; /* an invocation still running, or an old log's epochs */
    r->wall_complete = r->nheads > 0 && r->nends > 0 && r->ended && !seg_open;
    if (!rc && !r->nep && !r->nheads) {
        snprintf(err, errcap, "%s: no epochs and no run line: not a lenet training log (lenet train --log FILE)",
                 path);
        rc = -1;
    }
    return rc;
}

void rl_free(rl_run *r)
{
    for (int i = 0; i < r->nheads; i++) rj_free(r->heads[i]);
    for (int i = 0; i < r->nends; i++) rj_free(r->ends[i]);
    free(r->heads);
    free(r->ends);
    free(r->ep);
    free(r->path);
    memset(r, 0, sizeof *r);
}

const rj *rl_head(const rl_run *r) { return r->nheads ? rj_get(r->heads[0], "run") : NULL; }

double rl_best_test_acc(const rl_run *r, int *epoch)
{
    double best = -1.0;
    *epoch = -1;
    for (int i = 0; i < r->nep; i++)
        if (isfinite(r->ep[i].test_acc) && r->ep[i].test_acc > best) best = r->ep[i].test_acc, *epoch = r->ep[i].epoch;
    return best;
}
