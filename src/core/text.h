/* Text from outside (folder names, paths) made safe to print or store. */
#ifndef LN_CORE_TEXT_H
#define LN_CORE_TEXT_H
#include <stddef.h>

#include "lenet/status.h"

/* 1 if s[0..len) is valid UTF-8 (no overlongs, surrogates or code points
 * above U+10FFFF), else 0. */
int ln_utf8_valid(const char *s, size_t len);

/* ln_text_escape (lenet/status.h): s with every byte a terminal could act
 * on written as \xNN. */

/* Bytes ln_text_escape needs for s without cutting (NUL included). */
size_t ln_text_escaped_size(const char *s);

#endif
