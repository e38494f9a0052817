/* lenet-idx2jpeg: write an MNIST-format dataset out as a JPEG class-folder
 * tree in Imagenette's layout (OUT/train/<class>/, OUT/val/<class>/ from
 * t10k), each image upscaled (bilinear) to a chosen size, as RGB, so the
 * JPEG path can be trained, tested and benchmarked without downloads:
 *   lenet-idx2jpeg [--size 320] [--quality 90] [--limit N] [--progressive]
 *                  [--names fashion|digits] [--threads N] IDXDIR OUTDIR */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jpeglib.h>

/* The data come through the public API; JPEG encoding, which it does not
 * offer, is libjpeg's own. */
#include "lenet/lenet.h"

static const char *const FASHION[10] = {"0-tshirt-top", "1-trouser", "2-pullover", "3-dress", "4-coat",
                                        "5-sandal",     "6-shirt",   "7-sneaker",  "8-bag",   "9-ankle-boot"};
static const char *const DIGITS[10] = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};

typedef struct opts {
    int size, quality, limit, progressive, threads;
    const char *const *names;
} opts;

static void usage(FILE *f)
{
    fprintf(f, "usage: lenet-idx2jpeg [--size N] [--quality Q] [--limit N] [--progressive] [--names fashion|digits]\n"
               "                      [--threads N] IDXDIR OUTDIR\n"
               "Writes OUTDIR/train/<class>/NNNNN.jpg (from train) and OUTDIR/val/<class>/NNNNN.jpg (from t10k):\n"
               "each image upscaled (bilinear) to N x N (default 320), RGB, 4:2:0, quality Q (default 90).\n");
}

/* Bilinear upscale of a gray h x w image to s x s RGB (interleaved). */
static void upscale(const uint8_t *g, int h, int w, int s, uint8_t *rgb)
{
    for (int y = 0; y < s; y++) {
        float fy = ((float)y + 0.5f) * h / s - 0.5f;
        int y0 = fy < 0 ? 0 : (int)fy, y1 = y0 + 1 < h ? y0 + 1 : h - 1;
        float ay = fy < 0 ? 0.0f : fy - (float)y0;
        for (int x = 0; x < s; x++) {
            float fx = ((float)x + 0.5f) * w / s - 0.5f;
            int x0 = fx < 0 ? 0 : (int)fx, x1 = x0 + 1 < w ? x0 + 1 : w - 1;
            float ax = fx < 0 ? 0.0f : fx - (float)x0;
            float v = (1 - ay) * ((1 - ax) * g[y0 * w + x0] + ax * g[y0 * w + x1]) +
                      ay * ((1 - ax) * g[y1 * w + x0] + ax * g[y1 * w + x1]);
            uint8_t b = (uint8_t)(v + 0.5f);
            rgb[((size_t)y * s + x) * 3] = rgb[((size_t)y * s + x) * 3 + 1] = rgb[((size_t)y * s + x) * 3 + 2] = b;
        }
    }
}

/* libjpeg reports errors (a full disk: JERR_FILE_WRITE) through
 * error_exit, which by default prints without a file name and exits; ours
 * keeps the message and jumps back. One per thread. */
typedef struct jerr {
    struct jpeg_error_mgr mgr;
    jmp_buf jump;
    char msg[JMSG_LENGTH_MAX];
} jerr;

static void on_error(j_common_ptr c)
{
    jerr *e = (jerr *)(void *)c->err;
    c->err->format_message(c, e->msg);
    longjmp(e->jump, 1);
}

/* Write one JPEG; on failure why (cap bytes) says why and no file is left
 * behind. The target is a new or regular file (never a FIFO or device). */
static int write_jpeg(const char *path, const uint8_t *rgb, int s, const opts *o, char *why, size_t cap)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0666);
    struct stat sb;
    if (fd < 0) {
        snprintf(why, cap, "%s", strerror(errno));
        return -1;
    }
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        snprintf(why, cap, "not a regular file");
        close(fd);
        return -1;
    }
    FILE *f = fdopen(fd, "wb");
    if (!f) {
        snprintf(why, cap, "%s", strerror(errno));
        close(fd);
        unlink(path);
        return -1;
    }
    struct jpeg_compress_struct c;
    jerr e = {.msg = ""};
    c.err = jpeg_std_error(&e.mgr);
    e.mgr.error_exit = on_error;
    if (setjmp(e.jump)) {
        jpeg_destroy_compress(&c);
        fclose(f);
        unlink(path);
        snprintf(why, cap, "%s%s%s", e.msg, errno ? ": " : "", errno ? strerror(errno) : "");
        return -1;
    }
    jpeg_create_compress(&c);
    jpeg_stdio_dest(&c, f);
    c.image_width = (JDIMENSION)s, c.image_height = (JDIMENSION)s;
    c.input_components = 3, c.in_color_space = JCS_RGB;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, o->quality, TRUE);
    if (o->progressive) jpeg_simple_progression(&c);
    errno = 0;
    jpeg_start_compress(&c, TRUE);
    while (c.next_scanline < c.image_height) {
        JSAMPROW row = (JSAMPROW)(rgb + (size_t)c.next_scanline * s * 3);
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    int bad = fflush(f) != 0 || ferror(f);
    int err = errno;
    if (fclose(f) != 0 && !bad) bad = 1, err = errno;
    if (bad) {
        unlink(path);
        snprintf(why, cap, "%s", err ? strerror(err) : "I/O error");
        return -1;
    }
    return 0;
}

static int mkdirs(const char *p)
{
    if (mkdir(p, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "lenet-idx2jpeg: %s: cannot create: %s\n", p, strerror(errno));
        return -1;
    }
    return 0;
}

/* Image i of d (1 x h x w, as the network sees it: bytes / 255) back to bytes. */
static void gray_bytes(const ln_data *d, int i, float *f, uint8_t *g, size_t len)
{
    ln_data_image(d, i, f);
    for (size_t j = 0; j < len; j++) g[j] = (uint8_t)(f[j] * 255.0f + 0.5f);
}

static int convert(const ln_data *d, const char *out, const char *split, const opts *o)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/%s", out, split);
    if (mkdirs(dir)) return -1;
    for (int c = 0; c < 10; c++) {
        snprintf(dir, sizeof dir, "%s/%s/%s", out, split, o->names[c]);
        if (mkdirs(dir)) return -1;
    }
    int ch, h, w, n = ln_data_count(d), failed = 0;
    ln_data_shape(d, &ch, &h, &w);
    size_t len = (size_t)ch * h * w;
#pragma omp parallel num_threads(o->threads) reduction(+ : failed)
    {
        uint8_t *rgb = malloc((size_t)o->size * o->size * 3), *g = malloc(len);
        float *f = malloc(len * sizeof *f);
#pragma omp for schedule(dynamic, 64)
        for (int i = 0; i < n; i++) {
            if (!rgb || !g || !f || failed) continue;
            char path[4200];
            snprintf(path, sizeof path, "%s/%s/%s/%05d.jpg", out, split, o->names[ln_data_label(d, i)], i);
            gray_bytes(d, i, f, g, len);
            upscale(g, h, w, o->size, rgb);
            char why[JMSG_LENGTH_MAX + 128];
            if (write_jpeg(path, rgb, o->size, o, why, sizeof why) != 0) {
                fprintf(stderr, "lenet-idx2jpeg: %s: cannot write: %s\n", path, why);
                failed++;
            }
        }
        if (!rgb || !g || !f) failed++;
        free(rgb), free(g), free(f);
    }
    if (!failed) printf("%s/%s: %d images, %dx%d, quality %d%s\n", out, split, n, o->size, o->size, o->quality,
                        o->progressive ? ", progressive" : "");
    return failed ? -1 : 0;
}

static int int_arg(const char *flag, const char *v, int lo, int hi, int *dst)
{
    char *end;
    long x = v ? strtol(v, &end, 10) : 0;
    if (!v || *end || x < lo || x > hi) {
        fprintf(stderr, "lenet-idx2jpeg: %s: expected an integer in %d..%d, got '%s'\n", flag, lo, hi, v ? v : "");
        return -1;
    }
    *dst = (int)x;
    return 0;
}

int main(int argc, char **argv)
{
    opts o = {.size = 320, .quality = 90, .names = FASHION, .threads = ln_cpu_cores()};
    const char *pos[2];
    int np = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int bad = 0;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--size")) bad = int_arg(a, v, 8, 4096, &o.size), i++;
        else if (!strcmp(a, "--quality")) bad = int_arg(a, v, 1, 100, &o.quality), i++;
        else if (!strcmp(a, "--limit")) bad = int_arg(a, v, 1, 1 << 30, &o.limit), i++;
        else if (!strcmp(a, "--threads")) bad = int_arg(a, v, 1, 1024, &o.threads), i++;
        else if (!strcmp(a, "--progressive")) o.progressive = 1;
        else if (!strcmp(a, "--names")) {
            i++;
            if (v && !strcmp(v, "fashion")) o.names = FASHION;
            else if (v && !strcmp(v, "digits")) o.names = DIGITS;
            else {
                fprintf(stderr, "lenet-idx2jpeg: --names: expected fashion or digits, got '%s'\n", v ? v : "");
                return 2;
            }
        } else if (a[0] == '-') {
            fprintf(stderr, "lenet-idx2jpeg: unknown option '%s' (see --help)\n", a);
            return 2;
        } else if (np < 2) pos[np++] = a;
        else {
            fprintf(stderr, "lenet-idx2jpeg: unexpected argument '%s' (see --help)\n", a);
            return 2;
        }
        if (bad) return 2;
    }
    if (np != 2) {
        usage(stderr);
        return 2;
    }
    ln_data *tr = NULL, *te = NULL;
    if (ln_data_mnist(pos[0], "train", &tr) != LN_OK || ln_data_mnist(pos[0], "t10k", &te) != LN_OK ||
        (o.limit && (ln_data_limit(tr, o.limit, 1) != LN_OK || ln_data_limit(te, o.limit, 1) != LN_OK))) {
        fprintf(stderr, "lenet-idx2jpeg: %s\n", ln_last_error());
        ln_data_free(tr);
        ln_data_free(te);
        return 1;
    }
    int rc = mkdirs(pos[1]) || convert(tr, pos[1], "train", &o) || convert(te, pos[1], "val", &o) ? 1 : 0;
    ln_data_free(tr);
    ln_data_free(te);
    return rc;
}
