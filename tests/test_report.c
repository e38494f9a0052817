/* lenet report: the log reader (old logs, run and end lines, resumed runs,
 * unknown keys; a malformed line is one error naming FILE:LINE and leaves
 * no page), usage errors, and the page writer train calls (report_write):
 * its evaluation against ln_evaluate, the reload while a run goes on,
 * HTML escaping of names from the data and the log, and atomic writes.
 * tests/report/ checks the page's numbers against `lenet eval --json` and
 * its rendering in headless Chromium. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <lenet/lenet.h>

#include "cli/report.h"
#include "support.h"

#define OUT_CAP 65536

static char out[OUT_CAP];

#define cli(...) run_clif(out, sizeof out, __VA_ARGS__)

static void put(const char *path, const char *text)
{
    cr_assert_eq(write_file(path, text, strlen(text)), 0, "cannot write %s", path);
}

static int exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

static char *slurp(const char *path)
{
    size_t n;
    unsigned char *d = read_file(path, &n);
    cr_assert_not_null(d, "cannot read %s", path);
    char *s = realloc(d, n + 1);
    cr_assert_not_null(s);
    s[n] = 0;
    return s;
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle)) n++;
    return n;
}

static const char EPOCH1[] = "{\"epoch\":1,\"train_loss\":0.9,\"train_acc\":0.6,\"test_loss\":0.7,\"test_acc\":0.7,"
                             "\"img_per_s\":2000.5,\"seconds\":1.5,\"lr\":0.04}\n";
static const char EPOCH2[] = "{\"epoch\":2,\"train_loss\":0.5,\"train_acc\":0.8,\"test_loss\":0.6,\"test_acc\":0.75,"
                             "\"img_per_s\":2100,\"seconds\":1.4,\"lr\":0.01}\n";
static const char RUN[] =
    "{\"run\":{\"lenet\":\"0.2.0\",\"model\":\"lenet5\",\"spec\":\"conv 6 5x5 same; tanh; avgpool 2; flatten; dense "
    "classes; softmax\",\"params\":11830,\"input\":[1,28,28],\"classes\":10,\"class_names\":null,\"recipe\":{\"epochs\":"
    "3,\"batch\":64,\"lr\":0.05,\"momentum\":0.9,\"nesterov\":1,\"weight_decay\":0.0005,\"schedule\":\"cosine\","
    "\"warmup\":0,\"seed\":7,\"augment\":null,\"limit\":0,\"future_key\":[1,{\"a\":null}]},\"data\":\"/data/<fashion> & "
    "co\",\"train_images\":600,\"test_images\":100,\"kernels\":\"avx2\",\"threads\":2,\"cpu\":\"Test CPU\",\"started\":"
    "\"2026-12-04T21:10:00Z\",\"resumed\":null}}\n";

/* A malformed log: exit 1, one line naming FILE:LINE, no page written. */
static void bad_log(const char *content, const char *want)
{
    char log[1024], page[1024], where[1100];
    snprintf(log, sizeof log, "%s", tmp_path("bad.jsonl"));
    snprintf(page, sizeof page, "%s", tmp_path("bad.html"));
    put(log, content);
    int rc = cli("report %s -o %s", log, page);
    cr_assert_eq(rc, 1, "exit %d for a log with %s; output:\n%s", rc, want, out);
    snprintf(where, sizeof where, "%s%s", log, want);
    cr_assert_not_null(strstr(out, where), "the message lacks \"%s\":\n%s", where, out);
    cr_assert_eq(count(out, "\n"), 1, "more than one line:\n%s", out);
    cr_assert(!exists(page), "a page was written for a bad log");
}

Test(report, malformed_logs_name_file_and_line)
{
    char text[4096];
    snprintf(text, sizeof text, "%s%s{\"epoch\":3,\"train_loss\":0.5,\n", EPOCH1, EPOCH2);
    bad_log(text, ":3: not JSON: column 30: unexpected end of line");
    snprintf(text, sizeof text, "%s[1,2]\n", EPOCH1);
    bad_log(text, ":2: not a JSON object");
    bad_log("{\"epoch\":1,\"train_acc\":0.5}\n", ":1: epoch line without \"train_loss\"");
    bad_log("{\"epoch\":\"one\",\"train_loss\":1,\"train_acc\":0.5}\n", ":1: \"epoch\" is not a positive integer");
    bad_log("{\"epoch\":0,\"train_loss\":1,\"train_acc\":0.5}\n", ":1: \"epoch\" is not a positive integer");
    snprintf(text, sizeof text, "%s{\"epoch\":2,\"train_loss\":1,\"train_acc\":0.5,\"test_acc\":\"x\"}\n", EPOCH1);
    bad_log(text, ":2: \"test_acc\" is not a number");
    bad_log("{\"run\":3}\n", ":1: \"run\" is not an object");
    bad_log("{\"epoch\":1,\"train_loss\":nan,\"train_acc\":0.5}\n", ":1: not JSON");
    bad_log("{\"epoch\":1,\"train_loss\":1,\"train_acc\":0.5} x\n", ":1: not JSON: column 44: unexpected text after the value");
    bad_log("{\"epoch\":1,\"train_loss\":1,\"train_acc\":0.5,\"k\":\"\\ud800\"}\n", ":1: not JSON");
    bad_log("", ": no epochs and no run line");
    bad_log("\n\n{\"other\":1}\n", ": no epochs and no run line");
}

Test(report, missing_log_and_usage)
{
    char page[1024];
    snprintf(page, sizeof page, "%s", tmp_path("none.html"));
    int rc = cli("report /nonexistent-lenet-log.jsonl -o %s", page);
    cr_assert_eq(rc, 1, "exit %d; output:\n%s", rc, out);
    cr_assert_not_null(strstr(out, "/nonexistent-lenet-log.jsonl: No such file"), "%s", out);
    rc = cli("report -o %s", page);
    cr_assert_eq(rc, 2, "no log: exit %d; output:\n%s", rc, out);
    rc = cli("report x.jsonl --data /tmp");
    cr_assert_eq(rc, 2, "--data without --load: exit %d; output:\n%s", rc, out);
    cr_assert_not_null(strstr(out, "--data needs --load"), "%s", out);
    rc = cli("report x.jsonl --mistakes 1000");
    cr_assert_eq(rc, 2, "--mistakes 1000: exit %d; output:\n%s", rc, out);
    rc = cli("report x.jsonl -o");
    cr_assert_eq(rc, 2, "-o without a value: exit %d; output:\n%s", rc, out);
    rc = cli("report --help");
    cr_assert_eq(rc, 0, "--help: exit %d; output:\n%s", rc, out);
    cr_assert_not_null(strstr(out, "--load MODEL"), "%s", out);
}

Test(report, old_log_without_run_line)
{
    char log[1024], page[1024], text[4096];
    snprintf(log, sizeof log, "%s", tmp_path("old.jsonl"));
    snprintf(page, sizeof page, "%s", tmp_path("old.html"));
    /* blank lines, unknown keys and an unknown kind of line are fine; no test data is -1 */
    snprintf(text, sizeof text,
             "%s\n{\"note\":\"hello\"}\n{\"epoch\":2,\"train_loss\":0.5,\"train_acc\":0.8,\"test_loss\":-1,"
             "\"test_acc\":-1,\"img_per_s\":2100,\"seconds\":1.4,\"lr\":0.01,\"new_key\":[1,2]}\n",
             EPOCH1);
    put(log, text);
    int rc = cli("report %s -o %s", log, page);
    cr_assert_eq(rc, 0, "exit %d; output:\n%s", rc, out);
    cr_assert_not_null(strstr(out, "wrote "), "%s", out);
    char *html = slurp(page);
    cr_assert_not_null(strstr(html, "<!DOCTYPE html>"));
    cr_assert_not_null(strstr(html, "no run line"), "the page does not say the log is an old one");
    cr_assert_not_null(strstr(html, "id=\"chart-loss\""));
    cr_assert_not_null(strstr(html, "id=\"epochs-0\""));
    /* epoch 2 has no test figures: a dash in the table, no point */
    cr_assert_not_null(strstr(html, "<td class=\"n\">2</td><td class=\"n\">0.5000</td><td class=\"n\">80.00%</td>"
                                    "<td class=\"n\">\xe2\x80\x93</td>"),
                       "epoch 2's row is not as logged");
    cr_assert_null(strstr(html, "http-equiv=\"refresh\""), "a finished page reloads itself");
    cr_assert_null(strstr(html, "<script"));
    free(html);
}

Test(report, run_lines_resume_and_overlay)
{
    char a[1024], b[1024], page[1024], text[8192];
    snprintf(a, sizeof a, "%s", tmp_path("a.jsonl"));
    snprintf(b, sizeof b, "%s", tmp_path("b.jsonl"));
    snprintf(page, sizeof page, "%s", tmp_path("ab.html"));
    /* a: stopped during epoch 2, resumed (another run line), epoch 2 logged
     * again by the resumed run: the later line counts */
    char run2[sizeof RUN + 64];
    snprintf(run2, sizeof run2, "%s", RUN);
    char *res = strstr(run2, "\"resumed\":null");
    cr_assert_not_null(res);
    snprintf(res, sizeof run2 - (size_t)(res - run2), "\"resumed\":{\"epoch\":2,\"step\":15}}}\n");
    snprintf(text, sizeof text,
             "%s%s{\"epoch\":2,\"train_loss\":9,\"train_acc\":0.1,\"test_loss\":9,\"test_acc\":0.1}\n"
             "{\"end\":{\"status\":\"stopped\",\"wall_s\":3.5}}\n%s%s"
             "{\"epoch\":3,\"train_loss\":0.4,\"train_acc\":0.85,\"test_loss\":0.55,\"test_acc\":0.8,\"lr\":0}\n"
             "{\"end\":{\"status\":\"complete\",\"wall_s\":4.0}}\n",
             RUN, EPOCH1, run2, EPOCH2);
    put(a, text);
    snprintf(text, sizeof text, "%s%s", EPOCH1, EPOCH2);
    put(b, text);
    int rc = cli("report %s %s --output %s --title 'A & B'", a, b, page);
    cr_assert_eq(rc, 0, "exit %d; output:\n%s", rc, out);
    char *html = slurp(page);
    cr_assert_not_null(strstr(html, "<title>A &amp; B</title>"));
    cr_assert_not_null(strstr(html, "id=\"epochs-0\""));
    cr_assert_not_null(strstr(html, "id=\"epochs-1\""));
    cr_assert_not_null(strstr(html, "<td class=\"n\">2</td><td class=\"n\">0.5000</td>"), "epoch 2 is not the resumed run's");
    cr_assert_null(strstr(html, "<td class=\"n\">9.0000</td>"), "the replaced epoch 2 is on the page");
    cr_assert_not_null(strstr(html, "1 time: at epoch 2, step 15"), "the resume is not shown");
    cr_assert_not_null(strstr(html, "7.5 s"), "wall time is not the sum of the invocations'");
    cr_assert_not_null(strstr(html, "/data/&lt;fashion&gt; &amp; co"), "the data path is not escaped");
    cr_assert_null(strstr(html, "<fashion>"));
    cr_assert_not_null(strstr(html, "class=\"diff\""), "rows that differ between runs are not marked");
    /* the logged spec is rebuilt for the model table */
    cr_assert_not_null(strstr(html, "<td>conv1</td><td>conv</td><td>(6, 28, 28)</td><td class=\"n\">156</td>"),
                       "no model table from the logged spec");
    /* two runs: each has its colour, with train and test series */
    cr_assert_not_null(strstr(html, "a.jsonl test"));
    cr_assert_not_null(strstr(html, "b.jsonl train"));
    free(html);
}

/* A model and labelled random images for report_write. */
typedef struct fixture {
    ln_model *m;
    ln_data *d;
    uint8_t *px, *labels;
} fixture;

static fixture make_fixture(int n)
{
    fixture f = {0};
    f.px = malloc((size_t)n * 28 * 28);
    f.labels = malloc((size_t)n);
    cr_assert(f.px && f.labels);
    uint32_t s = 99;
    for (size_t i = 0; i < (size_t)n * 28 * 28; i++) s = s * 1664525u + 1013904223u, f.px[i] = (uint8_t)(s >> 24);
    for (int i = 0; i < n; i++) f.labels[i] = (uint8_t)(i % 10);
    cr_assert_eq(ln_data_wrap_u8(f.px, f.labels, n, 1, 28, 28, 10, &f.d), LN_OK, "%s", ln_last_error());
    cr_assert_eq(ln_model_new("lenet5", 1, 28, 28, 10, 3, &f.m), LN_OK, "%s", ln_last_error());
    return f;
}

static void free_fixture(fixture *f)
{
    ln_model_free(f->m);
    ln_data_free(f->d);
    free(f->px);
    free(f->labels);
}

Test(report, report_write_evaluates_and_reloads_while_running)
{
    fixture f = make_fixture(300);
    const char *names[10] = {"zero", "<b>one</b>", "two & co", "three", "four", "five", "six", "seven", "eight", "nine"};
    cr_assert_eq(ln_data_set_class_names(f.d, names), LN_OK);
    ln_exec x = {.threads = 2, .kernels = NULL};
    ln_eval_result r;
    long conf[100];
    cr_assert_eq(ln_evaluate(f.m, f.d, &x, &r, conf), LN_OK, "%s", ln_last_error());

    /* epoch 1 of 3, its test figures those of this model */
    char log[1024], page[1024], tmp[1100], text[4096], err[512];
    snprintf(log, sizeof log, "%s", tmp_path("live.jsonl"));
    snprintf(page, sizeof page, "%s", tmp_path("live.html"));
    snprintf(text, sizeof text,
             "%s{\"epoch\":1,\"train_loss\":2.5,\"train_acc\":0.1,\"test_loss\":%.6f,\"test_acc\":%.6f,\"img_per_s\":100,"
             "\"seconds\":2,\"lr\":0.05}\n",
             RUN, r.loss, r.accuracy);
    put(log, text);
    const char *logs[1] = {log};
    int rc = report_write(page, logs, 1, f.m, f.d, &x, err, sizeof err);
    cr_assert_eq(rc, 0, "report_write: %s", err);
    snprintf(tmp, sizeof tmp, "%s.tmp", page);
    cr_assert(!exists(tmp), "the temporary file is left behind");
    char *html = slurp(page);
    cr_assert_not_null(strstr(html, "<meta http-equiv=\"refresh\" content=\"30\"/>"), "a running run's page does not reload");
    cr_assert_not_null(strstr(html, "epoch 1 of 3 done"));
    /* the confusion matrix is ln_evaluate's */
    for (int t = 0; t < 10; t++)
        for (int p = 0; p < 10; p++) {
            char cell[96];
            snprintf(cell, sizeof cell, "data-t=\"%d\" data-p=\"%d\" data-n=\"%ld\"", t, p, conf[t * 10 + p]);
            cr_assert_not_null(strstr(html, cell), "cell %d,%d is not %ld", t, p, conf[t * 10 + p]);
        }
    char v[64];
    snprintf(v, sizeof v, "id=\"eval-acc\" data-v=\"%.6f\"", r.accuracy);
    cr_assert_not_null(strstr(html, v), "accuracy is not %.6f", r.accuracy);
    /* class names from the data, escaped */
    cr_assert_not_null(strstr(html, "&lt;b&gt;one&lt;/b&gt;"));
    cr_assert_not_null(strstr(html, "two &amp; co"));
    cr_assert_null(strstr(html, "<b>one</b>"));
    /* mistakes: 32 images (an untrained model is wrong on most), PNG data URIs */
    cr_assert_eq(count(html, "<figure class=\"mis\""), 32);
    cr_assert_eq(count(html, "src=\"data:image/png;base64,iVBORw0KGgo"), 32);
    free(html);

    /* the last epoch logged: no reload */
    snprintf(text, sizeof text, "%s%s%s{\"epoch\":3,\"train_loss\":0.4,\"train_acc\":0.85,\"test_loss\":0.55,"
             "\"test_acc\":0.8}\n", RUN, EPOCH1, EPOCH2);
    put(log, text);
    cr_assert_eq(report_write(page, logs, 1, f.m, f.d, &x, err, sizeof err), 0, "report_write: %s", err);
    html = slurp(page);
    cr_assert_null(strstr(html, "http-equiv=\"refresh\""), "a finished run's page reloads");
    free(html);

    /* a page that cannot be written: -1 and the path in the message */
    cr_assert_eq(report_write("/nonexistent-lenet-dir/x.html", logs, 1, NULL, NULL, &x, err, sizeof err), -1);
    cr_assert_not_null(strstr(err, "/nonexistent-lenet-dir/x.html.tmp"), "%s", err);
    /* a bad log: -1, FILE:LINE */
    put(log, "{\"epoch\":1}\n");
    cr_assert_eq(report_write(page, logs, 1, NULL, NULL, &x, err, sizeof err), -1);
    cr_assert_not_null(strstr(err, "live.jsonl:1:"), "%s", err);
    free_fixture(&f);
}

Test(report, report_opts_mistakes_and_model_path)
{
    fixture f = make_fixture(120);
    char log[1024], page[1024], err[512], text[4096];
    snprintf(log, sizeof log, "%s", tmp_path("o.jsonl"));
    snprintf(page, sizeof page, "%s", tmp_path("o.html"));
    snprintf(text, sizeof text, "%s%s", EPOCH1, EPOCH2);
    put(log, text);
    const char *logs[1] = {log};
    report_opts o;
    report_opts_init(&o);
    o.mistakes = 5, o.model_path = "some/model.safetensors";
    cr_assert_eq(report_write_opts(page, logs, 1, f.m, f.d, NULL, &o, err, sizeof err), 0, "%s", err);
    char *html = slurp(page);
    cr_assert_eq(count(html, "<figure class=\"mis\""), 5);
    cr_assert_not_null(strstr(html, "some/model.safetensors"));
    /* numbered classes without names */
    cr_assert_not_null(strstr(html, "<tr data-class=\"3\"><td>3</td>"));
    free(html);
    o.mistakes = 0;
    cr_assert_eq(report_write_opts(page, logs, 1, f.m, f.d, NULL, &o, err, sizeof err), 0, "%s", err);
    html = slurp(page);
    cr_assert_null(strstr(html, "mistakes-section"), "--mistakes 0 still shows mistakes");
    cr_assert_not_null(strstr(html, "id=\"confusion\""));
    free(html);
    free_fixture(&f);
}

/* lenet train --report: the page is written during the run and once more
 * at its end (the log's end line read: "complete"); a --report that could
 * never be written is refused before any data loads. */
Test(report, train_writes_the_page)
{
    char dir[1024], log[1024], page[1024];
    snprintf(dir, sizeof dir, "%s", tmp_path("trdata"));
    snprintf(log, sizeof log, "%s", tmp_path("tr.jsonl"));
    snprintf(page, sizeof page, "%s", tmp_path("tr.html"));
    cr_assert_eq(write_mnist_dir(dir, 300, 50, 3), 0);
    int rc = cli("train --data %s --epochs 2 --batch 32 --threads 2 --quiet --log %s --report %s", dir, log, page);
    cr_assert_eq(rc, 0, "exit %d:\n%s", rc, out);
    char *html = slurp(page);
    cr_assert(strstr(html, "<svg"), "no chart in the page");
    cr_assert(strstr(html, ">status</th><td>complete</td>"), "the page does not show the run as complete");
    cr_assert(strstr(html, "Confusion") || strstr(html, "confusion"), "no confusion matrix");
    free(html);
    rc = cli("train --data /nonexistent --log %s --report %s", log, dir);
    cr_assert_eq(rc, 2, "--report onto a directory: exit %d:\n%s", rc, out);
    cr_assert(strstr(out, "--report") && strstr(out, "is a directory"), "%s", out);
    rc = cli("train --data %s --report %s", dir, page);
    cr_assert_eq(rc, 2, "--report without --log: exit %d:\n%s", rc, out);
}
