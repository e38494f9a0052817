/* lenet-bench: kernel throughput per kernel set against scalar and its
 * ISA's FMA peak, whole training steps, inference, and the kernels'
 * numerics against scalar and a double-precision oracle.
 *   lenet-bench kernels [--isa all|SET] [--threads N] [--batch N]
 *                       [--reps N] [--shape SPEC]... [--no-lenet] [--json]
 *   lenet-bench train   [--model NAME] [--batch N] [--threads N|--sweep]
 *                       [--steps N] [--kernels SET] [--data DIR] [--json]
 *   lenet-bench eval    [--model NAME] [--threads N] [--reps N] [--kernels SET]
 *                       [--data DIR] [--json]
 *   lenet-bench decode  DIR [--size N] [--threads N] [--reps N] [--json]
 *   lenet-bench parity  [--isa all|SET] [--batch N] [--stride N] [--json]
 *   lenet-bench peak    [--threads N] [--trials N] [--json]
 *   lenet-bench allreduce [--model NAME|all] [--batch N,..] [--threads N]
 *                       [--steps N] [--rounds N] [--compare] [--json]
 *                       (under mpirun -np N; alone: the exchange volumes)
 * SET: a kernel set of this build (ln_kernels_built: scalar, avx2, avx512
 * on x86-64; scalar, neon on AArch64).
 * Figures are medians of repeated runs after a warm-up; on a noisy machine
 * compare ratios measured within one run (docs/BENCHMARKS.md). */
#include <string.h>

#include "bench.h"
#include "lenet/version.h"

int bench_allreduce_main(int argc, char **argv); /* bench_allreduce.c */

static void usage(FILE *f)
{
    fprintf(f, "usage: lenet-bench kernels [options]     time each kernel of each kernel set on LeNet-5's shapes\n"
               "       lenet-bench train [options]       time whole training steps, per phase; --sweep for scaling\n"
               "       lenet-bench eval [options]        time inference over the test set\n"
               "       lenet-bench decode DIR [options]  time JPEG decoding + resizing of an image folder\n"
               "       lenet-bench parity [options]      check every kernel set's numerics against scalar and an oracle\n"
               "       lenet-bench peak [options]        the FMA peak of each kernel set's ISA, per thread count\n"
               "       lenet-bench allreduce [options]   time the gradient exchange across processes (under mpirun)\n"
               "       lenet-bench COMMAND --help        the options of a command\n"
               "       lenet-bench --version             print the version\n"
               "kernel sets in this build: %s\n", bench_sets_list());
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return BENCH_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return BENCH_OK;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("lenet-bench %s\n", LENET_VERSION);
        return BENCH_OK;
    }
    if (!strcmp(argv[1], "kernels")) return bench_kernels_main(argc, argv);
    if (!strcmp(argv[1], "train")) return bench_train_main(argc, argv);
    if (!strcmp(argv[1], "eval")) return bench_eval_main(argc, argv);
    if (!strcmp(argv[1], "decode")) return bench_decode_main(argc, argv);
    if (!strcmp(argv[1], "parity")) return bench_parity_main(argc, argv);
    if (!strcmp(argv[1], "peak")) return bench_peak_main(argc, argv);
    if (!strcmp(argv[1], "allreduce")) return bench_allreduce_main(argc, argv);
    fprintf(stderr, "lenet-bench: unknown command '%s' (expected kernels, train, eval, decode, parity, peak or allreduce; see "
                    "lenet-bench --help)\n",
            argv[1]);
    return BENCH_USAGE;
}
