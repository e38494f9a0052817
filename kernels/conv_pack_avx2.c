/* Data movement for the AVX2 convolutions. Padding is materialized once
 * per sample so that the micro-kernels never test bounds: every tap of
 * every output position reads inside the padded plane, and the rows and
 * slack past it are zeros, so the spare lanes of a tail tile read defined
 * values (they are computed and never stored). */
#include "conv_pack_avx2.h"

#include <string.h>

#include "gemm_util_avx2.h"

void ln_pad_planes_avx2(const float *x, int c, int h, int w, int pt, int pl, int rows, int pw,
                        size_t slack, float *dst)
{
    /* columns [qlo, qhi) of a padded row come from input columns qlo-pl.. */
    int qlo = pl < 0 ? 0 : pl > pw ? pw : pl, qhi = pl + w < pw ? pl + w : pw;
    if (qhi < qlo) qhi = qlo;
    const __m256 z = _mm256_setzero_ps();
    /* Whole vectors, each piece spilling up to 7 floats into what is
     * written next (the row's next piece, the next row, or the slack,
     * which must be at least 8 floats); only the reads of x are masked. */
    for (int ch = 0; ch < c; ch++) {
        const float *xp = x + (size_t)ch * h * w;
        for (int r = 0; r < rows; r++, dst += pw) {
            int iy = r - pt;
            if (iy < 0 || iy >= h || qhi == qlo) {
                for (int i = 0; i < pw; i += 8) _mm256_storeu_ps(dst + i, z);
                continue;
            }
            const float *src = xp + (size_t)iy * w + (qlo - pl);
            for (int i = 0; i < qlo; i += 8) _mm256_storeu_ps(dst + i, z);
            for (int i = 0; i < qhi - qlo; i += 8)
                _mm256_storeu_ps(dst + qlo + i, ln_load_n_avx2(src + i, qhi - qlo - i));
            for (int i = qhi; i < pw; i += 8) _mm256_storeu_ps(dst + i, z);
        }
    }
    memset(dst, 0, slack * sizeof *dst);
}

/* o[i] = {r[0][i], ..., r[7][i]}: the 8x8 transpose, in-lane shuffles and
 * one 128-bit lane swap per output. */
LN_AVX2_INLINE void transpose8(__m256 *r)
{
    __m256 t[8], u[8];
    for (int i = 0; i < 8; i += 2) {
        t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 8; i += 4) {
        u[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
        u[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xee);
        u[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
        u[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xee);
    }
    for (int i = 0; i < 4; i++) {
        r[i] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x20);
        r[i + 4] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x31);
    }
}

void ln_pack_strips_avx2(int mr, int m, int k, int taps, const float *w, size_t ms, size_t gs, int flip,
                         float *a)
{
    const __m256i rev = _mm256_setr_epi32(7, 6, 5, 4, 3, 2, 1, 0);
    for (int m0 = 0; m0 < m; m0 += mr) {
        int rows = m - m0 < mr ? m - m0 : mr;
        for (int g = 0; g < k / taps; g++) {
            const float *wg = w + (size_t)m0 * ms + (size_t)g * gs;
            int t = 0;
            /* 8 taps at a time: rows x 8 loaded (reversed when flipped),
             * transposed, stored as 8 rows of mr; each store spills
             * 8 - mr floats that the next one (or the next strip, or the
             * strips' 8 floats of slack) overwrites */
            for (; t + 8 <= taps; t += 8, a += 8 * mr) {
                __m256 r[8];
                for (int i = 0; i < 8; i++) {
                    if (i >= rows) r[i] = _mm256_setzero_ps();
                    else if (flip) r[i] = _mm256_permutevar8x32_ps(_mm256_loadu_ps(wg + i * ms + taps - 8 - t), rev);
                    else r[i] = _mm256_loadu_ps(wg + i * ms + t);
                }
                transpose8(r);
                for (int i = 0; i < 8; i++) _mm256_storeu_ps(a + i * mr, r[i]);
            }
            for (; t < taps; t++, a += mr) {
                const float *wt = wg + (flip ? taps - 1 - t : t);
                for (int r = 0; r < rows; r++) a[r] = wt[(size_t)r * ms];
                for (int r = rows; r < mr; r++) a[r] = 0.0f;
            }
        }
    }
}

void ln_tap_offsets_avx2(int ch, int kh, int kw, int plane, int pitch, float *off)
{
    for (int c = 0; c < ch; c++)
        for (int u = 0; u < kh; u++)
            for (int v = 0; v < kw; v++) ln_put_i32(off++, c * plane + u * pitch + v);
}

void ln_im2col_block_avx2(const float *x, int c, int h, int w, int pt, int pl, int kh, int kw, int oh, int ow,
                          int q0, int cnt, int zero_to, int ld, float *pad, float *col)
{
    int ohw = oh * ow, ph = oh + kh - 1, pw = ow + kw - 1, plane = ph * pw, K = c * kh * kw;
    for (int sm = q0 / ohw; sm * ohw < q0 + cnt; sm++) {
        /* this sample's output positions [p0, p1) land at columns j0.. */
        int p0 = q0 > sm * ohw ? q0 - sm * ohw : 0;
        int p1 = q0 + cnt < (sm + 1) * ohw ? q0 + cnt - sm * ohw : ohw;
        int j0 = sm * ohw + p0 - q0, oy0 = p0 / ow, ox0 = p0 - oy0 * ow;
        ln_pad_planes_avx2(x + (size_t)sm * c * h * w, c, h, w, pt, pl, ph, pw, 8, pad);
        float *dst = col + j0;
        for (int ch = 0; ch < c; ch++)
            for (int u = 0; u < kh; u++)
                for (int v = 0; v < kw; v++, dst += ld) {
                    const float *src = pad + (size_t)ch * plane + (size_t)(oy0 + u) * pw + v + ox0;
                    /* runs along output rows, copied 8 floats at a time: a
                     * run's last vector spills up to 7 floats into columns
                     * the next run (or sample, or the zeroing below)
                     * overwrites, and reads up to 7 past it inside the
                     * padded planes or their slack */
                    float *d = dst;
                    for (int p = p0, ox = ox0; p < p1; src += pw - ox, ox = 0) {
                        int len = ow - ox < p1 - p ? ow - ox : p1 - p;
                        for (int i = 0; i < len; i += 8) _mm256_storeu_ps(d + i, _mm256_loadu_ps(src + i));
                        d += len, p += len;
                    }
                }
    }
    for (int kk = 0; kk < K; kk++) memset(col + (size_t)kk * ld + cnt, 0, (size_t)(zero_to - cnt) * sizeof *col);
}
