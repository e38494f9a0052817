/* Text from outside (folder names, paths) made safe to print or store. */
#ifndef LN_CORE_TEXT_H
#define LN_CORE_TEXT_H
#include <stddef.h>

/* 1 if s[0..len) is valid UTF-8 (no overlongs, surrogates or code points
 * above U+10FFFF), else 0. */
int ln_utf8_valid(const char *s, size_t len);

/* s with every byte a terminal could act on written as \xNN: C0 controls,
 * DEL, the C1 controls (U+0080..U+009F) and bytes of invalid UTF-8; a
 * backslash becomes \\. Writes at most cap bytes (NUL included) to out,
 * ending in "..." when cut; returns out. */
const char *ln_text_escape(const char *s, char *out, size_t cap);

/* Bytes ln_text_escape needs for s without cutting (NUL included). */
size_t ln_text_escaped_size(const char *s);

#endif
