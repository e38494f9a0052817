/* lenet report: a small JSON reader (RFC 8259) for log lines. */
#include "report_json.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RJ_MAX_DEPTH 64

typedef struct parser {
    const char *s, *p, *end;
    char *err;
    size_t errcap;
    int failed;
} parser;

static int fail(parser *ps, const char *what)
{
    /* whatever was expected, a line that stops short is the news */
    if (ps->p >= ps->end && strcmp(what, "out of memory")) what = "unexpected end of line";
    if (!ps->failed) snprintf(ps->err, ps->errcap, "column %ld: %s", (long)(ps->p - ps->s) + 1, what);
    ps->failed = 1;
    return -1;
}

static void skip_ws(parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\r' || *ps->p == '\n')) ps->p++;
}

static void free_kids(rj *v)
{
    for (int i = 0; i < v->n; i++) {
        free_kids(&v->kids[i]);
        if (v->keys) free(v->keys[i]);
    }
    free(v->kids);
    free(v->keys);
    free(v->str);
}

static int hex4(parser *ps, unsigned *out)
{
    if (ps->end - ps->p < 4) return fail(ps, "\\u needs four hex digits");
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = ps->p[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
        else return fail(ps, "\\u needs four hex digits");
    }
    ps->p += 4;
    *out = v;
    return 0;
}

static void put_utf8(char *o, size_t *k, uint32_t cp)
{
    if (cp < 0x80) o[(*k)++] = (char)cp;
    else if (cp < 0x800) o[(*k)++] = (char)(0xc0 | cp >> 6), o[(*k)++] = (char)(0x80 | (cp & 0x3f));
    else if (cp < 0x10000)
        o[(*k)++] = (char)(0xe0 | cp >> 12), o[(*k)++] = (char)(0x80 | (cp >> 6 & 0x3f)),
        o[(*k)++] = (char)(0x80 | (cp & 0x3f));
    else
        o[(*k)++] = (char)(0xf0 | cp >> 18), o[(*k)++] = (char)(0x80 | (cp >> 12 & 0x3f)),
        o[(*k)++] = (char)(0x80 | (cp >> 6 & 0x3f)), o[(*k)++] = (char)(0x80 | (cp & 0x3f));
}

/* A string at ps->p (on its opening quote) into a new NUL-terminated copy. */
static char *parse_string(parser *ps)
{
    ps->p++; /* the quote */
    const char *q = ps->p;
    while (q < ps->end && *q != '"') q += *q == '\\' && q + 1 < ps->end ? 2 : 1;
    if (q >= ps->end) {
        fail(ps, "unterminated string");
        return NULL;
    }
    /* escapes never grow the text: \uXXXX (6 bytes) gives at most 3, a
     * surrogate pair (12) gives 4 */
    char *o = malloc((size_t)(q - ps->p) + 1);
    if (!o) {
        fail(ps, "out of memory");
        return NULL;
    }
    size_t k = 0;
    while (ps->p < q) {
        unsigned char c = (unsigned char)*ps->p;
        if (c < 0x20) {
            fail(ps, "control character in a string");
            goto bad;
        }
        if (c != '\\') {
            o[k++] = (char)c;
            ps->p++;
            continue;
        }
        ps->p++;
        char e = *ps->p++;
        switch (e) {
        case '"': o[k++] = '"'; break;
        case '\\': o[k++] = '\\'; break;
        case '/': o[k++] = '/'; break;
        case 'b': o[k++] = '\b'; break;
        case 'f': o[k++] = '\f'; break;
        case 'n': o[k++] = '\n'; break;
        case 'r': o[k++] = '\r'; break;
        case 't': o[k++] = '\t'; break;
        case 'u': {
            unsigned hi, lo;
            if (hex4(ps, &hi)) goto bad;
            uint32_t cp = hi;
            if (hi >= 0xd800 && hi <= 0xdbff) {
                if (q - ps->p < 6 || ps->p[0] != '\\' || ps->p[1] != 'u') {
                    fail(ps, "unpaired surrogate in \\u escape");
                    goto bad;
                }
                ps->p += 2;
                if (hex4(ps, &lo)) goto bad;
                if (lo < 0xdc00 || lo > 0xdfff) {
                    fail(ps, "unpaired surrogate in \\u escape");
                    goto bad;
                }
                cp = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
            } else if (hi >= 0xdc00 && hi <= 0xdfff) {
                fail(ps, "unpaired surrogate in \\u escape");
                goto bad;
            } else if (hi == 0) {
                fail(ps, "\\u0000 in a string");
                goto bad;
            }
            put_utf8(o, &k, cp);
            break;
        }
        default:
            ps->p--;
            fail(ps, "invalid escape in a string");
            goto bad;
        }
    }
    ps->p = q + 1;
    o[k] = 0;
    return o;
bad:
    free(o);
    return NULL;
}

static int parse_number(parser *ps, double *out)
{
    const char *a = ps->p, *p = a, *e = ps->end;
    if (p < e && *p == '-') p++;
    if (p < e && *p == '0') p++;
    else if (p < e && *p >= '1' && *p <= '9')
        while (p < e && *p >= '0' && *p <= '9') p++;
    else return fail(ps, "invalid number");
    if (p < e && *p == '.') {
        p++;
        if (!(p < e && *p >= '0' && *p <= '9')) return fail(ps, "invalid number");
        while (p < e && *p >= '0' && *p <= '9') p++;
    }
    if (p < e && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < e && (*p == '+' || *p == '-')) p++;
        if (!(p < e && *p >= '0' && *p <= '9')) return fail(ps, "invalid number");
        while (p < e && *p >= '0' && *p <= '9') p++;
    }
    char buf[64];
    if ((size_t)(p - a) >= sizeof buf) return fail(ps, "number too long");
    memcpy(buf, a, (size_t)(p - a));
    buf[p - a] = 0;
    *out = strtod(buf, NULL); /* overflow gives +-HUGE_VAL, as JSON readers do */
    ps->p = p;
    return 0;
}

static int parse_value(parser *ps, rj *v, int depth);

/* Elements of an array or members of an object, after its opening bracket. */
static int parse_container(parser *ps, rj *v, int depth, int object)
{
    char close = object ? '}' : ']';
    int cap = 0;
    ps->p++;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        return 0;
    }
    for (;;) {
        if (v->n == cap) {
            cap = cap ? cap * 2 : 8;
            rj *kids = realloc(v->kids, (size_t)cap * sizeof *kids);
            if (!kids) return fail(ps, "out of memory");
            v->kids = kids;
            if (object) {
                char **keys = realloc(v->keys, (size_t)cap * sizeof *keys);
                if (!keys) return fail(ps, "out of memory");
                v->keys = keys;
            }
        }
        skip_ws(ps);
        if (object) {
            if (ps->p >= ps->end || *ps->p != '"') return fail(ps, "expected a string key");
            char *key = parse_string(ps);
            if (!key) return -1;
            v->keys[v->n] = key;
            skip_ws(ps);
            if (ps->p >= ps->end || *ps->p != ':') {
                v->kids[v->n++] = (rj){.type = RJ_NULL};
                return fail(ps, "expected ':'");
            }
            ps->p++;
        }
        v->kids[v->n] = (rj){.type = RJ_NULL};
        int rc = parse_value(ps, &v->kids[v->n], depth + 1);
        v->n++;
        if (rc) return -1;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == close) {
            ps->p++;
            return 0;
        }
        return fail(ps, object ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static int literal(parser *ps, const char *word, rj_type t, rj *v)
{
    size_t n = strlen(word);
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0) return fail(ps, "unexpected character");
    ps->p += n;
    v->type = t;
    return 0;
}

static int parse_value(parser *ps, rj *v, int depth)
{
    if (depth > RJ_MAX_DEPTH) return fail(ps, "nested too deeply");
    skip_ws(ps);
    if (ps->p >= ps->end) return fail(ps, "unexpected end of line");
    switch (*ps->p) {
    case '{': v->type = RJ_OBJ; return parse_container(ps, v, depth, 1);
    case '[': v->type = RJ_ARR; return parse_container(ps, v, depth, 0);
    case '"':
        v->type = RJ_STR;
        v->str = parse_string(ps);
        return v->str ? 0 : -1;
    case 't': return literal(ps, "true", RJ_TRUE, v);
    case 'f': return literal(ps, "false", RJ_FALSE, v);
    case 'n': return literal(ps, "null", RJ_NULL, v);
    default:
        v->type = RJ_NUM;
        return parse_number(ps, &v->num);
    }
}

rj *rj_parse(const char *text, size_t len, char *err, size_t errcap)
{
    parser ps = {.s = text, .p = text, .end = text + len, .err = err, .errcap = errcap};
    rj *v = calloc(1, sizeof *v);
    if (!v) {
        snprintf(err, errcap, "out of memory");
        return NULL;
    }
    int rc = parse_value(&ps, v, 0);
    if (!rc) {
        skip_ws(&ps);
        if (ps.p < ps.end) rc = fail(&ps, "unexpected text after the value");
    }
    if (rc) {
        rj_free(v);
        return NULL;
    }
    return v;
}

void rj_free(rj *v)
{
    if (!v) return;
    free_kids(v);
    free(v);
}

const rj *rj_get(const rj *obj, const char *key)
{
    if (!obj || obj->type != RJ_OBJ) return NULL;
    for (int i = obj->n - 1; i >= 0; i--)
        if (!strcmp(obj->keys[i], key)) return &obj->kids[i];
    return NULL;
}

int rj_num(const rj *obj, const char *key, double *out)
{
    const rj *v = rj_get(obj, key);
    if (!v || v->type != RJ_NUM) return 0;
    *out = v->num;
    return 1;
}

const char *rj_str(const rj *obj, const char *key)
{
    const rj *v = rj_get(obj, key);
    return v && v->type == RJ_STR ? v->str : NULL;
}
