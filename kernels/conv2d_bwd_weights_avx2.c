/* Convolution weight and bias gradients, AVX2+FMA, accumulating:
 * dw[o][k] += sum_{n,oy,ox} dy[n][o][oy][ox] * xpad[n][c][oy+u][ox+v],
 * k = (c, u, v), db[o] += sum dy[n][o].
 *
 * A GEMM whose long dimension is the reduction (n*oh*ow, the minibatch
 * folded in) and whose outputs (oc x ic*kh*kw) are few: so the vectors run
 * along the reduction, eight output columns of one row at a time, and a
 * tile of MR channels x NK taps keeps MR*NK = 12 dot products in registers
 * (MR + NK = 7 loads per 12 FMAs), summed across lanes once per block of
 * samples. The taps read shifted windows of each sample's zero-padded
 * planes, so nothing is im2col'ed; dy is regrouped per strip of MR
 * channels into whole zero-filled vectors (no masks, and the spare lanes'
 * products are zero), one short flat loop per row even when ow = 7.
 * Samples go in blocks (their planes in L2, one strip of their dy in L1);
 * each block's sums are added into dw. */
#include "conv_pack_avx2.h"
#include "conv_parts_avx2.h"
#include "gemm_util_avx2.h"
#include "kernels_avx2.h"

typedef struct wgrad_plan {
    int mr, nk, nbs;      /* tile; samples per block */
    int ph, pw, slen;     /* padded planes; floats per sample (with slack) */
    int vr, strips;       /* vectors per output row; channel strips of mr */
    size_t off_len, pad_len, dyp_len;
} wgrad_plan;

/* the tiles, MR x NK: whichever wastes fewer rows and taps */
static const int tiles[][2] = {{4, 3}, {3, 4}};

static int ceil_div(int a, int b) { return (a + b - 1) / b; }
static size_t round16(size_t f) { return (f + 15) / 16 * 16; }

static void plan(const ln_conv_shape *s, wgrad_plan *p, int *tile)
{
    int K = s->ic * s->kh * s->kw;
    double best = 0;
    for (int i = 0; i < 2; i++) {
        int mr = tiles[i][0], nk = tiles[i][1];
        double c = (double)ceil_div(s->oc, mr) * ceil_div(K, nk);
        if (i == 0 || c < best) best = c, *tile = i;
    }
    p->mr = tiles[*tile][0];
    p->nk = tiles[*tile][1];
    p->ph = s->oh + s->kh - 1;
    p->pw = s->ow + s->kw - 1;
    p->vr = ceil_div(s->ow, 8);
    p->strips = ceil_div(s->oc, p->mr);
    /* 8 zero floats after each sample: the reads of a row's spare lanes */
    p->slen = (int)round16((size_t)s->ic * p->ph * p->pw + 8);
    /* samples per block: one strip of their dy (read by every tile of
     * the strip) within ~16 KiB of L1, their padded planes (read by every
     * strip) within ~128 KiB of L2 */
    size_t dys = (size_t)p->mr * s->oh * p->vr * 8, a = 4096 / dys, b = 32768 / (size_t)p->slen;
    size_t nbs = a < b ? a : b;
    p->nbs = nbs < 1 ? 1 : nbs > 32 ? 32 : (int)nbs;
    p->off_len = round16((size_t)K);
    p->pad_len = (size_t)p->nbs * p->slen;
    p->dyp_len = (size_t)p->nbs * dys;
}

size_t ln_conv_bwd_weights_scratch_avx2(const ln_conv_shape *s)
{
    wgrad_plan p;
    int t;
    plan(s, &p, &t);
    return p.off_len + p.pad_len + p.dyp_len;
}

/* Channels [o0, o0+mr) of dy for samples [n0, n1), regrouped for the
 * tiles: dyp: [n][oy][v][r][8], r < mr, v < vr vectors of a row, zero past
 * ow and past oc, so every load is a whole vector. */
static void pack_dy(const ln_conv_shape *s, const wgrad_plan *p, const float *dy, int n0, int n1, int o0,
                    float *dyp)
{
    int ohw = s->oh * s->ow;
    for (int n = n0; n < n1; n++)
        for (int oy = 0; oy < s->oh; oy++)
            for (int v = 0; v < p->vr; v++)
                for (int r = 0; r < p->mr; r++, dyp += 8) {
                    int o = o0 + r, cnt = s->ow - 8 * v;
                    if (o >= s->oc) _mm256_storeu_ps(dyp, _mm256_setzero_ps());
                    else
                        _mm256_storeu_ps(dyp, ln_load_n_avx2(dy + ((size_t)n * s->oc + o) * ohw + (size_t)oy * s->ow +
                                                                 8 * v, cnt));
                }
}

typedef struct wgrad_ctx {
    const ln_conv_shape *s;
    const wgrad_plan *p;
    const float *off, *pad, *dyp;
    float *dw;
    int nb, st; /* samples in the block; the channel strip */
} wgrad_ctx;

/* acc[r][j] += g[r] * x[off[j]]: one vector of positions */
LN_AVX2_INLINE void step(__m256 *acc, const float *g, const float *x, const int *off, const int MR, const int NK)
{
    if (MR <= NK) {
        __m256 gv[6];
#pragma GCC unroll 6
        for (int r = 0; r < MR; r++) gv[r] = _mm256_loadu_ps(g + 8 * r);
#pragma GCC unroll 6
        for (int j = 0; j < NK; j++) {
            __m256 xv = _mm256_loadu_ps(x + off[j]);
            LN_IN_REG(xv);
#pragma GCC unroll 6
            for (int r = 0; r < MR; r++) acc[r * NK + j] = _mm256_fmadd_ps(gv[r], xv, acc[r * NK + j]);
        }
    } else {
        __m256 xv[6];
#pragma GCC unroll 6
        for (int j = 0; j < NK; j++) xv[j] = _mm256_loadu_ps(x + off[j]);
#pragma GCC unroll 6
        for (int r = 0; r < MR; r++) {
            __m256 gv = _mm256_loadu_ps(g + 8 * r);
            LN_IN_REG(gv);
#pragma GCC unroll 6
            for (int j = 0; j < NK; j++) acc[r * NK + j] = _mm256_fmadd_ps(gv, xv[j], acc[r * NK + j]);
        }
    }
}

/* One MR x NK tile over the block: the channel strip, taps k0.. (clamped
 * to the last valid one; only valid ones are added into dw). */
LN_AVX2_INLINE void tile(const wgrad_ctx *c, int k0, const int MR, const int NK)
{
    const ln_conv_shape *s = c->s;
    const wgrad_plan *p = c->p;
    const int K = s->ic * s->kh * s->kw, vr = p->vr;
    const size_t per_strip = (size_t)s->oh * vr * MR * 8;
    int off[6];
#pragma GCC unroll 6
    for (int j = 0; j < NK; j++) off[j] = ln_get_i32(c->off + (k0 + j < K ? k0 + j : K - 1));
    __m256 acc[12];
#pragma GCC unroll 12
    for (int i = 0; i < MR * NK; i++) acc[i] = _mm256_setzero_ps();
    for (int n = 0; n < c->nb; n++) {
        const float *g = c->dyp + (size_t)n * per_strip;
        const float *xr = c->pad + (size_t)n * p->slen;
        if (vr == 1) /* narrow planes: one vector a row, a flat loop */
            for (int oy = 0; oy < s->oh; oy++, xr += p->pw, g += MR * 8) step(acc, g, xr, off, MR, NK);
        else
            for (int oy = 0; oy < s->oh; oy++, xr += p->pw)
                for (int v = 0; v < vr; v++, g += MR * 8) step(acc, g, xr + 8 * v, off, MR, NK);
    }
    float sums[12];
#pragma GCC unroll 3
    for (int i = 0; i < MR * NK; i += 4)
        _mm_storeu_ps(sums + i, ln_hsum4_avx2(acc[i], acc[i + 1], acc[i + 2], acc[i + 3]));
    int o0 = c->st * MR;
    for (int r = 0; r < MR && o0 + r < s->oc; r++)
        for (int j = 0; j < NK && k0 + j < K; j++) c->dw[(size_t)(o0 + r) * K + k0 + j] += sums[r * NK + j];
}

LN_AVX2_INLINE void all_tiles(const wgrad_ctx *c, const int MR, const int NK)
{
    const int K = c->s->ic * c->s->kh * c->s->kw;
    for (int k0 = 0; k0 < K; k0 += NK) tile(c, k0, MR, NK);
}

static void tiles_4x3(const wgrad_ctx *c) { all_tiles(c, 4, 3); }
static void tiles_3x4(const wgrad_ctx *c) { all_tiles(c, 3, 4); }

/* db[o] += sum over samples and positions of dy[n][o] */
static void bias_grad(const ln_conv_shape *s, const float *dy, float *db)
{
    int ohw = s->oh * s->ow;
    for (int o = 0; o < s->oc; o++) {
        __m256 acc = _mm256_setzero_ps();
        for (int n = 0; n < s->n; n++) {
            const float *p = dy + ((size_t)n * s->oc + o) * ohw;
            for (int i = 0; i < ohw; i += 8) acc = _mm256_add_ps(acc, ln_load_n_avx2(p + i, ohw - i));
        }
        __m128 h = ln_hsum4_avx2(acc, acc, acc, acc);
        db[o] += _mm_cvtss_f32(h);
    }
}

/* x: [n][ic][ih][iw]  dy: [n][oc][oh][ow]  dw: [oc][ic][kh][kw] (+=)  db: [oc] (+=) */
void ln_conv2d_bwd_weights_avx2(const ln_conv_shape *s, const float *x, const float *dy, float *dw, float *db,
                                float *scratch)
{
    static void (*const run[])(const wgrad_ctx *) = {tiles_4x3, tiles_3x4};
    wgrad_plan p;
    int t;
    plan(s, &p, &t);
    bias_grad(s, dy, db);
    float *off = scratch, *pad = scratch + p.off_len, *dyp = pad + p.pad_len;
    ln_tap_offsets_avx2(s->ic, s->kh, s->kw, p.ph * p.pw, p.pw, off);
    for (int n0 = 0; n0 < s->n; n0 += p.nbs) {
        int n1 = n0 + p.nbs < s->n ? n0 + p.nbs : s->n;
        for (int n = n0; n < n1; n++)
            ln_pad_planes_avx2(x + (size_t)n * s->ic * s->ih * s->iw, s->ic, s->ih, s->iw, s->pad_h, s->pad_w, p.ph,
                               p.pw, (size_t)p.slen - (size_t)s->ic * p.ph * p.pw, pad + (size_t)(n - n0) * p.slen);
        for (int st = 0; st < p.strips; st++) {
            pack_dy(s, &p, dy, n0, n1, st * p.mr, dyp);
            wgrad_ctx c = {.s = s, .p = &p, .off = off, .pad = pad, .dyp = dyp, .dw = dw, .nb = n1 - n0, .st = st};
            run[t](&c);
        }
    }
}
