/* A main for the fuzz targets without libFuzzer: feeds every file named on
 * the command line, and every file in every directory named (sorted, not
 * recursive), to LLVMFuzzerTestOneInput once. The normal (GCC) build runs
 * the seed corpora and the saved crashing inputs through it as ctests, so
 * a regression shows up without clang; under the asan preset, with the
 * sanitizers too. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* .ci/fuzz.sh runs libFuzzer with -malloc_limit_mb=2048: asking for 2 GiB
 * because of a small input is a bug. The replay holds the same line:
 * under ASan a malloc hook aborts; elsewhere an address-space limit makes
 * the allocation fail, and the targets treat LN_ERR_NOMEM as a failure. */
#define MALLOC_LIMIT ((size_t)2 << 30)
#if defined(__SANITIZE_ADDRESS__) /* GCC */
#define REPLAY_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) /* Clang */
#define REPLAY_ASAN 1
#endif
#endif
#ifdef REPLAY_ASAN
int __sanitizer_install_malloc_and_free_hooks(void (*m)(const volatile void *, size_t), void (*f)(const volatile void *));

static void on_malloc(const volatile void *p, size_t n)
{
    (void)p;
    if (n < MALLOC_LIMIT) return;
    fprintf(stderr, "replay: malloc(%zu) over the %zu-byte limit\n", n, MALLOC_LIMIT);
    abort();
}

static void on_free(const volatile void *p) { (void)p; } /* both hooks or neither */

static void limit_memory(void) { __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free); }
#else
static void limit_memory(void)
{
    struct rlimit r = {MALLOC_LIMIT, MALLOC_LIMIT};
    if (setrlimit(RLIMIT_AS, &r)) perror("replay: setrlimit");
}
#endif

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "%s: cannot open\n", path);
        return -1;
    }
    size_t cap = 4096, len = 0;
    uint8_t *buf = malloc(cap);
    for (size_t r; buf && (r = fread(buf + len, 1, cap - len, f)) > 0;) {
        len += r;
        if (len == cap) {
            uint8_t *nb = realloc(buf, cap *= 2);
            if (!nb) free(buf);
            buf = nb;
        }
    }
    int bad = !buf || ferror(f);
    fclose(f);
    if (bad) {
        fprintf(stderr, "%s: cannot read\n", path);
        free(buf);
        return -1;
    }
    /* an exact-size copy, so ASan sees any read past the input's end */
    uint8_t *exact = malloc(len ? len : 1);
    if (!exact) {
        free(buf);
        return -1;
    }
    memcpy(exact, buf, len);
    free(buf);
    LLVMFuzzerTestOneInput(exact, len);
    free(exact);
    return 0;
}

static int cmp_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Every regular file in dir, in name order; returns how many, or -1. */
static int run_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "%s: cannot open directory\n", dir);
        return -1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.') continue;
        if (n == cap) {
            char **g = realloc(names, (cap = cap ? 2 * cap : 64) * sizeof *g);
            if (!g) { rc = -1; break; }
            names = g;
        }
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        if (!(names[n] = malloc(len))) { rc = -1; break; }
        snprintf(names[n++], len, "%s/%s", dir, e->d_name);
    }
    closedir(d);
    if (n) qsort(names, n, sizeof *names, cmp_names);
    int ran = 0;
    for (size_t i = 0; i < n; i++) {
        struct stat sb;
        if (rc == 0 && stat(names[i], &sb) == 0 && S_ISREG(sb.st_mode)) {
            if (run_file(names[i])) rc = -1;
            else ran++;
        }
        free(names[i]);
    }
    free(names);
    return rc ? rc : ran;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
        return 2;
    }
    limit_memory();
    int total = 0;
    for (int i = 1; i < argc; i++) {
        struct stat sb;
        int r = stat(argv[i], &sb) == 0 && S_ISDIR(sb.st_mode) ? run_dir(argv[i]) : run_file(argv[i]) ? -1 : 1;
        if (r < 0) return 1;
        total += r;
    }
    printf("%s: %d inputs ran\n", argv[0], total);
    return total ? 0 : 1;
}
