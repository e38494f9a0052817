/* Folders of JPEG class folders: scan, decode in parallel, cache
 * (image_cache.c).
 *
 * Layouts (scan_folder): Imagenette's DIR/{train,val}/<class>/..., the
 * same with test/ for val/, or DIR/<class>/... Classes are the sorted
 * folder names; files under a class folder (real sub-folders too) are that
 * class's, in sorted path order, hidden names ignored. Symbolic links are
 * followed only to files inside the data folder (walk). A file is judged by its bytes: a JPEG is decoded whatever its
 * name; anything else is a bad file when its name or bytes say image
 * (.jpg, .png, ..., or PNG data), and silently ignored otherwise
 * (notes.txt). */
#define _XOPEN_SOURCE 700 /* realpath */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/input_file.h"
#include "core/rng.h"
#include "core/text.h"
#include "dist/dist.h"
#include "dataset.h"
#include "image_cache.h"
#include "jpeg.h"

enum { MAX_CLASSES = 256, REASON = LN_FOLDER_REASON, NOTE = 4400 };

typedef ln_img_entry entry;

typedef struct scan {
    char *names[MAX_CLASSES];
    int nclasses;
    entry *e;
    int n, cap;
    int imagenette; /* train/val (or train/test) layout */
    const char *layout; /* "train/val", "train/test" or "classes" */
    FILE *warn;     /* where skipped entries are reported, or NULL */
    char root[PATH_MAX]; /* the data folder, resolved: links must stay inside */
} scan;

static const struct { const char *wnid, *name; } IMAGENETTE[] = {
    {"n01440764", "tench"},        {"n02102040", "English springer"}, {"n02979186", "cassette player"},
    {"n03000684", "chain saw"},    {"n03028079", "church"},           {"n03394916", "French horn"},
    {"n03417042", "garbage truck"}, {"n03425413", "gas pump"},        {"n03445777", "golf ball"},
    {"n03888605", "parachute"},
};

const char *ln_imagenette_name(const char *wnid)
{
    for (size_t i = 0; i < sizeof IMAGENETTE / sizeof IMAGENETTE[0]; i++)
        if (!strcmp(wnid, IMAGENETTE[i].wnid)) return IMAGENETTE[i].name;
    return NULL;
}

static void scan_free(scan *s)
{
    for (int i = 0; i < s->nclasses; i++) free(s->names[i]);
    for (int i = 0; i < s->n; i++) free(s->e[i].path);
    free(s->e);
    memset(s, 0, sizeof *s);
}

static int is_dir(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* An entry the scan passes over, reported by name (escaped) and why. */
static void skipped(const scan *s, const char *path, const char *why)
{
    if (!s || !s->warn) return;
    char esc[PATH_MAX * 4 + 8];
    fprintf(s->warn, "lenet: skipped %s: %s\n", ln_text_escape(path, esc, sizeof esc), why);
}

/* Sorted, non-hidden names in dir (optionally only folders: a symbolic
 * link to a folder is not followed, and is reported through s). */
static ln_status list_dir(const scan *s, const char *dir, int dirs_only, char ***out, int *n)
{
    *out = NULL, *n = 0;
    DIR *d = opendir(dir);
    if (!d) return ln_fail(LN_ERR_IO, "%s: cannot open folder: %s", dir, strerror(errno));
    char **v = NULL;
    int cnt = 0, cap = 0;
    ln_status st = LN_OK;
    for (struct dirent *de; (de = readdir(d));) {
        if (de->d_name[0] == '.') continue;
        char p[4096];
        if (snprintf(p, sizeof p, "%s/%s", dir, de->d_name) >= (int)sizeof p) continue;
        if (dirs_only) {
            struct stat lb;
            if (lstat(p, &lb) != 0) continue;
            if (S_ISLNK(lb.st_mode)) {
                if (is_dir(p)) skipped(s, p, "a symbolic link to a folder (links to folders are not followed)");
                continue;
            }
            if (!S_ISDIR(lb.st_mode)) continue;
        }
        if (cnt == cap) {
            cap = cap ? 2 * cap : 64;
            char **nv = realloc(v, (size_t)cap * sizeof *nv);
            if (!nv) {
                st = ln_fail(LN_ERR_NOMEM, "out of memory listing %s", dir);
                break;
            }
            v = nv;
        }
        if (!(v[cnt] = strdup(de->d_name))) {
            st = ln_fail(LN_ERR_NOMEM, "out of memory listing %s", dir);
            break;
        }
        cnt++;
    }
    closedir(d);
    if (st != LN_OK) {
        for (int i = 0; i < cnt; i++) free(v[i]);
        free(v);
        return st;
    }
    if (cnt) qsort(v, (size_t)cnt, sizeof *v, cmp_str);
    *out = v, *n = cnt;
    return LN_OK;
}

static void free_list(char **v, int n)
{
    for (int i = 0; i < n; i++) free(v[i]);
    free(v);
}

static ln_status add_entry(scan *s, const char *path, const struct stat *sb, int label, int split)
{
    if (s->n == s->cap) {
        int cap = s->cap ? 2 * s->cap : 1024;
        entry *ne = realloc(s->e, (size_t)cap * sizeof *ne);
        if (!ne) return ln_fail(LN_ERR_NOMEM, "out of memory scanning %s", path);
        s->e = ne, s->cap = cap;
    }
    entry *e = &s->e[s->n];
    if (!(e->path = strdup(path))) return ln_fail(LN_ERR_NOMEM, "out of memory scanning %s", path);
    e->size = (long long)sb->st_size;
    e->mtime_ns = (long long)sb->st_mtim.tv_sec * 1000000000LL + sb->st_mtim.tv_nsec;
    e->ctime_ns = (long long)sb->st_ctim.tv_sec * 1000000000LL + sb->st_ctim.tv_nsec;
    e->ino = (unsigned long long)sb->st_ino;
    e->label = label, e->split = split;
    s->n++;
    return LN_OK;
}

/* Whether a link's target lies inside the data folder. */
static int inside_root(const scan *s, const char *p)
{
    char r[PATH_MAX];
    size_t n = strlen(s->root);
    return realpath(p, r) && !strncmp(r, s->root, n) && (r[n] == '/' || (n == 1 && s->root[0] == '/'));
}

/* Every file under dir (depth-first, sorted), as class `label`: regular
 * files, real sub-folders (merged into the class), and symbolic links to
 * files inside the data folder. Links to folders, links leading out of the
 * data folder, dangling or looping links and special files (FIFOs,
 * sockets, devices) are skipped and reported by name. */
static ln_status walk(scan *s, const char *dir, int label, int split, int depth)
{
    if (depth > 16) return ln_fail(LN_ERR_FORMAT, "%s: folders nested more than 16 deep", dir);
    char **names;
    int n;
    ln_status st = list_dir(s, dir, 0, &names, &n);
    for (int i = 0; i < n && st == LN_OK; i++) {
        char p[PATH_MAX];
        if (snprintf(p, sizeof p, "%s/%s", dir, names[i]) >= (int)sizeof p) {
            skipped(s, dir, "holds a name too long for a path");
            continue;
        }
        struct stat sb;
        if (lstat(p, &sb) != 0) continue; /* vanished */
        if (S_ISLNK(sb.st_mode)) {
            if (stat(p, &sb) != 0) {
                skipped(s, p, errno == ELOOP ? "a symbolic link that loops" : "a dangling symbolic link");
                continue;
            }
            if (S_ISDIR(sb.st_mode)) {
                skipped(s, p, "a symbolic link to a folder (links to folders are not followed)");
                continue;
            }
            if (!inside_root(s, p)) {
                skipped(s, p, "a symbolic link out of the data folder (not followed)");
                continue;
            }
        }
        if (S_ISDIR(sb.st_mode)) st = walk(s, p, label, split, depth + 1);
        else if (S_ISREG(sb.st_mode)) st = add_entry(s, p, &sb, label, split);
        else skipped(s, p, S_ISFIFO(sb.st_mode) ? "a FIFO, not a regular file"
                           : S_ISSOCK(sb.st_mode) ? "a socket, not a regular file"
                                                  : "a device, not a regular file");
    }
    free_list(names, n);
    return st;
}

static ln_status scan_classes(scan *s, const char *root, int split, int define)
{
    char **names;
    int n;
    ln_status st = list_dir(s, root, 1, &names, &n);
    if (st != LN_OK) return st;
    if (define) {
        if (n == 0)
            st = ln_fail(LN_ERR_FORMAT, "%s: no class folders (%s/<class>/<images>) and no MNIST-format files "
                         "(train-images-idx3-ubyte[.gz])", root, root);
        else if (n > MAX_CLASSES) st = ln_fail(LN_ERR_FORMAT, "%s: %d class folders, more than %d", root, n, MAX_CLASSES);
        for (int i = 0; i < n && st == LN_OK; i++) s->names[s->nclasses++] = strdup(names[i]);
    }
    for (int i = 0; i < n && st == LN_OK; i++) {
        int label = -1;
        for (int c = 0; c < s->nclasses; c++)
            if (!strcmp(s->names[c], names[i])) label = c;
        if (label < 0) {
            st = ln_fail(LN_ERR_FORMAT, "%s/%s: a class folder that %s/train lacks", root, names[i], root);
            break;
        }
        char p[4096];
        if (snprintf(p, sizeof p, "%s/%s", root, names[i]) >= (int)sizeof p) continue;
        st = walk(s, p, label, split, 0);
    }
    free_list(names, n);
    return st;
}

/* The layout (README, "Data"): DIR/train with DIR/val (Imagenette's) or,
 * without val/, DIR/test as the held-out split; else DIR/<class>. A
 * folder named train, val or test beside class folders, or one of them
 * alone, is refused: it would be read as a class. With val/ and test/
 * both, val/ is held out and test/ is reported as not read. */
static ln_status scan_folder(const char *dir, scan *s, FILE *warn)
{
    memset(s, 0, sizeof *s);
    s->warn = warn;
    s->layout = "classes";
    if (!is_dir(dir)) return ln_fail(LN_ERR_IO, "data folder %s: %s", dir, access(dir, F_OK) ? "does not exist" : "is not a folder");
    if (!realpath(dir, s->root)) return ln_fail(LN_ERR_IO, "data folder %s: %s", dir, strerror(errno));
    char tr[PATH_MAX], va[PATH_MAX], te[PATH_MAX];
    if (snprintf(tr, sizeof tr, "%s/train", dir) >= (int)sizeof tr || snprintf(va, sizeof va, "%s/val", dir) >= (int)sizeof va ||
        snprintf(te, sizeof te, "%s/test", dir) >= (int)sizeof te)
        return ln_fail(LN_ERR_ARG, "data folder %s: path too long", dir);
    int has_tr = is_dir(tr), has_va = is_dir(va), has_te = is_dir(te);
    ln_status st;
    if (has_tr && (has_va || has_te)) {
        s->imagenette = 1;
        s->layout = has_va ? "train/val" : "train/test";
        if (has_va && has_te && warn)
            fprintf(warn, "lenet: note: %s has train/, val/ and test/: val/ is the held-out split, test/ is not read\n", dir);
        st = scan_classes(s, tr, 0, 1);
        if (st == LN_OK) st = scan_classes(s, has_va ? va : te, 1, 0);
    } else if (has_tr || has_va || has_te) {
        const char *one = has_tr ? "train" : has_va ? "val" : "test";
        st = ln_fail(LN_ERR_FORMAT, "data folder %s: has %s/ but %s: a split layout needs train/ with val/ (or test/), "
                     "and a class may not be named %s (rename it)", dir, one,
                     has_tr ? "neither val/ nor test/" : "no train/", one);
    } else {
        st = scan_classes(s, dir, 0, 1);
    }
    if (st != LN_OK) scan_free(s);
    return st;
}

/* ---- decoding ---- */

static const char *const IMAGE_EXT[] = {".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".gif", ".bmp",
                                        ".webp", ".tif", ".tiff", ".ppm", ".pgm", ".heic"};

static int named_like_image(const char *path)
{
    const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
    if (!dot || (slash && dot < slash)) return 0;
    for (size_t i = 0; i < sizeof IMAGE_EXT / sizeof IMAGE_EXT[0]; i++)
        if (!strcasecmp(dot, IMAGE_EXT[i])) return 1;
    return 0;
}

enum { OK = LN_IMG_OK, BAD = LN_IMG_BAD, IGNORED = LN_IMG_IGNORED };

/* Read and decode one file into out (3 x h x w). Only the first bytes
 * are read to recognise it; a JPEG is then read whole, up to
 * LN_JPEG_MAX_FILE bytes. */
static int decode_file(const entry *e, int h, int w, uint8_t *out, char *why)
{
    FILE *f = ln_fopen_input(e->path, NULL); /* a FIFO is refused, never waited on */
    if (!f) {
        const char *r = ln_last_error() + strlen(e->path); /* "<path>: <reason>" */
        snprintf(why, REASON, "unreadable: %s", strncmp(ln_last_error(), e->path, strlen(e->path)) ? ln_last_error() : r + 2);
        return BAD;
    }
    enum { SNIFF = 16 }; /* enough for every signature ln_sniff_image knows */
    uint8_t head[SNIFF], *buf = NULL;
    size_t len = fread(head, 1, SNIFF, f);
    int rc = BAD;
    if (ferror(f)) {
        snprintf(why, REASON, "unreadable: %s", strerror(errno));
        goto out;
    }
    const char *kind = ln_sniff_image(head, len);
    if (!kind && !named_like_image(e->path)) {
        snprintf(why, REASON, "%s", len ? "not a JPEG" : "empty file"); /* for callers that report it */
        rc = IGNORED;
        goto out;
    }
    if (!kind || strcmp(kind, "JPEG") != 0) { /* the reason needs no more bytes */
        ln_jpeg_decode_rgb(head, len, h, w, out, why, REASON);
        goto out;
    }
    /* the size from the scan; a file that grew is read to its new end */
    size_t cap = e->size > (long long)len ? (size_t)e->size : 4096;
    if (cap > LN_JPEG_MAX_FILE) {
        snprintf(why, REASON, "larger than %d MiB, the limit for a JPEG file", LN_JPEG_MAX_FILE >> 20);
        goto out;
    }
    if (!(buf = malloc(cap))) {
        snprintf(why, REASON, "out of memory reading %zu bytes", cap);
        goto out;
    }
    memcpy(buf, head, len);
    for (size_t r; (r = fread(buf + len, 1, cap - len, f)) > 0;) {
        len += r;
        if (len == cap) {
            if (cap >= LN_JPEG_MAX_FILE) break;
            uint8_t *nb = realloc(buf, cap * 2);
            if (!nb) break;
            buf = nb, cap *= 2;
        }
    }
    if (ferror(f)) {
        snprintf(why, REASON, "unreadable: %s", strerror(errno));
        goto out;
    }
    rc = ln_jpeg_decode_rgb(buf, len, h, w, out, why, REASON) == LN_OK ? OK : BAD;
out:
    if (f) fclose(f);
    free(buf);
    return rc;
}

/* ---- loading ---- */

/* Decode every entry (parallel, dynamic chunks: file sizes vary). */
static void decode_all(const scan *s, int h, int w, int threads, uint8_t *status, char (*reasons)[REASON],
                       uint8_t *pix)
{
    size_t img = (size_t)3 * h * w;
#pragma omp parallel for schedule(dynamic, 8) num_threads(threads)
    for (int i = 0; i < s->n; i++) {
        status[i] = (uint8_t)decode_file(&s->e[i], h, w, pix + (size_t)i * img, reasons[i]);
        if (status[i] != OK) memset(pix + (size_t)i * img, 0, img);
    }
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The classes' names for people: Imagenette's WordNet ids by name. */
static ln_status name_classes(const scan *s, ln_dataset *d)
{
    const char *names[MAX_CLASSES];
    for (int c = 0; c < s->nclasses; c++) {
        const char *r = ln_imagenette_name(s->names[c]);
        names[c] = r ? r : s->names[c];
    }
    return ln_dataset_set_class_names(d, (char *const *)names, s->nclasses);
}

/* The images of one split. The training split (the larger) is compacted
 * in place in *pix and takes the buffer over, so a load never holds two
 * copies of it; the val split is copied, before that. */
static ln_status make_split(const scan *s, const uint8_t *status, uint8_t **pix, size_t img,
                            const uint8_t *in_val, int want_val, ln_dataset *d, int h, int w)
{
    int n = 0;
    for (int i = 0; i < s->n; i++) n += status[i] == OK && in_val[i] == want_val;
    *d = (ln_dataset){.n = n, .c = 3, .h = h, .w = w, .nclasses = s->nclasses};
    d->labels = malloc(n ? (size_t)n : 1);
    d->pixels = want_val ? malloc(n ? (size_t)n * img : 1) : *pix;
    if (!d->pixels || !d->labels) {
        if (!want_val) d->pixels = NULL;
        ln_dataset_free(d);
        return ln_fail(LN_ERR_NOMEM, "out of memory for %d images", n);
    }
    for (int i = 0, j = 0; i < s->n; i++)
        if (status[i] == OK && in_val[i] == want_val) {
            if (d->pixels + (size_t)j * img != *pix + (size_t)i * img)
                memmove(d->pixels + (size_t)j * img, *pix + (size_t)i * img, img);
            d->labels[j++] = (uint8_t)s->e[i].label;
        }
    if (!want_val) {
        *pix = NULL; /* the training set owns it now */
        uint8_t *shrunk = realloc(d->pixels, n ? (size_t)n * img : 1);
        if (shrunk) d->pixels = shrunk;
    }
    return name_classes(s, d);
}

ln_status ln_folder_load(const char *dir, const ln_folder_opts *o, ln_dataset *train, ln_dataset *val,
                         ln_folder_report *rep)
{
    memset(rep, 0, sizeof *rep);
    *train = (ln_dataset){0}, *val = (ln_dataset){0};
    scan s;
    FILE *msg = o->quiet ? NULL : o->messages ? o->messages : stderr;
    ln_status st = scan_folder(dir, &s, msg);
    if (st != LN_OK) return st;
    snprintf(rep->layout, sizeof rep->layout, "%s", s.layout);
    if (s.imagenette && o->val_split > 0.0) {
        scan_free(&s);
        return ln_fail(LN_ERR_ARG, "--val-split: %s has its own val/ folder", dir);
    }
    int h = o->h, w = o->w;
    size_t img = (size_t)3 * h * w;
    uint8_t *status = calloc((size_t)s.n + 1, 1), *in_val = calloc((size_t)s.n + 1, 1);
    char(*reasons)[REASON] = calloc((size_t)s.n + 1, REASON);
    uint8_t *pix = malloc((size_t)s.n * img + 1);
    if (!status || !in_val || !reasons || !pix) {
        st = ln_fail(LN_ERR_NOMEM, "%s: out of memory for %d images", dir, s.n);
        goto out;
    }
    uint64_t fp = ln_image_cache_fingerprint(s.names, s.nclasses, s.e, s.n, h, w);
    if (!o->cache) snprintf(rep->cache_path, sizeof rep->cache_path, "%s/.lenet-cache-%dx%dx3.bin", dir, h, w);
    else snprintf(rep->cache_path, sizeof rep->cache_path, "%s", o->cache);
    /* across processes (mpirun): rank 0 reads or builds the cache while
     * the others wait, then they read it (or, on a disk of their own, build
     * their own) */
    int shared = rep->cache_path[0] && ln_dist_size() > 1;
    if (shared && ln_dist_rank() != 0) ln_dist_barrier();
    double t0 = now_s();
    char note[NOTE] = "";
    if (rep->cache_path[0] &&
        ln_image_cache_read(rep->cache_path, s.n, h, w, fp, status, reasons, pix, note, sizeof note) == LN_OK) {
        rep->cached = 1;
    } else {
        if (note[0]) snprintf(rep->cache_note, sizeof rep->cache_note, "cache %s was %s; rebuilt it", rep->cache_path, note);
        decode_all(&s, h, w, o->threads, status, reasons, pix);
        if (rep->cache_path[0]) {
            char wnote[NOTE];
            if (ln_image_cache_write(rep->cache_path, s.n, h, w, fp, status, reasons, pix, wnote, sizeof wnote) != LN_OK)
                snprintf(rep->cache_note, sizeof rep->cache_note, "%s; continuing without a cache", wnote);
        }
    }
    rep->seconds = now_s() - t0;
    if (shared && ln_dist_rank() == 0) ln_dist_barrier();
    for (int i = 0; i < s.n; i++) {
        rep->files += status[i] != IGNORED;
        rep->ignored += status[i] == IGNORED;
        if (status[i] != BAD) continue;
        rep->bad++;
        if (o->strict) {
            st = ln_fail(LN_ERR_FORMAT, "%s: %s (--strict)", s.e[i].path, reasons[i]);
            goto out;
        }
        skipped(&s, s.e[i].path, reasons[i]);
    }
    /* the split: Imagenette's folders, or per class a seeded draw */
    if (s.imagenette) {
        for (int i = 0; i < s.n; i++) in_val[i] = (uint8_t)s.e[i].split;
    } else if (o->val_split > 0.0) {
        uint32_t *idx = malloc((size_t)s.n * sizeof *idx + 1);
        if (!idx) {
            st = ln_fail(LN_ERR_NOMEM, "out of memory");
            goto out;
        }
        for (int c = 0; c < s.nclasses; c++) {
            uint32_t k = 0;
            for (int i = 0; i < s.n; i++)
                if (s.e[i].label == c && status[i] == OK) idx[k++] = (uint32_t)i;
            ln_rng r;
            ln_rng_seed(&r, o->seed ^ ln_hash64(0x53504c4954u + (uint64_t)c));
            ln_rng_shuffle(&r, idx, k);
            uint32_t nv = (uint32_t)(o->val_split * k + 0.5);
            for (uint32_t j = 0; j < nv; j++) in_val[idx[j]] = 1;
        }
        free(idx);
    }
    st = make_split(&s, status, &pix, img, in_val, 1, val, h, w);
    if (st == LN_OK) st = make_split(&s, status, &pix, img, in_val, 0, train, h, w);
    if (st == LN_OK && train->n == 0) st = ln_fail(LN_ERR_FORMAT, "%s: no decodable training images", dir);
out:
    if (st != LN_OK) ln_dataset_free(train), ln_dataset_free(val);
    free(status), free(in_val), free(reasons), free(pix);
    scan_free(&s);
    return st;
}

int ln_folder_verify(const char *dir, int threads, FILE *out, int *nclasses)
{
    scan s;
    if (scan_folder(dir, &s, out) != LN_OK) return -1;
    uint8_t *status = calloc((size_t)s.n + 1, 1), *pix = malloc((size_t)s.n * 3 * 4 * 4 + 1);
    char(*reasons)[REASON] = calloc((size_t)s.n + 1, REASON);
    if (!status || !pix || !reasons) {
        free(status), free(pix), free(reasons);
        scan_free(&s);
        ln_fail(LN_ERR_NOMEM, "%s: out of memory", dir);
        return -1;
    }
    decode_all(&s, 4, 4, threads, status, reasons, pix); /* tiny output: the decode is the check */
    int bad = 0;
    fprintf(out, "%s: layout %s, %d classes\n", dir, s.layout, s.nclasses);
    for (int c = 0; c < s.nclasses; c++) {
        int ok[2] = {0, 0}, nb = 0;
        for (int i = 0; i < s.n; i++)
            if (s.e[i].label == c) {
                if (status[i] == OK) ok[s.e[i].split]++;
                nb += status[i] == BAD;
            }
        const char *r = ln_imagenette_name(s.names[c]);
        char name[1024]; /* a name is printed with its control characters escaped */
        ln_text_escape(s.names[c], name, sizeof name);
        if (s.imagenette)
            fprintf(out, "  %-20s %-18s %6d train %6d %s%s", name, r ? r : "", ok[0], ok[1], s.layout + 6,
                    nb ? "" : "\n");
        else
            fprintf(out, "  %-20s %6d images%s", name, ok[0], nb ? "" : "\n");
        if (nb) fprintf(out, " %6d bad\n", nb);
    }
    int ignored = 0;
    for (int i = 0; i < s.n; i++) {
        ignored += status[i] == IGNORED;
        char esc[PATH_MAX * 4 + 8];
        if (status[i] == BAD) fprintf(out, "bad: %s: %s\n", ln_text_escape(s.e[i].path, esc, sizeof esc), reasons[i]), bad++;
    }
    fprintf(out, "%d files: %d images, %d bad, %d ignored (not images)\n", s.n, s.n - bad - ignored, bad, ignored);
    *nclasses = s.nclasses;
    free(status), free(pix), free(reasons);
    scan_free(&s);
    return bad;
}

ln_status ln_folder_list(const char *dir, char ***paths, int *n)
{
    scan s;
    *paths = NULL, *n = 0;
    ln_status st = scan_folder(dir, &s, NULL);
    if (st != LN_OK) return st;
    char **p = malloc(((size_t)s.n + 1) * sizeof *p);
    if (!p) {
        scan_free(&s);
        return ln_fail(LN_ERR_NOMEM, "out of memory");
    }
    for (int i = 0; i < s.n; i++) p[i] = s.e[i].path, s.e[i].path = NULL; /* ownership moves */
    *paths = p, *n = s.n;
    scan_free(&s);
    return LN_OK;
}

void ln_folder_list_free(char **paths, int n)
{
    for (int i = 0; paths && i < n; i++) free(paths[i]);
    free(paths);
}

int ln_image_file_decode(const char *path, int h, int w, uint8_t *out, char *why)
{
    struct stat sb;
    entry e = {.path = (char *)path, .size = stat(path, &sb) == 0 ? (long long)sb.st_size : 0};
    return decode_file(&e, h, w, out, why);
}
