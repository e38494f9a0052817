/* The kernel calls lenet-bench times: which kernel, on what shape, what it
 * nominally costs, and the buffers one call needs. */
#ifndef LN_BENCH_KCASE_H
#define LN_BENCH_KCASE_H
#include <stddef.h>
#include <stdint.h>

#include "kernels.h"

typedef enum kfam { KF_CONV, KF_DENSE, KF_AVGPOOL, KF_MAXPOOL, KF_TANH, KF_RELU, KF_SOFTMAX } kfam;

typedef struct kcase {
    char name[32];  /* "conv1_fwd", "fc2_bwd_weights", "maxpool2_bwd", "softmax_xent" */
    char shape[48]; /* "4x1x28x28>6 k5p2", "4x5880>84", "4x6x28x28", "18816", "4x10" */
    kfam fam;
    int pass;       /* 0 forward; 1 backward (data); 2 weight gradient */
    ln_conv_shape conv;
    int n, in, out; /* dense: [n][in] -> [n][out]; softmax: n rows of `out` classes */
    ln_pool_shape pool;
    size_t len;     /* elementwise */
    double flops;   /* nominal FLOPs per call; 0 for the memory-bound kernels */
    double bytes;   /* nominal bytes read and written per call */
} kcase;

/* Append LeNet-5's kernel calls at batch n to list[m..cap): conv1..3 and
 * fc1..2 in three passes, both poolings forward and backward on 6x28x28
 * and 16x14x14, tanh and relu on conv1's output, softmax_xent over 10
 * classes. Returns the new count. */
int kcases_lenet(kcase *list, int m, int cap, int n);

/* Append the three passes of "conv:N,IC,IH,IW,OC,K,PAD" or "dense:N,IN,OUT";
 * returns the new count, or -1 with a message in err. */
int kcases_parse(const char *spec, kcase *list, int m, int cap, char *err, size_t errcap);

/* Buffers of one call, inputs random in [-0.5, 0.5). */
typedef struct kbufs {
    float *f[6], *scratch;
    uint8_t *labels;
} kbufs;

int kbufs_alloc(kbufs *b, const kcase *c, const ln_kernels *k); /* 0, or -1 out of memory */
void kbufs_free(kbufs *b);
void kcase_call(const kcase *c, const ln_kernels *k, kbufs *b);

#endif
