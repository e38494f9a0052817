/* lenet report: a growing text buffer, with HTML escaping. */
#include "report_buf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int grow(rb *b, size_t more)
{
    if (b->oom) return -1;
    if (b->n + more + 1 <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->n + more + 1) cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->oom = 1;
        return -1;
    }
    b->p = p, b->cap = cap;
    return 0;
}

void rb_putn(rb *b, const char *s, size_t n)
{
    if (grow(b, n)) return;
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
}

void rb_puts(rb *b, const char *s) { rb_putn(b, s, strlen(s)); }

void rb_printf(rb *b, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof small) {
        rb_putn(b, small, (size_t)n);
        return;
    }
    if (grow(b, (size_t)n)) return;
    va_start(ap, fmt);
    vsnprintf(b->p + b->n, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->n += (size_t)n;
}

/* Length of the valid UTF-8 sequence at s[0..n), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    if (c < 0x80) return 1;
    size_t k = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
    if (!k || c > 0xf4 || k > n) return 0;
    uint32_t cp = c & (0x3fu >> (k - 1));
    for (size_t i = 1; i < k; i++) {
        if ((s[i] & 0xc0) != 0x80) return 0;
        cp = cp << 6 | (s[i] & 0x3fu);
    }
    if ((k == 3 && cp < 0x800) || (k == 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    /* C1 controls and the non-characters XML refuses */
    if ((k == 2 && cp < 0xa0) || cp == 0xfffe || cp == 0xffff) return 0;
    return k;
}

void rb_html_cut(rb *b, const char *s, size_t max_chars)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t n = strlen(s), chars = 0;
    for (size_t i = 0; i < n; chars++) {
        if (chars == max_chars) {
            rb_puts(b, "\xe2\x80\xa6");
            return;
        }
        size_t k = utf8_len(u + i, n - i);
        if (k == 1) {
            unsigned c = u[i];
            if (c == '&') rb_puts(b, "&amp;");
            else if (c == '<') rb_puts(b, "&lt;");
            else if (c == '>') rb_puts(b, "&gt;");
            else if (c == '"') rb_puts(b, "&quot;");
            else if (c == '\'') rb_puts(b, "&#39;");
            else if (c < 0x20 && c != '\t' && c != '\n') rb_puts(b, "\xef\xbf\xbd");
            else if (c == 0x7f) rb_puts(b, "\xef\xbf\xbd");
            else rb_putn(b, (const char *)u + i, 1);
        } else if (k) {
            rb_putn(b, (const char *)u + i, k);
        } else {
            rb_puts(b, "\xef\xbf\xbd");
            k = 1;
        }
        i += k;
    }
}

void rb_html(rb *b, const char *s) { rb_html_cut(b, s, (size_t)-1); }

void rb_free(rb *b)
{
    free(b->p);
    *b = (rb){0};
}

const char *rb_grouped(long long v, char *buf, size_t cap)
{
    char digits[32];
    int n = snprintf(digits, sizeof digits, "%lld", v), o = 0, neg = digits[0] == '-';
    if (!cap) return buf;
    for (int i = 0; i < n && (size_t)o + 1 < cap; i++) {
        int d = n - i; /* digits left, the sign included */
        if (i > neg && (d % 3) == 0 && (size_t)o + 2 < cap) buf[o++] = ',';
        buf[o++] = digits[i];
    }
    buf[o] = 0;
    return buf;
}
