#include "io/safetensors.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/crc32.h"
#include "core/input_file.h"
#include "io/atomic_file.h"
#include "io/json.h"

#define META_KEY "__metadata__"
/* Same cap as the reference implementation: a bigger header is hostile. */
#define HEADER_MAX 100000000u
#define DATA_ALIGN 64
#define CHUNK_FLOATS 1024

/* Byte order by shifts: the file is little-endian on any host, with no
 * endianness test, and compilers reduce these to plain loads on x86/ARM. */
static void store_le32(unsigned char *b, uint32_t u)
{
    b[0] = (unsigned char)u;
    b[1] = (unsigned char)(u >> 8);
    b[2] = (unsigned char)(u >> 16);
    b[3] = (unsigned char)(u >> 24);
}

static uint32_t load_le32(const unsigned char *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static void store_le64(unsigned char *b, uint64_t v)
{
    store_le32(b, (uint32_t)v);
    store_le32(b + 4, (uint32_t)(v >> 32));
}

static uint64_t load_le64(const unsigned char *b)
{
    return (uint64_t)load_le32(b) | (uint64_t)load_le32(b + 4) << 32;
}

/* Element count of a shape, or UINT64_MAX if it overflows (no real tensor
 * comes close, so the sentinel can never match a valid byte count). */
static uint64_t shape_numel(const int64_t *shape, int ndim)
{
    uint64_t n = 1;
    for (int i = 0; i < ndim; i++)
        if (shape[i] == 0) return 0;
    for (int i = 0; i < ndim; i++) {
        uint64_t d = (uint64_t)shape[i];
        if (n > UINT64_MAX / d) return UINT64_MAX;
        n *= d;
    }
    return n;
}

/* ------------------------------------------------------------------ write */

typedef struct sbuf {
    char *p;
    size_t len, cap;
    int oom;
} sbuf;

static char *sb_reserve(sbuf *b, size_t n)
{
    if (b->oom) return NULL;
    if (n > SIZE_MAX - b->len - 1) { b->oom = 1; return NULL; }
    if (b->len + n + 1 > b->cap) {
        size_t nc = b->cap ? b->cap : 256;
        while (nc < b->len + n + 1) nc = nc > SIZE_MAX / 2 ? b->len + n + 1 : nc * 2;
        char *g = realloc(b->p, nc);
        if (!g) { b->oom = 1; return NULL; }
        b->p = g;
        b->cap = nc;
    }
    return b->p + b->len;
}

static void sb_add(sbuf *b, const char *s)
{
    size_t n = strlen(s);
    char *d = sb_reserve(b, n);
    if (!d) return;
    memcpy(d, s, n + 1);
    b->len += n;
}

static void sb_json_str(sbuf *b, const char *s)
{
    size_t len = strlen(s), n = ln_json_escape(NULL, 0, s, len);
    char *d = sb_reserve(b, n);
    if (!d) return;
    ln_json_escape(d, n + 1, s, len);
    b->len += n;
}

static void sb_u64(sbuf *b, uint64_t v)
{
    char t[24];
    snprintf(t, sizeof t, "%" PRIu64, v);
    sb_add(b, t);
}

static ln_status check_name(const char *path, const char *what, int i, const char *s)
{
    if (!s) return ln_fail(LN_ERR_ARG, "%s: %s %d is NULL", path, what, i);
    if (!ln_json_utf8_valid(s, strlen(s)))
        return ln_fail(LN_ERR_ARG, "%s: %s %d is not valid UTF-8", path, what, i);
    return LN_OK;
}

static ln_status check_tensor(const char *path, const ln_st_tensor *t, int i)
{
    ln_status st = check_name(path, "tensor name", i, t->name);
    if (st) return st;
    if (!strcmp(t->name, META_KEY))
        return ln_fail(LN_ERR_ARG, "%s: '%s' cannot be a tensor name", path, META_KEY);
    if (t->ndim < 0 || t->ndim > LN_ST_MAX_DIMS)
        return ln_fail(LN_ERR_ARG, "%s: tensor '%s' has %d dimensions (0..%d allowed)", path, t->name,
                       t->ndim, LN_ST_MAX_DIMS);
    for (int d = 0; d < t->ndim; d++)
        if (t->shape[d] < 0)
            return ln_fail(LN_ERR_ARG, "%s: tensor '%s' has negative dimension %" PRId64, path, t->name,
                           t->shape[d]);
    uint64_t n = shape_numel(t->shape, t->ndim);
    if (n > (uint64_t)(SIZE_MAX / 4) || n > (uint64_t)INT64_MAX / 4)
        return ln_fail(LN_ERR_ARG, "%s: tensor '%s' is too large", path, t->name);
    if (n && !t->data) return ln_fail(LN_ERR_ARG, "%s: tensor '%s' has no data", path, t->name);
    return LN_OK;
}

static ln_status check_args(const char *path, const ln_st_tensor *t, int nt, const ln_st_meta *m, int nm)
{
    if (nt < 0 || nm < 0 || (nt && !t) || (nm && !m))
        return ln_fail(LN_ERR_ARG, "%s: invalid tensor or metadata list", path);
    uint64_t total = 0;
    for (int i = 0; i < nt; i++) {
        ln_status st = check_tensor(path, &t[i], i);
        if (st) return st;
        uint64_t bytes = 4 * shape_numel(t[i].shape, t[i].ndim);
        if (bytes > (uint64_t)INT64_MAX - total)
            return ln_fail(LN_ERR_ARG, "%s: tensors too large in total", path);
        total += bytes;
        for (int j = 0; j < i; j++)
            if (!strcmp(t[i].name, t[j].name))
                return ln_fail(LN_ERR_ARG, "%s: duplicate tensor name '%s'", path, t[i].name);
    }
    for (int i = 0; i < nm; i++) {
        ln_status st = check_name(path, "metadata key", i, m[i].key);
        if (!st) st = check_name(path, "metadata value", i, m[i].value);
        if (st) return st;
        for (int j = 0; j < i; j++)
            if (!strcmp(m[i].key, m[j].key))
                return ln_fail(LN_ERR_ARG, "%s: duplicate metadata key '%s'", path, m[i].key);
    }
    return LN_OK;
}

/* The header exactly as the reference writer lays it out: compact JSON,
 * metadata first, then tensors with packed offsets, padded with spaces so
 * the data starts at a multiple of 8. *mark_at receives the header offset
 * of metadata value m[mark]'s first character (mark -1: none). */
static ln_status build_header(const char *path, const ln_st_tensor *t, int nt, const ln_st_meta *m, int nm,
                              int mark, size_t *mark_at, sbuf *b)
{
    sb_add(b, "{");
    if (nm) {
        sb_json_str(b, META_KEY);
        sb_add(b, ":{");
        for (int i = 0; i < nm; i++) {
            if (i) sb_add(b, ",");
            sb_json_str(b, m[i].key);
            sb_add(b, ":");
            if (i == mark) *mark_at = b->len + 1; /* past the quote */
            sb_json_str(b, m[i].value);
        }
        sb_add(b, "}");
    }
    uint64_t off = 0;
    for (int i = 0; i < nt; i++) {
        if (i || nm) sb_add(b, ",");
        sb_json_str(b, t[i].name);
        sb_add(b, ":{\"dtype\":\"F32\",\"shape\":[");
        for (int d = 0; d < t[i].ndim; d++) {
            if (d) sb_add(b, ",");
            sb_u64(b, (uint64_t)t[i].shape[d]);
        }
        uint64_t end = off + 4 * shape_numel(t[i].shape, t[i].ndim);
        sb_add(b, "],\"data_offsets\":[");
        sb_u64(b, off);
        sb_add(b, ",");
        sb_u64(b, end);
        sb_add(b, "]}");
        off = end;
    }
    sb_add(b, "}");
    while (!b->oom && b->len % 8) sb_add(b, " ");
    return b->oom ? ln_fail(LN_ERR_NOMEM, "%s: out of memory building the header", path) : LN_OK;
}

/* k <= CHUNK_FLOATS floats as little-endian bytes */
static void floats_le(unsigned char *buf, const float *x, size_t k)
{
    for (size_t i = 0; i < k; i++) {
        uint32_t u;
        memcpy(&u, &x[i], 4);
        store_le32(buf + 4 * i, u);
    }
}

static int write_floats(FILE *f, const float *x, size_t n)
{
    unsigned char buf[CHUNK_FLOATS * 4];
    while (n) {
        size_t k = n < CHUNK_FLOATS ? n : CHUNK_FLOATS;
        floats_le(buf, x, k);
        if (fwrite(buf, 4, k, f) != k) return -1;
        x += k;
        n -= k;
    }
    return 0;
}

static int write_contents(FILE *f, const sbuf *h, const ln_st_tensor *t, int nt)
{
    unsigned char len[8];
    store_le64(len, (uint64_t)h->len);
    if (fwrite(len, 1, 8, f) != 8 || fwrite(h->p, 1, h->len, f) != h->len) return -1;
    for (int i = 0; i < nt; i++)
        if (write_floats(f, t[i].data, (size_t)shape_numel(t[i].shape, t[i].ndim))) return -1;
    return 0;
}

/* Write the file through the atomic-replacement module: a failure leaves
 * `path` as it was. */
static ln_status write_atomic(const char *path, const sbuf *h, const ln_st_tensor *t, int nt)
{
    ln_atomic_file a;
    ln_status st = ln_atomic_begin(&a, path);
    if (st) return st;
    (void)write_contents(a.f, h, t, nt); /* a write error is sticky: the commit reports it */
    return ln_atomic_commit(&a);
}

/* The CRC-32, continued from crc, of the data section as it will be
 * written: the tensors' bytes, little-endian, packed in order. */
static uint32_t data_crc(uint32_t crc, const ln_st_tensor *t, int nt)
{
    unsigned char buf[CHUNK_FLOATS * 4];
    for (int i = 0; i < nt; i++) {
        const float *x = t[i].data;
        size_t n = (size_t)shape_numel(t[i].shape, t[i].ndim);
        while (n) {
            size_t k = n < CHUNK_FLOATS ? n : CHUNK_FLOATS;
            floats_le(buf, x, k);
            crc = ln_crc32(crc, buf, 4 * k);
            x += k;
            n -= k;
        }
    }
    return crc;
}

/* The CRC-32 of the whole file (length, header, data) with the 8 hex
 * digits at header offset `at` counted as "00000000". */
static uint32_t file_crc(const sbuf *h, size_t at, const ln_st_tensor *t, int nt)
{
    unsigned char len[8];
    store_le64(len, (uint64_t)h->len);
    uint32_t c = ln_crc32(0, len, 8);
    c = ln_crc32(c, h->p, at);
    c = ln_crc32(c, "00000000", 8);
    c = ln_crc32(c, h->p + at + 8, h->len - at - 8);
    return data_crc(c, t, nt);
}

ln_status ln_st_write_crc(const char *path, const ln_st_tensor *t, int nt, const ln_st_meta *m, int nm,
                          const char *data_key, const char *file_key)
{
    if (!path || !*path) return ln_fail(LN_ERR_ARG, "safetensors: no output path");
    ln_status st = check_args(path, t, nt, m, nm);
    if (st) return st;
    ln_st_meta *mm = NULL;
    char crc[9];
    int extra = (data_key != NULL) + (file_key != NULL);
    if (extra) { /* metadata plus the checksums, the file's last */
        if (!(mm = malloc(((size_t)nm + 2) * sizeof *mm))) return ln_fail(LN_ERR_NOMEM, "%s: out of memory", path);
        if (nm) memcpy(mm, m, (size_t)nm * sizeof *mm);
        snprintf(crc, sizeof crc, "%08" PRIx32, data_crc(0, t, nt));
        if (data_key) mm[nm++] = (ln_st_meta){data_key, crc};
        if (file_key) mm[nm++] = (ln_st_meta){file_key, "00000000"};
        m = mm;
        st = check_args(path, t, nt, m, nm);
    }
    sbuf h = {0};
    size_t at = 0;
    if (!st) st = build_header(path, t, nt, m, nm, file_key ? nm - 1 : -1, &at, &h);
    if (!st && file_key) {
        char fc[9];
        snprintf(fc, sizeof fc, "%08" PRIx32, file_crc(&h, at, t, nt));
        memcpy(h.p + at, fc, 8);
    }
    if (!st) st = write_atomic(path, &h, t, nt);
    free(h.p);
    free(mm);
    return st;
}

ln_status ln_st_write(const char *path, const ln_st_tensor *t, int nt, const ln_st_meta *m, int nm)
{
    return ln_st_write_crc(path, t, nt, m, nm, NULL, NULL);
}

/* ------------------------------------------------------------------- read */

/* Where a tensor's bytes are in the data section, and where they go. */
typedef struct span {
    uint64_t begin, end;
    size_t slot; /* byte offset in the aligned blob */
    int idx;
} span;

/* Everything that is checked before any tensor data is read. */
typedef struct plan {
    const char *path;
    const ln_json *meta;
    uint64_t data_size;
    int nt;
    span *spans;
} plan;

static ln_status check_meta(const plan *p, const ln_json *m)
{
    if (m->type != LN_JSON_OBJECT)
        return ln_fail(LN_ERR_FORMAT, "%s: %s is %s, not an object", p->path, META_KEY, ln_json_type_name(m->type));
    for (size_t i = 0; i < m->u.list.n; i++) {
        const ln_json *v = &m->u.list.items[i];
        char k[64];
        ln_json_clip(k, sizeof k, v->key, v->key_len);
        if (v->type != LN_JSON_STRING)
            return ln_fail(LN_ERR_FORMAT, "%s: %s value for '%s' is %s, not a string", p->path, META_KEY, k,
                           ln_json_type_name(v->type));
        if (strlen(v->key) != v->key_len || strlen(v->u.str.s) != v->u.str.len)
            return ln_fail(LN_ERR_FORMAT, "%s: %s entry '%s' contains a NUL character", p->path, META_KEY, k);
    }
    return LN_OK;
}

static int known_dtype(const char *s)
{
    static const char *const names[] = {"BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "F8_E8M0", "F4", "F6_E2M3",
                                        "F6_E3M2", "I16", "U16", "F16", "BF16", "I32", "U32", "F64",
                                        "I64", "U64", "C64"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(s, names[i])) return 1;
    return 0;
}

static ln_status check_dtype(const plan *p, const char *name, const ln_json *e)
{
    const ln_json *d = ln_json_get(e, "dtype");
    if (!d || d->type != LN_JSON_STRING)
        return ln_fail(LN_ERR_FORMAT, "%s: tensor '%s' has no dtype string", p->path, name);
    if (!strcmp(d->u.str.s, "F32")) return LN_OK;
    char dt[64];
    ln_json_clip(dt, sizeof dt, d->u.str.s, d->u.str.len);
    if (known_dtype(d->u.str.s))
        return ln_fail(LN_ERR_UNSUPPORTED, "%s: tensor '%s' has dtype %s; only F32 is supported", p->path, name, dt);
    return ln_fail(LN_ERR_FORMAT, "%s: tensor '%s' has unknown dtype '%s'", p->path, name, dt);
}

static ln_status parse_shape(const plan *p, const char *name, const ln_json *e, ln_st_tensor *t)
{
    const ln_json *s = ln_json_get(e, "shape");
    if (!s || s->type != LN_JSON_ARRAY)
        return ln_fail(LN_ERR_FORMAT, "%s: tensor '%s' has no shape array", p->path, name);
    if (s->u.list.n > LN_ST_MAX_DIMS)
        return ln_fail(LN_ERR_UNSUPPORTED, "%s: tensor '%s' shape has %zu dimensions (at most %d supported)",
                       p->path, name, s->u.list.n, LN_ST_MAX_DIMS);
    t->ndim = (int)s->u.list.n;
    for (int d = 0; d < t->ndim; d++) {
        const ln_json *v = &s->u.list.items[d];
        if (v->type != LN_JSON_INT || v->u.integer < 0)
            return ln_fail(LN_ERR_FORMAT, "%s: tensor '%s' shape dimension %d is not a non-negative integer",
                           p->path, name, d);
        t->shape[d] = v->u.integer;
    }
    return LN_OK;
}

static ln_status parse_offsets(const plan *p, const char *name, const ln_json *e, const ln_st_tensor *t,
                               span *sp)
{
    const ln_json *o = ln_json_get(e, "data_offsets");
    if (!o || o->type != LN_JSON_ARRAY || o->u.list.n != 2 || o->u.list.items[0].type != LN_JSON_INT ||
        o->u.list.items[1].type != LN_JSON_INT || o->u.list.items[0].u.integer < 0 ||
        o->u.list.items[1].u.integer < 0)
        return ln_fail(LN_ERR_FORMAT, "%s: tensor '%s' data_offsets is not two non-negative integers", p->path,
                       name);
    uint64_t b = (uint64_t)o->u.list.items[0].u.integer, en = (uint64_t)o->u.list.items[1].u.integer;
    if (b > en)
        return ln_fail(LN_ERR_FORMAT, "%s: tensor '%s' data_offsets [%" PRIu64 ",%" PRIu64 "] end before they begin",
                       p->path, name, b, en);
    if (en > p->data_size)
        return ln_fail(LN_ERR_FORMAT,
                       "%s: tensor '%s' data_offsets [%" PRIu64 ",%" PRIu64 "] exceed the data section (%" PRIu64
                       " bytes)",
                       p->path, name, b, en, p->data_size);
    uint64_t numel = shape_numel(t->shape, t->ndim);
    if (numel > UINT64_MAX / 4 || en - b != 4 * numel)
        return ln_fail(LN_ERR_FORMAT,
                       "%s: tensor '%s' data_offsets [%" PRIu64 ",%" PRIu64 "] span %" PRIu64
                       " bytes, which does not match its shape (4 bytes per element)",
                       p->path, name, b, en, en - b);
    sp->begin = b;
    sp->end = en;
    return LN_OK;
}

static ln_status parse_tensor(const plan *p, const ln_json *e, ln_st_tensor *t, span *sp)
{
    char name[64];
    ln_json_clip(name, sizeof name, e->key, e->key_len);
    if (strlen(e->key) != e->key_len)
        return ln_fail(LN_ERR_FORMAT, "%s: tensor name '%s' contains a NUL character", p->path, name);
    if (e->type != LN_JSON_OBJECT)
        return ln_fail(LN_ERR_FORMAT, "%s: tensor '%s' is %s, not an object", p->path, name,
                       ln_json_type_name(e->type));
    ln_status st = check_dtype(p, name, e);
    if (!st) st = parse_shape(p, name, e, t);
    if (!st) st = parse_offsets(p, name, e, t, sp);
    return st;
}

static int cmp_span(const void *a, const void *b)
{
    const span *x = a, *y = b;
    if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
    return (x->end > y->end) - (x->end < y->end);
}

/* Sorted by start, a non-empty range overlaps an earlier one exactly when
 * it starts before the furthest end seen so far. */
static ln_status check_overlap(const plan *p, const ln_st_tensor *t)
{
    span *s = malloc((size_t)p->nt * sizeof *s + 1);
    if (!s) return ln_fail(LN_ERR_NOMEM, "%s: out of memory", p->path);
    memcpy(s, p->spans, (size_t)p->nt * sizeof *s);
    qsort(s, (size_t)p->nt, sizeof *s, cmp_span);
    ln_status st = LN_OK;
    int last = -1;
    for (int i = 0; i < p->nt && !st; i++) {
        if (s[i].begin == s[i].end) continue;
        if (last >= 0 && s[i].begin < s[last].end) {
            char a[64], b[64];
            ln_json_clip(a, sizeof a, t[s[last].idx].name, strlen(t[s[last].idx].name));
            ln_json_clip(b, sizeof b, t[s[i].idx].name, strlen(t[s[i].idx].name));
            st = ln_fail(LN_ERR_FORMAT, "%s: tensors '%s' and '%s' overlap in the data section", p->path, a, b);
        }
        if (last < 0 || s[i].end > s[last].end) last = i;
    }
    free(s);
    return st;
}

static ln_status alloc_tables(const plan *p, const ln_json *root, ln_st_file *out)
{
    size_t names = 0, metas = 0;
    for (size_t i = 0; i < root->u.list.n; i++)
        if (&root->u.list.items[i] != p->meta) names += root->u.list.items[i].key_len + 1;
    size_t nm = p->meta ? p->meta->u.list.n : 0;
    for (size_t i = 0; i < nm; i++)
        metas += p->meta->u.list.items[i].key_len + p->meta->u.list.items[i].u.str.len + 2;
    out->tensors = calloc(1, (size_t)p->nt * sizeof *out->tensors + names + 1);
    out->meta = calloc(1, nm * sizeof *out->meta + metas + 1);
    if (!out->tensors || !out->meta) return ln_fail(LN_ERR_NOMEM, "%s: out of memory", p->path);
    char *s = (char *)(out->meta + nm);
    for (size_t i = 0; i < nm; i++) {
        const ln_json *v = &p->meta->u.list.items[i];
        out->meta[i].key = memcpy(s, v->key, v->key_len + 1);
        s += v->key_len + 1;
        out->meta[i].value = memcpy(s, v->u.str.s, v->u.str.len + 1);
        s += v->u.str.len + 1;
    }
    out->nmeta = (int)nm;
    return LN_OK;
}

/* Validate the parsed header and fill names, shapes, metadata and spans. */
static ln_status parse_header(plan *p, const ln_json *root, ln_st_file *out)
{
    if (root->type != LN_JSON_OBJECT)
        return ln_fail(LN_ERR_FORMAT, "%s: header is %s, not a JSON object", p->path, ln_json_type_name(root->type));
    p->meta = ln_json_get(root, META_KEY);
    ln_status st = p->meta ? check_meta(p, p->meta) : LN_OK;
    if (st) return st;
    size_t nt = root->u.list.n - (p->meta ? 1 : 0);
    if (nt > INT_MAX) return ln_fail(LN_ERR_FORMAT, "%s: too many tensors", p->path);
    p->nt = (int)nt;
    p->spans = malloc(nt * sizeof *p->spans + 1);
    if (!p->spans) return ln_fail(LN_ERR_NOMEM, "%s: out of memory", p->path);
    if ((st = alloc_tables(p, root, out))) return st;
    char *names = (char *)(out->tensors + nt);
    int k = 0;
    for (size_t i = 0; i < root->u.list.n; i++) {
        const ln_json *e = &root->u.list.items[i];
        if (e == p->meta) continue;
        ln_st_tensor *t = &out->tensors[k];
        t->name = memcpy(names, e->key, e->key_len + 1);
        names += e->key_len + 1;
        p->spans[k].idx = k;
        if ((st = parse_tensor(p, e, t, &p->spans[k]))) return st;
        k++;
    }
    out->ntensors = p->nt;
    return check_overlap(p, out->tensors);
}

/* Read exactly n bytes at off: 0, or 1 if the file ended first, or -1. */
static int pread_full(int fd, void *buf, size_t n, uint64_t off)
{
    unsigned char *b = buf;
    while (n) {
        if (off > (uint64_t)INT64_MAX) return 1;
        ssize_t r = pread(fd, b, n, (off_t)off);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return -1;
        if (r == 0) return 1;
        b += r;
        n -= (size_t)r;
        off += (uint64_t)r;
    }
    return 0;
}

static ln_status read_failed(const char *path, int r, const char *what)
{
    if (r < 0) return ln_fail(LN_ERR_IO, "%s: cannot read %s: %s", path, what, strerror(errno));
    return ln_fail(LN_ERR_FORMAT, "%s: truncated while reading %s (the file shrank?)", path, what);
}

/* Read the data section in one piece (its CRC-32, and the file's when
 * out->has_file_crc32, are part of the result),
 * then copy every tensor into its own 64-byte-aligned slot of one
 * allocation, converting from little-endian. The section is at most the
 * file's size, which was checked against the header. */
static ln_status read_data(const plan *p, int fd, uint64_t data_start, ln_st_file *out)
{
    uint64_t total = 0;
    for (int i = 0; i < p->nt; i++) {
        uint64_t n = p->spans[i].end - p->spans[i].begin;
        const uint64_t room = (uint64_t)SIZE_MAX - 2 * DATA_ALIGN;
        if (n > room || total > room - n)
            return ln_fail(LN_ERR_NOMEM, "%s: tensors too large for this machine", p->path);
        p->spans[i].slot = (size_t)total;
        total = (total + n + DATA_ALIGN - 1) / DATA_ALIGN * DATA_ALIGN;
    }
    if (p->data_size > (uint64_t)SIZE_MAX - 1)
        return ln_fail(LN_ERR_NOMEM, "%s: data section too large for this machine", p->path);
    unsigned char *raw = malloc((size_t)p->data_size + 1);
    unsigned char *blob = aligned_alloc(DATA_ALIGN, total ? (size_t)total : DATA_ALIGN);
    if (!raw || !blob) {
        free(raw);
        free(blob);
        return ln_fail(LN_ERR_NOMEM, "%s: out of memory for %" PRIu64 " bytes of tensors", p->path, p->data_size);
    }
    out->blob_ = blob;
    int r = pread_full(fd, raw, (size_t)p->data_size, data_start);
    if (r) {
        free(raw);
        return read_failed(p->path, r, "tensor data");
    }
    out->data_crc32 = ln_crc32(0, raw, (size_t)p->data_size);
    if (out->has_file_crc32) out->file_crc32 = ln_crc32(out->file_crc32, raw, (size_t)p->data_size);
    for (int i = 0; i < p->nt; i++) {
        const span *s = &p->spans[i];
        unsigned char *dst = blob + s->slot;
        const unsigned char *src = raw + s->begin;
        float *f = (float *)(void *)dst;
        for (size_t j = 0; j < (size_t)(s->end - s->begin) / 4; j++) {
            uint32_t u = load_le32(src + 4 * j);
            memcpy(&f[j], &u, 4);
        }
        out->tensors[s->idx].data = f;
    }
    free(raw);
    return LN_OK;
}

static ln_status read_header(const char *path, int fd, uint64_t size, char **hdr, uint64_t *hlen)
{
    unsigned char len[8];
    if (size < 8)
        return ln_fail(LN_ERR_FORMAT, "%s: truncated: %" PRIu64 " bytes, less than the 8-byte header length",
                       path, size);
    int r = pread_full(fd, len, 8, 0);
    if (r) return read_failed(path, r, "the header length");
    uint64_t n = load_le64(len);
    if (n > size - 8)
        return ln_fail(LN_ERR_FORMAT,
                       "%s: header length %" PRIu64 " exceeds the file size (%" PRIu64 " bytes): truncated or corrupt",
                       path, n, size);
    if (n > HEADER_MAX)
        return ln_fail(LN_ERR_FORMAT, "%s: header length %" PRIu64 " exceeds the limit of %u bytes", path, n,
                       HEADER_MAX);
    *hdr = malloc((size_t)n + 1);
    if (!*hdr) return ln_fail(LN_ERR_NOMEM, "%s: out of memory for the header", path);
    if ((r = pread_full(fd, *hdr, (size_t)n, 8))) return read_failed(path, r, "the header");
    *hlen = n;
    return LN_OK;
}

/* When the metadata holds LN_ST_FILE_CRC_KEY as 8 hex digits (8 bytes in
 * the header too: no escapes), start the file's CRC-32: the length, then
 * the header with those digits counted as "00000000". */
static void file_crc_head(const plan *p, const char *hdr, uint64_t hlen, ln_st_file *out)
{
    const ln_json *v = p->meta ? ln_json_get(p->meta, LN_ST_FILE_CRC_KEY) : NULL;
    if (!v || v->type != LN_JSON_STRING || v->u.str.len != 8 || v->offset + 10 > hlen) return;
    size_t at = v->offset + 1;
    if (strspn(v->u.str.s, "0123456789abcdef") != 8 || memcmp(hdr + at, v->u.str.s, 8) != 0) return;
    unsigned char len[8];
    store_le64(len, hlen);
    uint32_t c = ln_crc32(0, len, 8);
    c = ln_crc32(c, hdr, at);
    c = ln_crc32(c, "00000000", 8);
    out->file_crc32 = ln_crc32(c, hdr + at + 8, (size_t)hlen - at - 8);
    out->has_file_crc32 = 1;
}

static ln_status read_fd(const char *path, int fd, uint64_t size, ln_st_file *out)
{
    char *hdr = NULL, err[200];
    uint64_t hlen = 0;
    ln_json *root = NULL;
    plan p = {path, NULL, 0, 0, NULL};
    ln_status st = read_header(path, fd, size, &hdr, &hlen);
    if (!st) {
        st = ln_json_parse(hdr, (size_t)hlen, &root, err, sizeof err);
        if (st) ln_fail(st, "%s: invalid JSON header: %s", path, err);
    }
    if (!st) {
        p.data_size = size - 8 - hlen;
        st = parse_header(&p, root, out);
    }
    if (!st) file_crc_head(&p, hdr, hlen, out);
    if (!st) st = read_data(&p, fd, 8 + hlen, out);
    free(p.spans);
    ln_json_free(root);
    free(hdr);
    return st;
}

ln_status ln_st_read(const char *path, ln_st_file *out)
{
    if (!out) return ln_fail(LN_ERR_ARG, "safetensors: no output struct");
    memset(out, 0, sizeof *out);
    if (!path) return ln_fail(LN_ERR_ARG, "safetensors: no input path");
    struct stat sb;
    int fd = ln_open_input(path, &sb); /* a regular file, and a FIFO cannot hang it */
    if (fd < 0) return LN_ERR_IO;
    ln_status st = read_fd(path, fd, (uint64_t)sb.st_size, out);
    close(fd);
    if (st) ln_st_free(out);
    return st;
}

void ln_st_free(ln_st_file *f)
{
    if (!f) return;
    free(f->tensors);
    free(f->meta);
    free(f->blob_);
    memset(f, 0, sizeof *f);
}

const ln_st_tensor *ln_st_find(const ln_st_file *f, const char *name)
{
    if (!f || !name) return NULL;
    for (int i = 0; i < f->ntensors; i++)
        if (!strcmp(f->tensors[i].name, name)) return &f->tensors[i];
    return NULL;
}

const char *ln_st_meta_get(const ln_st_file *f, const char *key)
{
    if (!f || !key) return NULL;
    for (int i = 0; i < f->nmeta; i++)
        if (!strcmp(f->meta[i].key, key)) return f->meta[i].value;
    return NULL;
}
