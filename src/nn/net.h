/* A network: a list of layers over one parameter allocation.
 *
 * Parameters of all layers live in one float array (llm.c style); each
 * layer knows its weight and bias offsets. Activations are NCHW per sample;
 * the engine runs a chunk of n samples through the layers at once. */
#ifndef LN_NET_H
#define LN_NET_H
#include <stddef.h>
#include <stdint.h>

#include "kernels.h"
#include "lenet/status.h"

#define LN_MAX_LAYERS 32

typedef enum ln_layer_kind {
    LN_L_RESIZE,  /* bilinear resize of the input to (out_h, out_w) */
    LN_L_CONV,    /* stride-1 convolution, 'same' or 'valid' */
    LN_L_AVGPOOL, /* 2x2 stride 2 */
    LN_L_MAXPOOL, /* 2x2 stride 2 */
    LN_L_TANH,
    LN_L_RELU,
    LN_L_FLATTEN, /* [c][h][w] -> [c*h*w]: no data movement in NCHW */
    LN_L_DENSE,
    LN_L_SOFTMAX_XENT, /* last layer: probabilities; loss in the engine */
    LN_L_STANH,   /* LeCun's 1.7159 tanh(2a/3) */
    LN_L_SIGMOID,
    LN_L_SUBSAMPLE, /* LeCun's: 2x2 sum times a trainable coefficient plus a bias, per map */
    LN_L_PAD,       /* zero border of `pad` pixels (input layers only) */
    LN_L_NORMALIZE, /* x in [0,1] -> lo + (hi - lo) x (input layers only) */
    LN_L_RBF,       /* last layer: Euclidean RBF units with fixed prototypes; loss in the engine */
} ln_layer_kind;

typedef struct ln_layer {
    ln_layer_kind kind;
    char name[16];     /* tensor-name prefix ("conv1", "fc2"), "" if none */
    int in_c, in_h, in_w;
    int out_c, out_h, out_w;
    int k, pad;        /* conv: square kernel, symmetric padding; pad: border */
    int table;         /* conv: connection table (LN_TABLE_*), 0 all-to-all */
    float lo, hi;      /* normalize; rbf: lo is the MAP criterion's j, or -1 */
    int frozen;        /* parameters never updated (RBF prototypes) */
    size_t w_off, w_len, b_off, b_len; /* into the parameter array */
} ln_layer;

typedef struct ln_net {
    char model[32];    /* built-in model name, or "custom" */
    char spec[2048];   /* the layers, in the spec language's canonical form */
    int init;          /* LN_INIT_* */
    int in_c, in_h, in_w, nclasses;
    int nlayers;
    ln_layer layers[LN_MAX_LAYERS];
    size_t nparams;
    float *params;     /* nparams floats, 64-byte aligned */
    char **class_names; /* [nclasses] or NULL: saved with the model */
} ln_net;

static inline size_t ln_layer_out_len(const ln_layer *l) { return (size_t)l->out_c * l->out_h * l->out_w; }
static inline size_t ln_layer_in_len(const ln_layer *l) { return (size_t)l->in_c * l->in_h * l->in_w; }

/* Build a model for inputs of c x h x w and nclasses: `model` is a
 * built-in name ("lenet5", "lenet5-relu"), a spec file or spec text (the
 * language of docs/MODELS.md). Parameters are allocated and zeroed; call
 * ln_net_init to initialise. */
ln_status ln_net_build(const char *model, int c, int h, int w, int nclasses, ln_net *net);
/* The same from spec text only (never a file name), e.g. a model file's;
 * `name` becomes net->model, errors start with `origin`. */
ln_status ln_net_build_spec(const char *text, const char *name, const char *origin, int c, int h, int w,
                            int nclasses, ln_net *net);
void ln_net_free(ln_net *net);
/* Give the network a copy of the classes' names (NULL clears them). */
ln_status ln_net_set_class_names(ln_net *net, char *const *names);
/* Glorot-uniform weights, zero biases (Keras's defaults), drawn in layer
 * order from the project's PRNG seeded with `seed`. */
void ln_net_init(ln_net *net, uint64_t seed);
/* Names of the built-in models, NULL-terminated. */
const char *const *ln_net_models(void);

/* Nominal multiply-adds x2 of one sample's forward pass through layer l. */
double ln_layer_flops(const ln_layer *l);
/* Trainable parameters of a layer: all of them, except the weights a
 * connection table leaves out (stored as zeros, never updated). */
size_t ln_layer_trainable(const ln_layer *l);
size_t ln_net_trainable(const ln_net *net);
/* RBF prototypes, out x in values of +-1: for 10 classes of 84 inputs the
 * 7x12 glyphs of docs/MODELS.md ('#' +1, '.' -1); otherwise a seeded
 * random +-1 code per class. */
void ln_rbf_prototypes(int out, int in, uint64_t seed, float *w);
/* 1 if a table connects output map o to input map i (0 for out-of-range). */
int ln_table_connected(int table, int o, int i);
const char *ln_layer_kind_name(ln_layer_kind k);
/* Nominal FLOPs per sample (2 per multiply-add of the convolutions and
 * dense layers, padding included): the forward pass, and a training step
 * (forward, weight gradients, and the data gradients the step computes:
 * none below the first layer with parameters). */
double ln_net_forward_flops(const ln_net *net);
double ln_net_step_flops(const ln_net *net);

#endif
