/* The kernel tables and the choice among them. The scalar table is
 * complete; an ISA table starts as a copy of it and overrides what that ISA
 * implements (kernels/table_<isa>.c), so nothing is ever left unset. */
#include <pthread.h>
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
    .sgd = ln_sgd_scalar,
    .stanh_fwd = ln_stanh_fwd_scalar,
    .stanh_bwd = ln_stanh_bwd_scalar,
    .sigmoid_fwd = ln_sigmoid_fwd_scalar,
    .sigmoid_bwd = ln_sigmoid_bwd_scalar,
    .chan_affine = ln_chan_affine_scalar,
    .chan_affine_params = ln_chan_affine_params_scalar,
    .rbf = ln_rbf_scalar,
};

const ln_kernels *ln_kernels_scalar(void) { return &scalar_table; }

#if defined(LN_HAVE_AVX2)
void ln_kernels_fill_avx2(ln_kernels *t);
static ln_kernels avx2_table;
#endif
#if defined(LN_HAVE_NEON)
void ln_kernels_fill_neon(ln_kernels *t);
static ln_kernels neon_table;
#endif

static const char *const built[] = {
    "scalar",
#if defined(LN_HAVE_AVX2)
    "avx2",
#endif
#if defined(LN_HAVE_NEON)
    "neon",
#endif
    NULL,
};

const char *const *ln_kernels_built(void) { return built; }

static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static void fill_tables(void)
{
#if defined(LN_HAVE_AVX2)
    avx2_table = scalar_table;
    ln_kernels_fill_avx2(&avx2_table);
#endif
#if defined(LN_HAVE_NEON)
    neon_table = scalar_table;
    ln_kernels_fill_neon(&neon_table);
#endif
}

/* The table for `name` if this build has it and this CPU can run it. */
static const ln_kernels *usable(const char *name)
{
    pthread_once(&tables_once, fill_tables);
    if (!strcmp(name, "scalar")) return &scalar_table;
#if defined(LN_HAVE_AVX2)
    const ln_cpu_info *ci = ln_cpu();
    if (!strcmp(name, "avx2") && ci->avx2 && ci->fma && ci->os_ymm) return &avx2_table;
#endif
#if defined(LN_HAVE_NEON)
    if (!strcmp(name, "neon") && ln_cpu()->neon) return &neon_table;
#endif
    return NULL;
}

ln_status ln_kernels_select(const char *want, const ln_kernels **out)
{
    const char *src = "--kernels";
    if (!want || !*want) {
        want = getenv("LENET_KERNELS");
        src = "LENET_KERNELS";
        if (!want || !*want) want = "auto";
    }
    if (!strcmp(want, "auto")) {
        static const char *const preference[] = {"avx2", "neon", "scalar"};
        for (size_t i = 0; i < sizeof preference / sizeof preference[0]; i++)
            if ((*out = usable(preference[i]))) return LN_OK;
    }
    if (strcmp(want, "scalar") && strcmp(want, "avx2") && strcmp(want, "neon"))
        return ln_fail(LN_ERR_ARG, "%s: unknown kernel set '%s' (expected auto, scalar, avx2 or neon)", src, want);
    if ((*out = usable(want))) return LN_OK;
    return ln_fail(LN_ERR_UNSUPPORTED, "%s: kernel set '%s' is not available in this build or on this CPU (%s)",
                   src, want, ln_cpu()->brand[0] ? ln_cpu()->brand : "unknown CPU");
}
