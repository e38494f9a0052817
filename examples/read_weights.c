/* Read a model's weights: its tensors with their shapes, L2 norms and
 * first values, or every value of one tensor.
 *   read_weights MODEL.safetensors [TENSOR] */
#include <lenet/lenet.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int show(const ln_model *m, const ln_tensor_info *t, int all)
{
    float *v = malloc(t->len * sizeof *v);
    if (!v || ln_model_read_params(m, t->offset, v, t->len) != LN_OK) {
        fprintf(stderr, "%s\n", v ? ln_last_error() : "out of memory");
        free(v);
        return 1;
    }
    double sq = 0;
    for (size_t i = 0; i < t->len; i++) sq += (double)v[i] * v[i];
    char shape[64] = "[";
    for (int d = 0; d < t->ndim; d++)
        snprintf(shape + strlen(shape), sizeof shape - strlen(shape), "%s%d", d ? "," : "", t->shape[d]);
    strcat(shape, "]");
    printf("%-14s %-14s %8zu floats  L2 %9.4f%s ", t->name, shape, t->len, sqrt(sq), t->trainable ? "" : " (fixed)");
    size_t shown = all ? t->len : (t->len < 4 ? t->len : 4);
    for (size_t i = 0; i < shown; i++) printf(" %.5g", v[i]);
    printf("%s\n", shown < t->len ? " ..." : "");
    free(v);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: read_weights MODEL.safetensors [TENSOR]\n");
        return 2;
    }
    ln_model *m;
    ln_tensor_info t;
    int c, h, w, rc = 0;
    if (ln_model_load(argv[1], &m) != LN_OK) {
        fprintf(stderr, "%s\n", ln_last_error());
        return 1;
    }
    if (argc == 3) { /* one tensor, every value */
        if (ln_model_find_tensor(m, argv[2], &t) != LN_OK) {
            fprintf(stderr, "%s\n", ln_last_error());
            rc = 1;
        } else
            rc = show(m, &t, 1);
    } else {
        ln_model_input(m, &c, &h, &w);
        printf("%s: model %s, input %dx%dx%d, %d classes, %zu parameters (%lld trainable)\n", argv[1],
               ln_model_name(m), c, h, w, ln_model_classes(m), ln_model_param_len(m), ln_model_trainable(m));
        for (int i = 0; i < ln_model_tensors(m) && rc == 0; i++) {
            if (ln_model_tensor(m, i, &t) != LN_OK) {
                fprintf(stderr, "%s\n", ln_last_error());
                rc = 1;
            } else
                rc = show(m, &t, 0);
        }
    }
    ln_model_free(m);
    return rc;
}
