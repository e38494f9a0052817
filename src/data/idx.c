/* IDX (MNIST format) reader. The whole file is decompressed into memory
 * before any header field is trusted, so every field can be checked
 * against the real length: a bad file yields an error, never an
 * out-of-bounds read or an absurd allocation. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "core/input_file.h"
#include "dataset.h"

/* Fashion-MNIST train images are 47 MB; anything past 2 GiB is not an
 * image set this engine could hold anyway. */
#define IDX_MAX_BYTES ((size_t)1 << 31)
#define IDX_MAX_SIDE 4096u
#define IDX_UBYTE 0x08

typedef struct idx_blob {
    uint8_t *buf;
    size_t len;
    int gz; /* content was gzip-compressed (for messages) */
} idx_blob;

/* What one kind of IDX file must look like. */
typedef struct idx_kind {
    int ndims;
    const char *file; /* "image" / "label", for the magic message */
    const char *items; /* "images" / "labels" */
} idx_kind;

static const idx_kind IDX_IMAGES = {3, "image", "images"};
static const idx_kind IDX_LABELS = {1, "label", "labels"};

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* zlib's gzerror() text is "path: reason", the path "<fd:N>" for a file
 * opened by descriptor; drop it, as we print the path anyway. */
static const char *gz_reason(const char *path, const char *msg)
{
    size_t n = strlen(path);
    if (msg && strncmp(msg, path, n) == 0 && strncmp(msg + n, ": ", 2) == 0) return msg + n + 2;
    const char *sep = msg && strncmp(msg, "<fd:", 4) == 0 ? strstr(msg, ">: ") : NULL;
    if (sep) return sep + 3;
    return msg && *msg ? msg : "unknown error";
}

static ln_status gz_failure(const char *path, int err, const char *msg)
{
    const char *why = gz_reason(path, msg);
    switch (err) {
    case Z_ERRNO:
        return ln_fail(LN_ERR_IO, "%s: read error: %s", path, why);
    case Z_MEM_ERROR:
        return ln_fail(LN_ERR_NOMEM, "%s: out of memory while decompressing", path);
    case Z_BUF_ERROR: /* the stream ended before its end marker/trailer */
        return ln_fail(LN_ERR_FORMAT, "%s: gzip stream truncated (%s)", path, why);
    default: /* Z_DATA_ERROR (bad CRC, bad deflate data), Z_STREAM_ERROR */
        return ln_fail(LN_ERR_FORMAT, "%s: gzip stream corrupt (%s)", path, why);
    }
}

/* Make room for at least one more byte, growing geometrically but never
 * past IDX_MAX_BYTES + 1 (the +1 is how an oversized file shows itself). */
static int grow(uint8_t **buf, size_t *cap)
{
    size_t ncap = *cap ? *cap * 2 : (size_t)1 << 16;
    if (ncap > IDX_MAX_BYTES + 1) ncap = IDX_MAX_BYTES + 1;
    uint8_t *nb = realloc(*buf, ncap);
    if (!nb) return -1;
    *buf = nb;
    *cap = ncap;
    return 0;
}

/* The decompressed size the file (fd, len bytes) announces: gzip's trailer (ISIZE, the
 * size mod 2^32) or a plain file's length; 0 when unknown. Only a hint for
 * the first allocation (one block of the right size instead of doubling,
 * which at 47 MB left a transient second copy): the reads below trust
 * nothing but the bytes they get. */
static size_t size_hint(int fd, long len)
{
    unsigned char m[2] = {0}, t[4];
    size_t hint = 0;
    if (pread(fd, m, 2, 0) == 2) {
        if (m[0] == 0x1f && m[1] == 0x8b) {
            if (len >= 18 && pread(fd, t, 4, (off_t)len - 4) == 4)
                hint = (size_t)t[0] | (size_t)t[1] << 8 | (size_t)t[2] << 16 | (size_t)t[3] << 24;
            /* deflate expands at most 1032:1: a 20-byte file whose trailer
             * claims 2 GiB must not get a 2 GiB block */
            if (hint / 1032 > (size_t)len) hint = 0;
        } else if (len > 0) {
            hint = (size_t)len;
        }
    }
    return hint <= IDX_MAX_BYTES ? hint : 0;
}

/* Read the whole (decompressed) file. gzread passes plain files through. */
static ln_status read_all(const char *path, idx_blob *b)
{
    struct stat sb;
    int fd = ln_open_input(path, &sb); /* a regular file: a FIFO would hang the read */
    if (fd < 0) return LN_ERR_IO;
    size_t cap = size_hint(fd, (long)sb.st_size), len = 0;
    errno = 0;
    gzFile g = gzdopen(fd, "rb");
    if (!g) {
        close(fd);
        return ln_fail(LN_ERR_IO, "%s: cannot open: %s", path, errno ? strerror(errno) : "out of memory");
    }
    gzbuffer(g, 1u << 17);

    cap = cap ? cap + 1 : 0; /* +1: reaching the end needs no growth */
    uint8_t *buf = cap ? malloc(cap) : NULL;
    if (!buf) cap = 0;
    ln_status st = LN_OK;
    for (;;) {
        if (len == cap && grow(&buf, &cap) != 0) {
            st = ln_fail(LN_ERR_NOMEM, "%s: out of memory reading %zu bytes", path, len);
            break;
        }
        size_t want = cap - len;
        if (want > (1u << 30)) want = 1u << 30; /* gzread's count is an int */
        int r = gzread(g, buf + len, (unsigned)want);
        if (r <= 0) break; /* EOF or error: gzerror below tells which */
        len += (size_t)r;
        if (len > IDX_MAX_BYTES) {
            st = ln_fail(LN_ERR_FORMAT, "%s: larger than %zu bytes; not an IDX file this "
                         "engine can load", path, IDX_MAX_BYTES);
            break;
        }
    }

    if (st == LN_OK) {
        /* A truncated gzip stream is not a gzread error (Z_BUF_ERROR), so
         * ask gzerror explicitly; gzclose repeats it and adds close errors. */
        int err = Z_OK;
        const char *msg = gzerror(g, &err);
        if (err != Z_OK) st = gz_failure(path, err, msg);
    }
    b->gz = !gzdirect(g);
    int cl = gzclose(g);
    if (st == LN_OK && cl != Z_OK)
        st = gz_failure(path, cl, cl == Z_ERRNO ? strerror(errno) : zError(cl));

    if (st != LN_OK) {
        free(buf);
        return st;
    }
    b->buf = buf;
    b->len = len;
    return LN_OK;
}

/* Explain the commonest wrong-file mistake: images and labels swapped. */
static const char *magic_hint(uint32_t magic)
{
    if (magic == 0x00000801u) return "; this looks like an idx1 label file";
    if (magic == 0x00000803u) return "; this looks like an idx3 image file";
    if ((magic & 0xffff0000u) == 0 && (magic >> 8 & 0xffu) != IDX_UBYTE)
        return "; only unsigned-byte element data is supported";
    return "";
}

/* Check magic and header length; fills dims[0..ndims). */
static ln_status check_header(const char *path, const idx_blob *b, const idx_kind *k,
                              uint32_t dims[3])
{
    size_t hdr = 4 + 4 * (size_t)k->ndims;
    uint32_t want = (uint32_t)IDX_UBYTE << 8 | (uint32_t)k->ndims;
    if (b->len == 0)
        return ln_fail(LN_ERR_FORMAT, "%s: empty file (expected an idx%d ubyte %s file)", path,
                       k->ndims, k->file);
    if (b->len >= 4 && be32(b->buf) != want) {
        uint32_t magic = be32(b->buf);
        return ln_fail(LN_ERR_FORMAT,
                       "%s: bad magic 0x%08x (expected 0x%08x for an idx%d ubyte %s file%s)",
                       path, magic, want, k->ndims, k->file, magic_hint(magic));
    }
    if (b->len < hdr)
        return ln_fail(LN_ERR_FORMAT, "%s: truncated header: %zu bytes, an idx%d header needs %zu",
                       path, b->len, k->ndims, hdr);
    for (int i = 0; i < k->ndims; i++) dims[i] = be32(b->buf + 4 + 4 * (size_t)i);
    return LN_OK;
}

/* Check dims against limits and the exact content length. */
static ln_status check_dims(const char *path, const idx_blob *b, const idx_kind *k,
                            const uint32_t dims[3])
{
    if (dims[0] == 0) return ln_fail(LN_ERR_FORMAT, "%s: header says 0 %s (no %s)", path, k->items, k->items);
    uint64_t per = 1;
    char shape[48] = "";
    if (k->ndims == 3) {
        if (dims[1] == 0 || dims[2] == 0 || dims[1] > IDX_MAX_SIDE || dims[2] > IDX_MAX_SIDE)
            return ln_fail(LN_ERR_FORMAT, "%s: bad image size %ux%u (rows and columns must be 1..%u)",
                           path, dims[1], dims[2], IDX_MAX_SIDE);
        per = (uint64_t)dims[1] * dims[2];
        snprintf(shape, sizeof shape, " of %ux%u", dims[1], dims[2]);
    }
    /* At most 2^32 * 2^24 + 16: no overflow in 64 bits. */
    uint64_t expect = 4 + 4 * (uint64_t)k->ndims + (uint64_t)dims[0] * per;
    if (expect == b->len) return LN_OK;
    const char *what = b->gz ? "decompressed content holds" : "file holds";
    if (b->len < expect)
        return ln_fail(LN_ERR_FORMAT, "%s: truncated: header says %u %s%s = %llu bytes, but the %s %zu",
                       path, dims[0], k->items, shape, (unsigned long long)expect, what, b->len);
    return ln_fail(LN_ERR_FORMAT,
                   "%s: trailing bytes: header says %u %s%s = %llu bytes, but the %s %zu (%llu extra)",
                   path, dims[0], k->items, shape, (unsigned long long)expect, what, b->len,
                   (unsigned long long)(b->len - expect));
}

/* Read, validate and strip the header; *data gets only the payload. */
static ln_status idx_load(const char *path, const idx_kind *k, uint32_t dims[3], uint8_t **data)
{
    idx_blob b = {0};
    ln_status st = read_all(path, &b);
    if (st != LN_OK) return st;
    st = check_header(path, &b, k, dims);
    if (st == LN_OK) st = check_dims(path, &b, k, dims);
    if (st != LN_OK) {
        free(b.buf);
        return st;
    }
    /* The length check proved the payload is non-empty and < 2 GiB, so
     * dims[0] fits an int. Shift it to the front to hand back one block. */
    size_t hdr = 4 + 4 * (size_t)k->ndims, n = b.len - hdr;
    memmove(b.buf, b.buf + hdr, n);
    uint8_t *shrunk = realloc(b.buf, n);
    *data = shrunk ? shrunk : b.buf; /* a failed shrink leaves b.buf valid */
    return LN_OK;
}

ln_status ln_idx_read_images(const char *path, uint8_t **pixels, int *n, int *rows, int *cols)
{
    *pixels = NULL;
    *n = *rows = *cols = 0;
    uint32_t dims[3] = {0};
    ln_status st = idx_load(path, &IDX_IMAGES, dims, pixels);
    if (st != LN_OK) return st;
    *n = (int)dims[0];
    *rows = (int)dims[1];
    *cols = (int)dims[2];
    return LN_OK;
}

ln_status ln_idx_read_labels(const char *path, uint8_t **labels, int *n)
{
    *labels = NULL;
    *n = 0;
    uint32_t dims[3] = {0};
    ln_status st = idx_load(path, &IDX_LABELS, dims, labels);
    if (st != LN_OK) return st;
    *n = (int)dims[0];
    return LN_OK;
}
