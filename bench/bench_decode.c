/* lenet-bench decode DIR: images/s of reading, decoding (libjpeg-turbo,
 * DCT-scaled) and area-resizing every image of a folder dataset to the
 * model's 28 x 28, per thread count, the median of repeated passes after a
 * warm-up pass (which also warms the page cache: disk speed is not what
 * this measures). */
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "data/dataset.h"

typedef struct dopts {
    int size, reps, json, sweep, threads;
} dopts;

/* One pass over all files; returns the images decoded. */
static int pass(char **paths, int n, int size, int threads, int *bad)
{
    int ok = 0, nb = 0;
#pragma omp parallel num_threads(threads) reduction(+ : ok, nb)
    {
        uint8_t *out = malloc((size_t)3 * size * size);
        char why[LN_FOLDER_REASON];
#pragma omp for schedule(dynamic, 16)
        for (int i = 0; i < n; i++) {
            int r = out ? ln_image_file_decode(paths[i], size, size, out, why) : 1;
            ok += r == 0, nb += r == 1;
        }
        free(out);
    }
    *bad = nb;
    return ok;
}

int bench_decode_main(int argc, char **argv)
{
    dopts o = {.size = 28, .reps = 5};
    const bopt specs[] = {
        {"size", BOPT_INT, &o.size, 1, 4096, "N", "output side in pixels (default 28)"},
        {"reps", BOPT_INT, &o.reps, 1, 1000, "N", "timed passes per thread count (default 5)"},
        {"threads", BOPT_INT, &o.threads, 1, 1024, "N", "one thread count (default: 1 and every count up to the cores)"},
        {"json", BOPT_FLAG, &o.json, 0, 0, NULL, "print one JSON object"},
        {NULL, 0, NULL, 0, 0, NULL, NULL},
    };
    const char *dir = NULL;
    for (int i = 2; i < argc; i++)
        if (argv[i][0] != '-') {
            dir = argv[i];
            memmove(argv + i, argv + i + 1, (size_t)(argc - i - 1) * sizeof *argv);
            argc--;
            break;
        }
    int rc = bench_parse("decode", "DIR [options]", specs, argc, argv, 2);
    if (rc) return rc < 0 ? BENCH_OK : rc;
    if (!dir) return bench_usage_error("decode", "expected a folder of JPEG class folders");
    char **paths;
    int n;
    if (ln_folder_list(dir, &paths, &n) != LN_OK) {
        fprintf(stderr, "lenet-bench decode: %s\n", ln_last_error());
        return BENCH_RUNTIME;
    }
    int bad, imgs = pass(paths, n, o.size, omp_get_num_procs(), &bad); /* warm-up: page cache */
    if (imgs == 0) {
        fprintf(stderr, "lenet-bench decode: %s: no decodable JPEG files\n", dir);
        ln_folder_list_free(paths, n);
        return BENCH_RUNTIME;
    }
    int lo = o.threads ? o.threads : 1, hi = o.threads ? o.threads : omp_get_num_procs();
    if (o.json) printf("{\"bench\":\"decode\",\"dir\":\"%s\",\"images\":%d,\"bad\":%d,\"size\":%d,\"runs\":[", dir, imgs, bad, o.size);
    else printf("lenet-bench decode: %s: %d images (%d bad), read + decode + resize to %dx%d, median of %d passes\n", dir, imgs, bad, o.size, o.size, o.reps);
    double one = 0.0;
    double *t = malloc((size_t)o.reps * sizeof *t);
    for (int th = lo; th <= hi && t; th++) {
        for (int r = 0; r < o.reps; r++) {
            double t0 = bench_now();
            pass(paths, n, o.size, th, &bad);
            t[r] = bench_now() - t0;
        }
        bench_stats st;
        bench_stats_of(t, o.reps, &st);
        double ips = imgs / st.med;
        if (th == lo) one = ips;
        if (o.json) printf("%s{\"threads\":%d,\"img_per_s\":%.1f,\"img_per_s_per_thread\":%.1f,\"s_per_pass\":%.5f}", th == lo ? "" : ",", th, ips, ips / th, st.med);
        else printf("  %2d thread%s: %8.0f img/s (%6.0f per thread, %.2fx)\n", th, th == 1 ? " " : "s", ips, ips / th, ips / one);
    }
    if (o.json) printf("]}\n");
    free(t);
    ln_folder_list_free(paths, n);
    return BENCH_OK;
}
