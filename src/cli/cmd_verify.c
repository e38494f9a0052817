/* lenet verify DIR: decode every image of a folder dataset, print the
 * per-class counts and every bad file with its reason; exit 1 if any. */
#include <stdio.h>

#include "cli.h"
#include "opts.h"

int cmd_verify(int argc, char **argv)
{
    int threads = cli_default_threads();
    const opt_spec specs[] = {
        {"threads", OPT_INT, &threads, 1, 1024, "N", "decoding threads (default: number of cores)"},
        {NULL, 0, NULL, 0, 0, NULL, NULL},
    };
    const char *pos[1];
    int npos, rc = opts_parse("verify", "DIR [options]", specs, argc, argv, 2, pos, 1, &npos);
    if (rc) return rc < 0 ? EXIT_OK : rc;
    if (npos != 1) {
        fprintf(stderr, "lenet verify: expected one folder (see lenet verify --help)\n");
        return EXIT_USAGE;
    }
    int nclasses = 0, bad = ln_folder_verify(pos[0], threads, stdout, &nclasses);
    if (bad < 0) return cli_fail("verify");
    return bad ? EXIT_RUNTIME : EXIT_OK;
}
