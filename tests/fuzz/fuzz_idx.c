/* The IDX reader (data/idx.c) on arbitrary bytes, as an image file and as
 * a label file, each both as given and gzipped here: mutations of a plain
 * header then also reach the length checks behind decompression. A file
 * that loads must hold what its header says; one that fails must leave
 * the outputs cleared; a small file must never exhaust memory. */
#include <stdint.h>
#include <stdlib.h>
#include <zlib.h>

#include "data/dataset.h"
#include "fuzz_check.h"
#include "fuzz_tmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void read_both(const char *path)
{
    uint8_t *px = NULL;
    int n = -1, rows = -1, cols = -1;
    ln_status st = ln_idx_read_images(path, &px, &n, &rows, &cols);
    FUZZ_CHECK(st != LN_ERR_NOMEM);
    if (st == LN_OK) {
        FUZZ_CHECK(px && n > 0 && rows > 0 && cols > 0);
        volatile uint8_t last = px[(size_t)n * rows * cols - 1]; /* ASan: the block is that large */
        (void)last;
    } else {
        FUZZ_CHECK(!px && !n && !rows && !cols);
    }
    free(px);
    uint8_t *lab = NULL;
    st = ln_idx_read_labels(path, &lab, &n);
    FUZZ_CHECK(st != LN_ERR_NOMEM);
    if (st == LN_OK) {
        FUZZ_CHECK(lab && n > 0);
        volatile uint8_t last = lab[n - 1];
        (void)last;
    } else {
        FUZZ_CHECK(!lab && !n);
    }
    free(lab);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    read_both(fuzz_tmp_write("idx", data, size));
    if (size > (1u << 20)) return 0;
    /* the same bytes gzipped (level 1: the reader is under test, not zlib) */
    const char *gz = fuzz_tmp_path("idx.gz");
    gzFile g = gzopen(gz, "wb1");
    FUZZ_CHECK(g && (!size || gzwrite(g, data, (unsigned)size) == (int)size) && gzclose(g) == Z_OK);
    read_both(gz);
    return 0;
}
