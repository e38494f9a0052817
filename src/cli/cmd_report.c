/* lenet report: not yet written (issue 17). */
#include <stdio.h>

#include "cli.h"
#include "opts.h"

int cmd_report(int argc, char **argv)
{
    (void)argc, (void)argv;
    fprintf(stderr, "lenet report: not built yet\n");
    return EXIT_RUNTIME;
}
