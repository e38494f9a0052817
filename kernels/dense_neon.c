/* Dense layer kernels, NEON: three GEMMs on the packed driver of
 * gemm_neon.h, the batch as a real matrix dimension.
 *   fwd:         y[n][out]  = x[n][in] w^T + b     M=n   N=out K=in  (w read as columns)
 *   bwd_data:    dx[n][in]  = dy[n][out] w         M=n   N=in  K=out (overwrites)
 *   bwd_weights: dw[out][in] += dy^T x             M=out N=in  K=n   (dy read as columns)
 *                db[out] += sum_n dy               (a vector sum over rows)
 * These kernels get no scratch, so they pack into a bounded buffer on the
 * stack ((DENSE_MC + DENSE_NC) * DENSE_KC floats, 40 KiB). */
#include <arm_neon.h>

#include "gemm_neon.h"
#include "kernels_neon.h"

#define DENSE_BUF_FLOATS ((LN_GEMM_DENSE_MC + LN_GEMM_DENSE_NC) * LN_GEMM_DENSE_KC)

static void run_dense(ln_gemm_neon *g)
{
    float buf[DENSE_BUF_FLOATS];
    g->mc = LN_GEMM_DENSE_MC, g->nc = LN_GEMM_DENSE_NC, g->kc = LN_GEMM_DENSE_KC;
    g->seg = g->n > 0 ? g->n : 1;
    ln_gemm_neon_run(g, buf);
}

void ln_dense_fwd_neon(int n, int in, int out, const float *x, const float *w, const float *b, float *y)
{
    ln_gemm_neon g = {.m = n, .n = out, .k = in, .pack_a = ln_gemm_pack_a_rows, .pack_b = ln_gemm_pack_b_cols,
                      .a = x, .lda = (size_t)in, .b = w, .ldb = (size_t)in,
                      .c = y, .ldc = (size_t)out, .accumulate = 0, .col_bias = b};
    run_dense(&g);
}

void ln_dense_bwd_data_neon(int n, int in, int out, const float *dy, const float *w, float *dx)
{
    ln_gemm_neon g = {.m = n, .n = in, .k = out, .pack_a = ln_gemm_pack_a_rows, .pack_b = ln_gemm_pack_b_rows,
                      .a = dy, .lda = (size_t)out, .b = w, .ldb = (size_t)in,
                      .c = dx, .ldc = (size_t)in, .accumulate = 0};
    run_dense(&g);
}

void ln_dense_bwd_weights_neon(int n, int in, int out, const float *x, const float *dy, float *dw, float *db)
{
    ln_gemm_neon g = {.m = out, .n = in, .k = n, .pack_a = ln_gemm_pack_a_cols, .pack_b = ln_gemm_pack_b_rows,
                      .a = dy, .lda = (size_t)out, .b = x, .ldb = (size_t)in,
                      .c = dw, .ldc = (size_t)in, .accumulate = 1};
    run_dense(&g);
    int o = 0;
    for (; o + 4 <= out; o += 4) {
        float32x4_t acc = vdupq_n_f32(0.0f);
        for (int i = 0; i < n; i++) acc = vaddq_f32(acc, vld1q_f32(dy + (size_t)i * out + o));
        vst1q_f32(db + o, vaddq_f32(vld1q_f32(db + o), acc));
    }
    for (; o < out; o++) {
        float acc = 0.0f;
        for (int i = 0; i < n; i++) acc += dy[(size_t)i * out + o];
        db[o] += acc;
    }
}
