#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "core/rng.h"

const char *tmp_path(const char *name)
{
    static char buf[8][1024];
    static int slot;
    char *p = buf[slot++ & 7];
    /* one fresh directory per test process: a name from the pid alone can
     * meet a stale directory of an earlier run whose pid was the same */
    static char dir[900];
    static pid_t owner;
    if (owner != getpid()) {
        snprintf(dir, sizeof dir, "%s/tmp.XXXXXX", LENET_TEST_TMP);
        if (!mkdtemp(dir)) snprintf(dir, sizeof dir, "%s", LENET_TEST_TMP);
        owner = getpid();
    }
    snprintf(p, 1024, "%s/%s", dir, name);
    return p;
}

int write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t w = fwrite(data, 1, len, f);
    return (fclose(f) == 0 && w == len) ? 0 : -1;
}

int write_gz(const char *path, const void *data, size_t len)
{
    gzFile g = gzopen(path, "wb");
    if (!g) return -1;
    int w = len ? gzwrite(g, data, (unsigned)len) : 0;
    return (gzclose(g) == Z_OK && (size_t)w == len) ? 0 : -1;
}

int run_cli(const char *args, char *out, size_t cap) { return run_prog(LENET_CLI, args, out, cap); }

int run_prog(const char *exe, const char *args, char *out, size_t cap)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "%s %s 2>&1", exe, args);
    FILE *p = popen(cmd, "r");
    if (!p) return -1;
    size_t n = 0;
    if (cap) {
        n = fread(out, 1, cap - 1, p);
        out[n] = 0;
    }
    char sink[4096];
    while (fread(sink, 1, sizeof sink, p) > 0) {}
    int st = pclose(p);
    if (st == -1 || !WIFEXITED(st)) return -1;
    return WEXITSTATUS(st);
}

unsigned char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc(sz > 0 ? (size_t)sz : 1);
    if (b && fread(b, 1, (size_t)sz, f) != (size_t)sz) {
        free(b);
        b = NULL;
    }
    fclose(f);
    if (b && len) *len = (size_t)sz;
    return b;
}

ln_dataset random_dataset(int n, uint64_t seed)
{
    ln_dataset d = {.n = n, .c = 1, .h = 28, .w = 28, .nclasses = 10};
    d.pixels = malloc((size_t)n * 784);
    d.labels = malloc((size_t)n);
    if (!d.pixels || !d.labels) abort();
    ln_rng r;
    ln_rng_seed(&r, seed);
    for (size_t i = 0; i < (size_t)n * 784; i++) d.pixels[i] = (uint8_t)ln_rng_below(&r, 256);
    for (int i = 0; i < n; i++) d.labels[i] = (uint8_t)ln_rng_below(&r, 10);
    return d;
}
