/* The model description language: a network as a list of layers, one per
 * line or ';'-separated (docs/MODELS.md). Built-in models are specs too. */
#ifndef LN_SPEC_H
#define LN_SPEC_H
#include <stddef.h>

#include "lenet/status.h"

#define LN_SPEC_MAX 32
#define LN_SPEC_TEXT_MAX 16384
#define LN_SPEC_CLASSES (-1) /* 'dense classes': as many units as the data has classes */
#define LN_TABLE_LECUN98 1   /* Table I of LeCun et al. 1998: S2 (6 maps) -> C3 (16 maps) */
#define LN_INIT_GLOROT 0     /* 'init glorot' (the default): Keras's Glorot-uniform, zero biases */
#define LN_INIT_LECUN98 1    /* 'init lecun98': every weight and bias uniform in +-2.4 / fan-in */

typedef enum ln_spec_op {
    LN_SPEC_RESIZE, LN_SPEC_CONV, LN_SPEC_AVGPOOL, LN_SPEC_MAXPOOL, LN_SPEC_TANH, LN_SPEC_RELU,
    LN_SPEC_FLATTEN, LN_SPEC_DENSE, LN_SPEC_SOFTMAX, LN_SPEC_STANH, LN_SPEC_SIGMOID, LN_SPEC_SUBSAMPLE,
    LN_SPEC_PAD, LN_SPEC_NORMALIZE, LN_SPEC_RBF, LN_SPEC_INIT,
} ln_spec_op;

typedef struct ln_spec_item {
    ln_spec_op op;
    int a, b, c;    /* resize: a x b; conv: a maps, b x c kernel; pool: a; dense: a units */
    int same;       /* conv padding */
    int table;      /* conv: connection table (LN_TABLE_*), 0 for all-to-all */
    float lo, hi;   /* normalize: [0,1] -> [lo,hi] */
    int line, col;  /* where the layer's word is in the text */
} ln_spec_item;

typedef struct ln_spec {
    int n;
    ln_spec_item items[LN_SPEC_MAX];
} ln_spec;

/* Parse text; on failure err gets "what at LINE:COL ..." and the status is
 * LN_ERR_ARG (ln_last_error() is not touched). */
ln_status ln_spec_parse(const char *text, ln_spec *s, char *err, size_t cap);
/* The canonical one-line form ("conv 6 5x5 same; tanh; ..."), snprintf-like. */
size_t ln_spec_format(const ln_spec *s, char *buf, size_t cap);
const char *ln_spec_op_word(ln_spec_op op);
/* A built-in model's spec, or NULL; names by index, NULL past the end. */
const char *ln_spec_builtin(const char *name);
const char *ln_spec_builtin_name(int i);
/* --model ARG: a built-in name, a readable spec file, or spec text. Sets
 * name ("lenet5", ..., or "custom") and *text (malloc'd). */
ln_status ln_spec_resolve(const char *arg, char *name, size_t ncap, char **text);

#endif
