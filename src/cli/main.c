/* lenet: train, evaluate and inspect LeNet-class networks. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "opts.h"

/* One table for the usage text and the dispatch, so neither can list a
 * command the other lacks. */
static const struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *help;
} COMMANDS[] = {
    {"train", cmd_train, "train a model (default: the seed's LeNet-5 on Fashion-MNIST; or a JPEG folder)"},
    {"eval", cmd_eval, "test loss, accuracy and confusion matrix of a saved model"},
    {"predict", cmd_predict, "classify JPEG files, or one test image"},
    {"verify", cmd_verify, "check a JPEG image folder (class counts, every bad file), a model file or a checkpoint"},
    {"info", cmd_info, "CPU features, kernel set, threads and a model summary"},
    {"report", cmd_report, "an HTML page of one or more runs: curves, confusion matrix, worst errors"},
    {"probe", cmd_probe, "outputs, gradients and one SGD step, for checking against PyTorch"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: lenet COMMAND [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof COMMANDS / sizeof *COMMANDS; i++)
        fprintf(f, "  %-9s %s\n", COMMANDS[i].name, COMMANDS[i].help);
    fprintf(f, "\n'lenet COMMAND --help' describes each command's options.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *c = argv[1];
    if (!strcmp(c, "--help") || !strcmp(c, "-h") || !strcmp(c, "help")) {
        usage(stdout);
        return EXIT_OK;
    }
    if (!strcmp(c, "--version")) {
        printf("lenet %s\n", ln_version());
        return EXIT_OK;
    }
    for (size_t i = 0; i < sizeof COMMANDS / sizeof *COMMANDS; i++)
        if (!strcmp(c, COMMANDS[i].name)) return COMMANDS[i].run(argc, argv);
    fprintf(stderr, "lenet: unknown command '%s' (see lenet --help)\n", c);
    return EXIT_USAGE;
}
