/* The kernel tables and the choice among them. The scalar table is
 * complete; an ISA table is the scalar one with overrides, filled once. */
#include <stdlib.h>
#include <string.h>

#include "kernels_scalar.h"

static const ln_kernels scalar_table = {
    .isa = "scalar",
    .conv2d_scratch = ln_conv2d_scratch_scalar,
    .conv2d_fwd = ln_conv2d_fwd_scalar,
    .conv2d_bwd_data = ln_conv2d_bwd_data_scalar,
    .conv2d_bwd_weights = ln_conv2d_bwd_weights_scalar,
    .avgpool2_fwd = ln_avgpool2_fwd_scalar,
    .avgpool2_bwd = ln_avgpool2_bwd_scalar,
    .maxpool2_fwd = ln_maxpool2_fwd_scalar,
    .maxpool2_bwd = ln_maxpool2_bwd_scalar,
    .dense_fwd = ln_dense_fwd_scalar,
    .dense_bwd_data = ln_dense_bwd_data_scalar,
    .dense_bwd_weights = ln_dense_bwd_weights_scalar,
    .tanh_fwd = ln_tanh_fwd_scalar,
    .tanh_bwd = ln_tanh_bwd_scalar,
    .relu_fwd = ln_relu_fwd_scalar,
    .relu_bwd = ln_relu_bwd_scalar,
    .softmax_xent = ln_softmax_xent_scalar,
};

const ln_kernels *ln_kernels_scalar(void) { return &scalar_table; }

static const char *const built[] = {"scalar", NULL};

const char *const *ln_kernels_built(void) { return built; }

/* Known ISA names that this build or CPU may lack. */
static int is_known(const char *name)
{
    return !strcmp(name, "scalar") || !strcmp(name, "avx2") || !strcmp(name, "neon");
}

ln_status ln_kernels_select(const char *want, const ln_kernels **out)
{
    const char *src = "--kernels";
    if (!want || !*want) {
        want = getenv("LENET_KERNELS");
        src = "LENET_KERNELS";
        if (!want || !*want) want = "auto";
    }
    if (!strcmp(want, "auto") || !strcmp(want, "scalar")) {
        *out = &scalar_table; /* the best (only) table this build has */
        return LN_OK;
    }
    if (!is_known(want))
        return ln_fail(LN_ERR_ARG, "%s: unknown kernel set '%s' (expected auto, scalar, avx2 or neon)", src, want);
    return ln_fail(LN_ERR_UNSUPPORTED, "%s: kernel set '%s' is not available in this build or on this CPU (%s)",
                   src, want, ln_cpu()->brand);
}
