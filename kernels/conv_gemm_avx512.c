/* Forward-shaped convolution as a register-blocked GEMM over flat
 * interleaved planes (see conv_gemm_avx512.h, conv_pack_avx512.h).
 *
 * Per group of G samples the input planes are interleaved once; a tile is
 * MR output channels x NV consecutive vectors of the group's flat output
 * run (16/G positions of all G samples a vector). The reduction walks the
 * taps column v outermost, so the NV lane masks of a tile (which cut the
 * columns a shift wraps into the next row) stay in mask registers while
 * (channel, row tap) runs inside: a step is MR broadcasts, NV masked loads
 * and MR*NV FMAs. The epilogue turns each 4 vectors of a channel ([P][G])
 * into G rows of P = 64/G positions with 8 two-source permutes and stores
 * them straight into y's planes. No lane is wasted on a 7- or 14-wide
 * plane: only the last vector of the group's run may be partial.
 *
 * The tile and the group size (8, or 1 where a plane alone fills whole
 * vectors and the transposes are not worth it) come from a cost model.
 *
 * Measured with `lenet-bench kernels --batch 8` (one thread, median,
 * GFLOP/s over nominal FLOPs) on the CPU this was written on: AMD EPYC
 * family 25 model 17 (Zen 4: zmm FMAs double-pumped, zmm peak = ymm peak
 * = 118 GFLOP/s by `lenet-bench peak`), avx2 in the same run:
 *   conv1 fwd (3x7, G=1)      72 (avx2 76)   data grad (1x7, G=1) 48 (57)
 *   conv2 fwd (8x3, G=8)      94 (85)        data grad (3x7, G=8) 101 (84)
 *   conv3 fwd (5x5, G=8)      99 (93)        data grad (4x5, G=8) 105 (70)
 * At batch 64 conv3 reaches 100-104 (85-88 % of peak): at 8 the per-call
 * packing (weights, planes) costs ~10 %. conv1's data gradient (one
 * output channel: a load per FMA) is the one shape where avx2's
 * row-reusing kernel stays ahead; the trainer never computes it. */
#include "conv_gemm_avx512.h"

#include "conv_pack_avx512.h"
#include "gemm_util_avx512.h"

typedef struct cg_ctx {
    const ln_cgemm512_plan *p;
    const ln_conv_shape *s;
    const ln_cflat *f;
    const float *plane, *a, *off, *masks, *b;
    const ln_tr512 *tr; /* [P][G] -> [G][P] */
    float *y;
    int n0; /* first sample of the group */
} cg_ctx;

static int ceil_div(int a, int b) { return (a + b - 1) / b; }
static size_t round16(size_t f) { return (f + 15) / 16 * 16; }

/* Stores positions [pu, pu+P) of the G samples (o: [G][P]) of channel m. */
LN_AVX512_INLINE void store_unit(const cg_ctx *c, const __m512 *o, int m, int pu)
{
    const ln_conv_shape *s = c->s;
    const int G = c->f->G, P = 64 / G, X = c->f->X, ohw = s->oh * s->ow;
    if (X == s->ow) {
        int cnt = ohw - pu < P ? ohw - pu : P;
        if (cnt <= 0) return;
        for (int g = 0; g < G; g++)
            ln_store_row_avx512(o, G, g, c->y + ((size_t)(c->n0 + g) * s->oc + m) * ohw + pu, cnt);
        return;
    }
    /* rows of X positions, ow of them stored: piece by piece */
    float t[64];
    for (int g = 0; g < G; g++) {
        ln_store_row_avx512(o, G, g, t, P);
        float *ym = c->y + ((size_t)(c->n0 + g) * s->oc + m) * ohw;
        for (int i = 0; i < P; i++) {
            int p = pu + i, oy = p / X, ox = p - oy * X;
            if (oy < s->oh && ox < s->ow) ym[oy * s->ow + ox] = t[i];
        }
    }
}

LN_AVX512_INLINE void tile(const cg_ctx *c, int m0, int j0, const int MR, const int NV)
{
    const ln_conv_shape *s = c->s;
    const ln_cflat *f = c->f;
    const int T = s->ic * s->kh, G = f->G, M = s->oc;
    const uint16_t *mk = (const uint16_t *)c->masks;
    __m512 acc[28];
#pragma GCC unroll 8
    for (int r = 0; r < MR; r++) {
        __m512 bv = _mm512_set1_ps(c->b && m0 + r < M ? c->b[m0 + r] : 0.0f);
#pragma GCC unroll 8
        for (int i = 0; i < NV; i++) acc[r * NV + i] = bv;
    }
    const float *strip = c->a + (size_t)m0 * s->kw * T;
    for (int v = 0; v < s->kw; v++) {
        const float *a = strip + v * MR;
        __mmask16 k[8];
#pragma GCC unroll 8
        for (int i = 0; i < NV; i++) k[i] = mk[(size_t)v * f->nt + j0 + i];
        const float *base = c->plane + f->m0 + (v - s->pad_w) * G + 16 * j0;
        for (int t = 0; t < T; t++, a += s->kw * MR) {
            const float *p = base + ln_geti_avx512(c->off + t);
            if (MR <= NV) {
                __m512 w[8];
#pragma GCC unroll 8
                for (int r = 0; r < MR; r++) w[r] = _mm512_set1_ps(a[r]);
#pragma GCC unroll 8
                for (int i = 0; i < NV; i++) {
                    __m512 bv = _mm512_maskz_loadu_ps(k[i], p + 16 * i);
                    LN_IN_ZMM(bv);
#pragma GCC unroll 8
                    for (int r = 0; r < MR; r++) acc[r * NV + i] = _mm512_fmadd_ps(w[r], bv, acc[r * NV + i]);
                }
            } else {
                __m512 bv[8];
#pragma GCC unroll 8
                for (int i = 0; i < NV; i++) bv[i] = _mm512_maskz_loadu_ps(k[i], p + 16 * i);
#pragma GCC unroll 8
                for (int r = 0; r < MR; r++) {
                    __m512 w = _mm512_set1_ps(a[r]);
#pragma GCC unroll 8
                    for (int i = 0; i < NV; i++) acc[r * NV + i] = _mm512_fmadd_ps(w, bv[i], acc[r * NV + i]);
                }
            }
        }
    }
    const int step = 16 / G;
#pragma GCC unroll 8
    for (int r = 0; r < MR; r++) {
        if (m0 + r >= M) break;
#pragma GCC unroll 2
        for (int u = 0; u < NV; u += 4) {
            __m512 in[4], o[4];
#pragma GCC unroll 4
            for (int q = 0; q < 4; q++) in[q] = u + q < NV ? acc[r * NV + u + q] : _mm512_setzero_ps();
            if (G == 1) {
#pragma GCC unroll 4
                for (int q = 0; q < 4; q++) o[q] = in[q];
            } else {
                ln_tr512_apply(c->tr, in, o);
            }
            store_unit(c, o, m0 + r, (j0 + u) * step);
        }
    }
}

LN_AVX512_INLINE void run_tiles(const cg_ctx *c, const int MR, const int NV)
{
    for (int m0 = 0; m0 < c->s->oc; m0 += MR)
        for (int j0 = 0; j0 < c->f->nvp; j0 += NV) tile(c, m0, j0, MR, NV);
}

#define VARIANT(MR, NV)                                                                               \
    static void tiles_##MR##x##NV(const cg_ctx *c) { run_tiles(c, MR, NV); }
VARIANT(6, 4)
VARIANT(4, 6)
VARIANT(5, 5)
VARIANT(8, 3)
VARIANT(3, 7)
VARIANT(4, 5)
VARIANT(2, 7)
VARIANT(1, 7)

typedef struct variant {
    int mr, nv;
    void (*run)(const cg_ctx *c);
} variant;

static const variant variants[] = {
    {6, 4, tiles_6x4}, {4, 6, tiles_4x6}, {5, 5, tiles_5x5}, {8, 3, tiles_8x3},
    {3, 7, tiles_3x7}, {4, 5, tiles_4x5}, {2, 7, tiles_2x7}, {1, 7, tiles_1x7},
};
enum { NVARIANTS = sizeof variants / sizeof variants[0] };

/* Modelled cycles of one group of G samples (relative): Zen 4 issues one
 * zmm FMA and one zmm load a cycle, broadcasts at two; per tile the mask
 * setup and the epilogue (transposes unless G = 1); per group the packing.
 * Tiles past the run's last vector (nt - nvp of them) cost as much as
 * full ones, which is what makes a small group pick a wider tile. */
static double group_cost(const variant *v, const ln_conv_shape *s, int G)
{
    ln_cflat f;
    ln_cflat_geom_avx512(s, G, v->nv, &f);
    double fma = v->mr * v->nv, loads = v->nv + 0.5 * v->mr, step = fma > loads ? fma : loads;
    double epi = v->mr * ceil_div(v->nv, 4) * (G > 1 ? 24.0 : 6.0);
    double tile = (double)s->kw * s->ic * s->kh * step + s->kw * (v->nv + 12.0) + epi;
    return (double)ceil_div(s->oc, v->mr) * (f.nt / v->nv) * tile + f.plane_len / 8.0;
}

/* Modelled cycles of a pass over s->n samples in the groups gmax gives. */
static double cost(const variant *v, const ln_conv_shape *s, int gmax)
{
    double c = 0.0;
    for (int n0 = 0, g; n0 < s->n; n0 += g) c += group_cost(v, s, g = ln_cflat_group(s->n - n0, gmax));
    return c;
}

/* The tile and group size are planned for the shape's n (a chunk of 2
 * samples makes groups of 2, whose 7 vectors on a 7x7 plane a 5-vector
 * tile would pad to 10); the accumulation order of every output is the
 * same in all of them (bias, then taps column by column), so the plan
 * never changes a result. */
/* The plan of variant i with groups of at most gmax on shape s. */
static void plan_variant(const ln_conv_shape *s, int i, int gmax, ln_cgemm512_plan *p)
{
    const variant *v = &variants[i];
    int K = s->ic * s->kh * s->kw;
    *p = (ln_cgemm512_plan){.variant = i, .mr = v->mr, .nv = v->nv, .gmax = gmax};
    p->a_len = round16((size_t)ceil_div(s->oc, v->mr) * v->mr * K + 16);
    p->off_len = round16((size_t)s->ic * s->kh);
}

void ln_cgemm512_plan_avx512(const ln_conv_shape *s, ln_cgemm512_plan *p)
{
    static const int gs[] = {8, 1};
    int best = 0, bg = 8;
    double bc = 0;
    for (int i = 0; i < NVARIANTS; i++)
        for (int g = 0; g < 2; g++) {
            double c = cost(&variants[i], s, gs[g]);
            if ((i == 0 && g == 0) || c < bc) bc = c, best = i, bg = gs[g];
        }
    plan_variant(s, best, bg, p);
}

/* The most any plan of shape s (any n, so any tile) needs: a kernel sized
 * for a chunk may run on a partial one, which plans another tile. */
size_t ln_cgemm512_scratch_avx512(const ln_conv_shape *s)
{
    size_t most = 0;
    for (int i = 0; i < NVARIANTS; i++) {
        ln_cgemm512_plan p;
        ln_cflat f;
        plan_variant(s, i, 8, &p);
        ln_cflat_geom_avx512(s, 8, p.nv, &f); /* G = 8 needs the most */
        size_t need = p.a_len + p.off_len + f.mask_len + f.plane_len;
        if (need > most) most = need;
    }
    return most;
}

void ln_cgemm512_run_avx512(const ln_cgemm512_plan *p, const ln_conv_shape *s, const float *x, const float *b,
                            float *y, float *scratch)
{
    ln_cflat f;
    ln_cflat_geom_avx512(s, 8, p->nv, &f);
    float *off = scratch + p->a_len, *masks = off + p->off_len, *plane = masks + f.mask_len;
    ln_tr512 out, in;
    cg_ctx c = {.p = p, .s = s, .f = &f, .plane = plane, .a = scratch, .off = off, .masks = masks, .b = b,
                .tr = &out, .y = y};
    const size_t xs = (size_t)s->ic * s->ih * s->iw;
    int G = 0;
    for (int n0 = 0; n0 < s->n; n0 += G) {
        int g = ln_cflat_group(s->n - n0, p->gmax);
        if (g != G) {
            G = g;
            ln_cflat_geom_avx512(s, G, p->nv, &f);
            for (int ch = 0; ch < s->ic; ch++)
                for (int u = 0; u < s->kh; u++) ln_puti_avx512(off + ch * s->kh + u, ch * f.ps + u * f.X * G);
            ln_cflat_masks_avx512(s, &f, masks);
            if (G > 1) {
                ln_tr512_transpose(G, 0, &out);
                ln_tr512_transpose(G, 1, &in);
            }
        }
        ln_cflat_pack_avx512(s, &f, x + (size_t)n0 * xs, plane, &in);
        c.n0 = n0;
        variants[p->variant].run(&c);
    }
}
