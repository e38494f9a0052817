/* lenet-bench's train, eval and peak commands: what they print is
 * well-formed and consistent (not how fast anything is: speed is never
 * asserted), and bad flags get one-line errors naming the flag. `parity`
 * passes on this build and CPU, and fails when a kernel is made wrong. */
#include <criterion/criterion.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io/json.h"
#include "kernels.h"
#include "support.h"

static char out[1 << 16];

static ln_json *run_json(const char *args)
{
    int rc = run_prog(LENET_BENCH, args, out, sizeof out);
    cr_assert_eq(rc, 0, "lenet-bench %s: exit %d: %s", args, rc, out);
    ln_json *root;
    char err[256];
    cr_assert_eq(ln_json_parse(out, strlen(out), &root, err, sizeof err), LN_OK, "not JSON (%s): %s", err, out);
    return root;
}

static double num(const ln_json *o, const char *key)
{
    const ln_json *v = ln_json_get(o, key);
    cr_assert_not_null(v, "no \"%s\" in %s", key, out);
    cr_assert(v->type == LN_JSON_NUMBER || v->type == LN_JSON_INT, "\"%s\" is %s", key, ln_json_type_name(v->type));
    return v->type == LN_JSON_INT ? (double)v->u.integer : v->u.number;
}

/* One run's figures agree with each other: images/s from the median step,
 * GFLOP/s from images/s and the nominal FLOPs, phases that add up to no
 * more than the threads' time. */
static void check_run(const ln_json *run, int batch, double mflop, int threads)
{
    cr_assert_eq((int)num(run, "threads"), threads);
    double ips = num(run, "img_per_s"), ms = num(ln_json_get(run, "ms_per_step"), "median");
    cr_assert_gt(ips, 0.0);
    cr_assert_float_eq(ips, batch / (ms * 1e-3), 1e-3 * ips, "img/s %g vs batch / median step %g", ips,
                       batch / (ms * 1e-3));
    cr_assert_float_eq(num(run, "gflops"), ips * mflop * 1e-3, 1e-3 * num(run, "gflops"));
    cr_assert_gt(num(run, "fma_peak_gflops"), 0.0);
    const ln_json *ph = ln_json_get(run, "phase_ms");
    cr_assert_not_null(ph);
    double sum = 0.0;
    static const char *const names[] = {"data", "forward", "backward", "reduce", "update", "wait"};
    for (int i = 0; i < 6; i++) {
        double v = num(ph, names[i]);
        cr_assert_geq(v, -0.05, "phase %s = %g ms", names[i], v);
        sum += v;
    }
    cr_assert_gt(num(ph, "forward"), 0.0);
    cr_assert_gt(num(ph, "backward"), 0.0);
    /* busy + wait per thread is one step's wall time, on average */
    cr_assert_lt(sum, 2.0 * num(ln_json_get(run, "ms_per_step"), "max") + 1.0, "phases %g ms per step", sum);
}

Test(bench, train_json)
{
    ln_json *r = run_json("train --batch 16 --threads 2 --steps 3 --json");
    cr_assert_eq((int)num(r, "batch"), 16);
    double mflop = num(r, "mflop_per_img");
    /* the seed's LeNet-5: forward 6.87 MFLOP, step about 3x less conv1's data gradient */
    cr_assert(mflop > 20.0 && mflop < 21.0, "%g MFLOP per image", mflop);
    const ln_json *runs = ln_json_get(r, "runs");
    cr_assert(runs && runs->type == LN_JSON_ARRAY && runs->u.list.n == 1);
    check_run(&runs->u.list.items[0], 16, mflop, 2);
    /* the step's parallel work: batch 16 is 16 chunks of one sample */
    const ln_json *run = &runs->u.list.items[0];
    cr_assert_eq((int)num(run, "chunk"), 1);
    cr_assert_eq((int)num(run, "chunk_items"), 16);
    cr_assert_eq((int)num(run, "max_chunks_per_thread"), 8);
    cr_assert_gt(num(run, "update_items"), 0.0);
    cr_assert(num(run, "speedup_bound") > 1.5 && num(run, "speedup_bound") <= 2.0 + 1e-9, "bound %g",
              num(run, "speedup_bound"));
    ln_json_free(r);
}

Test(bench, train_sweep_covers_every_thread_count)
{
    /* 1, 2, 4, ... below the cores, then the cores */
    ln_json *r = run_json("train --batch 8 --sweep --steps 2 --json");
    const ln_json *runs = ln_json_get(r, "runs");
    int cores = omp_get_num_procs(), want[64], n = 0;
    for (int t = 1; t < cores; t *= 2) want[n++] = t;
    want[n++] = cores;
    cr_assert(runs && runs->type == LN_JSON_ARRAY && (int)runs->u.list.n == n, "%zu runs for %d cores",
              runs ? runs->u.list.n : 0, cores);
    for (int i = 0; i < n; i++) check_run(&runs->u.list.items[i], 8, num(r, "mflop_per_img"), want[i]);
    cr_assert_float_eq(num(&runs->u.list.items[0], "speedup"), 1.0, 1e-9);
    ln_json_free(r);
}

Test(bench, train_text_names_every_phase)
{
    cr_assert_eq(run_prog(LENET_BENCH, "train --batch 8 --threads 1 --steps 2", out, sizeof out), 0, "%s", out);
    const char *want[] = {"img/s", "GFLOP/s", "%peak", "data", "forward", "backward", "reduce", "update", "wait"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) cr_assert(strstr(out, want[i]), "no '%s' in: %s", want[i], out);
}

Test(bench, eval_json)
{
    ln_json *r = run_json("eval --threads 1 --reps 1 --json");
    cr_assert_eq((int)num(r, "images"), 10000);
    cr_assert_gt(num(r, "img_per_s"), 0.0);
    cr_assert_float_eq(num(r, "img_per_s"), 10000.0 / num(ln_json_get(r, "s_per_pass"), "median"),
                       1e-3 * num(r, "img_per_s"));
    ln_json_free(r);
}

static void expect_error(const char *args, int code, const char *needle)
{
    int rc = run_prog(LENET_BENCH, args, out, sizeof out);
    cr_assert_eq(rc, code, "lenet-bench %s: exit %d, want %d: %s", args, rc, code, out);
    cr_assert(strstr(out, needle), "lenet-bench %s: no '%s' in: %s", args, needle, out);
    cr_assert(strchr(out, '\n') == out + strlen(out) - 1, "lenet-bench %s: more than one line: %s", args, out);
}

Test(bench, bad_input_is_one_line)
{
    expect_error("train --batch 0", 2, "--batch");
    expect_error("train --threads x", 2, "--threads");
    expect_error("train --frobnicate", 2, "--frobnicate");
    expect_error("train --kernels sse9", 2, "--kernels");
    expect_error("train --model lenet7 --steps 1", 1, "lenet7");
    expect_error("train --data /nonexistent/dir --steps 1", 1, "/nonexistent/dir");
    expect_error("train --batch 65536 --steps 1", 1, "--batch");
    expect_error("train --sweep --threads 2", 2, "--sweep");
    expect_error("train --threads 1,,2", 2, "--threads");
    expect_error("train --threads 2,", 2, "--threads");
    expect_error("train --threads 0", 2, "--threads");
    expect_error("eval --reps 0", 2, "--reps");
    expect_error("eval --data /nonexistent/dir", 1, "/nonexistent/dir");
    expect_error("frobnicate", 2, "frobnicate");
}

/* ---- lenet-bench parity: numerics of every kernel set ---- */

static char big[1 << 18];

/* The kernel sets `lenet-bench parity` checks by default: every one this
 * build has and this CPU runs but scalar (scalar alone where none). */
static int parity_sets(void)
{
    int n = 0;
    for (const char *const *b = ln_kernels_built(); *b; b++) n += strcmp(*b, "scalar") && ln_cpu_runs(*b);
    return n ? n : 1;
}

static ln_json *parity_json(const char *args, int want_rc)
{
    int rc = run_prog(LENET_BENCH, args, big, sizeof big);
    cr_assert_eq(rc, want_rc, "lenet-bench %s: exit %d, want %d: %.2000s", args, rc, want_rc, big);
    ln_json *root;
    char err[256];
    cr_assert_eq(ln_json_parse(big, strlen(big), &root, err, sizeof err), LN_OK, "not JSON (%s): %.2000s", err, big);
    const ln_json *rows = ln_json_get(root, "rows");
    cr_assert(rows && rows->type == LN_JSON_ARRAY, "no rows array");
    cr_assert_eq((int)rows->u.list.n, parity_sets() * LN_NKERNELS, "%zu rows for %d sets of %d kernels",
                 rows->u.list.n, parity_sets(), LN_NKERNELS);
    for (size_t i = 0; i < rows->u.list.n; i++) {
        const ln_json *r = &rows->u.list.items[i], *k = ln_json_get(r, "kernel"), *p = ln_json_get(r, "pass");
        cr_assert(k && k->type == LN_JSON_STRING && ln_json_get(r, "set") && ln_json_get(r, "from"), "row %zu", i);
        cr_assert(p && p->type == LN_JSON_BOOL, "row %zu: no pass flag", i);
        cr_assert_gt(num(r, "cases"), 0.0, "row %zu (%s) checked no case", i, k->u.str.s);
    }
    return root;
}

static int row_passes(const ln_json *row) { return ln_json_get(row, "pass")->u.boolean; }

Test(bench, parity_passes, .timeout = 600)
{
    int rc = run_prog(LENET_BENCH, "parity", big, sizeof big);
    cr_assert_eq(rc, 0, "lenet-bench parity: exit %d:\n%s", rc, big);
    cr_assert(strstr(big, "rows pass"), "no verdict line in: %s", big);
    for (int i = 0; i < LN_NKERNELS; i++) cr_assert(strstr(big, ln_kernel_names[i]), "no %s row", ln_kernel_names[i]);

    ln_json *r = parity_json("parity --batch 8 --json", 0); /* LeNet-5 at batch 8: quicker, every edge shape */
    cr_assert(ln_json_get(r, "pass")->u.boolean);
    cr_assert_eq((int)num(r, "rows_failed"), 0);
    ln_json_free(r);
}

/* The self-check: a kernel perturbed after every call must fail its rows
 * (every set's, inherited or not) and nothing else, and the exit is 1. */
Test(bench, parity_catches_a_wrong_kernel, .timeout = 600)
{
    static const char *const victims[] = {"dense_fwd", "tanh_bwd", "maxpool2_fwd", "conv2d_scratch"};
    for (size_t v = 0; v < sizeof victims / sizeof victims[0]; v++) {
        cr_assert_eq(setenv("LENET_BENCH_PARITY_MUTATE", victims[v], 1), 0);
        ln_json *r = parity_json("parity --batch 4 --stride 9 --json", 1);
        const ln_json *rows = ln_json_get(r, "rows");
        for (size_t i = 0; i < rows->u.list.n; i++) {
            const ln_json *row = &rows->u.list.items[i];
            int hit = !strcmp(ln_json_get(row, "kernel")->u.str.s, victims[v]);
            cr_assert_eq(row_passes(row), !hit, "mutating %s: row %s[%s] %s", victims[v],
                         ln_json_get(row, "kernel")->u.str.s, ln_json_get(row, "set")->u.str.s,
                         hit ? "passes" : "fails");
        }
        ln_json_free(r);
    }
    cr_assert_eq(setenv("LENET_BENCH_PARITY_MUTATE", "no_such_kernel", 1), 0);
    cr_assert_eq(run_prog(LENET_BENCH, "parity", big, sizeof big), 2, "%s", big);
    cr_assert(strstr(big, "no_such_kernel"), "%s", big);
    unsetenv("LENET_BENCH_PARITY_MUTATE");
}

Test(bench, isa_lists_come_from_the_build)
{
    /* every set the build has is a valid --isa, listed in --help */
    cr_assert_eq(run_prog(LENET_BENCH, "kernels --help", out, sizeof out), 0);
    for (const char *const *b = ln_kernels_built(); *b; b++) cr_assert(strstr(out, *b), "kernels --help lacks %s", *b);
    cr_assert_eq(run_prog(LENET_BENCH, "parity --help", out, sizeof out), 0);
    for (const char *const *b = ln_kernels_built(); *b; b++) cr_assert(strstr(out, *b), "parity --help lacks %s", *b);
    expect_error("kernels --isa sse9", 2, "--isa");
    expect_error("parity --isa sse9", 2, "--isa");
}

Test(bench, peak_json)
{
    ln_json *r = run_json("peak --threads 1 --trials 2 --json");
    const ln_json *peaks = ln_json_get(r, "peaks");
    cr_assert(peaks && peaks->type == LN_JSON_ARRAY && peaks->u.list.n >= 1);
    for (size_t i = 0; i < peaks->u.list.n; i++)
        cr_assert_gt(num(ln_json_get(&peaks->u.list.items[i], "gflops"), "1"), 0.0);
    ln_json_free(r);
}

/* bench/compare_builds.sh and bench/manycore.sh, the scripts whose tables
 * docs/BENCHMARKS.md quotes: on a tiny run they print a row per case with
 * figures that parse, and refuse bad arguments in one line. */
Test(bench, scripts_print_their_tables, .timeout = 300)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "ROUNDS=1 THREADS='1 2' BATCHES=8 STEPS=4 KERNELS='auto nosuchset' %s/bench/compare_builds.sh",
             LENET_SOURCE_DIR);
    char args[2200];
    snprintf(args, sizeof args, "%s %s", LENET_BENCH, LENET_BENCH);
    int rc = run_prog(cmd, args, out, sizeof out);
    cr_assert_eq(rc, 0, "%s", out);
    for (int t = 1; t <= 2; t++) {
        const char *p = strstr(out, "\nauto ");
        for (int i = 1; i < t && p; i++) p = strstr(p + 1, "\nauto ");
        cr_assert_not_null(p, "no row %d: %s", t, out);
        int batch = 0, threads = 0;
        double o = 0, n = 0, r = 0;
        cr_assert_eq(sscanf(p, " auto %d %d %lf %lf %lf", &batch, &threads, &o, &n, &r), 5, "%s", p);
        cr_assert_eq(batch, 8);
        cr_assert_eq(threads, t);
        cr_assert(o > 0 && n > 0, "%s", p);
        cr_assert_float_eq(r, n / o, 0.002, "ratio %g of %g/%g", r, n, o);
    }
    cr_assert_not_null(strstr(out, "kernel set nosuchset: not run"), "%s", out);
    snprintf(cmd, sizeof cmd, "%s/bench/compare_builds.sh", LENET_SOURCE_DIR);
    cr_assert_eq(run_prog(cmd, LENET_BENCH, out, sizeof out), 2, "%s", out);
    cr_assert_not_null(strstr(out, "usage: bench/compare_builds.sh"), "%s", out);
    cr_assert_eq(run_prog(cmd, "/nonexistent/lenet-bench /nonexistent/lenet-bench", out, sizeof out), 1, "%s", out);
    cr_assert_not_null(strstr(out, "/nonexistent/lenet-bench: not an executable"), "%s", out);

    /* a bench that runs but prints no figure stops the script, named */
    char fake[1024];
    snprintf(fake, sizeof fake, "%s/fake-bench.sh", LENET_TEST_TMP);
    FILE *f = fopen(fake, "w");
    cr_assert_not_null(f);
    fprintf(f, "#!/bin/sh\ncase \"$*\" in *\"--steps 1 \"*) exit 0 ;; esac\nexit 3\n");
    cr_assert_eq(fclose(f), 0);
    cr_assert_eq(chmod(fake, 0700), 0);
    snprintf(cmd, sizeof cmd, "ROUNDS=1 THREADS=1 BATCHES=8 STEPS=4 KERNELS=auto %s/bench/compare_builds.sh",
             LENET_SOURCE_DIR);
    snprintf(args, sizeof args, "%s %s", LENET_BENCH, fake);
    cr_assert_eq(run_prog(cmd, args, out, sizeof out), 1, "%s", out);
    cr_assert_not_null(strstr(out, "fake-bench.sh train --batch 8 --threads 1 --kernels auto printed no figure"), "%s",
                       out);

    /* manycore.sh takes the build directory */
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", LENET_BENCH);
    *strrchr(dir, '/') = 0;
    snprintf(cmd, sizeof cmd, "STEPS=2 BIND=0 %s/bench/manycore.sh", LENET_SOURCE_DIR);
    snprintf(args, sizeof args, "%s 1,2", dir);
    rc = run_prog(cmd, args, out, sizeof out);
    cr_assert_eq(rc, 0, "%s", out);
    static const char *const rows[] = {"free lenet5-32 ", "free lenet5-256 ", "free lenet5-1998-64 "};
    for (int i = 0; i < 3; i++) {
        const char *p = strstr(out, rows[i]);
        cr_assert_not_null(p, "no summary row %s: %s", rows[i], out);
        double ips = 0, s1 = 0, s2 = 0;
        char items[32];
        cr_assert_eq(sscanf(p + strlen(rows[i]), "%lf %lfx %lfx %31[0-9+],", &ips, &s1, &s2, items), 4, "%s", p);
        cr_assert(ips > 0 && s1 == 1.0 && s2 > 0, "%s", p);
    }
}
