/* The scalar (portable C) kernels: the complete reference table. */
#ifndef LN_KERNELS_SCALAR_H
#define LN_KERNELS_SCALAR_H
#include "kernels.h"

LN_DECLARE_KERNELS(scalar)

#endif
