#define _XOPEN_SOURCE 700 /* realpath */
#include "train/run_paths.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/atomic_file.h"

/* The atomic writers' temporary name is <path>.tmp.<pid>: this many bytes
 * more than the path, for any pid (up to 10 digits). */
enum { TMP_SUFFIX = 15 };

/* An output that could never be written: a directory, a FIFO or device
 * (atomic outputs are renamed over, which would replace it), a name too
 * long once the temporary's suffix is added, an unwritable folder. */
static ln_status check_output(const char *what, const char *path, int atomic, const char *hint)
{
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
        return ln_fail(LN_ERR_ARG, "%s %s: is a directory, not a file name%s", what, path, hint);
    if (atomic && ln_output_check(path) != LN_OK) {
        char why[1024];
        snprintf(why, sizeof why, "%s", ln_last_error());
        return ln_fail(LN_ERR_ARG, "%s %s%s", what, why, hint);
    }
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t extra = atomic ? TMP_SUFFIX : 0;
    if (strlen(path) + extra >= PATH_MAX || strlen(base) + extra > NAME_MAX)
        return ln_fail(LN_ERR_ARG,
                       "%s %s: name too long (%zu bytes, a file name at most %zu, a path at most %zu%s)%s", what,
                       path, strlen(base), (size_t)NAME_MAX - extra, (size_t)PATH_MAX - 1 - extra,
                       atomic ? ", leaving room for the temporary file's \".tmp.<pid>\"" : "", hint);
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path); /* fits: checked above */
    char *slash = strrchr(dir, '/');
    if (!slash) snprintf(dir, sizeof dir, ".");
    else if (slash == dir) dir[1] = 0;
    else *slash = 0;
    if (access(dir, W_OK) != 0)
        return ln_fail(LN_ERR_ARG, "%s %s: directory '%s' does not exist or is not writable%s", what, path, dir,
                       hint);
    return LN_OK;
}

/* path's folder, resolved, and its last component: "/abs/dir" "name". */
static int split_real(const char *path, char *dir, size_t cap, const char **base)
{
    const char *slash = strrchr(path, '/');
    char d[PATH_MAX];
    *base = slash ? slash + 1 : path;
    size_t dl = slash ? (slash == path ? 1 : (size_t)(slash - path)) : 1;
    if (dl >= sizeof d) return -1;
    memcpy(d, slash ? path : ".", dl);
    d[dl] = 0;
    char r[PATH_MAX];
    if (!realpath(d, r) || strlen(r) >= cap) return -1;
    memcpy(dir, r, strlen(r) + 1);
    return 0;
}

/* Whether two paths name the same file (b may be NULL), existing or not:
 * the same inode, or the same name in the same (resolved) folder. */
static int same_file(const char *a, const char *b)
{
    struct stat x, y;
    if (!a || !b) return 0;
    if (!strcmp(a, b)) return 1;
    int xa = stat(a, &x) == 0, yb = stat(b, &y) == 0;
    if (xa && yb) return x.st_dev == y.st_dev && x.st_ino == y.st_ino;
    char da[PATH_MAX], db[PATH_MAX];
    const char *ba, *bb;
    return !split_real(a, da, sizeof da, &ba) && !split_real(b, db, sizeof db, &bb) && !strcmp(da, db) &&
           !strcmp(ba, bb);
}

/* An output may not be a file the run reads: the checkpoint resumed from
 * (the checkpoint itself excepted: a resumed run continues it) or an IDX
 * file of the data. */
static ln_status outputs_not_inputs(const ln_run_paths *p)
{
    static const char *const idx[] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                                      "t10k-labels-idx1-ubyte"};
    const char *outs[3][2] = {{"--save", p->save}, {p->ckpt_flag, p->ckpt}, {"--log", p->log}};
    for (int o = 0; o < 3; o++) {
        const char *out = outs[o][1], *in = NULL;
        if (!out) continue;
        if (o != 1 && ln_same_file(out, p->resume)) in = "--resume";
        for (int i = 0; !in && p->data && p->data[0] && i < 8; i++) {
            char f[PATH_MAX + 64];
            snprintf(f, sizeof f, "%s/%s%s", p->data, idx[i / 2], i % 2 ? ".gz" : "");
            if (ln_same_file(out, f)) in = "--data";
        }
        if (in)
            return ln_fail(LN_ERR_ARG, "%s %s is a file the run reads (%s): writing it would destroy it", outs[o][0],
                           out, in);
    }
    return LN_OK;
}

ln_status ln_run_paths_check(const ln_run_paths *p)
{
    if (p->save && (same_file(p->save, p->ckpt) || same_file(p->save, p->resume)))
        return ln_fail(LN_ERR_ARG, "--save %s is the checkpoint file: the model would replace it", p->save);
    const char *clash = same_file(p->ckpt, p->log) ? "checkpoint" : same_file(p->save, p->log) ? "--save" : NULL;
    if (p->log && clash)
        return ln_fail(LN_ERR_ARG, "--log %s is also the %s file: one would overwrite the other", p->log, clash);
    ln_status st = outputs_not_inputs(p);
    if (st == LN_OK && p->save) st = check_output("--save", p->save, 1, "");
    if (st == LN_OK) st = check_output(p->ckpt_flag, p->ckpt, 1, p->ckpt_hint);
    if (st == LN_OK && p->log) st = check_output("--log", p->log, 0, "");
    return st;
}
