/* The image cache: read, validate and write (see image_cache.h).
 *
 * File layout (little-endian as written on the machines lenet runs on;
 * a cache is a local artefact, checked, never trusted):
 *   magic[8] "LNIMGC01"  u32 version=1  u32 h  u32 w  u32 n  u32 nbad
 *   u32 0  u64 fingerprint  status[n] (0 ok, 1 bad, 2 ignored)
 *   reason[nbad][LN_FOLDER_REASON]  pixels[n][3][h][w] (zero for non-ok)
 *   u32 CRC-32 of all the above */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "core/crc32.h"
#include "core/input_file.h"
#include "core/rng.h"
#include "image_cache.h"
#include "io/atomic_file.h"

enum { REASON = LN_FOLDER_REASON, BAD = LN_IMG_BAD, IGNORED = LN_IMG_IGNORED };

/* "LNIMGC" marks a lenet image cache of any version; "01" is this one. */
static const char CACHE_MAGIC[8] = {'L', 'N', 'I', 'M', 'G', 'C', '0', '1'};
enum { MAGIC_FAMILY = 6 };

uint64_t ln_image_cache_fingerprint(char *const *names, int nclasses, const ln_img_entry *entries, int n, int h, int w)
{
    uint32_t a = 0, b = (uint32_t)adler32(0L, Z_NULL, 0);
    long long head[4] = {h, w, nclasses, n};
    a = ln_crc32(a, head, sizeof head);
    b = (uint32_t)adler32(b, (const Bytef *)head, sizeof head);
    for (int c = 0; c < nclasses; c++) {
        a = ln_crc32(a, names[c], strlen(names[c]) + 1);
        b = (uint32_t)adler32(b, (const Bytef *)names[c], (uInt)strlen(names[c]) + 1);
    }
    for (int i = 0; i < n; i++) {
        const ln_img_entry *e = &entries[i];
        long long v[6] = {e->size, e->mtime_ns, e->ctime_ns, (long long)e->ino, e->label, e->split};
        a = ln_crc32(a, e->path, strlen(e->path) + 1);
        a = ln_crc32(a, v, sizeof v);
        b = (uint32_t)adler32(b, (const Bytef *)e->path, (uInt)strlen(e->path) + 1);
        b = (uint32_t)adler32(b, (const Bytef *)v, sizeof v);
    }
    return ln_hash64(((uint64_t)a << 32 | b) ^ 0x4c4e494d47u);
}

typedef struct cache_hdr {
    char magic[8];
    uint32_t version, h, w, n, nbad, reserved; /* reserved: 0, the fingerprint's alignment */
    uint64_t fp;
} cache_hdr;
_Static_assert(sizeof(cache_hdr) == 40, "the cache header is 40 bytes, no padding");

enum { PIX_CHUNK = 1 << 28 };

ln_status ln_image_cache_read(const char *path, int n, int h, int w, uint64_t fp, uint8_t *status,
                              char (*reasons)[REASON], uint8_t *pix, char *note, size_t notecap)
{
    errno = 0;
    if (access(path, F_OK) != 0 && errno == ENOENT) {
        snprintf(note, notecap, "%s", "");
        return LN_ERR_IO;
    }
    FILE *f = ln_fopen_input(path, NULL); /* a FIFO or a device is refused, never waited on */
    if (!f) {
        const char *why = strstr(ln_last_error(), ": ");
        snprintf(note, notecap, "%s", why ? why + 2 : ln_last_error());
        return LN_ERR_IO;
    }
    cache_hdr hd;
    size_t px = (size_t)n * 3 * h * w;
    ln_status st = LN_ERR_FORMAT;
    uint32_t crc = 0;
    int nbad = 0;
    if (fread(&hd, sizeof hd, 1, f) != 1 || memcmp(hd.magic, CACHE_MAGIC, 8) != 0 || hd.version != 1 ||
        hd.reserved != 0) {
        snprintf(note, notecap, "not a lenet cache or another version");
        goto out;
    }
    if (hd.h != (uint32_t)h || hd.w != (uint32_t)w || hd.n != (uint32_t)n || hd.fp != fp) {
        snprintf(note, notecap, "stale: the folder or the input size changed");
        goto out;
    }
    crc = ln_crc32(crc, &hd, sizeof hd);
    if (fread(status, 1, (size_t)n, f) != (size_t)n) goto corrupt;
    for (int i = 0; i < n; i++) nbad += status[i] == BAD;
    if ((uint32_t)nbad != hd.nbad) goto corrupt;
    crc = ln_crc32(crc, status, (size_t)n);
    for (int i = 0; i < n; i++) {
        if (status[i] > IGNORED) goto corrupt;
        if (status[i] != BAD) continue;
        if (fread(reasons[i], REASON, 1, f) != 1) goto corrupt;
        crc = ln_crc32(crc, reasons[i], REASON);
        reasons[i][REASON - 1] = 0;
    }
    for (size_t off = 0; off < px;) {
        size_t chunk = px - off < PIX_CHUNK ? px - off : PIX_CHUNK;
        if (fread(pix + off, 1, chunk, f) != chunk) goto corrupt;
        crc = ln_crc32(crc, pix + off, chunk);
        off += chunk;
    }
    uint32_t want;
    if (fread(&want, sizeof want, 1, f) != 1 || want != crc || fgetc(f) != EOF) goto corrupt;
    st = LN_OK;
    goto out;
corrupt:
    snprintf(note, notecap, "corrupt (truncated, or a checksum mismatch)");
out:
    fclose(f);
    return st;
}

/* Whether an existing file at path may be replaced: absent, empty, or a
 * lenet image cache of any version. */
static int replaceable(const char *path, char *note, size_t notecap)
{
    errno = 0;
    if (access(path, F_OK) != 0 && errno == ENOENT) return 1;
    if (ln_output_check(path) != LN_OK) {
        snprintf(note, notecap, "cache %s", ln_last_error());
        return 0;
    }
    FILE *f = ln_fopen_input(path, NULL);
    char m[8];
    size_t got = f ? fread(m, 1, sizeof m, f) : 0;
    if (f) fclose(f);
    if (!f) snprintf(note, notecap, "cache %s", ln_last_error());
    else if (got != 0 && (got < MAGIC_FAMILY || memcmp(m, CACHE_MAGIC, MAGIC_FAMILY) != 0))
        snprintf(note, notecap, "cache %s: exists and is not a lenet image cache; not replacing it (choose another "
                 "--cache, or remove the file)", path);
    else return 1;
    return 0;
}

ln_status ln_image_cache_write(const char *path, int n, int h, int w, uint64_t fp, const uint8_t *status,
                               char (*reasons)[REASON], const uint8_t *pix, char *note, size_t notecap)
{
    if (!replaceable(path, note, notecap)) return LN_ERR_IO;
    ln_atomic_remove_stale(path); /* what a killed earlier write left */
    ln_atomic_file a;
    if (ln_atomic_begin(&a, path) != LN_OK) {
        snprintf(note, notecap, "cache %s", ln_last_error());
        return LN_ERR_IO;
    }
    cache_hdr hd;
    memset(&hd, 0, sizeof hd);
    memcpy(hd.magic, CACHE_MAGIC, 8);
    hd.version = 1, hd.h = (uint32_t)h, hd.w = (uint32_t)w, hd.n = (uint32_t)n, hd.fp = fp;
    for (int i = 0; i < n; i++) hd.nbad += status[i] == BAD;
    uint32_t crc = ln_crc32(0, &hd, sizeof hd);
    int ok = fwrite(&hd, sizeof hd, 1, a.f) == 1;
    ok = ok && fwrite(status, 1, (size_t)n, a.f) == (size_t)n;
    crc = ln_crc32(crc, status, (size_t)n);
    for (int i = 0; i < n && ok; i++)
        if (status[i] == BAD) {
            ok = fwrite(reasons[i], REASON, 1, a.f) == 1;
            crc = ln_crc32(crc, reasons[i], REASON);
        }
    size_t px = (size_t)n * 3 * h * w;
    for (size_t off = 0; off < px && ok;) {
        size_t chunk = px - off < PIX_CHUNK ? px - off : PIX_CHUNK;
        ok = fwrite(pix + off, 1, chunk, a.f) == chunk;
        crc = ln_crc32(crc, pix + off, chunk);
        off += chunk;
    }
    ok = ok && fwrite(&crc, sizeof crc, 1, a.f) == 1;
    (void)ok; /* a write error is sticky on a.f: the commit reports it */
    if (ln_atomic_commit(&a) != LN_OK) {
        snprintf(note, notecap, "cache %s", ln_last_error());
        return LN_ERR_IO;
    }
    return LN_OK;
}
