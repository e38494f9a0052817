/* The JPEG path (data/jpeg.c, data/imgfolder.c) on arbitrary bytes: probe
 * and decode from memory to the model's 28x28, and decode through the
 * folder loader's file reader to a size derived from the header, so the
 * DCT scale and the area resize see many ratios, up- and downscaling.
 * Outputs are exact-size blocks, so ASan sees a write past them. */
#include <stdint.h>
#include <stdlib.h>

#include "data/dataset.h"
#include "data/jpeg.h"
#include "fuzz_check.h"
#include "fuzz_tmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char why[LN_FOLDER_REASON];
    int w = 0, h = 0, comps = 0;
    (void)ln_sniff_image(data, size);
    if (ln_jpeg_probe(data, size, &w, &h, &comps, why, sizeof why) == LN_OK)
        FUZZ_CHECK(w > 0 && h > 0 && w <= LN_JPEG_MAX_SIDE && h <= LN_JPEG_MAX_SIDE && comps > 0);
    else
        w = h = 0;
    uint8_t *out = malloc(3 * 28 * 28);
    FUZZ_CHECK(out);
    (void)ln_jpeg_decode_rgb(data, size, 28, 28, out, why, sizeof why);
    free(out);
    int oh = h ? 1 + h % 61 : 32, ow = w ? 1 + w % 64 : 24;
    out = malloc((size_t)3 * oh * ow);
    FUZZ_CHECK(out);
    (void)ln_image_file_decode(fuzz_tmp_write("img", data, size), oh, ow, out, why);
    free(out);
    return 0;
}
