/* Models: a network's layers and parameters.
 *
 * An ln_model is built from a built-in name ("lenet5", "lenet5-1998", ...),
 * a spec string or spec file in the model language (docs/MODELS.md), or
 * loaded from a model file (safetensors, docs/FORMAT.md). It owns its
 * parameters, which are 32-bit floats laid out tensor after tensor.
 *
 * Thread-safety: functions that take a `const ln_model *` may run on one
 * model from several threads at once; a function that takes `ln_model *`
 * (training, loading parameters, renaming classes) needs the model to
 * itself. Every call that can fail returns an ln_status and leaves a
 * message in ln_last_error(). */
#ifndef LENET_MODEL_H
#define LENET_MODEL_H
#include <stddef.h>
#include <stdint.h>

#include "lenet/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ln_model ln_model;

/* Build a model for images of channels x height x width and `classes`
 * classes. `model` is a built-in name, a spec file's path, or spec text.
 * The weights are initialised from `seed` (Glorot-uniform, biases zero,
 * in layer order): the same seed gives the same weights on every machine.
 * On success *out owns a new model (free with ln_model_free). */
LN_API ln_status ln_model_new(const char *model, int channels, int height, int width, int classes, uint64_t seed,
                              ln_model **out);
/* Read a model file (or a checkpoint's model): its layers, weights and
 * class names; the file's checksums are verified, and a NaN or infinite
 * weight is refused (LN_ERR_NUMERIC naming the tensor and index). */
LN_API ln_status ln_model_load(const char *path, ln_model **out);

/* What a model file is, from its header: a checkpoint or a plain model,
 * and whether it carries checksums (files of lenet before 0.1 do not).
 * Fails only when the file is not a readable safetensors file. */
typedef struct ln_file_info {
    int checkpoint;
    int checksummed;
} ln_file_info;
LN_API ln_status ln_model_file_info(const char *path, ln_file_info *out);
/* Write the model to `path` atomically: a crash or a full disk leaves the
 * old file (if any) intact, never a partial one. Refuses non-finite
 * weights, a directory, or a FIFO or device. */
LN_API ln_status ln_model_save(const ln_model *m, const char *path);
/* A copy (layers, weights, class names). */
LN_API ln_status ln_model_clone(const ln_model *m, ln_model **out);
/* Free a model (NULL is fine). */
LN_API void ln_model_free(ln_model *m);

/* The built-in model names, NULL-terminated (static storage). */
LN_API const char *const *ln_model_builtins(void);
/* Check that `model` names a built-in model, a readable spec file or valid
 * spec text, without building it. */
LN_API ln_status ln_model_check(const char *model);

/* The built-in name, or "custom" (valid while m lives). */
LN_API const char *ln_model_name(const ln_model *m);
/* The layers in the spec language's canonical form (valid while m lives). */
LN_API const char *ln_model_spec(const ln_model *m);
LN_API void ln_model_input(const ln_model *m, int *channels, int *height, int *width);
LN_API int ln_model_classes(const ln_model *m);
/* Class c's name, or NULL when the model has no names (IDX data). */
LN_API const char *ln_model_class_name(const ln_model *m, int c);
/* Give the model a copy of names[0..classes) (NULL removes them). Names
 * must be valid UTF-8: a model file stores them as JSON strings. */
LN_API ln_status ln_model_set_class_names(ln_model *m, const char *const *names);

/* One layer, as `lenet info` prints it. */
typedef struct ln_layer_info {
    char kind[16];                 /* "conv", "avgpool", "dense", "tanh", ... */
    char name[16];                 /* tensor-name prefix ("conv1"), "" if the layer has no parameters */
    int in_c, in_h, in_w;          /* input shape (channels, rows, columns) */
    int out_c, out_h, out_w;       /* output shape; dense layers have h = w = 1 */
    long long params;              /* parameters stored */
    long long trainable;           /* of which trained (a connection table's gaps and RBF prototypes are not) */
    double flops;                  /* forward FLOPs per sample (2 per multiply-add) */
} ln_layer_info;

LN_API int ln_model_layers(const ln_model *m);
/* Layer i in [0, ln_model_layers(m)). */
LN_API ln_status ln_model_layer(const ln_model *m, int i, ln_layer_info *out);
/* Trainable parameters in all. */
LN_API long long ln_model_trainable(const ln_model *m);
/* Nominal FLOPs per sample: of a forward pass, and of a training step
 * (forward, weight gradients and the data gradients it needs). */
LN_API double ln_model_forward_flops(const ln_model *m);
LN_API double ln_model_step_flops(const ln_model *m);

/* ---- parameters -------------------------------------------------------
 * A model's parameters are tensors named as in the model file and in
 * PyTorch ("conv1.weight" [out][in][k][k], "fc1.bias" [out], ...), stored
 * one after another in one float array of ln_model_param_len() floats. */

typedef struct ln_tensor_info {
    char name[48];
    int ndim;
    int shape[4];
    size_t offset;                 /* first float in the parameter array */
    size_t len;                    /* floats: the product of the shape */
    int trainable;                 /* 0: fixed (RBF prototypes) */
} ln_tensor_info;

LN_API int ln_model_tensors(const ln_model *m);
LN_API ln_status ln_model_tensor(const ln_model *m, int i, ln_tensor_info *out);
/* The tensor called `name`; LN_ERR_ARG if there is none. */
LN_API ln_status ln_model_find_tensor(const ln_model *m, const char *name, ln_tensor_info *out);
/* Floats in the parameter array. */
LN_API size_t ln_model_param_len(const ln_model *m);
/* Copy `len` floats of the parameter array from `offset` into dst. */
LN_API ln_status ln_model_read_params(const ln_model *m, size_t offset, float *dst, size_t len);
/* Overwrite `len` floats from `offset` with src. Nothing is written when
 * src holds a NaN or infinity (LN_ERR_NUMERIC) or a nonzero value for a
 * weight a connection table leaves out (LN_ERR_ARG: those stay 0; writing
 * 0 there is fine, so what ln_model_read_params gave can be written back). */
LN_API ln_status ln_model_write_params(ln_model *m, size_t offset, const float *src, size_t len);

#ifdef __cplusplus
}
#endif
#endif
