/* The JPEG path: every kind of JPEG the issue names decodes to what an
 * exact area average of the source gives (within JPEG's loss), every bad
 * kind fails with its reason and never crashes, and the area resize is
 * exact. Fixtures are made here with libjpeg's compressor. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data/jpeg.h"
#include "support.h"

enum { OH = 28, OW = 28 };

/* The reference: the source pixels (as RGB planes) area-averaged to 28x28. */
static void reference(const uint8_t *px, int w, int h, int comps, int cmyk_adobe, uint8_t *ref)
{
    size_t n = (size_t)w * h;
    uint8_t *planes = malloc(3 * n);
    for (size_t i = 0; i < n; i++)
        for (int c = 0; c < 3; c++) {
            const uint8_t *p = px + i * comps;
            unsigned v;
            if (comps == 1) v = p[0];
            else if (comps == 3) v = p[c];
            else if (cmyk_adobe) v = (p[c] * p[3] + 127) / 255;
            else v = ((255 - p[c]) * (255 - p[3]) + 127) / 255;
            planes[c * n + i] = (uint8_t)v;
        }
    ln_area_resize_u8(3, h, w, planes, OH, OW, ref);
    free(planes);
}

/* Mean and max absolute difference over the 3 x 28 x 28 output. */
static void expect_close(const uint8_t *got, const uint8_t *ref, double mean_tol, int max_tol, const char *what)
{
    double sum = 0.0;
    int worst = 0;
    for (int i = 0; i < 3 * OH * OW; i++) {
        int d = abs((int)got[i] - (int)ref[i]);
        sum += d;
        if (d > worst) worst = d;
    }
    double mean = sum / (3 * OH * OW);
    cr_log_info("%s: mean |diff| %.2f, max %d", what, mean, worst);
    cr_assert(mean <= mean_tol && worst <= max_tol, "%s: mean |diff| %.2f (<= %.1f), max %d (<= %d)", what, mean,
              mean_tol, worst, max_tol);
}

static void check_kind(jpeg_spec s, const char *what)
{
    uint8_t *px = malloc((size_t)s.w * s.h * s.comps), out[3 * OH * OW], ref[3 * OH * OW];
    smooth_image(s.w, s.h, s.comps, (uint64_t)s.w * 31 + (uint64_t)s.comps, px);
    if (s.comps == 4) /* keep K light so the colour carries through the inks */
        for (size_t i = 0; i < (size_t)s.w * s.h; i++) px[i * 4 + 3] = (uint8_t)(s.no_adobe ? 20 : 235);
    size_t len;
    uint8_t *jpg = make_jpeg(&s, px, &len);
    char why[200] = "";
    memset(out, 0xAB, sizeof out);
    cr_assert_eq(ln_jpeg_decode_rgb(jpg, len, OH, OW, out, why, sizeof why), LN_OK, "%s: %s", what, why);
    reference(px, s.w, s.h, s.comps, !s.no_adobe, ref);
    expect_close(out, ref, 2.0, 12, what);
    if (s.comps == 1)
        for (int i = 0; i < OH * OW; i++)
            cr_assert(out[i] == out[OH * OW + i] && out[i] == out[2 * OH * OW + i], "gray: planes differ at %d", i);
    int w, h, c;
    cr_assert_eq(ln_jpeg_probe(jpg, len, &w, &h, &c, why, sizeof why), LN_OK);
    cr_assert(w == s.w && h == s.h && c == (s.comps == 4 ? 4 : s.comps));
    free(jpg);
    free(px);
}

Test(jpeg, baseline_subsamplings)
{
    check_kind((jpeg_spec){.w = 320, .h = 240, .comps = 3, .hsamp = 2, .vsamp = 2}, "4:2:0");
    check_kind((jpeg_spec){.w = 320, .h = 240, .comps = 3, .hsamp = 2, .vsamp = 1}, "4:2:2");
    check_kind((jpeg_spec){.w = 320, .h = 240, .comps = 3, .hsamp = 1, .vsamp = 1}, "4:4:4");
    check_kind((jpeg_spec){.w = 331, .h = 97, .comps = 3, .hsamp = 2, .vsamp = 2}, "odd size 331x97");
    check_kind((jpeg_spec){.w = 28, .h = 28, .comps = 3, .hsamp = 1, .vsamp = 1}, "already 28x28 (no DCT scaling)");
    check_kind((jpeg_spec){.w = 20, .h = 17, .comps = 3, .hsamp = 1, .vsamp = 1}, "smaller than the output (upscaled)");
}

Test(jpeg, progressive_and_restart_markers)
{
    check_kind((jpeg_spec){.w = 320, .h = 213, .comps = 3, .progressive = 1}, "progressive");
    check_kind((jpeg_spec){.w = 320, .h = 213, .comps = 3, .restart_rows = 1}, "restart every row");
    check_kind((jpeg_spec){.w = 320, .h = 213, .comps = 3, .restart_rows = 3, .progressive = 1},
               "progressive with restarts");
}

Test(jpeg, grayscale_cmyk_ycck)
{
    check_kind((jpeg_spec){.w = 300, .h = 200, .comps = 1}, "grayscale");
    check_kind((jpeg_spec){.w = 300, .h = 200, .comps = 4}, "CMYK, Adobe marker (inverted)");
    check_kind((jpeg_spec){.w = 300, .h = 200, .comps = 4, .ycck = 1}, "YCCK, Adobe marker");
    check_kind((jpeg_spec){.w = 300, .h = 200, .comps = 4, .no_adobe = 1}, "CMYK without Adobe marker");
}

static void expect_bad(const uint8_t *buf, size_t len, const char *reason, const char *what)
{
    uint8_t out[3 * OH * OW];
    char why[200] = "";
    cr_assert_neq(ln_jpeg_decode_rgb(buf, len, OH, OW, out, why, sizeof why), LN_OK, "%s decoded", what);
    cr_assert(strstr(why, reason), "%s: reason '%s' lacks '%s'", what, why, reason);
}

static uint8_t *sample_jpeg(size_t *len, int progressive)
{
    uint8_t *px = malloc(160 * 120 * 3);
    smooth_image(160, 120, 3, 5, px);
    uint8_t *j = make_jpeg(&(jpeg_spec){.w = 160, .h = 120, .comps = 3, .progressive = progressive}, px, len);
    free(px);
    return j;
}

Test(jpeg, bad_files_have_reasons)
{
    static const uint8_t png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R'};
    expect_bad(png, sizeof png, "not a JPEG (PNG data)", "PNG bytes");
    expect_bad((const uint8_t *)"", 0, "empty file", "empty");
    expect_bad((const uint8_t *)"hello, world", 12, "not a JPEG", "text");
    size_t len;
    uint8_t *j = sample_jpeg(&len, 0);
    expect_bad(j, len / 2, "truncated", "cut in half");
    expect_bad(j, 200, "", "cut in the header");
    /* a header claiming 60000 x 60000: patch the SOF0 marker's size */
    uint8_t *big = malloc(len);
    memcpy(big, j, len);
    size_t sof = 2;
    while (sof + 9 < len && !(big[sof] == 0xFF && big[sof + 1] == 0xC0)) sof++;
    cr_assert(sof + 9 < len, "no SOF0 in the fixture");
    big[sof + 5] = 60000 >> 8, big[sof + 6] = 60000 & 255, big[sof + 7] = 60000 >> 8, big[sof + 8] = 60000 & 255;
    expect_bad(big, len, "absurd dimensions 60000x60000", "60000x60000 header");
    /* corrupt entropy-coded data: libjpeg warns, which is a failure here */
    memcpy(big, j, len);
    for (size_t i = len / 2; i < len / 2 + 40; i++) big[i] ^= 0x5A;
    uint8_t out[3 * OH * OW];
    char why[200] = "";
    if (ln_jpeg_decode_rgb(big, len, OH, OW, out, why, sizeof why) != LN_OK)
        cr_assert(strstr(why, "corrupt") || strstr(why, "bad JPEG"), "corrupt data: reason '%s'", why);
    free(big);
    free(j);
}

/* Every prefix of a baseline and a progressive file: decoded or refused,
 * never a crash or a read past the end (ASan in the sanitizer build). */
Test(jpeg, every_prefix_is_safe)
{
    for (int prog = 0; prog < 2; prog++) {
        size_t len;
        uint8_t *j = sample_jpeg(&len, prog);
        int ok = 0;
        for (size_t n = 0; n <= len; n += n < 700 ? 1 : 37) {
            uint8_t *copy = malloc(n ? n : 1), out[3 * OH * OW];
            memcpy(copy, j, n);
            char why[200];
            ok += ln_jpeg_decode_rgb(copy, n, OH, OW, out, why, sizeof why) == LN_OK;
            free(copy);
        }
        uint8_t out[3 * OH * OW];
        char why[200];
        cr_assert_eq(ln_jpeg_decode_rgb(j, len, OH, OW, out, why, sizeof why), LN_OK, "%s", why);
        cr_assert_lt(ok, 3, "%d truncated prefixes decoded without complaint", ok);
        free(j);
    }
}

Test(jpeg, area_resize_is_exact)
{
    /* 4x4 -> 2x2: plain 2x2 means */
    const uint8_t a[16] = {0, 2, 10, 20, 4, 6, 30, 40, 100, 100, 7, 7, 100, 100, 7, 9};
    uint8_t o[4];
    ln_area_resize_u8(1, 4, 4, a, 2, 2, o);
    cr_assert(o[0] == 3 && o[1] == 25 && o[2] == 100 && o[3] == 8, "%d %d %d %d", o[0], o[1], o[2], o[3]);
    /* 3 -> 2 columns: the middle pixel is split half and half */
    const uint8_t b[3] = {0, 90, 180};
    ln_area_resize_u8(1, 1, 3, b, 1, 2, o);
    cr_assert(o[0] == 30 && o[1] == 150, "%d %d", o[0], o[1]); /* (0 + 45)/1.5, (45 + 180)/1.5 */
    /* a constant image stays constant, whatever the sizes */
    uint8_t c[17 * 23];
    memset(c, 77, sizeof c);
    uint8_t d[5 * 7];
    ln_area_resize_u8(1, 17, 23, c, 5, 7, d);
    for (int i = 0; i < 35; i++) cr_assert_eq(d[i], 77);
}

Test(jpeg, sniffing_by_content)
{
    cr_assert_str_eq(ln_sniff_image((const uint8_t *)"\xff\xd8\xff\xe0", 4), "JPEG");
    cr_assert_str_eq(ln_sniff_image((const uint8_t *)"GIF89a..", 8), "GIF");
    cr_assert_str_eq(ln_sniff_image((const uint8_t *)"RIFF\0\0\0\0WEBPVP8 ", 16), "WebP");
    cr_assert_null(ln_sniff_image((const uint8_t *)"\xff\xd8", 2));
    cr_assert_null(ln_sniff_image((const uint8_t *)"plain text", 10));
}
