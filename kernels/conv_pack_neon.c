/* Implicit im2col packing (conv_pack_neon.h).
 *
 * The NR columns of a panel are cut once into runs of consecutive output
 * pixels on one grid row of one image (a panel crosses row and image
 * boundaries freely). For each k = (c, u, v) a run reads one contiguous
 * stretch of one source row: copied with vector loads when the whole panel
 * is a single run inside the plane, else element-wise with the columns that
 * fall in the padding set to zero (the inside part still 4 at a time). */
#include <arm_neon.h>

#include "conv_pack_neon.h"

typedef struct pixel_run {
    int lane, len, img, gy, gx;
} pixel_run;

static int min_i(int a, int b) { return a < b ? a : b; }
static int clamp_i(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

/* Cut columns [j, j + cols) of the folded grid into runs; returns how many. */
static int panel_runs(const ln_im2col_neon *m, int j, int cols, pixel_run *r)
{
    int per = m->gh * m->gw, n = 0;
    int img = j / per, gy = j % per / m->gw, gx = j % m->gw;
    for (int lane = 0; lane < cols;) {
        int len = min_i(cols - lane, m->gw - gx);
        r[n++] = (pixel_run){lane, len, img, gy, gx};
        lane += len;
        gx += len;
        if (gx == m->gw) {
            gx = 0;
            if (++gy == m->gh) gy = 0, img++;
        }
    }
    return n;
}

/* d[0..len) = row[sx0 + e] where 0 <= sx0 + e < sw, else 0. */
static void copy_run(float *d, const float *row, int sx0, int len, int sw)
{
    int lo = clamp_i(-sx0, 0, len), hi = clamp_i(sw - sx0, lo, len);
    if (lo == 0 && hi == LN_GEMM_NR) {
        vst1q_f32(d, vld1q_f32(row + sx0));
        vst1q_f32(d + 4, vld1q_f32(row + sx0 + 4));
        vst1q_f32(d + 8, vld1q_f32(row + sx0 + 8));
        return;
    }
    int e = 0;
    for (; e < lo; e++) d[e] = 0.0f;
    for (; e + 4 <= hi; e += 4) vst1q_f32(d + e, vld1q_f32(row + sx0 + e));
    for (; e < hi; e++) d[e] = row[sx0 + e];
    for (; e < len; e++) d[e] = 0.0f;
}

void ln_conv_pack_b_im2col_neon(const ln_gemm_neon *g, int k0, int kc, int j0, int nc, float *dst)
{
    const ln_im2col_neon *m = g->geom_b;
    int khw = m->kh * m->kw;
    for (int j = 0; j < nc; j += LN_GEMM_NR, dst += (size_t)kc * LN_GEMM_NR) {
        int cols = min_i(LN_GEMM_NR, nc - j);
        pixel_run runs[LN_GEMM_NR];
        int nruns = panel_runs(m, j0 + j, cols, runs);
        int c = k0 / khw, u = k0 % khw / m->kw, v = k0 % m->kw;
        for (int kk = 0; kk < kc; kk++) {
            float *d = dst + (size_t)kk * LN_GEMM_NR;
            int dr = m->sign * u + m->off_h, dc = m->sign * v + m->off_w;
            for (int i = 0; i < nruns; i++) {
                const pixel_run *r = &runs[i];
                int sy = r->gy + dr;
                if (sy < 0 || sy >= m->sh) {
                    for (int e = 0; e < r->len; e++) d[r->lane + e] = 0.0f;
                    continue;
                }
                const float *row = m->src + (((size_t)r->img * m->ch + c) * m->sh + sy) * m->sw;
                copy_run(d + r->lane, row, r->gx + dc, r->len, m->sw);
            }
            for (int q = cols; q < LN_GEMM_NR; q++) d[q] = 0.0f;
            if (++v == m->kw) {
                v = 0;
                if (++u == m->kh) u = 0, c++;
            }
        }
    }
}
