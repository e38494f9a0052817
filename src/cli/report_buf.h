/* lenet report: a growing text buffer, with HTML escaping. */
#ifndef LN_CLI_REPORT_BUF_H
#define LN_CLI_REPORT_BUF_H
#include <stddef.h>

typedef struct rb {
    char *p;      /* NUL-terminated text (NULL until the first write) */
    size_t n;     /* bytes written */
    size_t cap;
    int oom;      /* an allocation failed: the text is incomplete */
} rb;

void rb_putn(rb *b, const char *s, size_t n);
void rb_puts(rb *b, const char *s);
void rb_printf(rb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* s as HTML text or attribute value: & < > " ' escaped, invalid UTF-8 and
 * control characters (but tab and newline) as U+FFFD. */
void rb_html(rb *b, const char *s);
/* At most max_chars characters of s escaped, "…" after a cut. */
void rb_html_cut(rb *b, const char *s, size_t max_chars);
void rb_free(rb *b);

/* 1234567 -> "1,234,567" */
const char *rb_grouped(long long v, char *buf, size_t cap);

#endif
