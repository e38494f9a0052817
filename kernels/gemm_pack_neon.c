/* Generic packers of the NEON GEMM (gemm_neon.h) for operands that are
 * plain matrices. A panel is [kc][w] (w = MR for A, NR for B); its w lanes
 * are either contiguous in the source (copy w floats per k) or w source
 * rows that run along k (transpose 4x4 blocks with trn1/trn2). */
#include <arm_neon.h>

#include "gemm_neon.h"

static int min_i(int a, int b) { return a < b ? a : b; }

void ln_gemm_pack_lanes(const float *src, size_t ld, int valid, int w, int kc, float *dst)
{
    if (valid == w && (w & 3) == 0) {
        for (int kk = 0; kk < kc; kk++)
            for (int q = 0; q < w; q += 4) vst1q_f32(dst + (size_t)kk * w + q, vld1q_f32(src + (size_t)kk * ld + q));
        return;
    }
    for (int kk = 0; kk < kc; kk++) {
        const float *s = src + (size_t)kk * ld;
        float *d = dst + (size_t)kk * w;
        int q = 0;
        for (; q < valid; q++) d[q] = s[q];
        for (; q < w; q++) d[q] = 0.0f;
    }
}

/* Transpose a 4x4 block: rows r[0..3] become columns. */
static void transpose4(float32x4_t r[4])
{
    float32x4_t t0 = vtrn1q_f32(r[0], r[1]), t1 = vtrn2q_f32(r[0], r[1]);
    float32x4_t t2 = vtrn1q_f32(r[2], r[3]), t3 = vtrn2q_f32(r[2], r[3]);
    r[0] = vreinterpretq_f32_f64(vtrn1q_f64(vreinterpretq_f64_f32(t0), vreinterpretq_f64_f32(t2)));
    r[1] = vreinterpretq_f32_f64(vtrn1q_f64(vreinterpretq_f64_f32(t1), vreinterpretq_f64_f32(t3)));
    r[2] = vreinterpretq_f32_f64(vtrn2q_f64(vreinterpretq_f64_f32(t0), vreinterpretq_f64_f32(t2)));
    r[3] = vreinterpretq_f32_f64(vtrn2q_f64(vreinterpretq_f64_f32(t1), vreinterpretq_f64_f32(t3)));
}

void ln_gemm_pack_transposed(const float *src, size_t ld, int valid, int w, int kc, float *dst)
{
    int kk = 0;
    if (valid == w && (w & 3) == 0)
        for (; kk + 4 <= kc; kk += 4)
            for (int q = 0; q < w; q += 4) {
                float32x4_t r[4];
                for (int i = 0; i < 4; i++) r[i] = vld1q_f32(src + (size_t)(q + i) * ld + kk);
                transpose4(r);
                for (int i = 0; i < 4; i++) vst1q_f32(dst + (size_t)(kk + i) * w + q, r[i]);
            }
    for (; kk < kc; kk++) {
        float *d = dst + (size_t)kk * w;
        int q = 0;
        for (; q < valid; q++) d[q] = src[(size_t)q * ld + kk];
        for (; q < w; q++) d[q] = 0.0f;
    }
}

void ln_gemm_pack_a_rows(const ln_gemm_neon *g, int m0, int mc, int k0, int kc, float *dst)
{
    const float *a = g->a;
    for (int i = 0; i < mc; i += LN_GEMM_MR, dst += (size_t)kc * LN_GEMM_MR)
        ln_gemm_pack_transposed(a + (size_t)(m0 + i) * g->lda + k0, g->lda, min_i(LN_GEMM_MR, mc - i), LN_GEMM_MR,
                        kc, dst);
}

void ln_gemm_pack_a_cols(const ln_gemm_neon *g, int m0, int mc, int k0, int kc, float *dst)
{
    const float *a = g->a;
    for (int i = 0; i < mc; i += LN_GEMM_MR, dst += (size_t)kc * LN_GEMM_MR)
        ln_gemm_pack_lanes(a + (size_t)k0 * g->lda + m0 + i, g->lda, min_i(LN_GEMM_MR, mc - i), LN_GEMM_MR, kc, dst);
}

void ln_gemm_pack_b_rows(const ln_gemm_neon *g, int k0, int kc, int j0, int nc, float *dst)
{
    const float *b = g->b;
    for (int j = 0; j < nc; j += LN_GEMM_NR, dst += (size_t)kc * LN_GEMM_NR)
        ln_gemm_pack_lanes(b + (size_t)k0 * g->ldb + j0 + j, g->ldb, min_i(LN_GEMM_NR, nc - j), LN_GEMM_NR, kc, dst);
}

void ln_gemm_pack_b_cols(const ln_gemm_neon *g, int k0, int kc, int j0, int nc, float *dst)
{
    const float *b = g->b;
    for (int j = 0; j < nc; j += LN_GEMM_NR, dst += (size_t)kc * LN_GEMM_NR)
        ln_gemm_pack_transposed(b + (size_t)(j0 + j) * g->ldb + k0, g->ldb, min_i(LN_GEMM_NR, nc - j), LN_GEMM_NR,
                        kc, dst);
}
