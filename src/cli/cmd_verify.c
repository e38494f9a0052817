/* lenet verify DIR: decode every image of a folder dataset, print the
 * per-class counts and every bad file with its reason; exit 1 if any.
 * lenet verify FILE: load a model file or checkpoint with every check
 * (checksum, tensors against the spec, training state) and summarise it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "opts.h"

static int verify_model(const char *path, int has_crc)
{
    ln_model *m;
    int rc = cli_load_model("verify", path, &m), c, h, w;
    if (rc) return rc;
    char np[32];
    ln_model_input(m, &c, &h, &w);
    printf("%s: model %s, %s parameters, input %dx%dx%d, %d classes; %s\n", path, ln_model_name(m),
           cli_grouped(ln_model_trainable(m), np, sizeof np), c, h, w, ln_model_classes(m),
           has_crc ? "checksum ok" : "no checksum (an older or foreign file)");
    ln_model_free(m);
    return EXIT_OK;
}

static int verify_checkpoint(const char *path)
{
    ln_checkpoint *ck; /* opening checks everything: checksums, tensors, finite weights and momentum */
    if (ln_checkpoint_open(path, &ck) != LN_OK) return cli_fail("verify");
    const ln_model *cm = ln_checkpoint_model(ck);
    ln_recipe r;
    ln_checkpoint_info s;
    ln_checkpoint_recipe(ck, &r);
    ln_checkpoint_info_get(ck, &s);
    char where[96], np[32];
    if (s.epoch > r.epochs) snprintf(where, sizeof where, "finished all %d epochs (%ld steps)", r.epochs, s.step);
    else snprintf(where, sizeof where, "epoch %ld of %d, step %ld (%ld in the epoch)", s.epoch, r.epochs, s.step, s.epoch_step);
    printf("%s: checkpoint of model %s, %s parameters; %s; data %ld images from %s; kernels %s; checksum ok\n", path,
           ln_model_name(cm), cli_grouped(ln_model_trainable(cm), np, sizeof np), where, s.data_n, s.data, s.kernels);
    ln_checkpoint_free(ck);
    return EXIT_OK;
}

static int verify_file(const char *path)
{
    /* which kind, and whether it carries checksums (a file that is not
     * safetensors at all: the model loader says what is wrong) */
    ln_file_info fi = {0};
    ln_model_file_info(path, &fi);
    return fi.checkpoint ? verify_checkpoint(path) : verify_model(path, fi.checksummed);
}

int cmd_verify(int argc, char **argv)
{
    int threads = cli_default_threads();
    const opt_spec specs[] = {
        {"threads", OPT_INT, &threads, 1, 1024, "N", "decoding threads (default: number of cores)"},
        {NULL, 0, NULL, 0, 0, NULL, NULL},
    };
    const char *pos[1];
    int npos, rc = opts_parse("verify", "DIR|MODEL|CHECKPOINT [options]", specs, argc, argv, 2, pos, 1, &npos);
    if (rc) return rc < 0 ? EXIT_OK : rc;
    if (npos != 1) {
        fprintf(stderr, "lenet verify: expected one image folder, model file or checkpoint (see lenet verify --help)\n");
        return EXIT_USAGE;
    }
    struct stat sb;
    if (stat(pos[0], &sb) == 0 && S_ISREG(sb.st_mode)) return verify_file(pos[0]);
    int nclasses = 0, bad = ln_data_jpeg_verify(pos[0], threads, stdout, &nclasses);
    if (bad < 0) return cli_fail("verify");
    return bad ? EXIT_RUNTIME : EXIT_OK;
}
