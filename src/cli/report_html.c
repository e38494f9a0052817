/* lenet report: the HTML page. Everything is in the one file: the CSS in a
 * <style> element, charts as inline SVG, images as data URIs; no scripts,
 * no fonts or anything else fetched. The page is also well-formed XML
 * (every element closed, void ones as <br/>), so strict parsers read it. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "report.h"
#include "report_buf.h"
#include "report_img.h"
#include "report_log.h"
#include "report_svg.h"

#define MAX_MISTAKES 256
#define REFRESH_SECONDS 30

static const char *const PALETTE[10] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                        "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
static const char *const FASHION[10] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                        "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

static const char CSS[] =
    "body{margin:0;background:#f4f5f7;color:#222;font:14px/1.45 sans-serif}\n"
    "main{width:1160px;margin:0 auto;padding:16px 20px 32px;background:#fff}\n"
    "h1{font-size:24px;margin:4px 0 6px}\n"
    "h2{font-size:19px;margin:28px 0 6px;padding-bottom:3px;border-bottom:2px solid #e3e6ea}\n"
    "p{margin:4px 0 8px}\n"
    ".lead{font-size:16px}\n"
    ".cap,figcaption,.note{color:#555;font-size:13px}\n"
    ".live{background:#fff4d6;border:1px solid #f0c36d;padding:6px 10px;border-radius:4px}\n"
    "code{font:12px/1.4 monospace;background:#f1f3f5;padding:1px 3px;border-radius:3px;word-break:break-all}\n"
    "table{border-collapse:collapse;margin:6px 0 10px}\n"
    "th,td{padding:3px 10px;border-bottom:1px solid #e6e8eb;text-align:left;vertical-align:top}\n"
    "th{background:#f4f6f8;font-weight:600}\n"
    "td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}\n"
    "table.runs td{max-width:420px;overflow-wrap:anywhere}\n"
    "table.runs th[scope=row]{background:none;color:#555;font-weight:normal;white-space:nowrap}\n"
    "tr.diff td{background:#fff6dd}\n"
    ".swatch{display:inline-block;width:18px;height:4px;margin:0 6px 3px 0;vertical-align:middle}\n"
    ".charts{display:grid;grid-template-columns:560px 560px;gap:16px 20px}\n"
    "svg text{font:12px sans-serif;fill:#333}\n"
    "svg .bg{fill:#fff}\n"
    "svg .ctitle{font-size:14px;font-weight:600}\n"
    "svg .grid{stroke:#e8e8e8}\n"
    "svg .tick{stroke:#888}\n"
    "svg .frame{fill:none;stroke:#888}\n"
    "svg .yt{text-anchor:end}\n"
    "svg .xt,svg .xl,svg .yl,svg .nodata,svg .cv{text-anchor:middle}\n"
    "svg .nodata{fill:#999}\n"
    "svg .line{fill:none;stroke-width:2}\n"
    "svg .legend line{stroke-width:2.5}\n"
    "svg .pts circle:hover{stroke:#000;stroke-width:2}\n"
    "svg .rl{text-anchor:end}\n"
    "svg .cl{text-anchor:end}\n"
    "svg .cv.dark{fill:#fff}\n"
    "svg .cell:hover rect{stroke:#000;stroke-width:2}\n"
    "svg .lt{font-size:11px}\n"
    ".evalgrid{display:flex;gap:28px;align-items:flex-start;flex-wrap:wrap}\n"
    ".evalgrid>div{flex:1 1 0;min-width:420px}\n"
    "figure{margin:0}\n"
    "td.bar{width:80px}\n"
    "td.bar span{display:block;height:10px;background:#4292c6;border-radius:2px}\n"
    ".mgrid{display:grid;grid-template-columns:repeat(8,136px);gap:10px 8px}\n"
    ".mis{text-align:center;font-size:12px;line-height:1.3}\n"
    ".mis img{display:block;margin:0 auto 3px;border:1px solid #ccc;image-rendering:pixelated}\n"
    ".mis .t{color:#1a7f37}\n"
    ".mis .p{color:#c62828}\n"
    "details{margin:8px 0}\n"
    "summary{cursor:pointer;color:#1f5fa8}\n"
    "footer{margin-top:28px;color:#777;font-size:12px}\n";

/* ---- small helpers ------------------------------------------------------ */

static void fmt_duration(char *buf, size_t cap, double s)
{
    if (!(s >= 0)) snprintf(buf, cap, "unknown");
    else if (s < 60) snprintf(buf, cap, "%.1f s", s);
    else if (s < 3600) snprintf(buf, cap, "%d min %02d s", (int)(s / 60), (int)fmod(s, 60));
    else snprintf(buf, cap, "%d h %02d min", (int)(s / 3600), (int)fmod(s / 60, 60));
}

static void fmt_pct(char *buf, size_t cap, double f)
{
    if (isfinite(f)) snprintf(buf, cap, "%.2f%%", 100.0 * f);
    else snprintf(buf, cap, "\xe2\x80\x93");
}

static void fmt_fixed(char *buf, size_t cap, double v, int dec)
{
    if (isfinite(v)) snprintf(buf, cap, "%.*f", dec, v);
    else snprintf(buf, cap, "\xe2\x80\x93");
}

static void fmt_g(char *buf, size_t cap, double v)
{
    if (isfinite(v)) snprintf(buf, cap, "%.4g", v);
    else snprintf(buf, cap, "\xe2\x80\x93");
}

static int contains_ci(const char *s, const char *word)
{
    size_t n = strlen(word);
    for (; s && *s; s++)
        if (!strncasecmp(s, word, n)) return 1;
    return 0;
}

/* A value of the run header (or of its recipe) as text, "" if absent. */
static void head_value(const rj *head, const char *obj, const char *key, char *buf, size_t cap)
{
    const rj *o = obj ? rj_get(head, obj) : head, *v = rj_get(o, key);
    buf[0] = 0;
    if (!v) return;
    if (v->type == RJ_STR) snprintf(buf, cap, "%s", v->str);
    else if (v->type == RJ_NUM && v->num == floor(v->num) && fabs(v->num) < 9007199254740992.0)
        snprintf(buf, cap, "%.0f", v->num); /* counts and seeds in full */
    else if (v->type == RJ_NUM) snprintf(buf, cap, "%.6g", v->num);
    else if (v->type == RJ_TRUE) snprintf(buf, cap, "yes");
    else if (v->type == RJ_FALSE) snprintf(buf, cap, "no");
}

/* ---- evaluation --------------------------------------------------------- */

typedef struct mistake {
    int idx, truth, pred;
    float p;
} mistake;

typedef struct evaluation {
    int done;
    int k;                      /* classes */
    long *conf;                 /* k x k */
    ln_eval_result res;
    mistake mis[MAX_MISTAKES];
    int nmis;
    long wrong;
} evaluation;

/* The confusion matrix, loss and accuracy, and the `want` most confident
 * mistakes. known: the loss and accuracy of this model on d are known (the
 * log's last epoch, written by the same evaluation a moment ago), so one
 * pass of predictions gives the rest; else ln_evaluate runs first and its
 * confusion matrix is the page's. */
static int evaluate(const ln_model *m, const ln_data *d, const ln_exec *x, int want, const ln_eval_result *known,
                    evaluation *ev, char *err, size_t errcap)
{
    int mc, mh, mw, dc, dh, dw;
    ln_model_input(m, &mc, &mh, &mw);
    ln_data_shape(d, &dc, &dh, &dw);
    int k = ln_model_classes(m), n = ln_data_count(d);
    if (mc != dc || mh != dh || mw != dw || ln_data_classes(d) > k) {
        const char *src = ln_data_source(d);
        snprintf(err, errcap, "%s%sthe test images are %dx%dx%d with %d classes, the model expects %dx%dx%d with %d",
                 src && *src ? src : "", src && *src ? ": " : "", dc, dh, dw, ln_data_classes(d), mc, mh, mw, k);
        return -1;
    }
    ev->k = k;
    ev->conf = calloc((size_t)k * k, sizeof *ev->conf);
    const int chunk = 500;
    float *probs = malloc((size_t)chunk * k * sizeof *probs);
    if (!ev->conf || !probs) {
        free(probs);
        snprintf(err, errcap, "out of memory");
        return -1;
    }
    if (known) {
        ev->res = *known;
        ev->res.n = n;
    } else if (ln_evaluate(m, d, x, &ev->res, ev->conf) != LN_OK) {
        free(probs);
        snprintf(err, errcap, "%s", ln_last_error());
        return -1;
    }
    if (want > MAX_MISTAKES) want = MAX_MISTAKES;
    for (int first = 0; first < n; first += chunk) {
        int cnt = n - first < chunk ? n - first : chunk;
        if (ln_predict_data(m, d, first, cnt, x, probs) != LN_OK) {
            free(probs);
            snprintf(err, errcap, "%s", ln_last_error());
            return -1;
        }
        for (int i = 0; i < cnt; i++) {
            const float *p = probs + (size_t)i * k;
            int pred = ln_argmax(p, k), truth = ln_data_label(d, first + i);
            if (known) ev->conf[(size_t)truth * k + pred]++;
            if (pred == truth) continue;
            ev->wrong++;
            /* keep the `want` most confident, the earlier image first on ties */
            if (!want) continue;
            int j = ev->nmis;
            if (j == want && !(p[pred] > ev->mis[want - 1].p)) continue;
            if (j == want) j--;
            while (j > 0 && ev->mis[j - 1].p < p[pred]) {
                ev->mis[j] = ev->mis[j - 1];
                j--;
            }
            ev->mis[j] = (mistake){first + i, truth, pred, p[pred]};
            if (ev->nmis < want) ev->nmis++;
        }
    }
    free(probs);
    ev->done = 1;
    return 0;
}

/* ---- the page ----------------------------------------------------------- */

typedef struct page {
    rb b;
    rl_run *runs;
    int nruns;
    const char **labels;        /* legend names of the runs */
    const ln_model *model;
    const ln_data *test;
    const report_opts *o;
    evaluation ev;
    char **names;               /* class names for the evaluation, ev.k of them */
} page;

static const char *run_color(int i) { return PALETTE[i % 10]; }

/* Class c's name: the model's, the data's, the log's, Fashion-MNIST's for
 * Fashion-MNIST data, else its number. */
static char *class_name(const page *pg, int c)
{
    const char *n = NULL;
    if (pg->model) n = ln_model_class_name(pg->model, c);
    if (!n && pg->test && c < ln_data_classes(pg->test)) n = ln_data_class_name(pg->test, c);
    const rj *head = pg->nruns ? rl_head(&pg->runs[0]) : NULL;
    const rj *cn = rj_get(head, "class_names");
    if (!n && cn && cn->type == RJ_ARR && c < cn->n && cn->kids[c].type == RJ_STR) n = cn->kids[c].str;
    if (!n && pg->ev.k == 10 &&
        ((pg->test && contains_ci(ln_data_source(pg->test), "fashion")) || contains_ci(rj_str(head, "data"), "fashion")))
        n = FASHION[c];
    char num[16];
    if (!n) snprintf(num, sizeof num, "%d", c), n = num;
    return strdup(n);
}

static void page_head(page *pg, const char *title, int refresh)
{
    rb *b = &pg->b;
    rb_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n");
    rb_puts(b, "<meta name=\"generator\" content=\"lenet report\"/>\n");
    if (refresh) rb_printf(b, "<meta http-equiv=\"refresh\" content=\"%d\"/>\n", REFRESH_SECONDS);
    rb_puts(b, "<title>");
    rb_html(b, title);
    rb_printf(b, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<main>\n", CSS);
}

/* The headline: what was trained on what, and how well. */
static void lead(page *pg)
{
    rb *b = &pg->b;
    char t[64], acc[32];
    if (pg->nruns == 1) {
        const rl_run *r = &pg->runs[0];
        const rj *h = rl_head(r);
        rb_puts(b, "<p class=\"lead\">");
        if (h) {
            rb_puts(b, "Model <b>");
            rb_html(b, rj_str(h, "model") ? rj_str(h, "model") : "?");
            rb_puts(b, "</b> trained on <b>");
            rb_html(b, rj_str(h, "data") ? rj_str(h, "data") : "?");
            rb_puts(b, "</b>");
        } else {
            rb_puts(b, "A training run");
        }
        rb_printf(b, ": %d epoch%s logged", r->nep, r->nep == 1 ? "" : "s");
        if (r->nep && isfinite(r->ep[r->nep - 1].test_acc)) {
            int be;
            double best = rl_best_test_acc(r, &be);
            fmt_pct(acc, sizeof acc, r->ep[r->nep - 1].test_acc);
            rb_printf(b, ", final test accuracy <b>%s</b>", acc);
            fmt_pct(acc, sizeof acc, best);
            rb_printf(b, " (best %s, epoch %d)", acc, be);
        } else if (r->nep) {
            fmt_pct(acc, sizeof acc, r->ep[r->nep - 1].train_acc);
            rb_printf(b, ", final training accuracy <b>%s</b> (no test data)", acc);
        }
        fmt_duration(t, sizeof t, r->wall_s);
        rb_printf(b, "; %s%s.</p>\n", t, r->wall_complete ? "" : r->nheads ? " of training so far" : " of epochs");
        return;
    }
    rb_printf(b, "<p class=\"lead\">%d runs compared", pg->nruns);
    int best = -1;
    double bacc = -1;
    for (int i = 0; i < pg->nruns; i++) {
        const rl_run *r = &pg->runs[i];
        if (r->nep && isfinite(r->ep[r->nep - 1].test_acc) && r->ep[r->nep - 1].test_acc > bacc)
            bacc = r->ep[r->nep - 1].test_acc, best = i;
    }
    if (best >= 0) {
        fmt_pct(acc, sizeof acc, bacc);
        rb_puts(b, "; the best final test accuracy is <b>");
        rb_html(b, pg->labels[best]);
        rb_printf(b, "</b>'s, %s", acc);
    }
    rb_puts(b, ". Rows of the table that differ between the runs are highlighted.</p>\n");
}

/* One row of the runs table: cells[i] per run. */
static void runs_row(page *pg, const char *field, char (*cells)[1024], const char *tip)
{
    rb *b = &pg->b;
    int diff = 0, any = 0;
    for (int i = 0; i < pg->nruns; i++) {
        if (cells[i][0]) any = 1;
        if (i && strcmp(cells[i], cells[0])) diff = 1;
    }
    if (!strcmp(field, "log file")) diff = 0; /* always differs, tells nothing */
    if (!any) return;
    rb_printf(b, "<tr%s><th scope=\"row\"", diff && pg->nruns > 1 ? " class=\"diff\"" : "");
    if (tip) {
        rb_puts(b, " title=\"");
        rb_html(b, tip);
        rb_puts(b, "\"");
    }
    rb_puts(b, ">");
    rb_html(b, field);
    rb_puts(b, "</th>");
    for (int i = 0; i < pg->nruns; i++) {
        rb_puts(b, "<td>");
        if (cells[i][0]) rb_html(b, cells[i]);
        else rb_puts(b, "<span class=\"note\">\xe2\x80\x93</span>");
        rb_puts(b, "</td>");
    }
    rb_puts(b, "</tr>\n");
}

/* The distinct values of a header field over a run's invocations
 * ("avx512 -> avx2" when a resume changed it). */
static void head_values(const rl_run *r, const char *obj, const char *key, char *buf, size_t cap)
{
    buf[0] = 0;
    char prev[512] = "", v[512];
    for (int i = 0; i < r->nheads; i++) {
        head_value(rj_get(r->heads[i], "run"), obj, key, v, sizeof v);
        if (!v[0] || !strcmp(v, prev)) continue;
        size_t n = strlen(buf);
        snprintf(buf + n, cap - n, "%s%s", n ? " \xe2\x86\x92 " : "", v);
        snprintf(prev, sizeof prev, "%s", v);
    }
}

static void runs_table(page *pg)
{
    rb *b = &pg->b;
    int nr = pg->nruns, headers = 0;
    char(*c)[1024] = calloc((size_t)nr, sizeof *c);
    if (!c) {
        b->oom = 1;
        return;
    }
    for (int i = 0; i < nr; i++) headers += pg->runs[i].nheads > 0;
    rb_printf(b, "<section id=\"runs\">\n<h2>%s</h2>\n", nr > 1 ? "The runs" : "The run");
    if (headers < nr)
        rb_printf(b, "<p class=\"note\">%s no run line (written by lenet before 0.2): %s model, recipe and machine "
                     "are not recorded.</p>\n",
                  nr > 1 ? "Some logs have" : "This log has", nr > 1 ? "their" : "its");
    rb_puts(b, "<table class=\"runs\">\n<tr><th></th>");
    for (int i = 0; i < nr; i++) {
        rb_printf(b, "<th><span class=\"swatch\" style=\"background:%s\"></span>", run_color(i));
        rb_html(b, pg->labels[i]);
        rb_puts(b, "</th>");
    }
    rb_puts(b, "</tr>\n");
#define EACH for (int i = 0; i < nr; i++)
#define HEAD(i) rl_head(&pg->runs[i])
    char v[256], w[256];
    EACH snprintf(c[i], sizeof c[i], "%s", pg->runs[i].path);
    runs_row(pg, "log file", c, NULL);
    EACH {
        const rl_run *r = &pg->runs[i];
        const char *st = r->nends ? rj_str(rj_get(r->ends[r->nends - 1], "end"), "status") : NULL;
        if (!r->nheads) snprintf(c[i], sizeof c[i], "%s", "");
        else if (r->ended && st) snprintf(c[i], sizeof c[i], "%s", st);
        else snprintf(c[i], sizeof c[i], "running, or ended without its end line");
    }
    runs_row(pg, "status", c, "complete: every epoch ran; stopped: ended early with a checkpoint to resume from");
    EACH head_value(HEAD(i), NULL, "started", c[i], sizeof c[i]);
    runs_row(pg, "started", c, NULL);
    EACH head_value(HEAD(i), NULL, "model", c[i], sizeof c[i]);
    runs_row(pg, "model", c, NULL);
    EACH {
        double p;
        c[i][0] = 0;
        if (rj_num(HEAD(i), "params", &p)) rb_grouped((long long)p, c[i], sizeof c[i]);
    }
    runs_row(pg, "parameters", c, "trainable parameters");
    EACH {
        const rj *in = rj_get(HEAD(i), "input");
        c[i][0] = 0;
        if (in && in->type == RJ_ARR && in->n == 3 && in->kids[0].type == RJ_NUM && in->kids[1].type == RJ_NUM &&
            in->kids[2].type == RJ_NUM)
            snprintf(c[i], sizeof c[i], "%g \xc3\x97 %g \xc3\x97 %g (channels \xc3\x97 height \xc3\x97 width)",
                     in->kids[0].num, in->kids[1].num, in->kids[2].num);
    }
    runs_row(pg, "input", c, NULL);
    EACH head_value(HEAD(i), NULL, "classes", c[i], sizeof c[i]);
    runs_row(pg, "classes", c, NULL);
    EACH {
        head_value(HEAD(i), "recipe", "epochs", v, sizeof v);
        if (v[0]) snprintf(c[i], sizeof c[i], "%s (%d logged)", v, pg->runs[i].nep);
        else snprintf(c[i], sizeof c[i], "%d logged", pg->runs[i].nep);
    }
    runs_row(pg, "epochs", c, NULL);
    EACH head_value(HEAD(i), "recipe", "batch", c[i], sizeof c[i]);
    runs_row(pg, "batch", c, "images per SGD step");
    EACH {
        head_value(HEAD(i), "recipe", "lr", v, sizeof v);
        head_value(HEAD(i), "recipe", "schedule", w, sizeof w);
        c[i][0] = 0;
        if (v[0]) snprintf(c[i], sizeof c[i], "%s%s%s", v, w[0] ? ", " : "", w);
        double wu;
        if (v[0] && rj_num(rj_get(HEAD(i), "recipe"), "warmup", &wu) && wu > 0) {
            size_t n = strlen(c[i]);
            snprintf(c[i] + n, sizeof c[i] - n, ", %g warm-up epoch%s", wu, wu == 1 ? "" : "s");
        }
    }
    runs_row(pg, "learning rate", c, "peak learning rate and schedule");
    EACH {
        head_value(HEAD(i), "recipe", "momentum", v, sizeof v);
        double nes = 0;
        rj_num(rj_get(HEAD(i), "recipe"), "nesterov", &nes);
        const rj *nv = rj_get(rj_get(HEAD(i), "recipe"), "nesterov");
        if (nv && nv->type == RJ_TRUE) nes = 1;
        c[i][0] = 0;
        if (v[0]) snprintf(c[i], sizeof c[i], "%s%s", atof(v) == 0 ? "none" : v, nes != 0 && atof(v) != 0 ? " (Nesterov)" : "");
    }
    runs_row(pg, "momentum", c, NULL);
    EACH head_value(HEAD(i), "recipe", "weight_decay", c[i], sizeof c[i]);
    runs_row(pg, "weight decay", c, NULL);
    EACH {
        c[i][0] = 0;
        if (HEAD(i) && rj_get(rj_get(HEAD(i), "recipe"), "augment")) {
            head_value(HEAD(i), "recipe", "augment", c[i], sizeof c[i]);
            if (!c[i][0]) snprintf(c[i], sizeof c[i], "none");
        }
    }
    runs_row(pg, "augmentation", c, NULL);
    EACH head_value(HEAD(i), "recipe", "seed", c[i], sizeof c[i]);
    runs_row(pg, "seed", c, "shuffling and augmentation seed");
    EACH {
        head_value(HEAD(i), "recipe", "limit", c[i], sizeof c[i]);
        if (!strcmp(c[i], "0")) snprintf(c[i], sizeof c[i], "all");
    }
    runs_row(pg, "image limit", c, "training images used (--limit)");
    EACH head_value(HEAD(i), NULL, "data", c[i], sizeof c[i]);
    runs_row(pg, "data", c, NULL);
    EACH {
        double tr, te;
        char x1[32], x2[32];
        c[i][0] = 0;
        if (rj_num(HEAD(i), "train_images", &tr) && rj_num(HEAD(i), "test_images", &te))
            snprintf(c[i], sizeof c[i], "%s train / %s test", rb_grouped((long long)tr, x1, sizeof x1),
                     rb_grouped((long long)te, x2, sizeof x2));
    }
    runs_row(pg, "images", c, NULL);
    EACH head_values(&pg->runs[i], NULL, "kernels", c[i], sizeof c[i]);
    runs_row(pg, "kernel set", c, NULL);
    EACH head_values(&pg->runs[i], NULL, "threads", c[i], sizeof c[i]);
    runs_row(pg, "threads", c, NULL);
    EACH {
        head_values(&pg->runs[i], NULL, "processes", c[i], sizeof c[i]);
        if (!strcmp(c[i], "1")) c[i][0] = 0; /* shown for MPI runs alone */
    }
    runs_row(pg, "MPI processes", c, "training processes, each with the threads above");
    EACH head_values(&pg->runs[i], NULL, "cpu", c[i], sizeof c[i]);
    runs_row(pg, "CPU", c, NULL);
    EACH head_values(&pg->runs[i], NULL, "lenet", c[i], sizeof c[i]);
    runs_row(pg, "lenet version", c, NULL);
    EACH {
        const rl_run *r = &pg->runs[i];
        fmt_duration(v, sizeof v, r->wall_s);
        snprintf(c[i], sizeof c[i], "%s%s", v,
                 r->wall_complete ? "" : r->nheads ? " so far (the epochs' time)" : " (the epochs' time)");
    }
    runs_row(pg, "wall time", c, NULL);
    EACH {
        const rl_run *r = &pg->runs[i];
        c[i][0] = 0;
        if (r->nheads > 1) {
            size_t n = (size_t)snprintf(c[i], sizeof c[i], "%d time%s:", r->nheads - 1, r->nheads == 2 ? "" : "s");
            for (int h = 1; h < r->nheads && n < sizeof c[i]; h++) {
                const rj *rs = rj_get(rj_get(r->heads[h], "run"), "resumed");
                double e = 0, s = 0;
                rj_num(rs, "epoch", &e), rj_num(rs, "step", &s);
                n += (size_t)snprintf(c[i] + n, sizeof c[i] - n, "%s at epoch %g, step %g", h > 1 ? ";" : "", e, s);
            }
        } else if (r->nheads) {
            snprintf(c[i], sizeof c[i], "no");
        }
    }
    runs_row(pg, "resumed", c, NULL);
    EACH {
        const rl_run *r = &pg->runs[i];
        c[i][0] = 0;
        if (r->nep) {
            fmt_fixed(v, sizeof v, r->ep[r->nep - 1].train_loss, 4);
            fmt_pct(w, sizeof w, r->ep[r->nep - 1].train_acc);
            snprintf(c[i], sizeof c[i], "loss %s, accuracy %s", v, w);
        }
    }
    runs_row(pg, "final training", c, "the last epoch's, over its steps");
    EACH {
        const rl_run *r = &pg->runs[i];
        c[i][0] = 0;
        if (r->nep && isfinite(r->ep[r->nep - 1].test_acc)) {
            fmt_fixed(v, sizeof v, r->ep[r->nep - 1].test_loss, 4);
            fmt_pct(w, sizeof w, r->ep[r->nep - 1].test_acc);
            snprintf(c[i], sizeof c[i], "loss %s, accuracy %s", v, w);
        }
    }
    runs_row(pg, "final test", c, "after the last epoch");
    EACH {
        int be;
        double best = rl_best_test_acc(&pg->runs[i], &be);
        c[i][0] = 0;
        if (be > 0) {
            fmt_pct(v, sizeof v, best);
            snprintf(c[i], sizeof c[i], "%s at epoch %d", v, be);
        }
    }
    runs_row(pg, "best test accuracy", c, NULL);
#undef EACH
#undef HEAD
    rb_puts(b, "</table>\n</section>\n");
    free(c);
}

/* The four charts of the curves section. */
enum { CH_LOSS, CH_ACC, CH_LR, CH_SPEED };

static void curves(page *pg)
{
    rb *b = &pg->b;
    int nr = pg->nruns, single = nr == 1;
    size_t total = 0;
    for (int i = 0; i < nr; i++) total += (size_t)pg->runs[i].nep;
    /* per run: x, train loss, test loss, train acc, test acc, lr, speed */
    double *v = malloc((total ? total : 1) * 7 * sizeof *v);
    svg_series *s = malloc((size_t)(2 * nr) * sizeof *s);
    char(*lab)[160] = malloc((size_t)(2 * nr) * sizeof *lab);
    if (!v || !s || !lab) {
        free(v), free(s), free(lab);
        b->oom = 1;
        return;
    }
    double *cols[7];
    for (int k = 0; k < 7; k++) cols[k] = v + k * (total ? total : 1);
    size_t off = 0;
    size_t *first = calloc((size_t)nr + 1, sizeof *first);
    if (!first) {
        free(v), free(s), free(lab);
        b->oom = 1;
        return;
    }
    for (int i = 0; i < nr; i++) {
        first[i] = off;
        for (int j = 0; j < pg->runs[i].nep; j++, off++) {
            const rl_epoch *e = &pg->runs[i].ep[j];
            cols[0][off] = e->epoch;
            cols[1][off] = e->train_loss, cols[2][off] = e->test_loss;
            cols[3][off] = 100.0 * e->train_acc, cols[4][off] = 100.0 * e->test_acc;
            cols[5][off] = e->lr, cols[6][off] = e->img_per_s;
        }
    }
    rb_puts(b, "<section id=\"curves\">\n<h2>Training curves</h2>\n");
    rb_puts(b, "<p class=\"cap\">One point per epoch; hover over a point to read its value. "
               "<b>Dashed</b>: the training set, measured over the epoch's steps while the weights were changing "
               "(with augmentation, if any). <b>Solid</b>: the test set, evaluated after the epoch. "
               "A test curve that rises while the training curve falls is overfitting.</p>\n");
    rb_puts(b, "<div class=\"charts\">\n");
    static const char *const ids[4] = {"chart-loss", "chart-acc", "chart-lr", "chart-speed"};
    static const char *const titles[4] = {"Loss", "Accuracy", "Learning rate", "Training speed"};
    static const char *const ylabels[4] = {"loss (mean per image)", "accuracy (%)",
                                           "learning rate (at the epoch's last step)", "images per second"};
    for (int ch = 0; ch < 4; ch++) {
        int ns = 0;
        for (int i = 0; i < nr; i++) {
            int n = pg->runs[i].nep;
            double *x = cols[0] + first[i];
            if (ch == CH_LOSS || ch == CH_ACC) {
                int tr = ch == CH_LOSS ? 1 : 3;
                for (int split = 0; split < 2; split++) {
                    const double *y = cols[tr + split] + first[i];
                    int any = 0;
                    for (int j = 0; j < n; j++) any |= isfinite(y[j]);
                    if (!any && n) continue;
                    snprintf(lab[ns], sizeof lab[ns], "%s%s%s", single ? "" : pg->labels[i], single ? "" : " ",
                             split ? "test" : "train");
                    s[ns] = (svg_series){lab[ns], single ? PALETTE[split] : run_color(i), !split, n, x, y};
                    ns++;
                }
            } else {
                const double *y = cols[ch == CH_LR ? 5 : 6] + first[i];
                snprintf(lab[ns], sizeof lab[ns], "%s", pg->labels[i]);
                s[ns] = (svg_series){lab[ns], run_color(i), 0, n, x, y};
                ns++;
            }
        }
        svg_chart c = {.id = ids[ch], .title = titles[ch], .xlabel = "epoch", .ylabel = ylabels[ch],
                       .ydec = ch == CH_LOSS ? 4 : ch == CH_ACC ? 2 : ch == CH_LR ? -1 : 0,
                       .yunit = ch == CH_ACC ? "%" : ch == CH_SPEED ? " img/s" : "",
                       .yzero = ch == CH_LR || ch == CH_SPEED, .ymax_cap = ch == CH_ACC ? 100.0 : NAN,
                       .width = 560, .height = 330};
        svg_line_chart(b, &c, s, ns);
    }
    rb_puts(b, "</div>\n");
    free(v), free(s), free(lab), free(first);

    /* the numbers, as logged */
    rb_puts(b, "<details id=\"numbers\"><summary>The numbers per epoch</summary>\n");
    char t[8][40];
    for (int i = 0; i < nr; i++) {
        const rl_run *r = &pg->runs[i];
        rb_printf(b, "<table class=\"epochs\" id=\"epochs-%d\">\n", i);
        if (nr > 1) {
            rb_puts(b, "<caption>");
            rb_html(b, pg->labels[i]);
            rb_puts(b, "</caption>\n");
        }
        rb_puts(b, "<tr><th class=\"n\">epoch</th><th class=\"n\">train loss</th><th class=\"n\">train accuracy</th>"
                   "<th class=\"n\">test loss</th><th class=\"n\">test accuracy</th><th class=\"n\">learning rate</th>"
                   "<th class=\"n\">images/s</th><th class=\"n\">seconds</th></tr>\n");
        for (int j = 0; j < r->nep; j++) {
            const rl_epoch *e = &r->ep[j];
            snprintf(t[0], sizeof t[0], "%d", e->epoch);
            fmt_fixed(t[1], sizeof t[1], e->train_loss, 4);
            fmt_pct(t[2], sizeof t[2], e->train_acc);
            fmt_fixed(t[3], sizeof t[3], e->test_loss, 4);
            fmt_pct(t[4], sizeof t[4], e->test_acc);
            fmt_g(t[5], sizeof t[5], e->lr);
            fmt_fixed(t[6], sizeof t[6], e->img_per_s, 0);
            fmt_fixed(t[7], sizeof t[7], e->seconds, 1);
            rb_puts(b, "<tr>");
            for (int k = 0; k < 8; k++) rb_printf(b, "<td class=\"n\">%s</td>", t[k]);
            rb_puts(b, "</tr>\n");
        }
        rb_puts(b, "</table>\n");
    }
    rb_puts(b, "</details>\n</section>\n");
}

static void evaluation_section(page *pg)
{
    rb *b = &pg->b;
    evaluation *ev = &pg->ev;
    int k = ev->k;
    char x1[32], x2[64], x3[32];
    rb_puts(b, "<section id=\"evaluation\">\n<h2>Evaluation on the test set</h2>\n<p>");
    if (pg->o->model_path) {
        rb_puts(b, "The model <code>");
        rb_html(b, pg->o->model_path);
        rb_puts(b, "</code>");
    } else {
        rb_puts(b, "The model being trained, as it is after its last logged epoch,");
    }
    rb_printf(b, " on %s test images", rb_grouped(ev->res.n, x1, sizeof x1));
    const char *src = ln_data_source(pg->test);
    if (src && *src) {
        rb_puts(b, " of <code>");
        rb_html(b, src);
        rb_puts(b, "</code>");
    }
    fmt_pct(x2, sizeof x2, ev->res.accuracy);
    rb_printf(b, ": loss <b id=\"eval-loss\" data-v=\"%.6f\">%.4f</b>, accuracy <b id=\"eval-acc\" data-v=\"%.6f\">%s</b> "
                 "(%s wrong).</p>\n",
              ev->res.loss, ev->res.loss, ev->res.accuracy, x2, rb_grouped(ev->wrong, x3, sizeof x3));
    rb svg = {0};
    double width = svg_confusion(&svg, "confusion", k, ev->conf, (const char *const *)pg->names);
    rb_printf(b, "<div class=\"evalgrid\">\n<figure style=\"width:%.0fpx\">\n", width);
    if (svg.oom) b->oom = 1;
    else rb_putn(b, svg.p, svg.n);
    rb_free(&svg);
    rb_puts(b, "<figcaption>Confusion matrix: each row is a true class, each column the class predicted; a cell counts "
               "the test images. Its colour is the share of the row, so the diagonal is each class's recall and "
               "dark cells off it are the classes mixed up. Hover over a cell for its numbers.</figcaption>\n"
               "</figure>\n");
    /* per class */
    rb_puts(b, "<div>\n<table class=\"perclass\" id=\"per-class\">\n<tr><th>class</th><th class=\"n\">images</th>"
               "<th class=\"n\" title=\"of the images predicted as this class, the share that is\">precision</th>"
               "<th class=\"n\" title=\"of the images of this class, the share predicted as it\">recall</th>"
               "<th class=\"n\" title=\"harmonic mean of precision and recall\">F1</th><th></th></tr>\n");
    double sp = 0, sr = 0, sf = 0;
    int np = 0, nrc = 0, nf = 0;
    for (int c = 0; c < k; c++) {
        long tp = ev->conf[(size_t)c * k + c], row = 0, col = 0;
        for (int j = 0; j < k; j++) row += ev->conf[(size_t)c * k + j], col += ev->conf[(size_t)j * k + c];
        double p = col ? (double)tp / col : NAN, r = row ? (double)tp / row : NAN;
        double f = isfinite(p) && isfinite(r) ? (p + r > 0 ? 2 * p * r / (p + r) : 0.0) : NAN;
        if (isfinite(p)) sp += p, np++;
        if (isfinite(r)) sr += r, nrc++;
        if (isfinite(f)) sf += f, nf++;
        char ps[16], rs[16], fs[16];
        fmt_fixed(ps, sizeof ps, p, 4), fmt_fixed(rs, sizeof rs, r, 4), fmt_fixed(fs, sizeof fs, f, 4);
        rb_printf(b, "<tr data-class=\"%d\"><td>", c);
        rb_html(b, pg->names[c]);
        rb_printf(b, "</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td>"
                     "<td class=\"bar\"><span style=\"width:%.0f%%\"></span></td></tr>\n",
                  rb_grouped(row, x1, sizeof x1), ps, rs, fs, isfinite(f) ? 100.0 * f : 0.0);
    }
    char ps[16], rs[16], fs[16];
    fmt_fixed(ps, sizeof ps, np ? sp / np : NAN, 4), fmt_fixed(rs, sizeof rs, nrc ? sr / nrc : NAN, 4);
    fmt_fixed(fs, sizeof fs, nf ? sf / nf : NAN, 4);
    rb_printf(b, "<tr class=\"avg\"><th title=\"all classes: their images, and the mean of their scores\">mean</th><th class=\"n\">%s</th><th class=\"n\">%s</th>"
                 "<th class=\"n\">%s</th><th class=\"n\">%s</th><th></th></tr>\n</table>\n",
              rb_grouped(ev->res.n, x1, sizeof x1), ps, rs, fs);
    rb_puts(b, "<p class=\"cap\">Precision: of the images predicted as the class, the share that belong to it. "
               "Recall: of the class's images, the share found. F1: their harmonic mean (the bar).</p>\n</div>\n"
               "</div>\n</section>\n");
}

static void mistakes_section(page *pg)
{
    rb *b = &pg->b;
    evaluation *ev = &pg->ev;
    int c, h, w;
    ln_data_shape(pg->test, &c, &h, &w);
    int big = h > w ? h : w, scale = big >= 84 ? 1 : (84 + big - 1) / big;
    char x1[32];
    rb_puts(b, "<section id=\"mistakes-section\">\n<h2>Most confident mistakes</h2>\n");
    if (!ev->nmis) {
        rb_puts(b, "<p>The model classifies every test image correctly.</p>\n<div id=\"mistakes\"></div>\n</section>\n");
        return;
    }
    rb_printf(b, "<p class=\"cap\">The %d test images the model got wrong with the highest probability on its wrong "
                 "answer, of %s mistakes%s. Under each: the true class, the class predicted, the probability the model "
                 "gave it, and the image's index in the test set (<code>lenet predict --index N</code> shows it "
                 "again).</p>\n",
              ev->nmis, rb_grouped(ev->wrong, x1, sizeof x1), scale > 1 ? ", enlarged without smoothing" : "");
    rb_puts(b, "<div id=\"mistakes\" class=\"mgrid\">\n");
    size_t plane = (size_t)h * w, len = plane * (size_t)c;
    float *f = malloc(len * sizeof *f);
    uint8_t *px = malloc(len);
    for (int i = 0; i < ev->nmis && f && px; i++) {
        const mistake *m = &ev->mis[i];
        if (ln_data_image(pg->test, m->idx, f) != LN_OK) continue;
        for (size_t j = 0; j < len; j++) {
            float v = f[j] * 255.0f + 0.5f;
            px[j] = (uint8_t)(v <= 0.0f ? 0 : v >= 255.0f ? 255 : v);
        }
        rb_printf(b, "<figure class=\"mis\" data-index=\"%d\" data-true=\"%d\" data-pred=\"%d\"><img width=\"%d\" "
                     "height=\"%d\" alt=\"test image %d\" src=\"",
                  m->idx, m->truth, m->pred, w * scale, h * scale, m->idx);
        if (img_data_uri(b, px, c, h, w, scale)) b->oom = 1;
        rb_puts(b, "\"/><figcaption><span class=\"t\">true: ");
        rb_html_cut(b, pg->names[m->truth], 16);
        rb_puts(b, "</span><br/><span class=\"p\">predicted: ");
        rb_html_cut(b, pg->names[m->pred], 16);
        rb_printf(b, "</span><br/>p = %.1f%% \xc2\xb7 #%d</figcaption></figure>\n", 100.0 * m->p, m->idx);
    }
    if (!f || !px) b->oom = 1;
    free(f), free(px);
    rb_puts(b, "</div>\n</section>\n");
}

static void model_table(page *pg, const ln_model *m, const char *caption)
{
    rb *b = &pg->b;
    char x1[32], x2[40];
    rb_puts(b, "<p>");
    rb_html(b, caption);
    int c, h, w;
    ln_model_input(m, &c, &h, &w);
    rb_printf(b, " Input %d \xc3\x97 %d \xc3\x97 %d, %d classes, %s trainable parameters, %s FLOPs per image forward "
                 "(a training step about 3\xc3\x97).</p>\n",
              c, h, w, ln_model_classes(m), rb_grouped(ln_model_trainable(m), x1, sizeof x1),
              rb_grouped((long long)ln_model_forward_flops(m), x2, sizeof x2));
    rb_puts(b, "<table class=\"model\">\n<tr><th>layer</th><th>kind</th><th>output shape</th>"
               "<th class=\"n\">parameters</th><th class=\"n\">FLOPs per image</th></tr>\n");
    for (int i = 0; i < ln_model_layers(m); i++) {
        ln_layer_info li;
        if (ln_model_layer(m, i, &li) != LN_OK) continue;
        rb_puts(b, "<tr><td>");
        rb_html(b, li.name[0] ? li.name : "\xe2\x80\x93");
        rb_puts(b, "</td><td>");
        rb_html(b, li.kind);
        if (li.out_h == 1 && li.out_w == 1) rb_printf(b, "</td><td>(%d)</td>", li.out_c);
        else rb_printf(b, "</td><td>(%d, %d, %d)</td>", li.out_c, li.out_h, li.out_w);
        rb_printf(b, "<td class=\"n\">%s</td><td class=\"n\">%s</td></tr>\n", rb_grouped(li.trainable, x1, sizeof x1),
                  rb_grouped((long long)li.flops, x2, sizeof x2));
    }
    rb_printf(b, "<tr><th colspan=\"3\">total</th><th class=\"n\">%s</th><th class=\"n\">%s</th></tr>\n</table>\n",
              rb_grouped(ln_model_trainable(m), x1, sizeof x1),
              rb_grouped((long long)ln_model_forward_flops(m), x2, sizeof x2));
    rb_puts(b, "<p class=\"cap\">Spec (the model language, docs/MODELS.md): <code>");
    rb_html(b, ln_model_spec(m));
    rb_puts(b, "</code></p>\n");
}

/* The model section: the loaded model's layers, else each distinct model
 * of the runs rebuilt from its logged spec. */
static void model_section(page *pg)
{
    rb *b = &pg->b;
    rb_puts(b, "<section id=\"model\">\n<h2>Model</h2>\n");
    int shown = 0;
    if (pg->model) {
        char cap[600];
        snprintf(cap, sizeof cap, "%s (%s).", pg->o->model_path ? pg->o->model_path : "The model being trained",
                 ln_model_name(pg->model));
        model_table(pg, pg->model, cap);
        shown = 1;
    } else {
        for (int i = 0; i < pg->nruns && shown < 4; i++) {
            const rj *h = rl_head(&pg->runs[i]), *in = rj_get(h, "input");
            const char *spec = rj_str(h, "spec");
            double k;
            if (!spec || !in || in->type != RJ_ARR || in->n != 3 || !rj_num(h, "classes", &k)) continue;
            int dup = 0;
            for (int j = 0; j < i; j++) {
                const char *s2 = rj_str(rl_head(&pg->runs[j]), "spec");
                if (s2 && !strcmp(s2, spec)) dup = 1;
            }
            if (dup) continue;
            ln_model *m = NULL;
            if (ln_model_new(spec, (int)in->kids[0].num, (int)in->kids[1].num, (int)in->kids[2].num, (int)k, 1, &m) !=
                LN_OK)
                continue;
            char cap[600];
            snprintf(cap, sizeof cap, "%s (from %s's log).", rj_str(h, "model") ? rj_str(h, "model") : "custom",
                     pg->labels[i]);
            model_table(pg, m, cap);
            ln_model_free(m);
            shown++;
        }
    }
    if (!shown)
        rb_puts(b, "<p class=\"note\">No model to describe: the log has no run line and no model was given "
                   "(lenet report --load MODEL).</p>\n");
    rb_puts(b, "</section>\n");
}

/* Whether a run is still going on: its log has a run line, no end line
 * after it, and fewer epochs than its recipe. */
static int in_progress(const rl_run *r, int *epochs)
{
    double e = 0;
    *epochs = 0;
    if (!r->nheads || r->ended) return 0;
    if (!rj_num(rj_get(rl_head(r), "recipe"), "epochs", &e)) return 0;
    *epochs = (int)e;
    return !r->nep || r->ep[r->nep - 1].epoch < (int)e;
}

static int render(page *pg)
{
    rb *b = &pg->b;
    char title[512];
    if (pg->o->title) {
        snprintf(title, sizeof title, "%s", pg->o->title);
    } else {
        size_t n = (size_t)snprintf(title, sizeof title, "lenet report: ");
        for (int i = 0; i < pg->nruns && n < sizeof title; i++)
            n += (size_t)snprintf(title + n, sizeof title - n, "%s%s", i ? ", " : "", pg->labels[i]);
    }
    int epochs = 0, live = pg->o->live && pg->nruns == 1 && in_progress(&pg->runs[0], &epochs);
    page_head(pg, title, live);
    rb_puts(b, "<header>\n<h1>");
    rb_html(b, title);
    rb_puts(b, "</h1>\n");
    lead(pg);
    if (live) {
        const rl_run *r = &pg->runs[0];
        rb_printf(b, "<p class=\"live\">Training in progress: epoch %d of %d done. lenet rewrites this page after each "
                     "epoch and the browser reloads it every %d s.</p>\n",
                  r->nep ? r->ep[r->nep - 1].epoch : 0, epochs, REFRESH_SECONDS);
    }
    rb_printf(b, "<nav class=\"cap\">Sections: <a href=\"#curves\">training curves</a> \xc2\xb7 %s<a href=\"#runs\">%s</a> "
                 "\xc2\xb7 <a href=\"#model\">model</a></nav>\n",
              !pg->ev.done           ? ""
              : pg->o->mistakes > 0 ? "<a href=\"#evaluation\">evaluation</a> \xc2\xb7 <a href=\"#mistakes-section\">mistakes</a> \xc2\xb7 "
                                     : "<a href=\"#evaluation\">evaluation</a> \xc2\xb7 ",
              pg->nruns > 1 ? "the runs" : "the run: recipe, data, machine");
    rb_puts(b, "</header>\n");
    curves(pg);
    if (pg->ev.done) {
        evaluation_section(pg);
        if (pg->o->mistakes > 0) mistakes_section(pg);
    } else {
        rb_puts(b, "<section id=\"evaluation\">\n<h2>Evaluation on the test set</h2>\n<p class=\"note\">Not part of this "
                   "page: give a model and its test data (<code>lenet report RUN.jsonl --load MODEL [--data DIR]</code>) "
                   "for the confusion matrix, per-class precision, recall and F1, and the most confident mistakes.</p>\n"
                   "</section>\n");
    }
    runs_table(pg);
    model_section(pg);
    time_t now = time(NULL);
    struct tm tmv;
    char when[64] = "";
    if (gmtime_r(&now, &tmv)) strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", &tmv);
    rb_printf(b, "<footer>Written by <code>lenet report</code> (lenet %s) on %s. One self-contained file, with no scripts and "
                 "nothing loaded from elsewhere: it can be mailed or opened offline.</footer>\n",
              ln_version(), when);
    rb_puts(b, "</main>\n</body>\n</html>\n");
    return b->oom ? -1 : 0;
}

/* Write the page: to stdout for "-", else atomically (path.tmp, rename). */
static int write_page(const char *path, const rb *b, char *err, size_t errcap)
{
    if (!strcmp(path, "-")) {
        if (fwrite(b->p, 1, b->n, stdout) != b->n || fflush(stdout)) {
            snprintf(err, errcap, "standard output: %s", strerror(errno));
            return -1;
        }
        return 0;
    }
    size_t n = strlen(path) + 5;
    char *tmp = malloc(n);
    if (!tmp) {
        snprintf(err, errcap, "out of memory");
        return -1;
    }
    snprintf(tmp, n, "%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        snprintf(err, errcap, "%s: %s", tmp, strerror(errno));
        free(tmp);
        return -1;
    }
    int bad = fwrite(b->p, 1, b->n, f) != b->n;
    bad |= fflush(f) != 0;
    int e = errno;
    bad |= fclose(f) != 0;
    if (!bad && rename(tmp, path) != 0) {
        e = errno;
        snprintf(err, errcap, "%s: %s", path, strerror(e));
        unlink(tmp);
        free(tmp);
        return -1;
    }
    if (bad) {
        snprintf(err, errcap, "%s: %s", tmp, strerror(e ? e : errno));
        unlink(tmp);
        free(tmp);
        return -1;
    }
    free(tmp);
    return 0;
}

void report_opts_init(report_opts *o) { *o = (report_opts){.mistakes = 32}; }

int report_write_opts(const char *html_path, const char *const *logs, int nlogs, const ln_model *model,
                      const ln_data *test, const ln_exec *x, const report_opts *o, char *err, size_t errcap)
{
    if (nlogs < 1) {
        snprintf(err, errcap, "no log to report on");
        return -1;
    }
    page pg = {.nruns = nlogs, .model = model, .test = test, .o = o};
    pg.runs = calloc((size_t)nlogs, sizeof *pg.runs);
    pg.labels = calloc((size_t)nlogs, sizeof *pg.labels);
    int rc = -1;
    if (!pg.runs || !pg.labels) {
        snprintf(err, errcap, "out of memory");
        goto done;
    }
    for (int i = 0; i < nlogs; i++)
        if (rl_load(logs[i], &pg.runs[i], err, errcap)) goto done;
    /* legend names: the files' names, or their paths where two share one */
    for (int i = 0; i < nlogs; i++) {
        pg.labels[i] = pg.runs[i].name;
        for (int j = 0; j < nlogs; j++)
            if (j != i && !strcmp(pg.runs[j].name, pg.runs[i].name)) pg.labels[i] = pg.runs[i].path;
    }
    if (model && test && ln_data_count(test) > 0) {
        /* written during training: the log's last epoch evaluated this model on these images */
        ln_eval_result known = {0}, *kp = NULL;
        const rl_run *r0 = &pg.runs[0];
        if (o->live && nlogs == 1 && r0->nep && isfinite(r0->ep[r0->nep - 1].test_acc) &&
            isfinite(r0->ep[r0->nep - 1].test_loss)) {
            known.loss = r0->ep[r0->nep - 1].test_loss, known.accuracy = r0->ep[r0->nep - 1].test_acc;
            kp = &known;
        }
        if (evaluate(model, test, x, o->mistakes, kp, &pg.ev, err, errcap)) goto done;
        pg.names = calloc((size_t)pg.ev.k, sizeof *pg.names);
        if (!pg.names) {
            snprintf(err, errcap, "out of memory");
            goto done;
        }
        for (int c = 0; c < pg.ev.k; c++)
            if (!(pg.names[c] = class_name(&pg, c))) {
                snprintf(err, errcap, "out of memory");
                goto done;
            }
    }
    if (render(&pg)) {
        snprintf(err, errcap, "out of memory");
        goto done;
    }
    rc = write_page(html_path, &pg.b, err, errcap);
done:
    for (int i = 0; pg.runs && i < nlogs; i++) rl_free(&pg.runs[i]);
    for (int c = 0; pg.names && c < pg.ev.k; c++) free(pg.names[c]);
    free(pg.names);
    free(pg.ev.conf);
    free(pg.runs);
    free(pg.labels);
    rb_free(&pg.b);
    return rc;
}

int report_write(const char *html_path, const char *const *logs, int nlogs, const ln_model *model, const ln_data *test,
                 const ln_exec *x, char *err, size_t errcap)
{
    report_opts o;
    report_opts_init(&o);
    o.live = 1;
    return report_write_opts(html_path, logs, nlogs, model, test, x, &o, err, errcap);
}
