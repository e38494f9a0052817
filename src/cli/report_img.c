/* lenet report: images as data URIs. */
#include "report_img.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <zlib.h>

static void base64(rb *b, const unsigned char *d, size_t n)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char q[4];
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)d[i] << 16 | (i + 1 < n ? (unsigned)d[i + 1] << 8 : 0) | (i + 2 < n ? d[i + 2] : 0);
        q[0] = tab[v >> 18 & 63], q[1] = tab[v >> 12 & 63];
        q[2] = i + 1 < n ? tab[v >> 6 & 63] : '=';
        q[3] = i + 2 < n ? tab[v & 63] : '=';
        rb_putn(b, q, 4);
    }
}

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16), p[2] = (unsigned char)(v >> 8),
    p[3] = (unsigned char)v;
}

/* Append one PNG chunk (length, type, data, CRC) to out at *n. */
static void chunk(unsigned char *out, size_t *n, const char *type, const unsigned char *data, uint32_t len)
{
    put32(out + *n, len);
    memcpy(out + *n + 4, type, 4);
    if (len) memcpy(out + *n + 8, data, len);
    uLong crc = crc32(0L, Z_NULL, 0);
    crc = crc32(crc, out + *n + 4, 4 + len);
    put32(out + *n + 8 + len, (uint32_t)crc);
    *n += 12 + len;
}

/* 8-bit gray (comps 1) or RGB (comps 3) interleaved rows as a PNG. */
static unsigned char *png_encode(const uint8_t *rows, int w, int h, int comps, size_t *outlen)
{
    size_t stride = (size_t)w * comps, raw_len = (stride + 1) * h;
    unsigned char *raw = malloc(raw_len);
    uLongf zlen = compressBound((uLong)raw_len);
    unsigned char *z = malloc(zlen), *out = NULL;
    if (!raw || !z) goto done;
    for (int y = 0; y < h; y++) {
        raw[(stride + 1) * y] = 0; /* filter: none (enlarged rows repeat, which deflate finds) */
        memcpy(raw + (stride + 1) * y + 1, rows + stride * y, stride);
    }
    if (compress2(z, &zlen, raw, (uLong)raw_len, 9) != Z_OK) goto done;
    out = malloc(8 + 25 + 12 + zlen + 12);
    if (!out) goto done;
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    memcpy(out, sig, 8);
    size_t n = 8;
    unsigned char ihdr[13];
    put32(ihdr, (uint32_t)w), put32(ihdr + 4, (uint32_t)h);
    ihdr[8] = 8, ihdr[9] = comps == 3 ? 2 : 0, ihdr[10] = ihdr[11] = ihdr[12] = 0;
    chunk(out, &n, "IHDR", ihdr, 13);
    chunk(out, &n, "IDAT", z, (uint32_t)zlen);
    chunk(out, &n, "IEND", NULL, 0);
    *outlen = n;
done:
    free(raw);
    free(z);
    return out;
}

/* libjpeg reports errors by calling error_exit, which must not return:
 * the only errors possible here are out of memory, so abort as malloc's
 * callers would. */
static void jpeg_die(j_common_ptr cinfo)
{
    (void)cinfo;
    fprintf(stderr, "lenet report: JPEG encoder failed (out of memory)\n");
    abort();
}

static unsigned char *jpeg_encode(const uint8_t *rows, int w, int h, size_t *outlen)
{
    struct jpeg_compress_struct ci;
    struct jpeg_error_mgr jerr;
    ci.err = jpeg_std_error(&jerr);
    jerr.error_exit = jpeg_die;
    jpeg_create_compress(&ci);
    unsigned char *mem = NULL;
    unsigned long len = 0;
    jpeg_mem_dest(&ci, &mem, &len);
    ci.image_width = (JDIMENSION)w, ci.image_height = (JDIMENSION)h;
    ci.input_components = 3, ci.in_color_space = JCS_RGB;
    jpeg_set_defaults(&ci);
    jpeg_set_quality(&ci, 92, TRUE);
    jpeg_start_compress(&ci, TRUE);
    while (ci.next_scanline < ci.image_height) {
        JSAMPROW row = (JSAMPROW)(rows + (size_t)ci.next_scanline * w * 3);
        jpeg_write_scanlines(&ci, &row, 1);
    }
    jpeg_finish_compress(&ci);
    jpeg_destroy_compress(&ci);
    *outlen = len;
    return mem;
}

int img_data_uri(rb *b, const uint8_t *px, int c, int h, int w, int scale)
{
    if (scale < 1) scale = 1;
    int comps = c == 3 ? 3 : 1, W = w * scale, H = h * scale;
    uint8_t *rows = malloc((size_t)W * H * comps);
    if (!rows) return -1;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            for (int k = 0; k < comps; k++)
                rows[((size_t)y * W + x) * comps + k] = px[((size_t)k * h + y / scale) * w + x / scale];
    size_t len = 0;
    unsigned char *enc = comps == 1 ? png_encode(rows, W, H, 1, &len) : jpeg_encode(rows, W, H, &len);
    free(rows);
    if (!enc) return -1;
    rb_puts(b, comps == 1 ? "data:image/png;base64," : "data:image/jpeg;base64,");
    base64(b, enc, len);
    free(enc);
    return 0;
}
