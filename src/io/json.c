#include "io/json.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest number token handed to strtod; real headers use a few digits. */
#define NUM_TOKEN_MAX 320

typedef struct parser {
    const unsigned char *p;
    size_t len, pos;
    char *err;
    size_t errcap;
} parser;

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static ln_status fail(parser *ps, ln_status st, size_t at, const char *fmt, ...)
{
    if (!ps->errcap) return st;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(ps->err, ps->errcap, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < ps->errcap)
        snprintf(ps->err + n, ps->errcap - (size_t)n, " at offset %zu", at);
    return st;
}

void ln_json_clip(char *dst, size_t cap, const char *s, size_t len)
{
    if (!cap) return;
    const size_t keep = 40; /* messages stay one short line */
    size_t n = 0;
    for (size_t i = 0; i < len && i < keep && n + 1 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        dst[n++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    if (len > keep)
        for (int k = 0; k < 3 && n + 1 < cap; k++) dst[n++] = '.';
    dst[n] = 0;
}

/* Describe the byte at the current position for an error message. */
static const char *describe(const parser *ps, char *buf, size_t cap)
{
    if (ps->pos >= ps->len) return "end of input";
    unsigned char c = ps->p[ps->pos];
    if (c >= 0x21 && c < 0x7f)
        snprintf(buf, cap, "character '%c'", c);
    else
        snprintf(buf, cap, "byte 0x%02x", c);
    return buf;
}

static ln_status unexpected(parser *ps, const char *wanted)
{
    char b[32];
    const char *what = describe(ps, b, sizeof b);
    if (wanted) return fail(ps, LN_ERR_FORMAT, ps->pos, "expected %s, found %s", wanted, what);
    return fail(ps, LN_ERR_FORMAT, ps->pos, "unexpected %s", what);
}

static void skip_ws(parser *ps)
{
    while (ps->pos < ps->len) {
        unsigned char c = ps->p[ps->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
        ps->pos++;
    }
}

/* Length of the valid UTF-8 sequence at s[0..n), or 0 if it is invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t k;
    uint32_t cp, min;
    if (c < 0x80) return 1;
    if (c >= 0xc2 && c <= 0xdf) { k = 2; cp = c & 0x1f; min = 0x80; }
    else if ((c & 0xf0) == 0xe0) { k = 3; cp = c & 0x0f; min = 0x800; }
    else if (c >= 0xf0 && c <= 0xf4) { k = 4; cp = c & 0x07; min = 0x10000; }
    else return 0;
    if (n < k) return 0;
    for (size_t i = 1; i < k; i++) {
        if ((s[i] & 0xc0) != 0x80) return 0;
        cp = cp << 6 | (s[i] & 0x3fu);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    return k;
}

int ln_json_utf8_valid(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        size_t k = utf8_seq(u + i, len - i);
        if (!k) return 0;
        i += k;
    }
    return 1;
}

static size_t put_utf8(char *o, uint32_t cp)
{
    if (cp < 0x80) { o[0] = (char)cp; return 1; }
    if (cp < 0x800) {
        o[0] = (char)(0xc0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xe0 | cp >> 12);
        o[1] = (char)(0x80 | (cp >> 6 & 0x3f));
        o[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | cp >> 18);
    o[1] = (char)(0x80 | (cp >> 12 & 0x3f));
    o[2] = (char)(0x80 | (cp >> 6 & 0x3f));
    o[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* Four hex digits at p[at..at+4) (caller checked the bounds), or -1. */
static long hex4(const unsigned char *p, size_t at)
{
    long v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned char c = p[at + (size_t)i];
        int d = (c >= '0' && c <= '9') ? c - '0'
              : (c >= 'a' && c <= 'f') ? c - 'a' + 10
              : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
        if (d < 0) return -1;
        v = v << 4 | d;
    }
    return v;
}

/* A \uXXXX escape (with its low surrogate, if any) at p[j] == '\\', ending
 * before `end`; stores the code point and the escape's length. */
static ln_status parse_u_escape(parser *ps, size_t j, size_t end, uint32_t *cp, size_t *used)
{
    long hi = (j + 6 <= end) ? hex4(ps->p, j + 2) : -1;
    if (hi < 0) return fail(ps, LN_ERR_FORMAT, j, "invalid \\u escape");
    if (hi >= 0xdc00 && hi <= 0xdfff) return fail(ps, LN_ERR_FORMAT, j, "unpaired surrogate in \\u escape");
    if (hi < 0xd800 || hi > 0xdbff) {
        *cp = (uint32_t)hi;
        *used = 6;
        return LN_OK;
    }
    long lo = (j + 12 <= end && ps->p[j + 6] == '\\' && ps->p[j + 7] == 'u') ? hex4(ps->p, j + 8) : -1;
    if (lo < 0xdc00 || lo > 0xdfff) return fail(ps, LN_ERR_FORMAT, j, "unpaired surrogate in \\u escape");
    *cp = 0x10000 + ((uint32_t)(hi - 0xd800) << 10) + (uint32_t)(lo - 0xdc00);
    *used = 12;
    return LN_OK;
}

static int simple_escape(unsigned char e, char *out)
{
    switch (e) {
    case '"': *out = '"'; return 1;
    case '\\': *out = '\\'; return 1;
    case '/': *out = '/'; return 1;
    case 'b': *out = '\b'; return 1;
    case 'f': *out = '\f'; return 1;
    case 'n': *out = '\n'; return 1;
    case 'r': *out = '\r'; return 1;
    case 't': *out = '\t'; return 1;
    default: return 0;
    }
}

/* Decode the string body p[beg..end) (escapes balanced) into o. */
static ln_status decode_string(parser *ps, size_t beg, size_t end, char *o, size_t *olen)
{
    size_t n = 0;
    for (size_t j = beg; j < end;) {
        unsigned char c = ps->p[j];
        if (c < 0x20) return fail(ps, LN_ERR_FORMAT, j, "unescaped control character in string");
        if (c == '\\') {
            if (ps->p[j + 1] == 'u') {
                uint32_t cp = 0;
                size_t used = 0;
                ln_status st = parse_u_escape(ps, j, end, &cp, &used);
                if (st) return st;
                n += put_utf8(o + n, cp);
                j += used;
            } else if (simple_escape(ps->p[j + 1], o + n)) {
                n++;
                j += 2;
            } else {
                return fail(ps, LN_ERR_FORMAT, j, "invalid escape '\\%c'",
                            ps->p[j + 1] >= 0x21 && ps->p[j + 1] < 0x7f ? ps->p[j + 1] : '?');
            }
            continue;
        }
        size_t k = utf8_seq(ps->p + j, end - j);
        if (!k) return fail(ps, LN_ERR_FORMAT, j, "invalid UTF-8 in string");
        memcpy(o + n, ps->p + j, k);
        n += k;
        j += k;
    }
    o[n] = 0;
    *olen = n;
    return LN_OK;
}

/* A string at p[pos] == '"'; on success *out is a malloc'd copy. Decoding
 * never grows the text (an escape is at least as long as its UTF-8), so the
 * raw span bounds the allocation. */
static ln_status parse_string(parser *ps, char **out, size_t *olen)
{
    size_t start = ps->pos, i = start + 1;
    while (i < ps->len && ps->p[i] != '"') i += (ps->p[i] == '\\') ? 2 : 1;
    if (i >= ps->len) return fail(ps, LN_ERR_FORMAT, start, "unterminated string");
    char *o = malloc(i - start);
    if (!o) return fail(ps, LN_ERR_NOMEM, start, "out of memory");
    ln_status st = decode_string(ps, start + 1, i, o, olen);
    if (st) {
        free(o);
        return st;
    }
    *out = o;
    ps->pos = i + 1;
    return LN_OK;
}

static size_t skip_digits(const parser *ps, size_t i)
{
    while (i < ps->len && ps->p[i] >= '0' && ps->p[i] <= '9') i++;
    return i;
}

static int is_digit_at(const parser *ps, size_t i)
{
    return i < ps->len && ps->p[i] >= '0' && ps->p[i] <= '9';
}

static ln_status parse_int(parser *ps, ln_json *v, size_t beg, size_t end)
{
    int neg = ps->p[beg] == '-';
    uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, u = 0;
    for (size_t i = beg + (size_t)neg; i < end; i++) {
        unsigned d = ps->p[i] - '0';
        if (u > (limit - d) / 10) return fail(ps, LN_ERR_FORMAT, beg, "integer does not fit in 64 bits");
        u = u * 10 + d;
    }
    v->type = LN_JSON_INT;
    v->u.integer = !neg ? (int64_t)u : u == limit ? INT64_MIN : -(int64_t)u;
    return LN_OK;
}

/* strtod on a bounded copy; it honours LC_NUMERIC, so swap in its point. */
static ln_status parse_real(parser *ps, ln_json *v, size_t beg, size_t end)
{
    char buf[NUM_TOKEN_MAX + 1], *stop;
    size_t n = end - beg;
    if (n > NUM_TOKEN_MAX) return fail(ps, LN_ERR_FORMAT, beg, "number too long");
    memcpy(buf, ps->p + beg, n);
    buf[n] = 0;
    const char *dp = localeconv()->decimal_point;
    char *dot = strchr(buf, '.');
    if (dot && dp && dp[0] && !dp[1]) *dot = dp[0];
    errno = 0;
    double d = strtod(buf, &stop);
    if (stop != buf + n) return fail(ps, LN_ERR_FORMAT, beg, "invalid number");
    if (isinf(d)) return fail(ps, LN_ERR_FORMAT, beg, "number out of range");
    v->type = LN_JSON_NUMBER;
    v->u.number = d;
    return LN_OK;
}

static ln_status parse_number(parser *ps, ln_json *v)
{
    size_t beg = ps->pos, i = beg;
    int real = 0;
    if (ps->p[i] == '-') i++;
    if (!is_digit_at(ps, i)) return fail(ps, LN_ERR_FORMAT, beg, "invalid number");
    if (ps->p[i] == '0' && is_digit_at(ps, i + 1)) return fail(ps, LN_ERR_FORMAT, beg, "leading zero in number");
    i = skip_digits(ps, i);
    if (i < ps->len && ps->p[i] == '.') {
        if (!is_digit_at(ps, i + 1)) return fail(ps, LN_ERR_FORMAT, beg, "invalid number");
        i = skip_digits(ps, i + 1);
        real = 1;
    }
    if (i < ps->len && (ps->p[i] == 'e' || ps->p[i] == 'E')) {
        i++;
        if (i < ps->len && (ps->p[i] == '+' || ps->p[i] == '-')) i++;
        if (!is_digit_at(ps, i)) return fail(ps, LN_ERR_FORMAT, beg, "invalid number");
        i = skip_digits(ps, i);
        real = 1;
    }
    ln_status st = real ? parse_real(ps, v, beg, i) : parse_int(ps, v, beg, i);
    if (!st) ps->pos = i;
    return st;
}

static ln_status parse_literal(parser *ps, ln_json *v)
{
    static const struct { const char *word; ln_json_type type; int b; } lits[] = {
        {"true", LN_JSON_BOOL, 1}, {"false", LN_JSON_BOOL, 0}, {"null", LN_JSON_NULL, 0}};
    for (size_t k = 0; k < sizeof lits / sizeof lits[0]; k++) {
        size_t n = strlen(lits[k].word);
        if (ps->len - ps->pos >= n && !memcmp(ps->p + ps->pos, lits[k].word, n)) {
            v->type = lits[k].type;
            v->u.boolean = lits[k].b;
            ps->pos += n;
            return LN_OK;
        }
    }
    return unexpected(ps, NULL);
}

static void free_value(ln_json *v);

static void free_items(ln_json *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(items[i].key);
        free_value(&items[i]);
    }
    free(items);
}

/* Release what v owns (not v itself, nor its key); recursion is bounded by
 * LN_JSON_MAX_DEPTH. */
static void free_value(ln_json *v)
{
    if (v->type == LN_JSON_STRING) free(v->u.str.s);
    if (v->type == LN_JSON_ARRAY || v->type == LN_JSON_OBJECT) free_items(v->u.list.items, v->u.list.n);
    v->type = LN_JSON_NULL;
}

static int cmp_members(const void *a, const void *b)
{
    const ln_json *x = *(const ln_json *const *)a, *y = *(const ln_json *const *)b;
    size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
    int c = memcmp(x->key, y->key, n);
    if (c) return c;
    if (x->key_len != y->key_len) return x->key_len < y->key_len ? -1 : 1;
    return (x->offset > y->offset) - (x->offset < y->offset);
}

/* Sorting keeps this O(n log n) even for headers with many tensors. */
static ln_status check_duplicates(parser *ps, ln_json *items, size_t n)
{
    if (n < 2) return LN_OK;
    ln_json **ix = malloc(n * sizeof *ix);
    if (!ix) return fail(ps, LN_ERR_NOMEM, items[0].offset, "out of memory");
    for (size_t i = 0; i < n; i++) ix[i] = &items[i];
    qsort(ix, n, sizeof *ix, cmp_members);
    ln_status st = LN_OK;
    for (size_t i = 1; i < n && !st; i++) {
        if (ix[i - 1]->key_len == ix[i]->key_len && !memcmp(ix[i - 1]->key, ix[i]->key, ix[i]->key_len)) {
            char k[64];
            ln_json_clip(k, sizeof k, ix[i]->key, ix[i]->key_len);
            st = fail(ps, LN_ERR_FORMAT, ix[i]->offset, "duplicate key '%s'", k);
        }
    }
    free(ix);
    return st;
}

static ln_status parse_value(parser *ps, ln_json *v, int depth);

/* One member: for objects, `"key":` then the value, into a zeroed *it. */
static ln_status parse_member(parser *ps, ln_json *it, int depth, int is_obj)
{
    skip_ws(ps);
    if (is_obj) {
        if (ps->pos >= ps->len || ps->p[ps->pos] != '"') return unexpected(ps, "a string key");
        ln_status st = parse_string(ps, &it->key, &it->key_len);
        if (st) return st;
        skip_ws(ps);
        if (ps->pos >= ps->len || ps->p[ps->pos] != ':') return unexpected(ps, "':'");
        ps->pos++;
        skip_ws(ps);
    }
    return parse_value(ps, it, depth + 1);
}

/* An array or object at p[pos]; on failure v owns nothing. */
static ln_status parse_container(parser *ps, ln_json *v, int depth, int is_obj)
{
    const char close = is_obj ? '}' : ']';
    if (depth >= LN_JSON_MAX_DEPTH)
        return fail(ps, LN_ERR_FORMAT, ps->pos, "nesting deeper than %d levels", LN_JSON_MAX_DEPTH);
    ps->pos++;
    skip_ws(ps);
    ln_json *items = NULL;
    size_t n = 0, cap = 0;
    ln_status st = LN_OK;
    if (ps->pos < ps->len && ps->p[ps->pos] == close) goto done;
    for (;;) {
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 4;
            ln_json *g = nc <= SIZE_MAX / sizeof *g ? realloc(items, nc * sizeof *g) : NULL;
            if (!g) { st = fail(ps, LN_ERR_NOMEM, ps->pos, "out of memory"); break; }
            items = g;
            cap = nc;
        }
        memset(&items[n], 0, sizeof items[n]);
        n++; /* counted now so cleanup frees a half-parsed member's key */
        if ((st = parse_member(ps, &items[n - 1], depth, is_obj))) break;
        skip_ws(ps);
        if (ps->pos < ps->len && ps->p[ps->pos] == ',') { ps->pos++; continue; }
        if (ps->pos < ps->len && ps->p[ps->pos] == close) break;
        st = unexpected(ps, is_obj ? "',' or '}'" : "',' or ']'");
        break;
    }
    if (!st && is_obj) st = check_duplicates(ps, items, n);
    if (st) {
        free_items(items, n);
        return st;
    }
done:
    ps->pos++;
    v->type = is_obj ? LN_JSON_OBJECT : LN_JSON_ARRAY;
    v->u.list.items = items;
    v->u.list.n = n;
    return LN_OK;
}

static ln_status parse_value(parser *ps, ln_json *v, int depth)
{
    v->offset = ps->pos;
    if (ps->pos >= ps->len) return unexpected(ps, "a value");
    unsigned char c = ps->p[ps->pos];
    if (c == '{' || c == '[') return parse_container(ps, v, depth, c == '{');
    if (c == '"') {
        ln_status st = parse_string(ps, &v->u.str.s, &v->u.str.len);
        if (!st) v->type = LN_JSON_STRING;
        return st;
    }
    if (c == '-' || (c >= '0' && c <= '9')) return parse_number(ps, v);
    return parse_literal(ps, v);
}

ln_status ln_json_parse(const char *text, size_t len, ln_json **root, char *err, size_t errcap)
{
    parser ps = {(const unsigned char *)text, len, 0, err, errcap};
    if (errcap) err[0] = 0;
    *root = NULL;
    ln_json *v = calloc(1, sizeof *v);
    if (!v) return fail(&ps, LN_ERR_NOMEM, 0, "out of memory");
    skip_ws(&ps);
    ln_status st = parse_value(&ps, v, 0);
    if (!st) {
        skip_ws(&ps);
        if (ps.pos < ps.len) {
            char b[32];
            st = fail(&ps, LN_ERR_FORMAT, ps.pos, "trailing %s after the value", describe(&ps, b, sizeof b));
        }
    }
    if (st) {
        ln_json_free(v);
        return st;
    }
    *root = v;
    return LN_OK;
}

void ln_json_free(ln_json *root)
{
    if (!root) return;
    free_value(root);
    free(root->key);
    free(root);
}

const ln_json *ln_json_get(const ln_json *obj, const char *key)
{
    if (!obj || obj->type != LN_JSON_OBJECT || !key) return NULL;
    size_t n = strlen(key);
    for (size_t i = 0; i < obj->u.list.n; i++) {
        const ln_json *m = &obj->u.list.items[i];
        if (m->key_len == n && !memcmp(m->key, key, n)) return m;
    }
    return NULL;
}

const char *ln_json_type_name(ln_json_type t)
{
    switch (t) {
    case LN_JSON_NULL: return "null";
    case LN_JSON_BOOL: return "a boolean";
    case LN_JSON_INT: return "an integer";
    case LN_JSON_NUMBER: return "a non-integer number";
    case LN_JSON_STRING: return "a string";
    case LN_JSON_ARRAY: return "an array";
    case LN_JSON_OBJECT: return "an object";
    }
    return "an unknown value";
}

static void emit(char *dst, size_t cap, size_t *n, const char *s, size_t k)
{
    for (size_t i = 0; i < k; i++, (*n)++)
        if (*n + 1 < cap) dst[*n] = s[i];
}

size_t ln_json_escape(char *dst, size_t cap, const char *s, size_t len)
{
    size_t n = 0;
    emit(dst, cap, &n, "\"", 1);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *rep = NULL;
        char u[8];
        switch (c) {
        case '"': rep = "\\\""; break;
        case '\\': rep = "\\\\"; break;
        case '\b': rep = "\\b"; break;
        case '\f': rep = "\\f"; break;
        case '\n': rep = "\\n"; break;
        case '\r': rep = "\\r"; break;
        case '\t': rep = "\\t"; break;
        default:
            if (c < 0x20) {
                snprintf(u, sizeof u, "\\u%04x", c);
                rep = u;
            }
        }
        if (rep)
            emit(dst, cap, &n, rep, strlen(rep));
        else
            emit(dst, cap, &n, (const char *)&s[i], 1);
    }
    emit(dst, cap, &n, "\"", 1);
    if (cap) dst[n < cap ? n : cap - 1] = 0;
    return n;
}
