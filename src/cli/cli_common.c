#include <omp.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "nn/net.h"
#include "opts.h"

int cli_fail(const char *cmd)
{
    fprintf(stderr, "lenet %s: %s\n", cmd, ln_last_error());
    return EXIT_RUNTIME;
}

int cli_kernels(const char *cmd, const char *want, const ln_kernels **k)
{
    ln_status st = ln_kernels_select(want, k);
    if (st == LN_OK) return 0;
    fprintf(stderr, "lenet %s: %s\n", cmd, ln_last_error());
    return EXIT_USAGE;
}

int cli_default_threads(void) { return omp_get_num_procs(); }

const char *cli_grouped(long long v, char *buf, int cap)
{
    char digits[32];
    int n = snprintf(digits, sizeof digits, "%lld", v < 0 ? -v : v), o = 0;
    if (v < 0 && o < cap - 1) buf[o++] = '-';
    for (int i = 0; i < n && o < cap - 1; i++) {
        if (i && (n - i) % 3 == 0 && o < cap - 1) buf[o++] = ',';
        if (o < cap - 1) buf[o++] = digits[i];
    }
    buf[o] = 0;
    return buf;
}

int cli_check_model(const char *cmd, const char *model)
{
    char list[256] = "";
    for (const char *const *m = ln_net_models(); *m; m++) {
        if (!strcmp(*m, model)) return 0;
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", m == ln_net_models() ? "" : ", ", *m);
    }
    fprintf(stderr, "lenet %s: --model: unknown model '%s' (built-in: %s)\n", cmd, model, list);
    return EXIT_USAGE;
}
