/* lenet probe's output: a safetensors file of F32 tensors and string
 * metadata (the layout tools/torch_interop.py reads; docs/FORMAT.md), laid
 * out as the library lays out model files, written beside the target and
 * renamed over it so that a failure leaves no partial file. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "opts.h"

/* A growing string: the header. */
typedef struct text {
    char *p;
    size_t len, cap;
    int oom;
} text;

static void add(text *t, const char *s, size_t n)
{
    if (t->oom) return;
    if (t->len + n + 1 > t->cap) {
        size_t cap = (t->len + n + 1) * 2;
        char *p = realloc(t->p, cap);
        if (!p) {
            t->oom = 1;
            return;
        }
        t->p = p, t->cap = cap;
    }
    memcpy(t->p + t->len, s, n);
    t->len += n;
    t->p[t->len] = 0;
}

static void adds(text *t, const char *s) { add(t, s, strlen(s)); }

static void add_str(text *t, const char *s)
{
    adds(t, "\"");
    for (const unsigned char *u = (const unsigned char *)s; *u; u++) {
        char e[8];
        if (*u == '"' || *u == '\\') snprintf(e, sizeof e, "\\%c", *u);
        else if (*u < 0x20) snprintf(e, sizeof e, "\\u%04x", *u);
        else e[0] = (char)*u, e[1] = 0;
        adds(t, e);
    }
    adds(t, "\"");
}

static void add_u64(text *t, uint64_t v)
{
    char b[24];
    snprintf(b, sizeof b, "%llu", (unsigned long long)v);
    adds(t, b);
}

static uint64_t numel(const cli_tensor *t)
{
    uint64_t n = 1;
    for (int d = 0; d < t->ndim; d++) n *= (uint64_t)t->shape[d];
    return n;
}

/* Compact JSON: metadata first, then the tensors with packed offsets,
 * padded with spaces so the data starts at a multiple of 8. */
static void header(text *h, const cli_tensor *t, int nt, const char *const (*meta)[2], int nm)
{
    adds(h, "{\"__metadata__\":{");
    for (int i = 0; i < nm; i++) {
        if (i) adds(h, ",");
        add_str(h, meta[i][0]);
        adds(h, ":");
        add_str(h, meta[i][1]);
    }
    adds(h, "}");
    uint64_t off = 0;
    for (int i = 0; i < nt; i++) {
        adds(h, ",");
        add_str(h, t[i].name);
        adds(h, ":{\"dtype\":\"F32\",\"shape\":[");
        for (int d = 0; d < t[i].ndim; d++) {
            if (d) adds(h, ",");
            add_u64(h, (uint64_t)t[i].shape[d]);
        }
        adds(h, "],\"data_offsets\":[");
        add_u64(h, off);
        adds(h, ",");
        off += 4 * numel(&t[i]);
        add_u64(h, off);
        adds(h, "]}");
    }
    adds(h, "}");
    while (!h->oom && h->len % 8) adds(h, " ");
}

static int write_le(FILE *f, uint64_t v, int bytes)
{
    unsigned char b[8];
    for (int i = 0; i < bytes; i++) b[i] = (unsigned char)(v >> (8 * i));
    return fwrite(b, 1, (size_t)bytes, f) == (size_t)bytes ? 0 : -1;
}

static int contents(FILE *f, const text *h, const cli_tensor *t, int nt)
{
    if (write_le(f, h->len, 8) || fwrite(h->p, 1, h->len, f) != h->len) return -1;
    for (int i = 0; i < nt; i++)
        for (uint64_t j = 0; j < numel(&t[i]); j++) {
            uint32_t u;
            memcpy(&u, &t[i].data[j], 4);
            if (write_le(f, u, 4)) return -1;
        }
    return 0;
}

int cli_output_ok(const char *cmd, const char *flag, const char *path)
{
    struct stat sb;
    if (stat(path, &sb) != 0 || S_ISREG(sb.st_mode)) {
        /* the temporary goes beside it */
        const char *slash = strrchr(path, '/');
        char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
        int ok = dir && access(dir, W_OK) == 0;
        if (!ok) fprintf(stderr, "lenet %s: %s %s: directory '%s' does not exist or is not writable\n", cmd, flag, path,
                         dir ? dir : "?");
        free(dir);
        return ok ? 0 : EXIT_USAGE;
    }
    const char *kind = S_ISDIR(sb.st_mode) ? "a directory" : S_ISFIFO(sb.st_mode) ? "a FIFO"
                       : S_ISCHR(sb.st_mode) ? "a character device" : S_ISBLK(sb.st_mode) ? "a block device"
                       : S_ISSOCK(sb.st_mode) ? "a socket" : "not a plain file";
    fprintf(stderr, "lenet %s: %s %s: not a regular file (%s); refusing to replace it\n", cmd, flag, path, kind);
    return EXIT_USAGE;
}

int cli_write_tensors(const char *cmd, const char *path, const cli_tensor *t, int nt, const char *const (*meta)[2],
                      int nm)
{
    text h = {0};
    header(&h, t, nt, meta, nm);
    char *tmp = malloc(strlen(path) + 32);
    if (h.oom || !tmp) {
        free(h.p), free(tmp);
        fprintf(stderr, "lenet %s: %s: out of memory\n", cmd, path);
        return -1;
    }
    sprintf(tmp, "%s.tmp.%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0666);
    FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (fd >= 0 && !f) close(fd), unlink(tmp);
    int bad = !f || contents(f, &h, t, nt) || fflush(f) || fsync(fileno(f));
    int err = errno;
    if (f && fclose(f) && !bad) bad = 1, err = errno;
    if (!bad && rename(tmp, path)) bad = 1, err = errno;
    if (bad) {
        fprintf(stderr, "lenet %s: %s: cannot write: %s\n", cmd, path, strerror(err ? err : EIO));
        if (f) unlink(tmp);
    }
    free(h.p);
    free(tmp);
    return bad ? -1 : 0;
}
