/* Portable blocked GEMM for the scalar table: panels of op(A) (MR rows) and
 * op(B) (NR columns) are packed, zero-padded to whole tiles, and an MR x NR
 * register tile accumulates over a KC slice
 * (four named row accumulators: an acc[MR][NR] array defeats GCC's
 * vectorizer, which then runs 4-5x slower). Plain C the compiler can
 * vectorize at the baseline ISA; the ISA tables bring their own kernels. */
#include <string.h>

#include "kernels.h"

enum { MR = 4, NR = 16, KC = 256, NC = 128 };

/* pa: [kc][MR] from rows i0..i0+mr of op(A), zero beyond mr */
static void pack_a(int trans, const float *a, int lda, int i0, int mr, int k0, int kc, float *pa)
{
    for (int p = 0; p < kc; p++)
        for (int r = 0; r < MR; r++) {
            float v = 0.0f;
            if (r < mr) v = trans ? a[(size_t)(k0 + p) * lda + i0 + r] : a[(size_t)(i0 + r) * lda + k0 + p];
            pa[p * MR + r] = v;
        }
}

/* pb: [kc][NR] from columns j0..j0+nr of op(B), zero beyond nr */
static void pack_b(int trans, const float *b, int ldb, int j0, int nr, int k0, int kc, float *pb)
{
    for (int p = 0; p < kc; p++) {
        float *dst = pb + p * NR;
        if (!trans && nr == NR) {
            memcpy(dst, b + (size_t)(k0 + p) * ldb + j0, NR * sizeof(float));
            continue;
        }
        for (int c = 0; c < NR; c++)
            dst[c] = c < nr ? (trans ? b[(size_t)(j0 + c) * ldb + k0 + p] : b[(size_t)(k0 + p) * ldb + j0 + c]) : 0.0f;
    }
}

static void tile(int kc, const float *restrict pa, const float *restrict pb, float acc[MR][NR])
{
    float c0[NR] = {0}, c1[NR] = {0}, c2[NR] = {0}, c3[NR] = {0};
    for (int p = 0; p < kc; p++) {
        const float *bp = pb + p * NR;
        float a0 = pa[p * MR], a1 = pa[p * MR + 1], a2 = pa[p * MR + 2], a3 = pa[p * MR + 3];
        for (int c = 0; c < NR; c++) {
            c0[c] += a0 * bp[c];
            c1[c] += a1 * bp[c];
            c2[c] += a2 * bp[c];
            c3[c] += a3 * bp[c];
        }
    }
    for (int c = 0; c < NR; c++) acc[0][c] = c0[c], acc[1][c] = c1[c], acc[2][c] = c2[c], acc[3][c] = c3[c];
}

void ln_gemm_scalar(int trans_a, int trans_b, int m, int n, int k, const float *a, int lda,
                    const float *b, int ldb, float beta, float *c, int ldc)
{
    float pa[KC * MR], pb[KC * NR * (NC / NR)];
    if (beta == 0.0f)
        for (int i = 0; i < m; i++) memset(c + (size_t)i * ldc, 0, (size_t)n * sizeof(float));
    for (int j0 = 0; j0 < n; j0 += NC) {
        int nc = n - j0 < NC ? n - j0 : NC;
        for (int k0 = 0; k0 < k; k0 += KC) {
            int kc = k - k0 < KC ? k - k0 : KC;
            for (int jj = 0; jj < nc; jj += NR) {
                int nr = nc - jj < NR ? nc - jj : NR;
                pack_b(trans_b, b, ldb, j0 + jj, nr, k0, kc, pb + (size_t)(jj / NR) * KC * NR);
            }
            for (int i0 = 0; i0 < m; i0 += MR) {
                int mr = m - i0 < MR ? m - i0 : MR;
                pack_a(trans_a, a, lda, i0, mr, k0, kc, pa);
                for (int jj = 0; jj < nc; jj += NR) {
                    int nr = nc - jj < NR ? nc - jj : NR;
                    float acc[MR][NR] = {{0}};
                    tile(kc, pa, pb + (size_t)(jj / NR) * KC * NR, acc);
                    for (int r = 0; r < mr; r++) {
                        float *crow = c + (size_t)(i0 + r) * ldc + j0 + jj;
                        for (int q = 0; q < nr; q++) crow[q] += acc[r][q];
                    }
                }
            }
        }
    }
}
