/* JPEG decoding to a model's small input with libjpeg-turbo, and format
 * sniffing. Files are recognised by their bytes, never their names. */
#ifndef LN_JPEG_H
#define LN_JPEG_H
#include <stddef.h>
#include <stdint.h>

#include "lenet/status.h"

/* Headers claiming more than this per side are refused before any
 * allocation (a 60000 x 60000 header in a 1 KB file is an attack or junk). */
#define LN_JPEG_MAX_SIDE 32768
/* The memory one decode may take (libjpeg's buffers and the scaled image):
 * a progressive file holds every DCT coefficient of the full image (2
 * bytes each), whatever the output scale, so a 20000 x 20000 one would
 * need 1.2 to 2.4 GB; such a file is refused with the size it needs. Per
 * decoding thread. */
#define LN_JPEG_MAX_MEMORY (256u << 20)
/* Larger JPEG files are refused unread (a folder scan reads only the
 * first bytes of other files, to recognise them). */
#define LN_JPEG_MAX_FILE (256u << 20)

/* What the bytes look like: "JPEG", "PNG", "GIF", "BMP", "WebP", "TIFF",
 * or NULL when none of these. */
const char *ln_sniff_image(const uint8_t *buf, size_t len);

/* Decode a JPEG (baseline or progressive, any chroma subsampling, restart
 * markers; grayscale, YCbCr, RGB, CMYK or YCCK) into out: 3 planes of
 * oh x ow RGB bytes ([3][oh][ow]). libjpeg-turbo scales in the DCT domain
 * to the smallest size not below oh x ow, then an area average resizes
 * exactly. Grayscale becomes three equal planes; CMYK and YCCK become RGB,
 * Adobe files being stored inverted. Any libjpeg warning (corrupt data,
 * a truncated file) fails the decode too. On failure *why holds a short
 * reason ("truncated: Premature end of JPEG file") and nothing is printed.
 * Thread-safe; allocates only the DCT-scaled image. */
ln_status ln_jpeg_decode_rgb(const uint8_t *buf, size_t len, int oh, int ow, uint8_t *out, char *why,
                             size_t whycap);

/* The size and colour components a JPEG header announces, without
 * decoding (same checks and reasons as the decoder's header stage). */
ln_status ln_jpeg_probe(const uint8_t *buf, size_t len, int *w, int *h, int *comps, char *why, size_t whycap);

/* Area-average resize of c planes of ih x iw bytes to oh x ow (each output
 * pixel is the mean of the input area it covers, partial pixels weighted),
 * rounded to nearest. */
void ln_area_resize_u8(int c, int ih, int iw, const uint8_t *in, int oh, int ow, uint8_t *out);

#endif
