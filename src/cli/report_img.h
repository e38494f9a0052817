/* lenet report: images as data URIs (PNG through zlib for gray images,
 * JPEG through libjpeg-turbo for colour). */
#ifndef LN_CLI_REPORT_IMG_H
#define LN_CLI_REPORT_IMG_H
#include <stdint.h>

#include "report_buf.h"

/* Append "data:image/...;base64,..." for an image of c planes (1: gray,
 * 3: RGB; others: the first plane as gray) of h x w 8-bit pixels, planar
 * [c][h][w], enlarged `scale` times (nearest neighbour). Returns 0, or -1
 * if encoding failed (nothing appended). */
int img_data_uri(rb *b, const uint8_t *px, int c, int h, int w, int scale);

#endif
