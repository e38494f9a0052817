#include "support.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <jpeglib.h>
#include <math.h>

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

int run_clif(char *out, size_t cap, const char *fmt, ...)
{
    char args[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof args) abort(); /* a test's own bug */
    return run_cli(args, out, cap);
}

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

int spawn_cli(const char *args, const char *log)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "exec %s %s >'%s' 2>&1", LENET_CLI, args, log);
    pid_t pid = fork();
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    return (int)pid;
}

int wait_cli(int pid)
{
    int st;
    while (waitpid((pid_t)pid, &st, 0) < 0)
        if (errno != EINTR) return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 256 + WTERMSIG(st) : -1;
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

static int write_split(const char *dir, const char *split, const ln_dataset *d)
{
    size_t npx = (size_t)d->n * 784;
    uint8_t *img = malloc(16 + npx), *lab = malloc(8 + (size_t)d->n);
    char path[1024];
    int rc = -1;
    if (img && lab) {
        put_be32(img, 0x803u), put_be32(img + 4, (uint32_t)d->n), put_be32(img + 8, 28), put_be32(img + 12, 28);
        put_be32(lab, 0x801u), put_be32(lab + 4, (uint32_t)d->n);
        memcpy(img + 16, d->pixels, npx);
        memcpy(lab + 8, d->labels, (size_t)d->n);
        snprintf(path, sizeof path, "%s/%s-images-idx3-ubyte", dir, split);
        rc = write_file(path, img, 16 + npx);
        snprintf(path, sizeof path, "%s/%s-labels-idx1-ubyte", dir, split);
        if (!rc) rc = write_file(path, lab, 8 + (size_t)d->n);
    }
    free(img);
    free(lab);
    return rc;
}

int write_mnist_dir(const char *dir, int ntrain, int ntest, uint64_t seed)
{
    if (mkdir(dir, 0700) && errno != EEXIST) return -1;
    ln_dataset tr = random_dataset(ntrain, seed), te = random_dataset(ntest, seed + 1);
    int rc = write_split(dir, "train", &tr) || write_split(dir, "t10k", &te);
    ln_dataset_free(&tr);
    ln_dataset_free(&te);
    return rc;
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

/* ---- JPEG fixtures (libjpeg's compressor) ---- */

uint8_t *make_jpeg(const jpeg_spec *s, const uint8_t *pixels, size_t *len)
{
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr e;
    unsigned char *out = NULL;
    unsigned long n = 0;
    c.err = jpeg_std_error(&e);
    jpeg_create_compress(&c);
    jpeg_mem_dest(&c, &out, &n);
    c.image_width = (JDIMENSION)s->w, c.image_height = (JDIMENSION)s->h;
    c.input_components = s->comps;
    c.in_color_space = s->comps == 1 ? JCS_GRAYSCALE : s->comps == 3 ? JCS_RGB : JCS_CMYK;
    jpeg_set_defaults(&c);
    if (s->ycck) jpeg_set_colorspace(&c, JCS_YCCK);
    jpeg_set_quality(&c, s->quality ? s->quality : 95, TRUE);
    if (s->comps >= 3 && s->hsamp) { /* luma (or first) component's factors; others 1x1 */
        c.comp_info[0].h_samp_factor = s->hsamp;
        c.comp_info[0].v_samp_factor = s->vsamp;
    }
    if (s->progressive) jpeg_simple_progression(&c);
    if (s->restart_rows) c.restart_in_rows = s->restart_rows;
    if (s->no_adobe) c.write_Adobe_marker = FALSE;
    jpeg_start_compress(&c, TRUE);
    while (c.next_scanline < c.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + (size_t)c.next_scanline * s->w * s->comps);
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    *len = n;
    return out; /* malloc'd by libjpeg's memory destination: free() */
}

void smooth_image(int w, int h, int comps, uint64_t seed, uint8_t *px)
{
    double a = (double)(seed % 7) + 1.0, b = (double)(seed % 5) + 2.0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int c = 0; c < comps; c++) {
                double v = 127.5 + 100.0 * sin((x * a + c * 40.0) / (w + 1.0) * 3.0) * cos((y * b - c * 25.0) / (h + 1.0) * 2.0);
                px[((size_t)y * w + x) * comps + c] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
            }
}
