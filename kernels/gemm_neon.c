/* The NEON GEMM driver and its 8x12 micro-kernel (see gemm_neon.h).
 *
 * Micro-kernel: 24 accumulators (8 rows x 3 vectors of 4 columns) stay in
 * registers for the whole kc loop; each k step loads 3 vectors of the B
 * panel and 2 of the A panel and issues 24 vfmaq_laneq_f32 (the A element
 * taken by lane, no broadcast instruction): 29 of the 32 NEON registers.
 *
 * A tile that is full (8 x 12) and contiguous in C is written straight from
 * the registers; an edge tile, or one straddling two C segments (images of
 * a folded batch), goes through a 96-float tile on the stack and is
 * scattered element by element. */
#include <arm_neon.h>

#include "gemm_neon.h"

#define LN_FMA_ROW(r, av, l)                                                                       \
    do {                                                                                           \
        c##r##0 = vfmaq_laneq_f32(c##r##0, b0, av, l);                                             \
        c##r##1 = vfmaq_laneq_f32(c##r##1, b1, av, l);                                             \
        c##r##2 = vfmaq_laneq_f32(c##r##2, b2, av, l);                                             \
    } while (0)

#define LN_INIT_ROW(r, rv, l)                                                                      \
    float32x4_t c##r##0 = vaddq_f32(i0, vdupq_laneq_f32(rv, l));                                   \
    float32x4_t c##r##1 = vaddq_f32(i1, vdupq_laneq_f32(rv, l));                                   \
    float32x4_t c##r##2 = vaddq_f32(i2, vdupq_laneq_f32(rv, l))

#define LN_STORE_ROW(r)                                                                            \
    do {                                                                                           \
        float *cr = c + (size_t)(r) * ldc;                                                         \
        if (acc) {                                                                                 \
            c##r##0 = vaddq_f32(vld1q_f32(cr), c##r##0);                                           \
            c##r##1 = vaddq_f32(vld1q_f32(cr + 4), c##r##1);                                       \
            c##r##2 = vaddq_f32(vld1q_f32(cr + 8), c##r##2);                                       \
        }                                                                                          \
        vst1q_f32(cr, c##r##0);                                                                    \
        vst1q_f32(cr + 4, c##r##1);                                                                \
        vst1q_f32(cr + 8, c##r##2);                                                                \
    } while (0)

/* c[0..8)[0..12) (ldc apart) = or += (rb[r] + cb[j]) + sum_k a[k][r] b[k][j].
 * a: [kc][8], b: [kc][12]; rb, cb NULL for zero. */
static void ukernel_8x12(int kc, const float *restrict a, const float *restrict b, float *restrict c,
                         size_t ldc, int acc, const float *rb, const float *cb)
{
    const float32x4_t z = vdupq_n_f32(0.0f);
    float32x4_t i0 = z, i1 = z, i2 = z, r0 = z, r1 = z;
    if (cb) i0 = vld1q_f32(cb), i1 = vld1q_f32(cb + 4), i2 = vld1q_f32(cb + 8);
    if (rb) r0 = vld1q_f32(rb), r1 = vld1q_f32(rb + 4);
    LN_INIT_ROW(0, r0, 0);
    LN_INIT_ROW(1, r0, 1);
    LN_INIT_ROW(2, r0, 2);
    LN_INIT_ROW(3, r0, 3);
    LN_INIT_ROW(4, r1, 0);
    LN_INIT_ROW(5, r1, 1);
    LN_INIT_ROW(6, r1, 2);
    LN_INIT_ROW(7, r1, 3);
    for (int k = 0; k < kc; k++) {
        float32x4_t b0 = vld1q_f32(b), b1 = vld1q_f32(b + 4), b2 = vld1q_f32(b + 8);
        float32x4_t a0 = vld1q_f32(a), a1 = vld1q_f32(a + 4);
        LN_FMA_ROW(0, a0, 0);
        LN_FMA_ROW(1, a0, 1);
        LN_FMA_ROW(2, a0, 2);
        LN_FMA_ROW(3, a0, 3);
        LN_FMA_ROW(4, a1, 0);
        LN_FMA_ROW(5, a1, 1);
        LN_FMA_ROW(6, a1, 2);
        LN_FMA_ROW(7, a1, 3);
        a += LN_GEMM_MR;
        b += LN_GEMM_NR;
    }
    LN_STORE_ROW(0);
    LN_STORE_ROW(1);
    LN_STORE_ROW(2);
    LN_STORE_ROW(3);
    LN_STORE_ROW(4);
    LN_STORE_ROW(5);
    LN_STORE_ROW(6);
    LN_STORE_ROW(7);
}

static size_t min_sz(size_t a, size_t b) { return a < b ? a : b; }
static int min_i(int a, int b) { return a < b ? a : b; }
static size_t round_up(size_t v, size_t m) { return (v + m - 1) / m * m; }

size_t ln_gemm_neon_scratch(int m, int n, int k, int mc, int nc, int kc)
{
    if (m <= 0 || n <= 0 || k <= 0) return 0;
    size_t kk = min_sz((size_t)k, (size_t)kc);
    return round_up(min_sz((size_t)m, (size_t)mc), LN_GEMM_MR) * kk +
           round_up(min_sz((size_t)n, (size_t)nc), LN_GEMM_NR) * kk;
}

static float *c_at(const ln_gemm_neon *g, int m, int j)
{
    return g->c + (size_t)m * g->ldc + (size_t)(j / g->seg) * g->seg_stride + (size_t)(j % g->seg);
}

/* Write rows x cols of the tile t ([8][12]) to C at (m, j). */
static void scatter_tile(const ln_gemm_neon *g, const float *t, int m, int j, int rows, int cols, int acc)
{
    for (int r = 0; r < rows; r++) {
        float rb = !acc && g->row_bias ? g->row_bias[m + r] : 0.0f;
        for (int q = 0; q < cols;) {
            /* a run of columns inside one C segment is contiguous */
            int run = min_i(cols - q, g->seg - (j + q) % g->seg);
            float *cp = c_at(g, m + r, j + q);
            const float *tp = t + r * LN_GEMM_NR + q;
            for (int e = 0; e < run; e++) {
                if (acc) cp[e] += tp[e];
                else cp[e] = (rb + (g->col_bias ? g->col_bias[j + q + e] : 0.0f)) + tp[e];
            }
            q += run;
        }
    }
}

/* C = biases where there is nothing to multiply (k == 0). */
static void bias_only(const ln_gemm_neon *g)
{
    for (int m = 0; m < g->m; m++)
        for (int j = 0; j < g->n; j++)
            *c_at(g, m, j) = (g->row_bias ? g->row_bias[m] : 0.0f) + (g->col_bias ? g->col_bias[j] : 0.0f);
}

void ln_gemm_neon_run(const ln_gemm_neon *g, float *buf)
{
    if (g->m <= 0 || g->n <= 0) return;
    if (g->k <= 0) {
        if (!g->accumulate) bias_only(g);
        return;
    }
    float *abuf = buf;
    float *bbuf = buf + round_up(min_sz((size_t)g->m, (size_t)g->mc), LN_GEMM_MR) *
                            min_sz((size_t)g->k, (size_t)g->kc);
    float tile[LN_GEMM_MR * LN_GEMM_NR];
    for (int j0 = 0; j0 < g->n; j0 += g->nc) {
        int nc = min_i(g->nc, g->n - j0);
        for (int k0 = 0; k0 < g->k; k0 += g->kc) {
            int kc = min_i(g->kc, g->k - k0), acc = g->accumulate || k0 > 0;
            g->pack_b(g, k0, kc, j0, nc, bbuf);
            for (int m0 = 0; m0 < g->m; m0 += g->mc) {
                int mc = min_i(g->mc, g->m - m0);
                g->pack_a(g, m0, mc, k0, kc, abuf);
                for (int jr = 0; jr < nc; jr += LN_GEMM_NR) {
                    const float *bp = bbuf + (size_t)(jr / LN_GEMM_NR) * kc * LN_GEMM_NR;
                    int j = j0 + jr, cols = min_i(LN_GEMM_NR, nc - jr);
                    int contiguous = cols == LN_GEMM_NR && j % g->seg + LN_GEMM_NR <= g->seg;
                    const float *cb = !acc && g->col_bias ? g->col_bias + j : NULL;
                    for (int ir = 0; ir < mc; ir += LN_GEMM_MR) {
                        const float *ap = abuf + (size_t)(ir / LN_GEMM_MR) * kc * LN_GEMM_MR;
                        int m = m0 + ir, rows = min_i(LN_GEMM_MR, mc - ir);
                        if (contiguous && rows == LN_GEMM_MR) {
                            const float *rb = !acc && g->row_bias ? g->row_bias + m : NULL;
                            ukernel_8x12(kc, ap, bp, c_at(g, m, j), g->ldc, acc, rb, cb);
                        } else {
                            ukernel_8x12(kc, ap, bp, tile, LN_GEMM_NR, 0, NULL, NULL);
                            scatter_tile(g, tile, m, j, rows, cols, acc);
                        }
                    }
                }
            }
        }
    }
}
