/* Convolution weight and bias gradients, AVX-512, accumulating:
 * dw[o][c][u][v] += sum_{n,oy,ox} dy[n][o][oy][ox] * xpad[n][c][oy+u][ox+v],
 * db[o] += sum dy[n][o].
 *
 * The reduction (samples x output positions) runs along the vectors, over
 * the flat interleaved planes of conv_pack_avx512.h: x as the forward
 * pass stores it, dy regrouped per strip of MR channels into the same
 * [position][sample] runs (zero past the plane, so spare lanes add 0). A
 * tile is MR channels x NK taps (channel, row tap) of one tap column v, so
 * the NK loads of a step share one lane mask: MR + NK loads for MR*NK
 * FMAs. Groups of samples go in blocks (their planes in L2, one strip of
 * their dy in L1); each block's sums are added into dw (16 tile sums at
 * once by a shuffle tree), so the order of the sum is fixed by n and the
 * shape.
 *
 * Measured (`lenet-bench kernels --batch 8`, one thread, GFLOP/s, Zen 4
 * with a 118 GFLOP/s zmm peak; avx2 in the same run): conv1 74 (52),
 * conv2 95 (83), conv3 82 (81). The trainer's deferred blocks (batch 64,
 * 8 or 4 output channels): conv3 76 (48), conv2 84 (52). conv3 at batch 8
 * has only 25 vectors of reduction per tile, so the per-tile sums and dw
 * updates weigh ~10 %; vectors along output channels (no reduction)
 * would suit it better. */
#include "conv_gemm_avx512.h"
#include "conv_pack_avx512.h"
#include "gemm_util_avx512.h"
#include "kernels_avx512.h"

typedef struct wg_plan {
    int variant, mr, nk, gb; /* tile; groups per block */
    size_t off_len, pad_len, dyt_len, mask_len;
} wg_plan;

typedef struct wg_ctx {
    const ln_conv_shape *s;
    const ln_cflat *f;
    const float *off, *masks, *pad, *dyt;
    float *dw;
    int nb, m0; /* groups in the block; first channel of the strip */
} wg_ctx;

static int ceil_div(int a, int b) { return (a + b - 1) / b; }
static size_t round16(size_t f) { return (f + 15) / 16 * 16; }

LN_AVX512_INLINE void tile(const wg_ctx *c, int v, int t0, const int MR, const int NK)
{
    const ln_conv_shape *s = c->s;
    const ln_cflat *f = c->f;
    const int T = s->ic * s->kh, G = f->G, L = f->nvp * 16;
    const uint16_t *mk = (const uint16_t *)c->masks + (size_t)v * f->nt;
    int offs[8];
#pragma GCC unroll 8
    for (int i = 0; i < NK; i++)
        offs[i] = ln_geti_avx512(c->off + (t0 + i < T ? t0 + i : T - 1)) + f->m0 + (v - s->pad_w) * G;
    __m512 acc[28];
#pragma GCC unroll 28
    for (int i = 0; i < MR * NK; i++) acc[i] = _mm512_setzero_ps();
    for (int b = 0; b < c->nb; b++) {
        const float *xb = c->pad + (size_t)b * f->plane_len, *gb = c->dyt + (size_t)b * MR * L;
        for (int j = 0; j < f->nvp; j++, xb += 16, gb += 16) {
            __mmask16 k = mk[j];
            if (MR <= NK) {
                __m512 g[8];
#pragma GCC unroll 8
                for (int r = 0; r < MR; r++) g[r] = _mm512_loadu_ps(gb + (size_t)r * L);
#pragma GCC unroll 8
                for (int i = 0; i < NK; i++) {
                    __m512 xv = _mm512_maskz_loadu_ps(k, xb + offs[i]);
                    LN_IN_ZMM(xv);
#pragma GCC unroll 8
                    for (int r = 0; r < MR; r++) acc[r * NK + i] = _mm512_fmadd_ps(g[r], xv, acc[r * NK + i]);
                }
            } else {
                __m512 xv[8];
#pragma GCC unroll 8
                for (int i = 0; i < NK; i++) xv[i] = _mm512_maskz_loadu_ps(k, xb + offs[i]);
#pragma GCC unroll 8
                for (int r = 0; r < MR; r++) {
                    __m512 g = _mm512_loadu_ps(gb + (size_t)r * L);
                    LN_IN_ZMM(g);
#pragma GCC unroll 8
                    for (int i = 0; i < NK; i++) acc[r * NK + i] = _mm512_fmadd_ps(g, xv[i], acc[r * NK + i]);
                }
            }
        }
    }
    const int K = T * s->kw;
    float sums[32];
#pragma GCC unroll 2
    for (int h = 0; h < MR * NK; h += 16) {
        __m512 part[16];
#pragma GCC unroll 16
        for (int i = 0; i < 16; i++) part[i] = h + i < MR * NK ? acc[h + i] : _mm512_setzero_ps();
        _mm512_storeu_ps(sums + h, ln_hsum16_avx512(part));
    }
    for (int r = 0; r < MR && c->m0 + r < s->oc; r++) {
        float *d = c->dw + (size_t)(c->m0 + r) * K + v;
        for (int i = 0; i < NK && t0 + i < T; i++) {
            int a = r * NK + i, h = a & ~15, l = a & 15;
            d[(size_t)(t0 + i) * s->kw] += sums[h + 4 * (l & 3) + (l >> 2)];
        }
    }
}

LN_AVX512_INLINE void run_tiles(const wg_ctx *c, const int MR, const int NK)
{
    const int T = c->s->ic * c->s->kh;
    for (int v = 0; v < c->s->kw; v++)
        for (int t0 = 0; t0 < T; t0 += NK) tile(c, v, t0, MR, NK);
}

#define VARIANT(MR, NK)                                                                               \
    static void tiles_##MR##x##NK(const wg_ctx *c) { run_tiles(c, MR, NK); }
VARIANT(4, 6)
VARIANT(6, 4)
VARIANT(5, 5)
VARIANT(3, 8)
VARIANT(8, 3)
VARIANT(3, 5)
VARIANT(2, 8)

typedef struct variant {
    int mr, nk;
    void (*run)(const wg_ctx *c);
} variant;

static const variant variants[] = {
    {4, 6, tiles_4x6}, {6, 4, tiles_6x4}, {5, 5, tiles_5x5}, {3, 8, tiles_3x8},
    {8, 3, tiles_8x3}, {3, 5, tiles_3x5}, {2, 8, tiles_2x8},
};
enum { NVARIANTS = sizeof variants / sizeof variants[0] };

static void plan(const ln_conv_shape *s, wg_plan *p)
{
    ln_cflat f;
    ln_cflat_geom_avx512(s, 8, 1, &f);
    /* groups per block: their planes within ~128 KiB of L2 */
    size_t gb = 32768 / f.plane_len;
    p->gb = gb < 1 ? 1 : gb > 8 ? 8 : (int)gb;
    int T = s->ic * s->kh;
    double best = 0;
    for (int i = 0; i < NVARIANTS; i++) {
        const variant *v = &variants[i];
        double fma = v->mr * v->nk, loads = v->mr + v->nk, step = fma > loads ? fma : loads;
        double c = (double)ceil_div(s->oc, v->mr) * ceil_div(T, v->nk) * s->kw *
                   (f.nvp * step + 4.0 * fma + 16.0);
        if (i == 0 || c < best) best = c, p->variant = i;
    }
    p->mr = variants[p->variant].mr;
    p->nk = variants[p->variant].nk;
    p->off_len = round16((size_t)T);
    p->mask_len = f.mask_len;
    p->pad_len = (size_t)p->gb * f.plane_len;
    p->dyt_len = round16((size_t)p->gb * p->mr * f.nvp * 16);
}

size_t ln_conv_bwd_weights_scratch_avx512(const ln_conv_shape *s)
{
    wg_plan p;
    plan(s, &p);
    return p.off_len + p.mask_len + p.pad_len + p.dyt_len;
}

/* db[o] += sum over samples and positions of dy[n][o] */
static void bias_grad(const ln_conv_shape *s, const float *dy, float *db)
{
    int ohw = s->oh * s->ow;
    for (int o = 0; o < s->oc; o++) {
        __m512 acc = _mm512_setzero_ps();
        for (int n = 0; n < s->n; n++) {
            const float *p = dy + ((size_t)n * s->oc + o) * ohw;
            for (int i = 0; i < ohw; i += 16) acc = _mm512_add_ps(acc, _mm512_maskz_loadu_ps(ln_mask16(ohw - i), p + i));
        }
        db[o] += _mm512_reduce_add_ps(acc);
    }
}

/* Channels [o0, o0+mr) of dy for the block's groups as flat runs:
 * dyt: [b][r][nvp*16], zero past the plane, past ow in each row of X
 * and past oc. */
static void pack_dy(const ln_conv_shape *s, const ln_cflat *f, int mr, const float *dy, int n0, int nb, int o0,
                    float *dyt, const ln_tr512 *tr)
{
    const int G = f->G, ohw = s->oh * s->ow, L = f->nvp * 16;
    const size_t ss = (size_t)s->oc * ohw;
    const __m512 z = _mm512_setzero_ps();
    for (int b = 0; b < nb; b++)
        for (int r = 0; r < mr; r++) {
            float *d = dyt + ((size_t)b * mr + r) * L;
            int o = o0 + r, done = 0;
            if (o < s->oc) {
                const float *src = dy + ((size_t)(n0 + b * G) * s->oc + o) * ohw;
                if (f->X == s->ow) {
                    ln_interleave_avx512(src, ss, G, ohw, d, tr);
                    done = ohw * G;
                } else {
                    for (int i = 0; i < L; i += 16) _mm512_storeu_ps(d + i, z);
                    for (int oy = 0; oy < s->oh; oy++)
                        ln_interleave_avx512(src + (size_t)oy * s->ow, ss, G, s->ow, d + (size_t)oy * f->X * G, tr);
                    continue;
                }
            }
            for (int i = done; i < L; i += 16) _mm512_mask_storeu_ps(d + i, ln_mask16(L - i), z);
        }
}

/* x: [n][ic][ih][iw]  dy: [n][oc][oh][ow]  dw: [oc][ic][kh][kw] (+=)  db: [oc] (+=) */
void ln_conv2d_bwd_weights_avx512(const ln_conv_shape *s, const float *x, const float *dy, float *dw, float *db,
                                  float *scratch)
{
    wg_plan p;
    plan(s, &p);
    bias_grad(s, dy, db);
    float *off = scratch, *masks = off + p.off_len, *pad = masks + p.mask_len, *dyt = pad + p.pad_len;
    ln_cflat f = {0};
    ln_tr512 in;
    const size_t xs = (size_t)s->ic * s->ih * s->iw;
    wg_ctx c = {.s = s, .f = &f, .off = off, .masks = masks, .pad = pad, .dyt = dyt, .dw = dw};
    int G = 0;
    for (int n0 = 0; n0 < s->n;) {
        int g = ln_cflat_group(s->n - n0, 8);
        if (g != G) {
            G = g;
            ln_cflat_geom_avx512(s, G, 1, &f);
            for (int ch = 0; ch < s->ic; ch++)
                for (int u = 0; u < s->kh; u++) ln_puti_avx512(off + ch * s->kh + u, ch * f.ps + u * f.X * G);
            ln_cflat_masks_avx512(s, &f, masks);
            if (G > 1) ln_tr512_transpose(G, 1, &in);
        }
        int nb = 0;
        while (nb < p.gb && s->n - (n0 + nb * G) >= G && ln_cflat_group(s->n - (n0 + nb * G), 8) == G) nb++;
        for (int b = 0; b < nb; b++)
            ln_cflat_pack_avx512(s, &f, x + (size_t)(n0 + b * G) * xs, pad + (size_t)b * f.plane_len, &in);
        c.nb = nb;
        for (int m0 = 0; m0 < s->oc; m0 += p.mr) {
            pack_dy(s, &f, p.mr, dy, n0, nb, m0, dyt, &in);
            c.m0 = m0;
            variants[p.variant].run(&c);
        }
        n0 += nb * G;
    }
}
