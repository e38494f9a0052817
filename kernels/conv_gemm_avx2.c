/* Forward-shaped convolution as a register-blocked GEMM (see
 * conv_gemm_avx2.h). Three ways to feed the micro-kernels:
 *
 * - implicit: per sample, the input planes are copied once with their zero
 *   padding; a tile is tr output rows x tc*8 columns of one plane, and tap
 *   (c, u, v) of all its outputs is a shifted window of the padded planes.
 *   Nothing else is packed, but a narrow plane wastes the spare lanes of
 *   its last column vector (7 of 8 used when ow = 7, 14 or 28).
 * - rows: the same tiles for a single output channel, with the kernel that
 *   reuses each loaded row for all kh taps (conv_ukernel_avx2.h).
 * - gemm: output positions of all samples are flattened into one GEMM N
 *   (the minibatch folded in) and copied block by block into an im2col
 *   buffer [K][nb] sized for L2; tiles of tc*8 columns then run full
 *   whatever the plane width, at the price of the copy (about 1/M of the
 *   multiply-adds), so it pays for many output channels on small planes.
 *
 * The choice and the tile (mr channels x tr*tc vectors, 12 accumulators
 * or close) come from a cost model of the shape: vector steps of 12 FMAs
 * at two per cycle, loads at two per cycle, the lanes a tile wastes, and
 * the copies. On LeNet's shapes it picks what measured fastest among all
 * the variants (batch 32, AMD EPYC): conv1 fwd implicit 6x1x2 (77 GFLOP/s,
 * against 74 for 6x2x1 and 49 for gemm), conv2 fwd implicit 4x3x1 (86;
 * gemm 70), conv3 fwd gemm 4x3 or 6x2 (93-94; best implicit 85), conv2
 * data gradient implicit 6x1x2 (84; gemm 36), conv3 data gradient implicit
 * 6x2x1 (69; gemm 41), conv1 data gradient rows 5x2 (58; implicit 1x6x2
 * 39). */
#include "conv_gemm_avx2.h"

#include "conv_pack_avx2.h"
#include "conv_ukernel_avx2.h"

typedef struct cgemm_ctx {
    const ln_cgemm_plan *p;
    const ln_conv_shape *s;
    const float *x, *b, *a, *off;
    float *y, *pad, *col;
} cgemm_ctx;

LN_AVX2_INLINE void init_acc(__m256 *acc, const float *b, int m0, int mv, const int MR, const int NV)
{
#pragma GCC unroll 6
    for (int r = 0; r < MR; r++) {
        __m256 v = _mm256_set1_ps(b && r < mv ? b[m0 + r] : 0.0f);
#pragma GCC unroll 12
        for (int i = 0; i < NV; i++) acc[r * NV + i] = v;
    }
}

/* implicit: tiles of TR rows x TC vectors over each sample's padded planes */
LN_AVX2_INLINE void run_implicit(const cgemm_ctx *c, const int MR, const int TR, const int TC)
{
    const ln_conv_shape *s = c->s;
    const ln_cgemm_plan *p = c->p;
    const int NV = TR * TC, K = s->ic * s->kh * s->kw, M = s->oc, ohw = s->oh * s->ow;
    for (int n = 0; n < s->n; n++) {
        ln_pad_planes_avx2(c->x + (size_t)n * s->ic * s->ih * s->iw, s->ic, s->ih, s->iw, s->pad_h, s->pad_w,
                           p->rows, p->pw, (size_t)p->pad_len - (size_t)s->ic * p->rows * p->pw, c->pad);
        for (int m0 = 0; m0 < M; m0 += MR) {
            const float *a = c->a + (size_t)m0 * K;
            int mv = M - m0 < MR ? M - m0 : MR;
            float *ym = c->y + ((size_t)n * M + m0) * ohw;
            for (int oy = 0; oy < s->oh; oy += TR)
                for (int ox = 0; ox < s->ow; ox += 8 * TC) {
                    __m256 acc[12];
                    init_acc(acc, c->b, m0, mv, MR, NV);
                    ln_conv_ukr_avx2(K, a, c->off, c->pad + (size_t)oy * p->pw + ox, p->pw, MR, TR, TC, acc);
#pragma GCC unroll 6
                    for (int r = 0; r < MR; r++)
#pragma GCC unroll 12
                        for (int t = 0; t < TR; t++) {
                            if (r >= mv || oy + t >= s->oh) continue;
                            float *yr = ym + (size_t)r * ohw + (size_t)(oy + t) * s->ow + ox;
#pragma GCC unroll 4
                            for (int v = 0; v < TC; v++)
                                ln_store_n_avx2(yr + 8 * v, acc[r * NV + t * TC + v], s->ow - ox - 8 * v);
                        }
                }
        }
    }
}

/* rows: the single-channel kernel (MR = 1, KH taps tall), same tiles */
LN_AVX2_INLINE void run_rows(const cgemm_ctx *c, const int TR, const int TC, const int KH)
{
    const ln_conv_shape *s = c->s;
    const ln_cgemm_plan *p = c->p;
    const int K = s->ic * s->kh * s->kw, ohw = s->oh * s->ow, plane = p->rows * p->pw;
    for (int n = 0; n < s->n; n++) {
        ln_pad_planes_avx2(c->x + (size_t)n * s->ic * s->ih * s->iw, s->ic, s->ih, s->iw, s->pad_h, s->pad_w,
                           p->rows, p->pw, (size_t)p->pad_len - (size_t)s->ic * plane, c->pad);
        for (int m = 0; m < s->oc; m++) {
            float *ym = c->y + ((size_t)n * s->oc + m) * ohw;
            for (int oy = 0; oy < s->oh; oy += TR)
                for (int ox = 0; ox < s->ow; ox += 8 * TC) {
                    __m256 acc[12];
                    init_acc(acc, c->b, m, 1, 1, TR * TC);
                    ln_conv_ukr_rows_avx2(s->ic, s->kw, c->a + (size_t)m * K, c->pad + (size_t)oy * p->pw + ox, plane,
                                          p->pw, TR, TC, KH, acc);
#pragma GCC unroll 12
                    for (int t = 0; t < TR; t++) {
                        if (oy + t >= s->oh) continue;
                        float *yr = ym + (size_t)(oy + t) * s->ow + ox;
#pragma GCC unroll 4
                        for (int v = 0; v < TC; v++) ln_store_n_avx2(yr + 8 * v, acc[t * TC + v], s->ow - ox - 8 * v);
                    }
                }
        }
    }
}

/* Lanes of one flattened column vector that straddle planes (or samples):
 * one element at a time. q: first column, cnt lanes valid. */
static void store_scattered(float *y, int M, int m, int ohw, int q, int cnt, __m256 v)
{
    float t[8];
    _mm256_storeu_ps(t, v);
    int sm = q / ohw, pix = q - sm * ohw;
    for (int i = 0; i < cnt; i++) {
        y[((size_t)sm * M + m) * ohw + pix] = t[i];
        if (++pix == ohw) pix = 0, sm++;
    }
}

/* gemm: im2col blocks of nb flattened columns, tiles of TC vectors */
LN_AVX2_INLINE void run_gemm(const cgemm_ctx *c, const int MR, const int TC)
{
    const ln_conv_shape *s = c->s;
    const ln_cgemm_plan *p = c->p;
    const int K = s->ic * s->kh * s->kw, M = s->oc, ohw = s->oh * s->ow, nb = p->nb;
    const int Q = s->n * ohw;
    for (int q0 = 0; q0 < Q; q0 += nb) {
        int cnt = Q - q0 < nb ? Q - q0 : nb, padded = (cnt + 8 * TC - 1) / (8 * TC) * (8 * TC);
        ln_im2col_block_avx2(c->x, s->ic, s->ih, s->iw, s->pad_h, s->pad_w, s->kh, s->kw, s->oh, s->ow, q0, cnt,
                             padded, nb + 8, c->pad, c->col);
        for (int m0 = 0; m0 < M; m0 += MR) {
            int mv = M - m0 < MR ? M - m0 : MR;
            for (int j = 0; j < cnt; j += 8 * TC) {
                /* where each column vector of the tile lands */
                int vq[4], vn[4], vs[4], vpix[4], whole[4];
#pragma GCC unroll 4
                for (int v = 0; v < TC; v++) {
                    vq[v] = q0 + j + 8 * v;
                    vn[v] = Q - vq[v] < 8 ? Q - vq[v] : 8;
                    vs[v] = vq[v] / ohw;
                    vpix[v] = vq[v] - vs[v] * ohw;
                    whole[v] = vpix[v] + vn[v] <= ohw;
                }
                __m256 acc[12];
                init_acc(acc, c->b, m0, mv, MR, TC);
                ln_conv_ukr_avx2(K, c->a + (size_t)m0 * K, c->off, c->col + j, 0, MR, 1, TC, acc);
#pragma GCC unroll 6
                for (int r = 0; r < MR; r++)
#pragma GCC unroll 4
                    for (int v = 0; v < TC; v++) {
                        if (r >= mv || vn[v] <= 0) continue;
                        float *yv = c->y + ((size_t)vs[v] * M + m0 + r) * ohw + vpix[v];
                        if (whole[v])
                            ln_store_n_avx2(yv, acc[r * TC + v], vn[v]);
                        else
                            store_scattered(c->y, M, m0 + r, ohw, vq[v], vn[v], acc[r * TC + v]);
                    }
            }
        }
    }
}

/* ---- the variants and the cost model that picks one ---- */

#define IMPLICIT(MR, TR, TC)                                                                            \
    static void implicit_##MR##x##TR##x##TC(const cgemm_ctx *c) { run_implicit(c, MR, TR, TC); }
#define GEMM(MR, TC)                                                                                    \
    static void gemm_##MR##x##TC(const cgemm_ctx *c) { run_gemm(c, MR, TC); }
IMPLICIT(6, 2, 1)
IMPLICIT(6, 1, 2)
IMPLICIT(4, 3, 1)
IMPLICIT(4, 1, 3)
IMPLICIT(3, 4, 1)
IMPLICIT(3, 2, 2)
IMPLICIT(2, 6, 1)
IMPLICIT(2, 3, 2)
IMPLICIT(1, 12, 1)
IMPLICIT(1, 6, 2)
GEMM(6, 2)
GEMM(4, 3)
static void rows_5x2_k5(const cgemm_ctx *c) { run_rows(c, 5, 2, 5); }
static void rows_6x2_k3(const cgemm_ctx *c) { run_rows(c, 6, 2, 3); }

enum { IMPLICIT_TILES, GEMM_TILES, ROW_TILES };

typedef struct variant {
    int mr, tr, tc, kind, kh; /* kh: the only kernel height it runs (row tiles) */
    void (*run)(const cgemm_ctx *c);
} variant;

static const variant variants[] = {
    {6, 2, 1, IMPLICIT_TILES, 0, implicit_6x2x1}, {6, 1, 2, IMPLICIT_TILES, 0, implicit_6x1x2},
    {4, 3, 1, IMPLICIT_TILES, 0, implicit_4x3x1}, {4, 1, 3, IMPLICIT_TILES, 0, implicit_4x1x3},
    {3, 4, 1, IMPLICIT_TILES, 0, implicit_3x4x1}, {3, 2, 2, IMPLICIT_TILES, 0, implicit_3x2x2},
    {2, 6, 1, IMPLICIT_TILES, 0, implicit_2x6x1}, {2, 3, 2, IMPLICIT_TILES, 0, implicit_2x3x2},
    {1, 12, 1, IMPLICIT_TILES, 0, implicit_1x12x1}, {1, 6, 2, IMPLICIT_TILES, 0, implicit_1x6x2},
    {6, 1, 2, GEMM_TILES, 0, gemm_6x2},           {4, 1, 3, GEMM_TILES, 0, gemm_4x3},
    {1, 5, 2, ROW_TILES, 5, rows_5x2_k5},         {1, 6, 2, ROW_TILES, 3, rows_6x2_k3},
};
enum { NVARIANTS = sizeof variants / sizeof variants[0] };

static int ceil_div(int a, int b) { return (a + b - 1) / b; }
static size_t round16(size_t f) { return (f + 15) / 16 * 16; }

/* Modelled cycles per sample (relative: only the comparison matters). The
 * gemm tiles run over the n samples' flattened columns, so their last
 * tile's spare columns are shared by the n samples: planned for the
 * call's n (at n = 2, conv3's 98 columns fill 7 tiles of 16 but 5 of 24). */
static double cost(const variant *v, const ln_conv_shape *s)
{
    int K = s->ic * s->kh * s->kw, nv = v->tr * v->tc, fma = v->mr * nv, loads = v->mr + nv + 1;
    double step = (fma > loads ? fma : loads) / 2.0, tile = K * step + 2.0 * fma + 16.0 + 4.0 * v->tr;
    double strips = ceil_div(s->oc, v->mr), ph = s->oh + s->kh - 1, pw = s->ow + s->kw - 1;
    double pad = 0.25 * s->ic * ph * pw, tiles = ceil_div(s->oh, v->tr) * ceil_div(s->ow, 8 * v->tc);
    if (v->kind == ROW_TILES) {
        /* per (channel, column tap): rows x vectors of loads, kh broadcasts */
        int rfma = nv * v->kh, rloads = (v->tr + v->kh - 1) * v->tc + v->kh;
        tile = s->ic * s->kw * (rfma > rloads ? rfma : rloads) / 2.0 + 2.0 * fma + 16.0 + 4.0 * v->tr;
        return strips * tiles * tile + pad;
    }
    if (v->kind == IMPLICIT_TILES) return strips * tiles * tile + pad;
    int n = s->n > 0 ? s->n : 1;
    double copy = (double)K * s->oh * (ceil_div(s->ow, 8) + 4.0);
    return strips * ((double)ceil_div(n * s->oh * s->ow, 8 * v->tc) / n) * tile + copy + pad;
}

static int fits(const variant *v, const ln_conv_shape *s) { return !v->kh || v->kh == s->kh; }

/* The plan of variant i on shape s (its scratch does not depend on n). */
static void plan_variant(const ln_conv_shape *s, int i, ln_cgemm_plan *p)
{
    const variant *v = &variants[i];
    int K = s->ic * s->kh * s->kw;
    *p = (ln_cgemm_plan){.variant = i, .mr = v->mr, .tr = v->tr, .tc = v->tc, .gemm = v->kind == GEMM_TILES};
    p->ph = s->oh + s->kh - 1;
    p->pw = s->ow + s->kw - 1;
    p->a_len = round16((size_t)ceil_div(s->oc, v->mr) * v->mr * K + 8);
    p->off_len = round16((size_t)K);
    if (p->gemm) {
        /* an im2col block of ~192 KiB: it stays in L2 while every strip of
         * weights passes over it */
        int step = 8 * v->tc, nb = (49152 / K < 2048 ? 49152 / K : 2048) / step * step;
        p->nb = nb < step ? step : nb;
        p->rows = p->ph;
        p->pad_len = round16((size_t)s->ic * p->ph * p->pw + 8);
        p->col_len = round16((size_t)K * (p->nb + 8));
    } else {
        /* tr-1 zero rows below the plane and 8*tc zero floats after the last:
         * the reads of a tile's spare rows and lanes */
        p->rows = p->ph + v->tr - 1;
        p->pad_len = round16((size_t)s->ic * p->rows * p->pw + 8 * (size_t)v->tc);
    }
}

void ln_cgemm_plan_avx2(const ln_conv_shape *s, ln_cgemm_plan *p)
{
    int best = 0;
    for (int i = 1; i < NVARIANTS; i++)
        if (fits(&variants[i], s) && cost(&variants[i], s) < cost(&variants[best], s)) best = i;
    plan_variant(s, best, p);
}

size_t ln_cgemm_scratch_avx2(const ln_conv_shape *s)
{
    size_t most = 0;
    for (int i = 0; i < NVARIANTS; i++) {
        ln_cgemm_plan p;
        plan_variant(s, i, &p);
        size_t need = p.a_len + p.off_len + p.pad_len + p.col_len;
        if (fits(&variants[i], s) && need > most) most = need;
    }
    return most;
}

float *ln_cgemm_strips_avx2(float *scratch) { return scratch; }

void ln_cgemm_run_avx2(const ln_cgemm_plan *p, const ln_conv_shape *s, const float *x, const float *b, float *y,
                       float *scratch)
{
    cgemm_ctx c = {.p = p, .s = s, .x = x, .b = b, .y = y, .a = scratch};
    float *off = scratch + p->a_len;
    c.off = off;
    c.pad = off + p->off_len;
    c.col = c.pad + p->pad_len;
    if (p->gemm)
        for (int k = 0; k < s->ic * s->kh * s->kw; k++) ln_put_i32(off + k, k * (p->nb + 8));
    else
        ln_tap_offsets_avx2(s->ic, s->kh, s->kw, p->rows * p->pw, p->pw, off);
    variants[p->variant].run(&c);
}
