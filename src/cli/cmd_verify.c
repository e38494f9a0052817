/* lenet verify DIR: decode every image of a folder dataset, print the
 * per-class counts and every bad file with its reason; exit 1 if any.
 * lenet verify FILE: load a model file or checkpoint with every check
 * (checksum, tensors against the spec, training state) and summarise it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "io/checkpoint.h"
#include "io/model_file.h"
#include "opts.h"

static int verify_file(const char *path)
{
    ln_st_file f;
    if (ln_st_read(path, &f) != LN_OK) return cli_fail("verify");
    const char *kind = ln_st_meta_get(&f, "kind"), *crc = ln_st_meta_get(&f, LN_CRC_KEY);
    int ckpt = kind && !strcmp(kind, "checkpoint"), has_crc = crc != NULL;
    ln_st_free(&f);
    ln_net net;
    char np[32];
    if (!ckpt) {
        if (ln_net_load(path, &net) != LN_OK) return cli_fail("verify");
        int rc = cli_check_finite("verify", path, &net, NULL);
        if (rc) {
            ln_net_free(&net);
            return rc;
        }
        printf("%s: model %s, %s parameters, input %dx%dx%d, %d classes; %s\n", path, net.model,
               cli_grouped((long long)ln_net_trainable(&net), np, sizeof np), net.in_c, net.in_h, net.in_w,
               net.nclasses, has_crc ? "checksum ok" : "no checksum (an older or foreign file)");
        ln_net_free(&net);
        return EXIT_OK;
    }
    float *v;
    ln_train_state s;
    if (ln_checkpoint_load(path, &net, &v, &s) != LN_OK) return cli_fail("verify");
    int rc = cli_check_finite("verify", path, &net, v);
    if (rc) {
        free(v);
        ln_net_free(&net);
        return rc;
    }
    char where[96];
    if (s.epoch > s.epochs) snprintf(where, sizeof where, "finished all %d epochs (%ld steps)", s.epochs, s.step);
    else snprintf(where, sizeof where, "epoch %ld of %d, step %ld (%ld in the epoch)", s.epoch, s.epochs, s.step, s.epoch_step);
    printf("%s: checkpoint of model %s, %s parameters; %s; data %ld images from %s; kernels %s; checksum ok\n", path,
           net.model, cli_grouped((long long)ln_net_trainable(&net), np, sizeof np), where, s.data_n, s.data, s.isa);
    free(v);
    ln_net_free(&net);
    return EXIT_OK;
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
    int nclasses = 0, bad = ln_folder_verify(pos[0], threads, stdout, &nclasses);
    if (bad < 0) return cli_fail("verify");
    return bad ? EXIT_RUNTIME : EXIT_OK;
}
