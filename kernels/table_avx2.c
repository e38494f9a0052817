/* The AVX2+FMA table: the scalar table with these overrides. Compiled
 * without ISA flags (it only stores pointers) and called only after
 * kernels/cpu.c has seen AVX2, FMA and OS-saved YMM state. */
#include "kernels_avx2.h"

void ln_kernels_fill_avx2(ln_kernels *t);

void ln_kernels_fill_avx2(ln_kernels *t)
{
    t->isa = "avx2";
    /* convolution and dense (matrix products) */
    /* pooling, activations, softmax */
}
