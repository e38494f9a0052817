#include "text.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at s[0..n), or 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    if (c < 0x80) return 1;
    size_t k = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
    if (!k || c > 0xf4 || k > n) return 0;
    uint32_t cp = c & (0x3f >> (k - 1));
    for (size_t i = 1; i < k; i++) {
        if ((s[i] & 0xc0) != 0x80) return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if ((k == 3 && cp < 0x800) || (k == 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return k;
}

int ln_utf8_valid(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        size_t k = utf8_seq(u + i, len - i);
        if (!k) return 0;
        i += k;
    }
    return 1;
}

/* Write the escaped s to out (when out), pieces whole, stopping before a
 * piece that would pass `room` bytes; returns the bytes written (no NUL)
 * and in *done whether all of s was. */
static size_t escape(const char *s, char *out, size_t room, int *done)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t n = strlen(s), o = 0;
    *done = 1;
    for (size_t i = 0; i < n;) {
        size_t k = utf8_seq(u + i, n - i);
        char piece[32];
        size_t plen = 0;
        if (k == 1 && u[i] >= 0x20 && u[i] != 0x7f && u[i] != '\\') {
            piece[0] = (char)u[i], plen = 1;
        } else if (k == 1 && u[i] == '\\') {
            memcpy(piece, "\\\\", 2), plen = 2;
        } else if (k > 1 && !(k == 2 && u[i] == 0xc2 && u[i + 1] < 0xa0)) {
            memcpy(piece, u + i, k), plen = k;
        } else { /* a control, or a byte of invalid UTF-8: each byte escaped */
            if (!k) k = 1;
            for (size_t j = 0; j < k; j++) plen += (size_t)snprintf(piece + plen, sizeof piece - plen, "\\x%02x", u[i + j]);
        }
        if (o + plen > room) {
            *done = 0;
            return o;
        }
        if (out) memcpy(out + o, piece, plen);
        o += plen;
        i += k;
    }
    return o;
}

const char *ln_text_escape(const char *s, char *out, size_t cap)
{
    if (!cap) return out;
    int done;
    size_t need = escape(s, NULL, (size_t)-1, &done);
    if (need < cap) {
        escape(s, out, need, &done);
        out[need] = 0;
        return out;
    }
    /* cut at a piece boundary, with a visible mark */
    size_t o = cap > 4 ? escape(s, out, cap - 4, &done) : 0;
    snprintf(out + o, cap - o, "...");
    return out;
}

size_t ln_text_escaped_size(const char *s)
{
    int done;
    return escape(s, NULL, (size_t)-1, &done) + 1;
}
