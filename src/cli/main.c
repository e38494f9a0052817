/* lenet: train, evaluate and inspect LeNet-class networks. */
#include <omp.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "opts.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: lenet COMMAND [options]\n\n"
            "commands:\n"
            "  train     train a model (default: the seed's LeNet-5 on Fashion-MNIST; or a JPEG folder)\n"
            "  eval      test loss and accuracy of a saved model\n"
            "  predict   classify JPEG files, or one test image\n"
            "  verify    check a JPEG image folder (class counts, every bad file), a model file or a checkpoint\n"
            "  info      CPU features, kernel set, threads and a model summary\n"
            "  report    an HTML page of one or more runs: curves, confusion matrix, worst errors\n"
            "  probe     outputs, gradients and one SGD step, for checking against PyTorch\n\n"
            "'lenet COMMAND --help' describes each command's options.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    omp_set_dynamic(0); /* --threads N means exactly N */
    const char *c = argv[1];
    if (!strcmp(c, "--help") || !strcmp(c, "-h") || !strcmp(c, "help")) {
        usage(stdout);
        return EXIT_OK;
    }
    if (!strcmp(c, "--version")) {
        printf("lenet %s\n", LENET_VERSION);
        return EXIT_OK;
    }
    if (!strcmp(c, "train")) return cmd_train(argc, argv);
    if (!strcmp(c, "eval")) return cmd_eval(argc, argv);
    if (!strcmp(c, "predict")) return cmd_predict(argc, argv);
    if (!strcmp(c, "info")) return cmd_info(argc, argv);
    if (!strcmp(c, "verify")) return cmd_verify(argc, argv);
    if (!strcmp(c, "probe")) return cmd_probe(argc, argv);
    if (!strcmp(c, "report")) return cmd_report(argc, argv);
    fprintf(stderr, "lenet: unknown command '%s' (see lenet --help)\n", c);
    return EXIT_USAGE;
}
