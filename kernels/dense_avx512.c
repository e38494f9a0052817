/* Dense layer kernels, AVX-512. w: [out][in] as PyTorch's Linear.
 *
 * Forward, y = x w^T + b: both operands run along `in`, so vectors go
 * along it and a tile of 8 samples x 3 outputs holds 24 dot products (11
 * loads per 24 FMAs); w is read once per call for n <= 8. Whole rows
 * while x fits in L2 (blocks of `in` only past 1 MiB of x: blocks sized
 * for L1 measured 6-15 % slower, and x streams from L2 fast enough); at the
 * end a shuffle tree folds an output's 8 x 16 lanes into 8 sums (23
 * instructions, not 8 reductions).
 *
 * Data gradient dx = dy w and weight gradient dw += dy^T x are both
 * C[r][j] (+)= sum_t A(r, t) B[t][j] with B's rows contiguous along j: a
 * tile of R rows x V vectors of j (R*V <= 24) broadcasts R values of A and
 * loads V vectors of B per step of t. A = dy read by rows (data gradient,
 * t = output; 8 samples x 48 columns) or by columns (weight gradient, t =
 * sample; 6 outputs x 64 columns, whole rows so dw streams row by row). The
 * weight gradient starts its tile from zero and adds dw at the end: with
 * t = 8 a load of dw at the start stalled the short FMA chains (+6 %).
 * Tails along j use mask registers; a tile is instantiated for each row
 * count 1..8. Summation order is fixed by the shape.
 *
 * Measured with `lenet-bench kernels --batch 8` (one thread, median,
 * fc1 8 x 5880 -> 84) on the CPU this was written on, AMD EPYC family 25
 * model 17: Zen 4, whose zmm FMAs are double-pumped, so its zmm peak equals
 * its ymm peak (118 GFLOP/s by `lenet-bench peak`): forward 115 GFLOP/s
 * (97 %; avx2 84), data gradient 109 (92 %; avx2 79), weight gradient 95
 * (80 %; avx2 59: it reads and writes fc1's 2 MB of dw in L3 per call). */
#include "avx512_intrin.h"
#include "kernels_avx512.h"
#include "vmath_avx512.h" /* ln_vmask_avx512 */

#define LN_INLINE static inline __attribute__((always_inline))

/* Tiles are written once with compile-time sizes; their loops unroll so
 * the accumulators live in registers. Not in the emulated test build,
 * whose intrinsics are functions: there it would only cost compile time. */
#define LN_PRAGMA_(x) _Pragma(#x)
#if defined(LN_AVX512_SIMDE)
#define LN_UNROLL(n)
#else
#define LN_UNROLL(n) LN_PRAGMA_(GCC unroll n)
#endif

/* Keeps a loaded vector in a register: without it GCC may fold the load
 * into each FMA that uses it, loading it again for every one. */
#if defined(LN_AVX512_SIMDE)
#define LN_IN_ZMM(v) ((void)0)
#else
#define LN_IN_ZMM(v) __asm__("" : "+v"(v))
#endif

/* ---- forward: dot-product tiles ---- */

typedef struct dot_ctx {
    int in, out, k0, k1, first;
    const float *x, *w, *b;
    float *y;
} dot_ctx;

/* Lane sums of a[0..7]: the returned vector holds sum(a[r]) in lane 4r
 * (r < 4) or 4(r-4)+1 (r >= 4). A fixed tree: 256-bit halves, 128-bit
 * quarters, then within each quarter. */
LN_INLINE __m512 fold8(const __m512 a[8])
{
    __m512 s[4], w[2];
    LN_UNROLL(4)
    for (int p = 0; p < 4; p++)
        s[p] = _mm512_add_ps(_mm512_shuffle_f32x4(a[2 * p], a[2 * p + 1], 0x44),
                             _mm512_shuffle_f32x4(a[2 * p], a[2 * p + 1], 0xEE));
    /* s[p]: quarters {a0 lo+hi (2), a1 lo+hi (2)} of the pair 2p, 2p+1 */
    LN_UNROLL(2)
    for (int p = 0; p < 2; p++)
        w[p] = _mm512_add_ps(_mm512_shuffle_f32x4(s[2 * p], s[2 * p + 1], 0x88),
                             _mm512_shuffle_f32x4(s[2 * p], s[2 * p + 1], 0xDD));
    /* w[p]: quarter q holds four partial sums of a[4p + q] */
    __m512 t = _mm512_add_ps(_mm512_unpacklo_ps(w[0], w[1]), _mm512_unpackhi_ps(w[0], w[1]));
    return _mm512_add_ps(t, _mm512_permute_ps(t, 0x4E));
}

/* Samples i0..i0+R-1 x outputs o0..o0+2 (rows past out repeat the last and
 * are not stored), over in-range [k0, k1). */
LN_INLINE void dot_tile(const dot_ctx *c, int i0, int o0, const int R)
{
    enum { NO = 3 };
    const float *xr[8], *wr[NO];
    LN_UNROLL(8)
    for (int r = 0; r < R; r++) xr[r] = c->x + (size_t)(i0 + r) * c->in;
    LN_UNROLL(3)
    for (int j = 0; j < NO; j++) wr[j] = c->w + (size_t)(o0 + j < c->out ? o0 + j : c->out - 1) * c->in;
    __m512 acc[NO][8];
    LN_UNROLL(3)
    for (int j = 0; j < NO; j++)
        LN_UNROLL(8)
        for (int r = 0; r < 8; r++) acc[j][r] = _mm512_setzero_ps();
    int k = c->k0;
    for (; k + 16 <= c->k1; k += 16) {
        __m512 wv[NO];
        LN_UNROLL(3)
        for (int j = 0; j < NO; j++) {
            wv[j] = _mm512_loadu_ps(wr[j] + k);
            LN_IN_ZMM(wv[j]);
        }
        LN_UNROLL(8)
        for (int r = 0; r < R; r++) {
            __m512 xv = _mm512_loadu_ps(xr[r] + k);
            LN_IN_ZMM(xv);
            LN_UNROLL(3)
            for (int j = 0; j < NO; j++) acc[j][r] = _mm512_fmadd_ps(xv, wv[j], acc[j][r]);
        }
    }
    if (k < c->k1) {
        __mmask16 m = ln_vmask_avx512(c->k1 - k);
        __m512 wv[NO];
        LN_UNROLL(3)
        for (int j = 0; j < NO; j++) wv[j] = _mm512_maskz_loadu_ps(m, wr[j] + k);
        LN_UNROLL(8)
        for (int r = 0; r < R; r++) {
            __m512 xv = _mm512_maskz_loadu_ps(m, xr[r] + k);
            LN_UNROLL(3)
            for (int j = 0; j < NO; j++) acc[j][r] = _mm512_fmadd_ps(xv, wv[j], acc[j][r]);
        }
    }
    LN_UNROLL(3)
    for (int j = 0; j < NO; j++) {
        if (o0 + j >= c->out) break;
        float s[16];
        _mm512_storeu_ps(s, fold8(acc[j]));
        float bj = c->b[o0 + j];
        LN_UNROLL(8)
        for (int r = 0; r < R; r++) {
            float *yp = c->y + (size_t)(i0 + r) * c->out + o0 + j;
            *yp = (c->first ? bj : *yp) + s[r < 4 ? 4 * r : 4 * (r - 4) + 1];
        }
    }
}

static void dot_tile_8(const dot_ctx *c, int i0, int o0) { dot_tile(c, i0, o0, 8); }
static void dot_tile_7(const dot_ctx *c, int i0, int o0) { dot_tile(c, i0, o0, 7); }
static void dot_tile_6(const dot_ctx *c, int i0, int o0) { dot_tile(c, i0, o0, 6); }
static void dot_tile_5(const dot_ctx *c, int i0, int o0) { dot_tile(c, i0, o0, 5); }
static void dot_tile_4(const dot_ctx *c, int i0, int o0) { dot_tile(c, i0, o0, 4); }
static void dot_tile_3(const dot_ctx *c, int i0, int o0) { dot_tile(c, i0, o0, 3); }
static void dot_tile_2(const dot_ctx *c, int i0, int o0) { dot_tile(c, i0, o0, 2); }
static void dot_tile_1(const dot_ctx *c, int i0, int o0) { dot_tile(c, i0, o0, 1); }

/* x: [n][in]  w: [out][in]  b: [out]  y: [n][out] (overwritten) */
void ln_dense_fwd_avx512(int n, int in, int out, const float *x, const float *w, const float *b, float *y)
{
    static void (*const tile[])(const dot_ctx *, int, int) = {NULL,       dot_tile_1, dot_tile_2, dot_tile_3, dot_tile_4,
                                                              dot_tile_5, dot_tile_6, dot_tile_7, dot_tile_8};
    if (n <= 0 || out <= 0) return;
    /* whole rows while x fits in L2 (fc1 at batch 8: 188 KiB), else
     * blocks of ~1 MiB of x, equal and a multiple of 16 */
    int kb = in;
    if ((size_t)n * (size_t)in > ((size_t)1 << 18)) {
        int nb = (int)(((size_t)n * (size_t)in + ((size_t)1 << 18) - 1) >> 18);
        kb = ((in + nb - 1) / nb + 15) & ~15;
    }
    for (int k0 = 0; k0 < in || k0 == 0; k0 += kb) {
        dot_ctx c = {.in = in, .out = out, .k0 = k0, .k1 = in - k0 < kb ? in : k0 + kb, .first = k0 == 0,
                     .x = x, .w = w, .b = b, .y = y};
        for (int o0 = 0; o0 < out; o0 += 3)
            for (int i0 = 0; i0 < n; i0 += 8) tile[n - i0 < 8 ? n - i0 : 8](&c, i0, o0);
        if (in == 0) break;
    }
}

/* ---- data and weight gradients: broadcast-A tiles ---- */

typedef struct bcast_ctx {
    int t;          /* reduction length */
    const float *a; /* A(r, t) = a[r*ars + t*ats] */
    size_t ars, ats;
    const float *b; /* B[t][j] = b[t*ldb + j] */
    size_t ldb;
    float *c; /* C[r][j] = c[r*ldc + j] */
    size_t ldc;
    int cols, acc; /* columns of C; add into C or overwrite */
} bcast_ctx;

/* One step of t: acc[r][v] += A(r, t) B[t][j0 + 16v..] (at = t*ats, bt =
 * B's row t at j0). */
LN_INLINE void bcast_step(__m512 *acc, const float *const *ar, size_t at, const float *bt, const __mmask16 *mk,
                          const int R, const int V, const int FULL)
{
    if (R <= V) {
        __m512 g[8];
        LN_UNROLL(8)
        for (int r = 0; r < R; r++) g[r] = _mm512_set1_ps(ar[r][at]);
        LN_UNROLL(24)
        for (int v = 0; v < V; v++) {
            __m512 bv = FULL ? _mm512_loadu_ps(bt + 16 * v) : _mm512_maskz_loadu_ps(mk[v], bt + 16 * v);
            if (R > 1) LN_IN_ZMM(bv);
            LN_UNROLL(8)
            for (int r = 0; r < R; r++) acc[r * V + v] = _mm512_fmadd_ps(g[r], bv, acc[r * V + v]);
        }
    } else {
        __m512 bv[24];
        LN_UNROLL(24)
        for (int v = 0; v < V; v++) {
            bv[v] = FULL ? _mm512_loadu_ps(bt + 16 * v) : _mm512_maskz_loadu_ps(mk[v], bt + 16 * v);
            LN_IN_ZMM(bv[v]);
        }
        LN_UNROLL(8)
        for (int r = 0; r < R; r++) {
            __m512 g = _mm512_set1_ps(ar[r][at]);
            LN_UNROLL(24)
            for (int v = 0; v < V; v++) acc[r * V + v] = _mm512_fmadd_ps(g, bv[v], acc[r * V + v]);
        }
    }
}

/* Rows r0..r0+R-1 x columns j0..j0+16V-1; FULL: all before j1, else
 * masked from j1 on. */
LN_INLINE void bcast_tile(const bcast_ctx *c, int r0, int j0, int j1, const int R, const int V, const int FULL)
{
    const float *ar[8];
    LN_UNROLL(8)
    for (int r = 0; r < R; r++) ar[r] = c->a + (size_t)(r0 + r) * c->ars;
    __mmask16 mk[24];
    LN_UNROLL(24)
    for (int v = 0; v < V; v++) mk[v] = FULL ? (__mmask16)0xffff : ln_vmask_avx512(j1 - j0 - 16 * v);
    float *cr = c->c + (size_t)r0 * c->ldc + j0;
    __m512 acc[24];
    LN_UNROLL(24)
    for (int i = 0; i < R * V; i++) acc[i] = _mm512_setzero_ps();
    const float *bt = c->b + j0;
    /* the weight gradient's 6-row tile at the trainer's chunks of 8
     * samples: unrolled (4-7 % faster than a loop) */
    if (R == 6 && c->t == 8 && c->acc) {
        LN_UNROLL(8)
        for (int t = 0; t < 8; t++, bt += c->ldb) bcast_step(acc, ar, (size_t)t * c->ats, bt, mk, R, V, FULL);
    } else {
        for (int t = 0; t < c->t; t++, bt += c->ldb) bcast_step(acc, ar, (size_t)t * c->ats, bt, mk, R, V, FULL);
    }
    LN_UNROLL(8)
    for (int r = 0; r < R; r++)
        LN_UNROLL(24)
        for (int v = 0; v < V; v++) {
            float *cp = cr + (size_t)r * c->ldc + 16 * v;
            if (c->acc) /* C read last, off the FMA chains' critical path */
                acc[r * V + v] = _mm512_add_ps(FULL ? _mm512_loadu_ps(cp) : _mm512_maskz_loadu_ps(mk[v], cp), acc[r * V + v]);
            if (FULL) _mm512_storeu_ps(cp, acc[r * V + v]);
            else _mm512_mask_storeu_ps(cp, mk[v], acc[r * V + v]);
        }
}

/* Row group r0.. of R rows over columns [j0, j1), tiles of V vectors. */
LN_INLINE void bcast_rows_rv(const bcast_ctx *c, int r0, int j0, int j1, const int R, const int V)
{
    int j = j0;
    for (; j + 16 * V <= j1; j += 16 * V) bcast_tile(c, r0, j, j1, R, V, 1);
    if (j < j1) bcast_tile(c, r0, j, j1, R, V, 0);
}

/* Tile shapes by row count: 24 accumulators where R allows. */
static void bcast_rows(const bcast_ctx *c, int r0, int rv, int j0, int j1)
{
    switch (rv) {
    case 8: bcast_rows_rv(c, r0, j0, j1, 8, 3); break;
    case 7: bcast_rows_rv(c, r0, j0, j1, 7, 3); break;
    case 6: bcast_rows_rv(c, r0, j0, j1, 6, 4); break;
    case 5: bcast_rows_rv(c, r0, j0, j1, 5, 4); break;
    case 4: bcast_rows_rv(c, r0, j0, j1, 4, 6); break;
    case 3: bcast_rows_rv(c, r0, j0, j1, 3, 8); break;
    case 2: bcast_rows_rv(c, r0, j0, j1, 2, 12); break;
    default: bcast_rows_rv(c, r0, j0, j1, 1, 16); break;
    }
}

/* All rows in groups of rg (<= 8) x all columns in blocks of jb (a
 * multiple of every tile width: 48, 64, 96, 128, 192, 256). */
static void bcast_gemm(const bcast_ctx *c, int rows, int rg, int jb)
{
    for (int j0 = 0; j0 < c->cols; j0 += jb) {
        int j1 = c->cols - j0 < jb ? c->cols : j0 + jb;
        for (int r0 = 0; r0 < rows; r0 += rg) bcast_rows(c, r0, rows - r0 < rg ? rows - r0 : rg, j0, j1);
    }
}

/* dy: [n][out]  w: [out][in]  dx: [n][in] (overwritten) */
void ln_dense_bwd_data_avx512(int n, int in, int out, const float *dy, const float *w, float *dx)
{
    bcast_ctx c = {.t = out, .a = dy, .ars = (size_t)out, .ats = 1, .b = w, .ldb = (size_t)in, .c = dx,
                   .ldc = (size_t)in, .cols = in, .acc = 0};
    /* 8 samples x 48 columns; blocks whose slice of w (out x 768) stays in
     * L2 across the groups of 8 samples */
    bcast_gemm(&c, n, 8, 768);
}

/* x: [n][in]  dy: [n][out]  dw: [out][in] (+=)  db: [out] (+=) */
void ln_dense_bwd_weights_avx512(int n, int in, int out, const float *x, const float *dy, float *dw, float *db)
{
    bcast_ctx c = {.t = n, .a = dy, .ars = 1, .ats = (size_t)out, .b = x, .ldb = (size_t)in, .c = dw,
                   .ldc = (size_t)in, .cols = in, .acc = 1};
    /* 6 outputs x 64 columns (fc1's 84 = 14 x 6); whole rows: x stays in
     * L2, and dw streams row by row */
    bcast_gemm(&c, out, 6, in);
    for (int o = 0; o < out; o += 16) {
        __mmask16 m = ln_vmask_avx512(out - o);
        __m512 s = _mm512_maskz_loadu_ps(m, db + o);
        for (int i = 0; i < n; i++) s = _mm512_add_ps(s, _mm512_maskz_loadu_ps(m, dy + (size_t)i * out + o));
        _mm512_mask_storeu_ps(db + o, m, s);
    }
}
