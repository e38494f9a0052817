/* lenet-bench's train and eval commands: what they print is well-formed
 * and consistent (not how fast anything is: speed is never asserted), and
 * bad flags get one-line errors naming the flag. */
#include <criterion/criterion.h>
#include <omp.h>
#include <stdio.h>
#include <string.h>

#include "io/json.h"
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
    ln_json_free(r);
}

Test(bench, train_sweep_covers_every_thread_count)
{
    ln_json *r = run_json("train --batch 8 --sweep --steps 2 --json");
    const ln_json *runs = ln_json_get(r, "runs");
    int cores = omp_get_num_procs();
    cr_assert(runs && runs->type == LN_JSON_ARRAY && (int)runs->u.list.n == cores, "%zu runs for %d cores",
              runs ? runs->u.list.n : 0, cores);
    for (int t = 1; t <= cores; t++) check_run(&runs->u.list.items[t - 1], 8, num(r, "mflop_per_img"), t);
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
    expect_error("eval --reps 0", 2, "--reps");
    expect_error("eval --data /nonexistent/dir", 1, "/nonexistent/dir");
    expect_error("frobnicate", 2, "frobnicate");
}
