/* The image cache reader (data/image_cache.c) on arbitrary bytes, through
 * a real file. The image count and size and the fingerprint the reader
 * expects are taken from the input's own header (clamped small), so the
 * fuzzer gets past the staleness check into the body. A cache that reads
 * back must be self-consistent, and writing it again must give the same
 * bytes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/image_cache.h"
#include "fuzz_check.h"
#include "fuzz_tmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t le(const uint8_t *p, int bytes)
{
    uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int n = 2, h = 4, w = 4;
    uint64_t fp = 0;
    if (size >= 40) {
        uint64_t hh = le(data + 12, 4), ww = le(data + 16, 4), nn = le(data + 20, 4);
        if (hh >= 1 && hh <= 32 && ww >= 1 && ww <= 32 && nn <= 256) h = (int)hh, w = (int)ww, n = (int)nn;
        fp = le(data + 32, 8);
    }
    const char *path = fuzz_tmp_write("cache", data, size);
    size_t px = (size_t)n * 3 * h * w;
    uint8_t *status = calloc((size_t)n + 1, 1), *pix = malloc(px + 1);
    char(*reasons)[LN_FOLDER_REASON] = calloc((size_t)n + 1, LN_FOLDER_REASON);
    char note[512];
    FUZZ_CHECK(status && pix && reasons);
    ln_status st = ln_image_cache_read(path, n, h, w, fp, status, reasons, pix, note, sizeof note);
    FUZZ_CHECK(strlen(note) < sizeof note);
    if (st == LN_OK) {
        for (int i = 0; i < n; i++) {
            FUZZ_CHECK(status[i] <= LN_IMG_IGNORED);
            if (status[i] == LN_IMG_BAD) FUZZ_CHECK(strlen(reasons[i]) < LN_FOLDER_REASON);
        }
        /* the round trip: the same contents give the same file */
        const char *again = fuzz_tmp_path("cache2");
        remove(again);
        FUZZ_CHECK(ln_image_cache_write(again, n, h, w, fp, status, reasons, pix, note, sizeof note) == LN_OK);
        FILE *f = fopen(again, "rb");
        FUZZ_CHECK(f != NULL);
        uint8_t *back = malloc(size + 1);
        size_t got = back ? fread(back, 1, size + 1, f) : 0;
        fclose(f);
        /* a reason's bytes past its NUL are not kept: compare lengths, and
         * the bytes when no image is bad */
        FUZZ_CHECK(got == size);
        int nbad = 0;
        for (int i = 0; i < n; i++) nbad += status[i] == LN_IMG_BAD;
        if (!nbad) FUZZ_CHECK(!memcmp(back, data, size));
        free(back);
        remove(again);
    }
    free(status), free(pix), free(reasons);
    return 0;
}
