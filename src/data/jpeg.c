/* JPEG decoding through libjpeg-turbo's libjpeg API (jpeglib.h): it gives
 * DCT-domain scaling (scale_num/8), the Adobe marker (inverted CMYK) and a
 * hook for warnings, which here end the decode with the reason instead of
 * reaching stderr. */
#include "jpeg.h"

#include <math.h>
#include <setjmp.h>
#include <stdio.h> /* jpeglib.h needs FILE */
#include <stdlib.h>
#include <string.h>

#include <jerror.h>
#include <jpeglib.h>

const char *ln_sniff_image(const uint8_t *b, size_t len)
{
    if (len >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF) return "JPEG";
    if (len >= 8 && !memcmp(b, "\x89PNG\r\n\x1a\n", 8)) return "PNG";
    if (len >= 6 && (!memcmp(b, "GIF87a", 6) || !memcmp(b, "GIF89a", 6))) return "GIF";
    if (len >= 12 && !memcmp(b, "RIFF", 4) && !memcmp(b + 8, "WEBP", 4)) return "WebP";
    if (len >= 4 && (!memcmp(b, "II*\0", 4) || !memcmp(b, "MM\0*", 4))) return "TIFF";
    if (len >= 2 && b[0] == 'B' && b[1] == 'M') return "BMP";
    return NULL;
}

typedef struct err_mgr {
    struct jpeg_error_mgr pub;
    jmp_buf jb;
    char msg[JMSG_LENGTH_MAX];
    int warning, eof;
} err_mgr;

static void on_error(j_common_ptr c)
{
    err_mgr *e = (err_mgr *)c->err;
    c->err->format_message(c, e->msg);
    longjmp(e->jb, 1);
}

/* Warnings (level < 0) stop the decode: a file libjpeg had to patch up
 * (missing data, corrupt segments) is not a trustworthy sample. Trace
 * messages (level >= 0) are dropped. */
static void on_message(j_common_ptr c, int level)
{
    if (level >= 0) return;
    err_mgr *e = (err_mgr *)c->err;
    e->warning = 1;
    e->eof = c->err->msg_code == JWRN_JPEG_EOF;
    c->err->format_message(c, e->msg);
    longjmp(e->jb, 1);
}

static ln_status reject(char *why, size_t cap, const char *fmt, const char *a, int x, int y)
{
    snprintf(why, cap, fmt, a, x, y);
    return LN_ERR_FORMAT;
}

static ln_status not_jpeg(const uint8_t *buf, size_t len, char *why, size_t cap)
{
    if (len == 0) return reject(why, cap, "empty file%s", "", 0, 0);
    const char *kind = ln_sniff_image(buf, len);
    if (kind) return reject(why, cap, "not a JPEG (%s data)", kind, 0, 0);
    return reject(why, cap, "not a JPEG%s", "", 0, 0);
}

/* Header stage shared by probe and decode: sniff, read the header, check
 * the dimensions. Returns 0 when d is ready for jpeg_start_decompress. */
static ln_status read_header(struct jpeg_decompress_struct *d, const uint8_t *buf, size_t len, char *why,
                             size_t cap)
{
    const char *kind = ln_sniff_image(buf, len);
    if (!kind || strcmp(kind, "JPEG") != 0) return not_jpeg(buf, len, why, cap);
    jpeg_mem_src(d, buf, (unsigned long)len);
    jpeg_read_header(d, TRUE);
    int w = (int)d->image_width, h = (int)d->image_height;
    if (w <= 0 || h <= 0 || w > LN_JPEG_MAX_SIDE || h > LN_JPEG_MAX_SIDE)
        return reject(why, cap, "absurd dimensions %s%dx%d (the limit is 32768 per side)", "", w, h);
    return LN_OK;
}

/* Route libjpeg's errors and warnings to e (setjmp is the caller's). */
static void use_err_mgr(struct jpeg_decompress_struct *d, err_mgr *e)
{
    d->err = jpeg_std_error(&e->pub);
    e->pub.error_exit = on_error;
    e->pub.emit_message = on_message;
}

static const char *reason_of(const err_mgr *e) { return e->eof ? "truncated" : e->warning ? "corrupt" : "bad JPEG"; }

ln_status ln_jpeg_probe(const uint8_t *buf, size_t len, int *w, int *h, int *comps, char *why, size_t whycap)
{
    struct jpeg_decompress_struct d;
    err_mgr e = {0};
    use_err_mgr(&d, &e);
    if (setjmp(e.jb)) {
        snprintf(why, whycap, "%s: %s", reason_of(&e), e.msg);
        jpeg_destroy_decompress(&d);
        return LN_ERR_FORMAT;
    }
    jpeg_create_decompress(&d);
    ln_status st = read_header(&d, buf, len, why, whycap);
    if (st == LN_OK) *w = (int)d.image_width, *h = (int)d.image_height, *comps = d.num_components;
    jpeg_destroy_decompress(&d);
    return st;
}

/* ---- area resize ---- */

typedef struct axis {
    int taps;    /* per output, at most */
    int *first;  /* [m] first input index */
    int *cnt;    /* [m] inputs it reads (first + cnt <= n) */
    float *w;    /* [m][taps] weights, summing to 1 */
} axis;

/* m outputs over the first `extent` (<= n, maybe fractional) of n inputs. */
static int axis_init(axis *a, int n, double extent, int m)
{
    double scale = extent / m;
    a->taps = (int)ceil(scale) + 1;
    a->first = malloc((size_t)m * sizeof *a->first);
    a->cnt = malloc((size_t)m * sizeof *a->cnt);
    a->w = calloc((size_t)m * a->taps, sizeof *a->w);
    if (!a->first || !a->cnt || !a->w) return -1;
    for (int j = 0; j < m; j++) {
        double lo = j * scale, hi = (j + 1) * scale;
        int i0 = (int)floor(lo);
        a->first[j] = i0;
        a->cnt[j] = 0;
        for (int t = 0; t < a->taps; t++) {
            int i = i0 + t;
            double l = lo > i ? lo : i, r = hi < i + 1 ? hi : i + 1;
            if (i < n && r > l) a->w[(size_t)j * a->taps + t] = (float)((r - l) / scale), a->cnt[j] = t + 1;
        }
    }
    return 0;
}

static void axis_free(axis *a) { free(a->first), free(a->cnt), free(a->w); }

/* The resize, from the first eh x ew (fractional) of the ih x iw pixels. */
static void area_resize(int c, int ih, int iw, double eh, double ew, const uint8_t *in, int oh, int ow, uint8_t *out)
{
    axis ax = {0}, ay = {0};
    float *rows = malloc((size_t)ih * ow * sizeof *rows);
    if (!rows || axis_init(&ax, iw, ew, ow) || axis_init(&ay, ih, eh, oh)) {
        /* no memory for a few KB: nearest neighbour keeps the output defined */
        for (int p = 0; p < c; p++)
            for (int y = 0; y < oh; y++)
                for (int x = 0; x < ow; x++)
                    out[((size_t)p * oh + y) * ow + x] = in[((size_t)p * ih + (size_t)y * ih / oh) * iw + (size_t)x * iw / ow];
    } else {
        for (int p = 0; p < c; p++) {
            const uint8_t *src = in + (size_t)p * ih * iw;
            for (int y = 0; y < ih; y++)
                for (int x = 0; x < ow; x++) {
                    const float *w = ax.w + (size_t)x * ax.taps;
                    const uint8_t *s = src + (size_t)y * iw + ax.first[x];
                    float acc = 0.0f;
                    for (int t = 0; t < ax.cnt[x]; t++) acc += w[t] * s[t];
                    rows[(size_t)y * ow + x] = acc;
                }
            for (int y = 0; y < oh; y++) {
                const float *w = ay.w + (size_t)y * ay.taps;
                const float *r0 = rows + (size_t)ay.first[y] * ow;
                uint8_t *o = out + ((size_t)p * oh + y) * ow;
                for (int x = 0; x < ow; x++) {
                    float acc = 0.0f;
                    for (int t = 0; t < ay.cnt[y]; t++) acc += w[t] * r0[(size_t)t * ow + x];
                    int v = (int)(acc + 0.5f); /* acc >= 0: round half up */
                    o[x] = (uint8_t)(v > 255 ? 255 : v);
                }
            }
        }
    }
    free(rows);
    axis_free(&ax);
    axis_free(&ay);
}

void ln_area_resize_u8(int c, int ih, int iw, const uint8_t *in, int oh, int ow, uint8_t *out)
{
    area_resize(c, ih, iw, ih, iw, in, oh, ow, out);
}

/* ---- decode ---- */

/* The bytes a decode at scale m/8 will hold (header read): the whole
 * image's DCT coefficients when the file has several scans (progressive),
 * libjpeg keeping them all at 2 bytes each; the scaled output in nc
 * samples and in 3 planes; the resize's rows. */
static double decode_bytes(struct jpeg_decompress_struct *d, int m)
{
    int maxh = 1, maxv = 1;
    for (int i = 0; i < d->num_components; i++) {
        if (d->comp_info[i].h_samp_factor > maxh) maxh = d->comp_info[i].h_samp_factor;
        if (d->comp_info[i].v_samp_factor > maxv) maxv = d->comp_info[i].v_samp_factor;
    }
    double coef = 0.0, W = d->image_width, H = d->image_height;
    if (jpeg_has_multiple_scans(d))
        for (int i = 0; i < d->num_components; i++)
            coef += ceil(W * d->comp_info[i].h_samp_factor / (8.0 * maxh)) *
                    ceil(H * d->comp_info[i].v_samp_factor / (8.0 * maxv)) * 64 * 2;
    double ow = ceil(W * m / 8), oh = ceil(H * m / 8);
    return coef + ow * oh * (d->num_components + 3) + oh * 28 * 4.0;
}

/* Interleaved samples of the DCT-scaled image -> 3 planes of RGB. */
static void to_planes(const uint8_t *img, int h, int w, int nc, int adobe, uint8_t *planes)
{
    size_t n = (size_t)h * w;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *s = img + i * nc;
        uint8_t r, g, b;
        if (nc == 1) {
            r = g = b = s[0];
        } else if (nc == 3) {
            r = s[0], g = s[1], b = s[2];
        } else { /* CMYK: Adobe files store 255 - ink, others the ink itself */
            unsigned c = s[0], m = s[1], y = s[2], k = s[3];
            if (!adobe) c = 255 - c, m = 255 - m, y = 255 - y, k = 255 - k;
            r = (uint8_t)((c * k + 127) / 255), g = (uint8_t)((m * k + 127) / 255), b = (uint8_t)((y * k + 127) / 255);
        }
        planes[i] = r, planes[n + i] = g, planes[2 * n + i] = b;
    }
}

ln_status ln_jpeg_decode_rgb(const uint8_t *buf, size_t len, int oh, int ow, uint8_t *out, char *why,
                             size_t whycap)
{
    struct jpeg_decompress_struct d;
    err_mgr e = {0};
    uint8_t *volatile img = NULL, *volatile planes = NULL;
    use_err_mgr(&d, &e);
    if (setjmp(e.jb)) {
        snprintf(why, whycap, "%s: %s", reason_of(&e), e.msg);
        jpeg_destroy_decompress(&d);
        free(img), free(planes);
        return LN_ERR_FORMAT;
    }
    jpeg_create_decompress(&d);
    ln_status st = read_header(&d, buf, len, why, whycap);
    if (st != LN_OK) {
        jpeg_destroy_decompress(&d);
        return st;
    }
    int cmyk = d.jpeg_color_space == JCS_CMYK || d.jpeg_color_space == JCS_YCCK;
    d.out_color_space = d.num_components == 1 ? JCS_GRAYSCALE : cmyk ? JCS_CMYK : JCS_RGB;
    /* the smallest M/8 whose output still covers oh x ow */
    int m = 1;
    while (m < 8 && ((long)d.image_width * m + 7) / 8 < ow) m++;
    while (m < 8 && ((long)d.image_height * m + 7) / 8 < oh) m++;
    d.scale_num = (unsigned)m;
    d.scale_denom = 8;
    d.dct_method = JDCT_ISLOW;
    double need = decode_bytes(&d, m);
    if (need > LN_JPEG_MAX_MEMORY) {
        snprintf(why, whycap, "too large to decode: a %s %ux%u image needs about %.0f MiB, over the %u MiB limit",
                 jpeg_has_multiple_scans(&d) ? "progressive" : "baseline", d.image_width, d.image_height,
                 need / (1 << 20), LN_JPEG_MAX_MEMORY >> 20);
        jpeg_destroy_decompress(&d);
        return LN_ERR_FORMAT;
    }
    d.mem->max_memory_to_use = LN_JPEG_MAX_MEMORY; /* and libjpeg's own guard */
    jpeg_start_decompress(&d);
    int w = (int)d.output_width, h = (int)d.output_height, nc = d.output_components;
    if (nc != 1 && nc != 3 && nc != 4) {
        jpeg_destroy_decompress(&d);
        snprintf(why, whycap, "unsupported: %d colour components", nc);
        return LN_ERR_FORMAT;
    }
    img = malloc((size_t)w * h * nc);
    planes = malloc((size_t)w * h * 3);
    if (!img || !planes) {
        jpeg_destroy_decompress(&d);
        free(img), free(planes);
        snprintf(why, whycap, "out of memory for %dx%d pixels", w, h);
        return LN_ERR_NOMEM;
    }
    while (d.output_scanline < d.output_height) {
        JSAMPROW row = img + (size_t)d.output_scanline * w * nc;
        jpeg_read_scanlines(&d, &row, 1);
    }
    jpeg_finish_decompress(&d);
    to_planes(img, h, w, nc, d.saw_Adobe_marker, planes);
    double eh = d.image_height * m / 8.0, ew = d.image_width * m / 8.0;
    jpeg_destroy_decompress(&d);
    /* the scaled size is rounded up: its last row and column cover only
     * the image's true extent, image size * M/8 */
    area_resize(3, h, w, eh, ew, planes, oh, ow, out);
    free(img), free(planes);
    return LN_OK;
}
