/* The JSON parser and the safetensors reader/writer: round trips, the exact
 * bytes of the reference layout, and every malformed-file path. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/json.h"
#include "io/safetensors.h"
#include "support.h"

/* ------------------------------------------------------------ helpers */

/* Parse from an exact-size heap copy so ASan flags any read past `n`. */
static ln_status jparse(const char *s, size_t n, ln_json **root, char *err, size_t cap)
{
    char *buf = malloc(n ? n : 1);
    cr_assert_not_null(buf);
    memcpy(buf, s, n);
    ln_status st = ln_json_parse(buf, n, root, err, cap);
    free(buf);
    return st;
}

static ln_json *jok(const char *s)
{
    ln_json *root = NULL;
    char err[256];
    ln_status st = jparse(s, strlen(s), &root, err, sizeof err);
    cr_assert_eq(st, LN_OK, "parse of %s failed: %s", s, err);
    cr_assert_not_null(root);
    return root;
}

/* Parse must fail with LN_ERR_FORMAT and a message containing `phrase`. */
static void jbad_n(const char *s, size_t n, const char *phrase)
{
    ln_json *root = (ln_json *)1;
    char err[256];
    ln_status st = jparse(s, n, &root, err, sizeof err);
    cr_assert_eq(st, LN_ERR_FORMAT, "parse of '%.*s' should fail", (int)n, s);
    cr_assert_null(root);
    cr_assert(strstr(err, phrase), "error '%s' lacks '%s'", err, phrase);
    cr_assert(strstr(err, "at offset "), "error '%s' lacks the offset", err);
}

static void jbad(const char *s, const char *phrase) { jbad_n(s, strlen(s), phrase); }

static void put_u64le(unsigned char *b, uint64_t v)
{
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_u64le(const unsigned char *b)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | b[i];
    return v;
}

/* Write [u64 len][hdr][data] with the length field given explicitly. */
static void make_raw(const char *path, uint64_t hlen_field, const char *hdr, const void *data, size_t dlen)
{
    size_t hl = strlen(hdr);
    unsigned char *b = malloc(8 + hl + dlen);
    cr_assert_not_null(b);
    put_u64le(b, hlen_field);
    memcpy(b + 8, hdr, hl);
    if (dlen) memcpy(b + 8 + hl, data, dlen);
    cr_assert_eq(write_file(path, b, 8 + hl + dlen), 0);
    free(b);
}

/* A file with a correct header length; data is `dlen` bytes of 0x11. */
static const char *make_st(const char *name, const char *hdr, size_t dlen)
{
    static char path[1024];
    unsigned char data[64];
    cr_assert(dlen <= sizeof data);
    memset(data, 0x11, sizeof data);
    snprintf(path, sizeof path, "%s", tmp_path(name));
    make_raw(path, strlen(hdr), hdr, data, dlen);
    return path;
}

/* Reading must fail with `want`, a one-line message that starts with the
 * path and contains `phrase`, and leave the struct empty. */
static void expect_fail(const char *path, ln_status want, const char *phrase)
{
    ln_st_file f;
    memset(&f, 0xab, sizeof f);
    ln_status st = ln_st_read(path, &f);
    const char *e = ln_last_error();
    cr_assert_eq(st, want, "status %d, want %d: %s", st, want, e);
    cr_assert(!strncmp(e, path, strlen(path)), "error '%s' does not start with the path", e);
    cr_assert(strstr(e, phrase), "error '%s' lacks '%s'", e, phrase);
    cr_assert_null(strchr(e, '\n'), "error '%s' spans lines", e);
    cr_assert_eq(f.ntensors, 0);
    cr_assert_null(f.tensors);
    cr_assert_null(f.meta);
    cr_assert_null(f.blob_);
    ln_st_free(&f);
    ln_st_free(&f);
}

static void expect_fail_hdr(const char *hdr, size_t dlen, ln_status want, const char *phrase)
{
    expect_fail(make_st("bad.safetensors", hdr, dlen), want, phrase);
}

#define T_F32(n, s, o) "\"" n "\":{\"dtype\":\"F32\",\"shape\":" s ",\"data_offsets\":" o "}"

static int count_tmp_files(const char *dir)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        if (strstr(de->d_name, ".tmp.")) n++;
    closedir(d);
    return n;
}

static void dir_of(const char *path, char *out, size_t cap)
{
    snprintf(out, cap, "%s", path);
    char *s = strrchr(out, '/');
    cr_assert_not_null(s);
    *s = 0;
}

/* --------------------------------------------------------------- json */

Test(json, values_and_lookup)
{
    ln_json *r = jok(" {\"a\":[1,-2,3.5,true,false,null,\"x\"],\"b\":{},\"c\":[]} ");
    cr_assert_eq(r->type, LN_JSON_OBJECT);
    cr_assert_eq(r->u.list.n, 3);
    const ln_json *a = ln_json_get(r, "a");
    cr_assert_not_null(a);
    cr_assert_eq(a->type, LN_JSON_ARRAY);
    cr_assert_eq(a->offset, 6);
    cr_assert_eq(a->u.list.n, 7);
    const ln_json *it = a->u.list.items;
    cr_assert_eq(it[0].type, LN_JSON_INT);
    cr_assert_eq(it[0].u.integer, 1);
    cr_assert_eq(it[1].u.integer, -2);
    cr_assert_eq(it[2].type, LN_JSON_NUMBER);
    cr_assert_float_eq(it[2].u.number, 3.5, 1e-12);
    cr_assert_eq(it[3].type, LN_JSON_BOOL);
    cr_assert_eq(it[3].u.boolean, 1);
    cr_assert_eq(it[4].u.boolean, 0);
    cr_assert_eq(it[5].type, LN_JSON_NULL);
    cr_assert_str_eq(it[6].u.str.s, "x");
    cr_assert_eq(ln_json_get(r, "b")->type, LN_JSON_OBJECT);
    cr_assert_eq(ln_json_get(r, "b")->u.list.n, 0);
    cr_assert_null(ln_json_get(r, "d"));
    cr_assert_null(ln_json_get(a, "a"));
    ln_json_free(r);
    ln_json_free(NULL);
}

Test(json, string_escapes)
{
    ln_json *r = jok("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0041\\u00e9\\u20AC\\ud83d\\ude00\\u0000z\"");
    static const char want[] = "\"\\/\b\f\n\r\tA\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\0z";
    cr_assert_eq(r->type, LN_JSON_STRING);
    cr_assert_eq(r->u.str.len, sizeof want - 1);
    cr_assert(!memcmp(r->u.str.s, want, sizeof want));
    ln_json_free(r);
    r = jok("\"caf\xc3\xa9 \xf0\x9f\x98\x80\"");
    cr_assert_str_eq(r->u.str.s, "caf\xc3\xa9 \xf0\x9f\x98\x80");
    ln_json_free(r);
}

Test(json, bad_strings)
{
    jbad("\"\\x\"", "invalid escape");
    jbad("\"\\u12\"", "\\u escape");
    jbad("\"\\u12G4\"", "\\u escape");
    jbad("\"\\ud83d\"", "surrogate");
    jbad("\"\\ude00\"", "surrogate");
    jbad("\"\\ud83d\\u0041\"", "surrogate");
    jbad("\"a\nb\"", "control character");
    jbad("\"\t\"", "control character");
    jbad("\"\xff\"", "UTF-8");
    jbad("\"\xc0\x80\"", "UTF-8");     /* overlong NUL */
    jbad("\"\xed\xa0\x80\"", "UTF-8"); /* raw surrogate */
    jbad("\"\xf4\x90\x80\x80\"", "UTF-8");
    jbad("\"\xe2\x82\"", "UTF-8"); /* sequence cut by the quote */
}

Test(json, unterminated_string)
{
    jbad("\"abc", "unterminated string at offset 0");
    jbad("{\"a\":\"b", "unterminated string at offset 5");
    jbad("\"abc\\\"", "unterminated string");
    jbad("\"abc\\", "unterminated string");
    jbad("{\"ab", "unterminated string");
}

Test(json, depth_limit)
{
    char buf[2 * (LN_JSON_MAX_DEPTH + 1)];
    for (int i = 0; i < LN_JSON_MAX_DEPTH; i++) {
        buf[i] = '[';
        buf[2 * LN_JSON_MAX_DEPTH - 1 - i] = ']';
    }
    ln_json *r = NULL;
    char err[256];
    cr_assert_eq(jparse(buf, 2 * LN_JSON_MAX_DEPTH, &r, err, sizeof err), LN_OK, "%s", err);
    ln_json_free(r);
    for (int i = 0; i <= LN_JSON_MAX_DEPTH; i++) {
        buf[i] = '[';
        buf[2 * LN_JSON_MAX_DEPTH + 1 - i] = ']';
    }
    jbad_n(buf, sizeof buf, "nesting deeper than 64 levels at offset 64");
    /* deep input must not recurse without bound */
    size_t n = 1000000;
    char *deep = malloc(n);
    memset(deep, '[', n);
    jbad_n(deep, n, "nesting");
    memset(deep, '{', n);
    jbad_n(deep, n, "string key");
    for (size_t i = 0; i < n / 5; i++) memcpy(deep + 5 * i, "{\"a\":", 5);
    jbad_n(deep, n / 5 * 5, "nesting");
    free(deep);
}

Test(json, integers)
{
    ln_json *r = jok("[9223372036854775807,-9223372036854775808,-0,0,1.5e3,2E-1,1e+2]");
    const ln_json *it = r->u.list.items;
    cr_assert_eq(it[0].type, LN_JSON_INT);
    cr_assert_eq(it[0].u.integer, INT64_MAX);
    cr_assert_eq(it[1].u.integer, INT64_MIN);
    cr_assert_eq(it[2].type, LN_JSON_INT);
    cr_assert_eq(it[2].u.integer, 0);
    cr_assert_eq(it[4].type, LN_JSON_NUMBER);
    cr_assert_float_eq(it[4].u.number, 1500.0, 1e-9);
    cr_assert_float_eq(it[5].u.number, 0.2, 1e-12);
    cr_assert_float_eq(it[6].u.number, 100.0, 1e-9);
    ln_json_free(r);
    jbad("9223372036854775808", "64 bits");
    jbad("-9223372036854775809", "64 bits");
    jbad("[1,99999999999999999999999]", "64 bits at offset 3");
    jbad("1e400", "out of range");
    jbad("01", "leading zero");
    jbad("-01", "leading zero");
    jbad("1.", "invalid number");
    jbad("1.e5", "invalid number");
    jbad("-", "invalid number");
    jbad("1e", "invalid number");
    jbad("1e+", "invalid number");
    jbad(".5", "unexpected character '.'");
    jbad("+1", "unexpected character '+'");
    jbad("0x10", "trailing");
}

Test(json, trailing_garbage_and_syntax)
{
    ln_json_free(jok("{}  \n\t\r"));
    jbad("{} x", "trailing character 'x' after the value at offset 3");
    jbad("{}{}", "trailing");
    jbad("[1]]", "trailing");
    jbad("", "end of input at offset 0");
    jbad("   ", "end of input at offset 3");
    jbad("{\"a\" 1}", "expected ':'");
    jbad("{1:2}", "expected a string key");
    jbad("[1 2]", "expected ',' or ']'");
    jbad("{\"a\":1 \"b\":2}", "expected ',' or '}'");
    jbad("[1,]", "unexpected character ']'");
    jbad("{\"a\":1,}", "expected a string key");
    jbad("tru", "unexpected character 't'");
    jbad("nul", "unexpected");
    jbad("True", "unexpected");
    jbad("\xef\xbb\xbf{}", "byte 0xef"); /* no BOM */
    jbad("[\x01]", "byte 0x01");
    jbad("{\"a\":1", "expected ',' or '}', found end of input");
}

Test(json, length_bounds_input)
{
    ln_json *r = NULL;
    char err[256];
    cr_assert_eq(jparse("[1,2]]", 5, &r, err, sizeof err), LN_OK, "%s", err);
    cr_assert_eq(r->u.list.n, 2);
    ln_json_free(r);
    cr_assert_eq(jparse("123", 2, &r, err, sizeof err), LN_OK);
    cr_assert_eq(r->u.integer, 12);
    ln_json_free(r);
    jbad_n("true", 3, "unexpected");
    jbad_n("\"ab\"", 3, "unterminated");
    jbad_n("\"\\u00\"41\"", 6, "\\u escape"); /* the digits lie past the quote */
    /* every proper prefix of an object is invalid, and none is over-read */
    const char *doc = "{\"k\\u00e9y\":[1,-2.5e1,\"s\\n\",{\"x\":null}],\"t\":true}";
    size_t n = strlen(doc);
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(jparse(doc, i, &r, err, sizeof err), LN_ERR_FORMAT, "prefix %zu", i);
        cr_assert_null(r);
    }
    ln_json_free(jok(doc));
}

Test(json, duplicate_keys)
{
    jbad("{\"a\":1,\"b\":2,\"a\":3}", "duplicate key 'a' at offset 17");
    jbad("{\"b\":{\"x\":1,\"x\":1}}", "duplicate key 'x'");
    jbad("{\"\\u0061\":1,\"a\":2}", "duplicate key 'a'");
    ln_json_free(jok("{\"a\":{\"a\":1},\"b\":{\"a\":2},\"ab\":0,\"\":1}"));
}

Test(json, error_buffer_small)
{
    ln_json *r = NULL;
    char err[8];
    cr_assert_eq(jparse("[1,", 3, &r, err, sizeof err), LN_ERR_FORMAT);
    cr_assert_eq(strlen(err), 7);
    cr_assert_eq(jparse("[1,", 3, &r, NULL, 0), LN_ERR_FORMAT);
}

Test(json, escape_writer)
{
    char buf[64];
    const char *s = "a\"b\\c\n\x01\x1f\t/\xc3\xa9";
    size_t n = ln_json_escape(buf, sizeof buf, s, strlen(s));
    cr_assert_str_eq(buf, "\"a\\\"b\\\\c\\n\\u0001\\u001f\\t/\xc3\xa9\"");
    cr_assert_eq(n, strlen(buf));
    cr_assert_eq(ln_json_escape(NULL, 0, s, strlen(s)), n);
    cr_assert_eq(ln_json_escape(buf, 4, s, strlen(s)), n);
    cr_assert_str_eq(buf, "\"a\\");
    cr_assert_eq(ln_json_escape(buf, sizeof buf, "", 0), 2);
    cr_assert_str_eq(buf, "\"\"");
    /* what the escaper writes, the parser reads back */
    n = ln_json_escape(buf, sizeof buf, "x\0y", 3);
    ln_json *r = NULL;
    char err[128];
    cr_assert_eq(jparse(buf, n, &r, err, sizeof err), LN_OK, "%s", err);
    cr_assert_eq(r->u.str.len, 3);
    cr_assert(!memcmp(r->u.str.s, "x\0y", 3));
    ln_json_free(r);
}

Test(json, utf8_and_clip)
{
    cr_assert(ln_json_utf8_valid("abc\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 12));
    cr_assert(!ln_json_utf8_valid("\xc3", 1));
    cr_assert(!ln_json_utf8_valid("\xe0\x80\x80", 3));
    cr_assert(!ln_json_utf8_valid("\xed\xbf\xbf", 3));
    cr_assert(!ln_json_utf8_valid("\xf5\x80\x80\x80", 4));
    cr_assert(!ln_json_utf8_valid("\x80", 1));
    char c[64];
    ln_json_clip(c, sizeof c, "a\nb", 3);
    cr_assert_str_eq(c, "a?b");
    ln_json_clip(c, sizeof c, "0123456789012345678901234567890123456789XYZ", 43);
    cr_assert_str_eq(c, "0123456789012345678901234567890123456789...");
    ln_json_clip(c, 4, "abcdef", 6);
    cr_assert_str_eq(c, "abc");
}

/* ------------------------------------------------------ safetensors io */

static const float W4[8] = {1.0f, -2.5f, 3.25f, -0.0f, 1e-38f, 3.4e38f, -7.0f, 0.125f};
static const float SCALAR = 3.25f;
static const float VEC[5] = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f};

static int sample(ln_st_tensor *t, ln_st_meta *m, int *nm)
{
    memset(t, 0, 5 * sizeof *t);
    t[0] = (ln_st_tensor){"conv.weight", 4, {2, 1, 2, 2}, W4};
    t[1] = (ln_st_tensor){"scalar", 0, {0}, &SCALAR};
    t[2] = (ln_st_tensor){"empty", 1, {0}, NULL};
    t[3] = (ln_st_tensor){"vec", 1, {5}, VEC};
    t[4] = (ln_st_tensor){"z\xc3\xa9ro \"q\"", 3, {3, 0, 2}, NULL};
    m[0] = (ln_st_meta){"format", "lenet"};
    m[1] = (ln_st_meta){"input", "1,28,28"};
    m[2] = (ln_st_meta){"note", "tab\there \"quoted\" \\"};
    *nm = 3;
    return 5;
}

Test(st, round_trip)
{
    ln_st_tensor t[5];
    ln_st_meta m[3];
    int nm, nt = sample(t, m, &nm);
    char path[1024];
    snprintf(path, sizeof path, "%s", tmp_path("rt.safetensors"));
    cr_assert_eq(ln_st_write(path, t, nt, m, nm), LN_OK, "%s", ln_last_error());
    ln_st_file f;
    cr_assert_eq(ln_st_read(path, &f), LN_OK, "%s", ln_last_error());
    cr_assert_eq(f.ntensors, nt);
    for (int i = 0; i < nt; i++) {
        const ln_st_tensor *g = &f.tensors[i];
        cr_assert_str_eq(g->name, t[i].name);
        cr_assert_eq(g->ndim, t[i].ndim);
        size_t numel = 1;
        for (int d = 0; d < g->ndim; d++) {
            cr_assert_eq(g->shape[d], t[i].shape[d]);
            numel *= (size_t)g->shape[d];
        }
        cr_assert_not_null(g->data);
        cr_assert_eq((uintptr_t)g->data % 64, 0, "tensor %d not 64-byte aligned", i);
        if (numel) cr_assert(!memcmp(g->data, t[i].data, numel * 4), "tensor %s differs", g->name);
        cr_assert_eq(ln_st_find(&f, t[i].name), g);
    }
    cr_assert_eq(f.nmeta, nm);
    for (int i = 0; i < nm; i++) {
        cr_assert_str_eq(f.meta[i].key, m[i].key);
        cr_assert_str_eq(ln_st_meta_get(&f, m[i].key), m[i].value);
    }
    cr_assert_null(ln_st_find(&f, "nope"));
    cr_assert_null(ln_st_meta_get(&f, "nope"));
    ln_st_free(&f);
    ln_st_free(&f);
    cr_assert_eq(f.ntensors, 0);
    cr_assert_null(ln_st_find(&f, "vec"));
    ln_st_free(NULL);
}

Test(st, no_tensors_no_metadata)
{
    char path[1024];
    snprintf(path, sizeof path, "%s", tmp_path("none.safetensors"));
    cr_assert_eq(ln_st_write(path, NULL, 0, NULL, 0), LN_OK, "%s", ln_last_error());
    size_t len;
    unsigned char *b = read_file(path, &len);
    cr_assert_eq(len, 16);
    cr_assert(!memcmp(b, "\x08\0\0\0\0\0\0\0{}      ", 16));
    free(b);
    ln_st_file f;
    cr_assert_eq(ln_st_read(path, &f), LN_OK, "%s", ln_last_error());
    cr_assert_eq(f.ntensors, 0);
    cr_assert_eq(f.nmeta, 0);
    ln_st_free(&f);
}

Test(st, byte_identical)
{
    ln_st_tensor t[5];
    ln_st_meta m[3];
    int nm, nt = sample(t, m, &nm);
    char a[1024], b[1024];
    snprintf(a, sizeof a, "%s", tmp_path("a.safetensors"));
    snprintf(b, sizeof b, "%s", tmp_path("b.safetensors"));
    cr_assert_eq(ln_st_write(a, t, nt, m, nm), LN_OK);
    cr_assert_eq(ln_st_write(b, t, nt, m, nm), LN_OK);
    size_t la, lb, lc;
    unsigned char *x = read_file(a, &la), *y = read_file(b, &lb);
    cr_assert_eq(la, lb);
    cr_assert(!memcmp(x, y, la));
    cr_assert_eq(ln_st_write(a, t, nt, m, nm), LN_OK);
    unsigned char *z = read_file(a, &lc);
    cr_assert_eq(lc, la);
    cr_assert(!memcmp(x, z, la));
    free(x);
    free(y);
    free(z);
}

Test(st, header_alignment)
{
    static const float one = 1.0f;
    char name[32], path[1024];
    snprintf(path, sizeof path, "%s", tmp_path("align.safetensors"));
    for (int k = 1; k <= 16; k++) {
        memset(name, 'n', (size_t)k);
        name[k] = 0;
        ln_st_tensor t = {name, 1, {1}, &one};
        cr_assert_eq(ln_st_write(path, &t, 1, NULL, 0), LN_OK, "%s", ln_last_error());
        size_t len;
        unsigned char *b = read_file(path, &len);
        uint64_t n = get_u64le(b);
        cr_assert_eq((8 + n) % 8, 0, "header length %" PRIu64 " for name length %d", n, k);
        cr_assert_eq(len, 8 + n + 4);
        size_t end = 8 + (size_t)n;
        while (b[end - 1] == ' ') end--;
        cr_assert_eq(b[end - 1], '}');
        cr_assert_lt(8 + n - end, 8, "more padding than needed");
        cr_assert(!memcmp(b + 8 + n, "\0\0\x80\x3f", 4), "data not little-endian 1.0f");
        free(b);
    }
}

/* What Python writes for
 *   safetensors.numpy.save_file({"weight": np.array([[1,2],[3,4]], "f4"),
 *       "bias": np.array([0.5,-1], "f4")}, path, metadata={"format": "pt"})
 * the reference orders tensors by dtype then name, puts __metadata__ first
 * and pads the 149-byte JSON to 152 with spaces. */
static const char PY_HDR[] = "{\"__metadata__\":{\"format\":\"pt\"},"
                             "\"bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                             "\"weight\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[8,24]}}   ";
static const unsigned char PY_LEN[8] = {0x98, 0, 0, 0, 0, 0, 0, 0};
static const unsigned char PY_DATA[24] = {0x00, 0x00, 0x00, 0x3f, 0x00, 0x00, 0x80, 0xbf, /* .5 -1 */
                                          0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0x40, /* 1 2 */
                                          0x00, 0x00, 0x40, 0x40, 0x00, 0x00, 0x80, 0x40};/* 3 4 */

static unsigned char *python_bytes(size_t *len)
{
    cr_assert_eq(sizeof PY_HDR - 1, 152);
    *len = 8 + 152 + 24;
    unsigned char *b = malloc(*len);
    memcpy(b, PY_LEN, 8);
    memcpy(b + 8, PY_HDR, 152);
    memcpy(b + 160, PY_DATA, 24);
    return b;
}

Test(st, reads_python_file)
{
    size_t len;
    unsigned char *b = python_bytes(&len);
    char path[1024];
    snprintf(path, sizeof path, "%s", tmp_path("py.safetensors"));
    cr_assert_eq(write_file(path, b, len), 0);
    free(b);
    ln_st_file f;
    cr_assert_eq(ln_st_read(path, &f), LN_OK, "%s", ln_last_error());
    cr_assert_eq(f.ntensors, 2);
    const ln_st_tensor *w = ln_st_find(&f, "weight"), *bias = ln_st_find(&f, "bias");
    cr_assert_not_null(w);
    cr_assert_not_null(bias);
    cr_assert_eq(w->ndim, 2);
    cr_assert_eq(w->shape[0], 2);
    cr_assert_eq(w->shape[1], 2);
    for (int i = 0; i < 4; i++) cr_assert_eq(w->data[i], (float)(i + 1));
    cr_assert_eq(bias->data[0], 0.5f);
    cr_assert_eq(bias->data[1], -1.0f);
    cr_assert_str_eq(ln_st_meta_get(&f, "format"), "pt");
    ln_st_free(&f);
}

Test(st, writes_python_layout)
{
    static const float bias[2] = {0.5f, -1.0f}, weight[4] = {1, 2, 3, 4};
    ln_st_tensor t[2] = {{"bias", 1, {2}, bias}, {"weight", 2, {2, 2}, weight}};
    ln_st_meta m = {"format", "pt"};
    char path[1024];
    snprintf(path, sizeof path, "%s", tmp_path("same.safetensors"));
    cr_assert_eq(ln_st_write(path, t, 2, &m, 1), LN_OK, "%s", ln_last_error());
    size_t len, plen;
    unsigned char *got = read_file(path, &len), *want = python_bytes(&plen);
    cr_assert_eq(len, plen);
    cr_assert(!memcmp(got, want, len), "not byte-identical to the reference writer");
    free(got);
    free(want);
}

Test(st, reads_other_writers)
{
    /* json.dumps spacing, no padding, metadata last, a gap, an odd offset,
     * an empty tensor inside another's range and an ignored extra field */
    const char *hdr = "{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [2, 6], \"x\": 1},\n"
                      " \"e\": {\"shape\": [0, 3], \"dtype\": \"F32\", \"data_offsets\": [4, 4]},\n"
                      " \"s\": {\"dtype\": \"F32\", \"shape\": [], \"data_offsets\": [8, 12]},\n"
                      " \"__metadata__\": {\"a\": \"\\u00e9\"}}";
    unsigned char data[12] = {0xee, 0xee, 0x00, 0x00, 0xc0, 0x3f, 0xee, 0xee, 0x00, 0x00, 0x20, 0xc1};
    char path[1024];
    snprintf(path, sizeof path, "%s", tmp_path("other.safetensors"));
    make_raw(path, strlen(hdr), hdr, data, sizeof data);
    ln_st_file f;
    cr_assert_eq(ln_st_read(path, &f), LN_OK, "%s", ln_last_error());
    cr_assert_eq(f.ntensors, 3);
    cr_assert_str_eq(f.tensors[0].name, "w");
    cr_assert_eq(f.tensors[0].data[0], 1.5f);
    cr_assert_eq((uintptr_t)f.tensors[0].data % 64, 0);
    cr_assert_eq(f.tensors[1].ndim, 2);
    cr_assert_eq(f.tensors[2].ndim, 0);
    cr_assert_eq(f.tensors[2].data[0], -10.0f);
    cr_assert_str_eq(ln_st_meta_get(&f, "a"), "\xc3\xa9");
    ln_st_free(&f);
}

/* ----------------------------------------------------- malformed files */

Test(st_bad, truncated)
{
    ln_st_tensor t[5];
    ln_st_meta m[3];
    int nm, nt = sample(t, m, &nm);
    char good[1024], cut[1024];
    snprintf(good, sizeof good, "%s", tmp_path("good.safetensors"));
    snprintf(cut, sizeof cut, "%s", tmp_path("cut.safetensors"));
    cr_assert_eq(ln_st_write(good, t, nt, m, nm), LN_OK);
    size_t len;
    unsigned char *b = read_file(good, &len);
    size_t h = 8 + (size_t)get_u64le(b);
    struct { size_t at; const char *phrase; } cases[] = {
        {0, "truncated: 0 bytes"}, {3, "truncated: 3 bytes"}, {7, "truncated"},
        {8, "exceeds the file size"}, {h / 2, "exceeds the file size"}, {h - 1, "exceeds the file size"},
        {h, "'conv.weight' data_offsets [0,32] exceed the data section (0 bytes)"},
        {h + 1, "exceed the data section"}, {len - 1, "'vec' data_offsets [36,56] exceed the data section (55 bytes)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cr_assert_eq(write_file(cut, b, cases[i].at), 0);
        expect_fail(cut, LN_ERR_FORMAT, cases[i].phrase);
    }
    free(b);
}

Test(st_bad, header_length_too_large)
{
    char path[1024];
    snprintf(path, sizeof path, "%s", tmp_path("big.safetensors"));
    const char *hdr = "{}      ";
    make_raw(path, 9, hdr, NULL, 0);
    expect_fail(path, LN_ERR_FORMAT, "header length 9 exceeds the file size (16 bytes)");
    make_raw(path, UINT64_MAX, hdr, NULL, 0);
    expect_fail(path, LN_ERR_FORMAT, "exceeds the file size");
    make_raw(path, (uint64_t)1 << 63, hdr, NULL, 0);
    expect_fail(path, LN_ERR_FORMAT, "exceeds the file size");
    /* a sparse file big enough to hold a 100 MB + 1 header */
    make_raw(path, 100000001, hdr, NULL, 0);
    cr_assert_eq(truncate(path, 100000100), 0);
    expect_fail(path, LN_ERR_FORMAT, "header length 100000001 exceeds the limit");
    unlink(path);
}

Test(st_bad, invalid_json)
{
    expect_fail_hdr("", 0, LN_ERR_FORMAT, "invalid JSON header: expected a value, found end of input at offset 0");
    expect_fail_hdr("{", 0, LN_ERR_FORMAT, "invalid JSON header");
    expect_fail_hdr("{\"a\":}", 0, LN_ERR_FORMAT, "invalid JSON header: unexpected character '}' at offset 5");
    expect_fail_hdr("{\"a\":{}} x", 0, LN_ERR_FORMAT, "trailing");
    expect_fail_hdr("{\"\xff\":{}}", 0, LN_ERR_FORMAT, "UTF-8");
    expect_fail_hdr("{'a':1}", 0, LN_ERR_FORMAT, "invalid JSON header");
    expect_fail_hdr("[1,2]", 0, LN_ERR_FORMAT, "header is an array, not a JSON object");
    expect_fail_hdr("\"x\"", 0, LN_ERR_FORMAT, "header is a string");
}

Test(st_bad, dtype)
{
    expect_fail_hdr("{" T_F32("a", "[1]", "[0,4]") ",\"w\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[4,8]}}",
                    8, LN_ERR_UNSUPPORTED, "tensor 'w' has dtype F16; only F32 is supported");
    expect_fail_hdr("{\"w\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4, LN_ERR_UNSUPPORTED, "BF16");
    expect_fail_hdr("{\"w\":{\"dtype\":\"f32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, LN_ERR_FORMAT,
                    "unknown dtype 'f32'");
    expect_fail_hdr("{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4, LN_ERR_FORMAT, "'w' has no dtype");
    expect_fail_hdr("{\"w\":{\"dtype\":32,\"shape\":[1],\"data_offsets\":[0,4]}}", 4, LN_ERR_FORMAT, "dtype");
}

Test(st_bad, shape)
{
    expect_fail_hdr("{" T_F32("w", "[-1]", "[0,4]") "}", 4, LN_ERR_FORMAT,
                    "tensor 'w' shape dimension 0 is not a non-negative integer");
    expect_fail_hdr("{" T_F32("w", "[2,-3]", "[0,4]") "}", 4, LN_ERR_FORMAT, "dimension 1");
    expect_fail_hdr("{" T_F32("w", "[1.0]", "[0,4]") "}", 4, LN_ERR_FORMAT, "shape");
    expect_fail_hdr("{" T_F32("w", "\"1\"", "[0,4]") "}", 4, LN_ERR_FORMAT, "'w' has no shape array");
    expect_fail_hdr("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4, LN_ERR_FORMAT, "shape");
    expect_fail_hdr("{" T_F32("w", "[1,1,1,1,1,1,1,1,1]", "[0,4]") "}", 4, LN_ERR_UNSUPPORTED, "9 dimensions");
    expect_fail_hdr("{" T_F32("w", "[4611686018427387904,4]", "[0,0]") "}", 4, LN_ERR_FORMAT, "does not match");
    expect_fail_hdr("{" T_F32("w", "[4294967296,4294967296]", "[0,0]") "}", 4, LN_ERR_FORMAT, "does not match");
    expect_fail_hdr("{" T_F32("w", "[4611686018427387904]", "[0,0]") "}", 4, LN_ERR_FORMAT, "does not match");
    expect_fail_hdr("{\"w\":[1]}", 4, LN_ERR_FORMAT, "tensor 'w' is an array, not an object");
}

Test(st_bad, offsets)
{
    expect_fail_hdr("{" T_F32("a", "[2]", "[0,8]") "," T_F32("fc1.weight", "[3]", "[0,12]") "}", 8,
                    LN_ERR_FORMAT, "exceed the data section");
    char want[1200];
    snprintf(want, sizeof want, "%s: tensor 'fc1.weight' data_offsets [0,12] exceed the data section (8 bytes)",
             tmp_path("bad.safetensors"));
    cr_assert_str_eq(ln_last_error(), want);
    expect_fail_hdr("{" T_F32("w", "[1]", "[8,4]") "}", 8, LN_ERR_FORMAT, "end before they begin");
    expect_fail_hdr("{" T_F32("w", "[1]", "[0]") "}", 8, LN_ERR_FORMAT, "data_offsets is not two");
    expect_fail_hdr("{" T_F32("w", "[1]", "[0,4,8]") "}", 8, LN_ERR_FORMAT, "data_offsets");
    expect_fail_hdr("{" T_F32("w", "[1]", "[\"0\",4]") "}", 8, LN_ERR_FORMAT, "data_offsets");
    expect_fail_hdr("{" T_F32("w", "[1]", "[-4,0]") "}", 8, LN_ERR_FORMAT, "data_offsets");
    expect_fail_hdr("{" T_F32("w", "[1]", "{}") "}", 8, LN_ERR_FORMAT, "data_offsets");
    expect_fail_hdr("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", 8, LN_ERR_FORMAT, "data_offsets");
    expect_fail_hdr("{" T_F32("w", "[1]", "[0,9223372036854775807]") "}", 8, LN_ERR_FORMAT, "exceed the data");
}

Test(st_bad, offsets_vs_shape)
{
    expect_fail_hdr("{" T_F32("w", "[3]", "[0,8]") "}", 12, LN_ERR_FORMAT,
                    "tensor 'w' data_offsets [0,8] span 8 bytes, which does not match its shape");
    expect_fail_hdr("{" T_F32("w", "[]", "[0,0]") "}", 12, LN_ERR_FORMAT, "does not match");
    expect_fail_hdr("{" T_F32("w", "[0]", "[0,4]") "}", 12, LN_ERR_FORMAT, "does not match");
}

Test(st_bad, overlap)
{
    expect_fail_hdr("{" T_F32("a", "[2]", "[0,8]") "," T_F32("b", "[2]", "[4,12]") "}", 12, LN_ERR_FORMAT,
                    "tensors 'a' and 'b' overlap");
    expect_fail_hdr("{" T_F32("b", "[1]", "[4,8]") "," T_F32("a", "[3]", "[0,12]") "}", 12, LN_ERR_FORMAT,
                    "overlap");
    expect_fail_hdr("{" T_F32("a", "[1]", "[0,4]") "," T_F32("b", "[1]", "[0,4]") "}", 12, LN_ERR_FORMAT,
                    "overlap");
    /* the overlap may be with an earlier, longer tensor than the last one */
    expect_fail_hdr("{" T_F32("a", "[3]", "[0,12]") "," T_F32("b", "[1]", "[0,4]") "," T_F32("c", "[1]", "[8,12]")
                    "}", 12, LN_ERR_FORMAT, "overlap");
    expect_fail_hdr("{" T_F32("a", "[2]", "[0,8]") "," T_F32("b", "[1]", "[4,8]") "," T_F32("c", "[1]", "[4,8]")
                    "}", 12, LN_ERR_FORMAT, "overlap");
    /* touching is fine, and so are empty tensors anywhere */
    const char *ok = make_st("ok.safetensors",
                             "{" T_F32("a", "[2]", "[0,8]") "," T_F32("e", "[0]", "[4,4]") ","
                             T_F32("b", "[1]", "[8,12]") "}", 12);
    ln_st_file f;
    cr_assert_eq(ln_st_read(ok, &f), LN_OK, "%s", ln_last_error());
    ln_st_free(&f);
}

Test(st_bad, duplicate_key)
{
    expect_fail_hdr("{" T_F32("a", "[1]", "[0,4]") "," T_F32("a", "[1]", "[4,8]") "}", 8, LN_ERR_FORMAT,
                    "duplicate key 'a'");
    expect_fail_hdr("{\"__metadata__\":{},\"__metadata__\":{}}", 0, LN_ERR_FORMAT, "duplicate key '__metadata__'");
    expect_fail_hdr("{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}", 0, LN_ERR_FORMAT, "duplicate key 'k'");
}

Test(st_bad, metadata)
{
    expect_fail_hdr("{\"__metadata__\":{\"format\":\"pt\",\"n\":1}}", 0, LN_ERR_FORMAT,
                    "__metadata__ value for 'n' is an integer, not a string");
    expect_fail_hdr("{\"__metadata__\":{\"n\":null}}", 0, LN_ERR_FORMAT, "not a string");
    expect_fail_hdr("{\"__metadata__\":{\"n\":[\"a\"]}}", 0, LN_ERR_FORMAT, "not a string");
    expect_fail_hdr("{\"__metadata__\":\"x\"}", 0, LN_ERR_FORMAT, "__metadata__ is a string, not an object");
    expect_fail_hdr("{\"__metadata__\":{\"n\":\"a\\u0000b\"}}", 0, LN_ERR_FORMAT, "NUL");
    expect_fail_hdr("{\"a\\u0000b\":{}}", 0, LN_ERR_FORMAT, "tensor name 'a?b' contains a NUL");
    expect_fail_hdr("{\"a\\nb\":1}", 0, LN_ERR_FORMAT, "tensor 'a?b' is an integer");
}

Test(st_bad, missing_file_and_directory)
{
    char path[1024], dir[1024];
    snprintf(path, sizeof path, "%s", tmp_path("does-not-exist.safetensors"));
    expect_fail(path, LN_ERR_IO, "cannot open: No such file or directory");
    dir_of(path, dir, sizeof dir);
    expect_fail(dir, LN_ERR_IO, "not a regular file");
    ln_st_file f;
    cr_assert_eq(ln_st_read(NULL, &f), LN_ERR_ARG);
    cr_assert_eq(ln_st_read(path, NULL), LN_ERR_ARG);
    ln_st_file z = {0};
    ln_st_free(&z);
}

/* ------------------------------------------------------------- writing */

static void write_one(const char *path, float v, ln_status want)
{
    ln_st_tensor t = {"v", 1, {1}, &v};
    ln_status st = ln_st_write(path, &t, 1, NULL, 0);
    cr_assert_eq(st, want, "%s", ln_last_error());
}

static float read_one(const char *path)
{
    ln_st_file f;
    cr_assert_eq(ln_st_read(path, &f), LN_OK, "%s", ln_last_error());
    float v = f.tensors[0].data[0];
    ln_st_free(&f);
    return v;
}

Test(st_write, missing_directory)
{
    char path[1024], dir[1024];
    snprintf(path, sizeof path, "%s", tmp_path("no/such/dir/m.safetensors"));
    write_one(path, 1.0f, LN_ERR_IO);
    const char *e = ln_last_error();
    cr_assert(!strncmp(e, path, strlen(path)), "%s", e);
    cr_assert(strstr(e, "No such file or directory"), "%s", e);
    cr_assert_eq(access(path, F_OK), -1);
    dir_of(tmp_path("x"), dir, sizeof dir);
    cr_assert_eq(count_tmp_files(dir), 0);
}

Test(st_write, replaces_on_success)
{
    char path[1024], dir[1024];
    snprintf(path, sizeof path, "%s", tmp_path("m.safetensors"));
    dir_of(path, dir, sizeof dir);
    write_one(path, 1.0f, LN_OK);
    cr_assert_eq(read_one(path), 1.0f);
    write_one(path, 2.0f, LN_OK);
    cr_assert_eq(read_one(path), 2.0f);
    cr_assert_eq(count_tmp_files(dir), 0);
    /* a relative path syncs "." */
    char cwd[1024];
    cr_assert_not_null(getcwd(cwd, sizeof cwd));
    cr_assert_eq(chdir(dir), 0);
    write_one("rel.safetensors", 3.0f, LN_OK);
    cr_assert_eq(read_one("rel.safetensors"), 3.0f);
    cr_assert_eq(chdir(cwd), 0);
}

Test(st_write, failure_keeps_old_file)
{
    char path[1024], tmp[1200], dir[1024];
    snprintf(path, sizeof path, "%s", tmp_path("keep.safetensors"));
    dir_of(path, dir, sizeof dir);
    write_one(path, 1.0f, LN_OK);
    size_t l0, l1;
    unsigned char *before = read_file(path, &l0);
    /* the temporary name is taken by a directory: creating it fails */
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    cr_assert_eq(mkdir(tmp, 0700), 0);
    write_one(path, 2.0f, LN_ERR_IO);
    cr_assert(!strncmp(ln_last_error(), path, strlen(path)));
    cr_assert(strstr(ln_last_error(), "cannot create"), "%s", ln_last_error());
    unsigned char *after = read_file(path, &l1);
    cr_assert_eq(l0, l1);
    cr_assert(!memcmp(before, after, l0));
    cr_assert_eq(rmdir(tmp), 0, "the writer must not remove what it did not create");
    free(before);
    free(after);
    /* the target is a non-empty directory: refused (an output must be a
     * regular file or new), and no temporary is left */
    char target[1200], inner[1300];
    snprintf(target, sizeof target, "%s/occupied", dir);
    snprintf(inner, sizeof inner, "%s/file", target);
    cr_assert_eq(mkdir(target, 0700), 0);
    cr_assert_eq(write_file(inner, "x", 1), 0);
    write_one(target, 2.0f, LN_ERR_IO);
    cr_assert(strstr(ln_last_error(), "not a regular file"), "%s", ln_last_error());
    cr_assert(!strncmp(ln_last_error(), target, strlen(target)));
    cr_assert_eq(count_tmp_files(dir), 0);
    cr_assert_eq(access(inner, F_OK), 0);
}

Test(st_write, invalid_arguments)
{
    static const float x[4] = {0};
    char path[1024], dir[1024];
    snprintf(path, sizeof path, "%s", tmp_path("args.safetensors"));
    dir_of(path, dir, sizeof dir);
    write_one(path, 5.0f, LN_OK);
    struct { ln_st_tensor t[2]; int nt; ln_st_meta m[2]; int nm; const char *phrase; } cases[] = {
        {{{"a", 1, {1}, x}, {"a", 1, {1}, x}}, 2, {{0}}, 0, "duplicate tensor name 'a'"},
        {{{"__metadata__", 1, {1}, x}}, 1, {{0}}, 0, "cannot be a tensor name"},
        {{{"a", 9, {1}, x}}, 1, {{0}}, 0, "9 dimensions"},
        {{{"a", -1, {1}, x}}, 1, {{0}}, 0, "-1 dimensions"},
        {{{"a", 2, {2, -2}, x}}, 1, {{0}}, 0, "negative dimension -2"},
        {{{"a", 1, {3}, NULL}}, 1, {{0}}, 0, "has no data"},
        {{{NULL, 1, {1}, x}}, 1, {{0}}, 0, "tensor name 0 is NULL"},
        {{{"\xff", 1, {1}, x}}, 1, {{0}}, 0, "not valid UTF-8"},
        {{{"a", 2, {INT64_MAX, 2}, x}}, 1, {{0}}, 0, "too large"},
        {{{"a", 1, {1}, x}}, 1, {{"k", "1"}, {"k", "2"}}, 2, "duplicate metadata key 'k'"},
        {{{"a", 1, {1}, x}}, 1, {{"k", NULL}}, 1, "metadata value 0 is NULL"},
        {{{"a", 1, {1}, x}}, -1, {{0}}, 0, "invalid tensor"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ln_status st = ln_st_write(path, cases[i].t, cases[i].nt, cases[i].m, cases[i].nm);
        cr_assert_eq(st, LN_ERR_ARG, "case %zu: %s", i, ln_last_error());
        cr_assert(!strncmp(ln_last_error(), path, strlen(path)), "%s", ln_last_error());
        cr_assert(strstr(ln_last_error(), cases[i].phrase), "case %zu: %s", i, ln_last_error());
    }
    cr_assert_eq(ln_st_write(NULL, NULL, 0, NULL, 0), LN_ERR_ARG);
    cr_assert_eq(read_one(path), 5.0f);
    cr_assert_eq(count_tmp_files(dir), 0);
}
