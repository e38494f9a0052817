/* Classify JPEG files with a saved model: the most probable class of each
 * file and its probability. The model must take RGB images, e.g. one
 * trained on a folder of JPEG class folders:
 *   lenet train --data FOLDER --save model.safetensors
 *   classify_jpeg model.safetensors IMAGE.jpg...
 * Exits 1 if a file could not be classified. */
#include <lenet/lenet.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: classify_jpeg MODEL.safetensors IMAGE.jpg...\n");
        return 2;
    }
    ln_model *m;
    if (ln_model_load(argv[1], &m) != LN_OK) {
        fprintf(stderr, "%s\n", ln_last_error());
        return 1;
    }
    int classes = ln_model_classes(m), rc = 0;
    float *probs = malloc((size_t)classes * sizeof *probs);
    if (!probs) return 1;
    for (int i = 2; i < argc; i++) {
        /* decoded and resized as training read the folder; NULL: all cores, best kernels */
        if (ln_predict_jpeg(m, argv[i], NULL, probs) != LN_OK) {
            fprintf(stderr, "%s\n", ln_last_error());
            rc = 1;
            continue;
        }
        int c = ln_argmax(probs, classes);
        const char *name = ln_model_class_name(m, c); /* NULL if the model has no class names */
        if (name)
            printf("%s: %s (%.1f%%)\n", argv[i], name, 100 * probs[c]);
        else
            printf("%s: class %d (%.1f%%)\n", argv[i], c, 100 * probs[c]);
    }
    free(probs);
    ln_model_free(m);
    return rc;
}
