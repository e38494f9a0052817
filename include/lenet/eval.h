/* Evaluation and prediction. All calls are read-only on the model and
 * data, parallel across images (ln_exec; ln_gradients runs on one thread),
 * and give the same numbers for any thread count. Probabilities are the
 * softmax's (or, for an RBF output layer, the softmax of the negated
 * distances). */
#ifndef LENET_EVAL_H
#define LENET_EVAL_H
#include <stdint.h>

#include "lenet/data.h"
#include "lenet/model.h"
#include "lenet/system.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ln_eval_result {
    double loss;      /* mean loss per image (the model's own loss) */
    double accuracy;  /* fraction predicted right */
    long n;           /* images evaluated */
} ln_eval_result;

/* Evaluate m on all of d (same image shape, labels < the model's classes).
 * confusion, when not NULL, receives classes x classes counts: row = true
 * class, column = predicted class. */
LN_API ln_status ln_evaluate(const ln_model *m, const ln_data *d, const ln_exec *x, ln_eval_result *r,
                             long *confusion);

/* Class probabilities of images [first, first + n) of d into
 * probs[n][classes]. */
LN_API ln_status ln_predict_data(const ln_model *m, const ln_data *d, int first, int n, const ln_exec *x,
                                 float *probs);
/* Probabilities of n caller-owned images [n][c][h][w] of the model's input
 * shape, floats as the network sees them (8-bit pixels / 255). */
LN_API ln_status ln_predict(const ln_model *m, const float *images, int n, const ln_exec *x, float *probs);
/* The model's raw outputs for n caller-owned images, out[n][classes]: the
 * logits the softmax takes, or an RBF output layer's squared distances to
 * its prototypes (smaller is likelier). For checking against another
 * implementation (tools/torch_interop.py). */
LN_API ln_status ln_outputs(const ln_model *m, const float *images, int n, const ln_exec *x, float *out);
/* Probabilities of one JPEG file, decoded and resized as the folder
 * loader does (the model must take 3 channels, or 1: the mean of the
 * three). Errors name the file. */
LN_API ln_status ln_predict_jpeg(const ln_model *m, const char *path, const ln_exec *x, float *probs);
/* The most probable class (the first on ties). */
LN_API int ln_argmax(const float *probs, int classes);

/* Loss and gradients of n caller-owned images and labels: grads gets
 * ln_model_param_len(m) floats (laid out as the parameters; fixed tensors
 * get zero), the gradient of the summed loss; *loss the summed loss. */
LN_API ln_status ln_gradients(const ln_model *m, const float *images, const uint8_t *labels, int n,
                              const ln_exec *x, float *grads, double *loss);

#ifdef __cplusplus
}
#endif
#endif
