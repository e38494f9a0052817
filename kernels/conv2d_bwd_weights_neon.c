/* Convolution weight and bias gradients, NEON, accumulating. The weight
 * gradient is a GEMM whose reduction runs over every output pixel of every
 * image (the batch folded into K):
 *   dW[o][(c,u,v)] += sum_q dY[o][q] X[q][(c,u,v)],  q = (img, oy, ox)
 * A(o, q) = dy[img][o][oy][ox]: per image a plain [oc][oh*ow] block,
 *   packed with 4x4 transposes;
 * B(q, (c,u,v)) = x[img][c][oy+u-pad][ox+v-pad] (zero in the padding): the
 *   transposed im2col, gathered through a per-panel table of offsets, with
 *   no bounds tests for pixels whose whole panel lies inside the image.
 * C = dw, row-major [oc][ic*kh*kw], accumulated. db[o] += a vector sum of
 * each dy plane. */
#include <arm_neon.h>
#include <stddef.h>

#include "gemm_neon.h"
#include "kernels_neon.h"

static int min_i(int a, int b) { return a < b ? a : b; }

/* A(o, q) from dy: runs of q inside one image are rows of that image's
 * [oc][pix] block. */
static void pack_a_dy(const ln_gemm_neon *g, int m0, int mc, int k0, int kc, float *dst)
{
    const ln_conv_shape *s = g->geom_a;
    const float *dy = g->a;
    int pix = s->oh * s->ow;
    for (int i = 0; i < mc; i += LN_GEMM_MR, dst += (size_t)kc * LN_GEMM_MR) {
        int rows = min_i(LN_GEMM_MR, mc - i);
        for (int kk = 0; kk < kc;) {
            int q = k0 + kk, img = q / pix, p = q % pix, len = min_i(kc - kk, pix - p);
            const float *src = dy + ((size_t)img * s->oc + m0 + i) * pix + p;
            ln_gemm_pack_transposed(src, (size_t)pix, rows, LN_GEMM_MR, len, dst + (size_t)kk * LN_GEMM_MR);
            kk += len;
        }
    }
}

/* B(q, col) from x, col = (c, u, v). */
static void pack_b_x(const ln_gemm_neon *g, int k0, int kc, int j0, int nc, float *dst)
{
    const ln_conv_shape *s = g->geom_b;
    const float *x = g->b;
    int khw = s->kh * s->kw, pix = s->oh * s->ow;
    ptrdiff_t plane = (ptrdiff_t)s->ih * s->iw, image = plane * s->ic;
    for (int j = 0; j < nc; j += LN_GEMM_NR, dst += (size_t)kc * LN_GEMM_NR) {
        int cols = min_i(LN_GEMM_NR, nc - j);
        /* per lane: source offset from x[img][0][oy][ox], and (u, v) */
        ptrdiff_t off[LN_GEMM_NR];
        int uu[LN_GEMM_NR], vv[LN_GEMM_NR], umin = s->kh, umax = -1, vmin = s->kw, vmax = -1;
        for (int l = 0; l < cols; l++) {
            int col = j0 + j + l, c = col / khw;
            uu[l] = col % khw / s->kw, vv[l] = col % s->kw;
            off[l] = c * plane + (ptrdiff_t)(uu[l] - s->pad_h) * s->iw + (vv[l] - s->pad_w);
            umin = uu[l] < umin ? uu[l] : umin, umax = uu[l] > umax ? uu[l] : umax;
            vmin = vv[l] < vmin ? vv[l] : vmin, vmax = vv[l] > vmax ? vv[l] : vmax;
        }
        int q = k0, img = q / pix, oy = q % pix / s->ow, ox = q % s->ow;
        for (int kk = 0; kk < kc; kk++) {
            float *d = dst + (size_t)kk * LN_GEMM_NR;
            ptrdiff_t at = img * image + (ptrdiff_t)oy * s->iw + ox;
            int iy0 = oy - s->pad_h, ix0 = ox - s->pad_w;
            if (iy0 + umin >= 0 && iy0 + umax < s->ih && ix0 + vmin >= 0 && ix0 + vmax < s->iw) {
                for (int l = 0; l < cols; l++) d[l] = x[at + off[l]];
            } else {
                for (int l = 0; l < cols; l++) {
                    int iy = iy0 + uu[l], ix = ix0 + vv[l];
                    d[l] = iy >= 0 && iy < s->ih && ix >= 0 && ix < s->iw ? x[at + off[l]] : 0.0f;
                }
            }
            for (int l = cols; l < LN_GEMM_NR; l++) d[l] = 0.0f;
            if (++ox == s->ow) {
                ox = 0;
                if (++oy == s->oh) oy = 0, img++;
            }
        }
    }
}

static float plane_sum(const float *p, int len)
{
    float32x4_t a0 = vdupq_n_f32(0.0f), a1 = a0;
    int i = 0;
    for (; i + 8 <= len; i += 8) {
        a0 = vaddq_f32(a0, vld1q_f32(p + i));
        a1 = vaddq_f32(a1, vld1q_f32(p + i + 4));
    }
    float sum = vaddvq_f32(vaddq_f32(a0, a1));
    for (; i < len; i++) sum += p[i];
    return sum;
}

void ln_conv2d_bwd_weights_neon(const ln_conv_shape *s, const float *x, const float *dy, float *dw, float *db,
                                float *scratch)
{
    int pix = s->oh * s->ow, cols = s->ic * s->kh * s->kw;
    ln_gemm_neon g = {.m = s->oc, .n = cols, .k = s->n * pix, .mc = LN_GEMM_MC, .nc = LN_GEMM_NC,
                      .kc = LN_GEMM_KC, .pack_a = pack_a_dy, .pack_b = pack_b_x,
                      .a = dy, .b = x, .geom_a = s, .geom_b = s,
                      .c = dw, .ldc = (size_t)cols, .seg = cols, .accumulate = 1};
    ln_gemm_neon_run(&g, scratch);
    for (int o = 0; o < s->oc; o++) {
        float sum = 0.0f;
        for (int img = 0; img < s->n; img++) sum += plane_sum(dy + ((size_t)img * s->oc + o) * pix, pix);
        db[o] += sum;
    }
}
