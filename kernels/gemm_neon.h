/* Packed, register-blocked single-precision GEMM for NEON, the engine of the
 * convolution and dense kernels: C (+)= A B with A: M x K, B: K x N.
 *
 * Operands are never read in place: the caller supplies two packers that
 * copy a block of A or B (from whatever layout: a transposed matrix, an
 * image seen as im2col) into the micro-kernel's panel order, zero-padding
 * the edges. So one driver serves every convolution and dense pass.
 *
 * Blocking (BLIS order): for each NC-column block of B and KC-deep slice,
 * pack B into NR-wide panels [kc][NR]; for each MC-row block pack A into
 * MR-high panels [kc][MR]; then run the 8x12 micro-kernel over the tiles.
 *
 * C(m, j) lives at c[m*ldc + (j / seg) * seg_stride + j % seg]: plain
 * row-major when seg >= N; with seg = pixels of one image, the columns of a
 * batch folded into N (NCHW output, one row segment per image). */
#ifndef LN_GEMM_NEON_H
#define LN_GEMM_NEON_H
#include <stddef.h>

enum { LN_GEMM_MR = 8, LN_GEMM_NR = 12 };

typedef struct ln_gemm_neon ln_gemm_neon;

/* Write A(m0 + i, k0 + kk), i < mc, kk < kc, as ceil(mc/MR) panels
 * dst[p][kk][MR] (row i = p*MR + r), rows past mc zero. */
typedef void (*ln_gemm_pack_a_fn)(const ln_gemm_neon *g, int m0, int mc, int k0, int kc, float *dst);
/* Write B(k0 + kk, j0 + j), j < nc, as ceil(nc/NR) panels dst[p][kk][NR],
 * columns past nc zero. */
typedef void (*ln_gemm_pack_b_fn)(const ln_gemm_neon *g, int k0, int kc, int j0, int nc, float *dst);

struct ln_gemm_neon {
    int m, n, k;
    int mc, nc, kc; /* block sizes: multiples of MR, NR; kc >= 1 */
    ln_gemm_pack_a_fn pack_a;
    ln_gemm_pack_b_fn pack_b;
    const void *a, *b;     /* the operands, as the packers read them */
    size_t lda, ldb;       /* for the generic packers below */
    const void *geom_a;    /* what a custom A packer needs besides a */
    const void *geom_b;    /* what a custom B packer needs besides b */
    float *c;
    size_t ldc, seg_stride;
    int seg;               /* columns per contiguous C segment (>= N: none) */
    int accumulate;        /* 1: C += A B;  0: C = A B + row_bias + col_bias */
    const float *row_bias; /* [M] or NULL (only when overwriting) */
    const float *col_bias; /* [N] or NULL (only when overwriting; needs seg >= N) */
};

/* Block sizes for scratch-backed calls (convolutions) and for the dense
 * kernels, which have no scratch and pack into a stack buffer. */
enum { LN_GEMM_MC = 128, LN_GEMM_NC = 192, LN_GEMM_KC = 256 };
enum { LN_GEMM_DENSE_MC = 16, LN_GEMM_DENSE_NC = 24, LN_GEMM_DENSE_KC = 256 };

/* Floats of packing buffer that ln_gemm_neon_run needs for g's sizes; it is
 * monotone in m, n, k, so a bound for larger sizes also serves smaller. */
size_t ln_gemm_neon_scratch(int m, int n, int k, int mc, int nc, int kc);
void ln_gemm_neon_run(const ln_gemm_neon *g, float *buf);

/* Generic packers over g->a / g->b with leading dimensions lda / ldb:
 * rows: A(m,k) = a[m*lda + k]  cols: A(m,k) = a[k*lda + m]
 * rows: B(k,j) = b[k*ldb + j]  cols: B(k,j) = b[j*ldb + k] */
/* One panel [kc][w], lanes q >= valid zero:
 * lanes:      dst[kk][q] = src[kk*ld + q]  (lanes contiguous in the source)
 * transposed: dst[kk][q] = src[q*ld + kk]  (lanes are source rows) */
void ln_gemm_pack_lanes(const float *src, size_t ld, int valid, int w, int kc, float *dst);
void ln_gemm_pack_transposed(const float *src, size_t ld, int valid, int w, int kc, float *dst);

void ln_gemm_pack_a_rows(const ln_gemm_neon *g, int m0, int mc, int k0, int kc, float *dst);
void ln_gemm_pack_a_cols(const ln_gemm_neon *g, int m0, int mc, int k0, int kc, float *dst);
void ln_gemm_pack_b_rows(const ln_gemm_neon *g, int k0, int kc, int j0, int nc, float *dst);
void ln_gemm_pack_b_cols(const ln_gemm_neon *g, int k0, int kc, int j0, int nc, float *dst);

#endif
