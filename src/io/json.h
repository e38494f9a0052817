/* A small, strict JSON parser (RFC 8259) for file headers, plus a string
 * escaper for writing them. The input need not be NUL-terminated and is
 * never read past `len`; strings must be valid UTF-8; integers that do not
 * fit int64 and duplicate object keys are rejected; nesting is limited. */
#ifndef LN_JSON_H
#define LN_JSON_H
#include <stddef.h>
#include <stdint.h>

#include "lenet/status.h"

#define LN_JSON_MAX_DEPTH 64

typedef enum ln_json_type {
    LN_JSON_NULL,
    LN_JSON_BOOL,
    LN_JSON_INT,    /* a number without fraction or exponent */
    LN_JSON_NUMBER, /* any other number */
    LN_JSON_STRING,
    LN_JSON_ARRAY,
    LN_JSON_OBJECT,
} ln_json_type;

typedef struct ln_json ln_json;
struct ln_json {
    ln_json_type type;
    size_t offset;   /* byte offset of the value in the input */
    char *key;       /* member name inside an object (NUL-terminated), else NULL */
    size_t key_len;  /* bytes in key; it may contain "\u0000" */
    union {
        int boolean;
        int64_t integer;
        double number;
        struct { char *s; size_t len; } str;      /* NUL-terminated copy */
        struct { ln_json *items; size_t n; } list; /* ARRAY or OBJECT members */
    } u;
};

/* Parse text[0..len) into a tree (*root, free with ln_json_free). On failure
 * returns LN_ERR_FORMAT (or LN_ERR_NOMEM), sets *root = NULL and writes a
 * one-line message ending in "at offset N" into err. Does not touch
 * ln_last_error(): callers add the file name. */
ln_status ln_json_parse(const char *text, size_t len, ln_json **root, char *err, size_t errcap);
void ln_json_free(ln_json *root);

/* Member `key` of an object, or NULL (also when obj is not an object). */
const ln_json *ln_json_get(const ln_json *obj, const char *key);
/* "a string", "an array", ... for messages. */
const char *ln_json_type_name(ln_json_type t);

/* Write s[0..len) as a quoted JSON string into dst (NUL-terminated, cut at
 * cap like snprintf); returns the full length without the NUL. Escapes as
 * serde_json does: \" \\ \b \f \n \r \t, other bytes < 0x20 as \u00xx;
 * everything else, UTF-8 included, is copied. */
size_t ln_json_escape(char *dst, size_t cap, const char *s, size_t len);
/* Copy at most 40 bytes of s[0..len) into dst for an error message, with
 * control characters shown as '?' and "..." marking a cut. */
void ln_json_clip(char *dst, size_t cap, const char *s, size_t len);
/* 1 if s[0..len) is valid UTF-8 (no overlongs, surrogates or > U+10FFFF). */
int ln_json_utf8_valid(const char *s, size_t len);

#endif
