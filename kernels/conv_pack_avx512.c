/* Data movement for the AVX-512 convolutions (see conv_pack_avx512.h):
 * sample-interleaved planes, their lane masks, packed weight strips. */
#include "conv_pack_avx512.h"

#include <string.h>

static size_t round16(size_t f) { return (f + 15) / 16 * 16; }

void ln_cflat_geom_avx512(const ln_conv_shape *s, int G, int nv, ln_cflat *f)
{
    int X = s->iw > s->ow ? s->iw : s->ow, rowf = X * G;
    f->G = G;
    f->X = X;
    f->nvp = (s->oh * rowf + 15) / 16;
    f->nt = (f->nvp + nv - 1) / nv * nv;
    int pl = s->pad_w > 0 ? s->pad_w : 0, vmax = s->kw - 1 - s->pad_w > 0 ? s->kw - 1 - s->pad_w : 0;
    f->m0 = (int)round16((size_t)pl * G);
    /* rows: the image's, and enough that the last tile's shifted reads
     * stay inside the channel */
    size_t reach = (size_t)(s->kh - 1) * rowf + (size_t)vmax * G + 16 * (size_t)f->nt;
    int rows = (int)((reach + rowf - 1) / rowf);
    if (rows < s->ih + s->pad_h) rows = s->ih + s->pad_h;
    f->ps = (int)round16((size_t)f->m0 + (size_t)rows * rowf);
    f->plane_len = (size_t)s->ic * f->ps + 16;
    f->mask_len = round16(((size_t)s->kw * f->nt + 1) / 2);
}

void ln_interleave_avx512(const float *src, size_t ss, int G, int len, float *dst, const ln_tr512 *t)
{
    if (G == 1) {
        for (int p = 0; p < len; p += 16) {
            __mmask16 m = ln_mask16(len - p);
            _mm512_mask_storeu_ps(dst + p, m, _mm512_maskz_loadu_ps(m, src + p));
        }
        return;
    }
    const int P = 64 / G;
    for (int p0 = 0; p0 < len; p0 += P) {
        int cnt = len - p0 < P ? len - p0 : P;
        __m512 a[4], o[4];
        if (G == 8) {
            __mmask8 m = (__mmask8)(cnt >= 8 ? 0xFF : (1u << cnt) - 1u);
            for (int k = 0; k < 4; k++) {
                __m256 lo = _mm256_maskz_loadu_ps(m, src + (size_t)(2 * k) * ss + p0);
                __m256 hi = _mm256_maskz_loadu_ps(m, src + (size_t)(2 * k + 1) * ss + p0);
                a[k] = _mm512_insertf32x8(_mm512_castps256_ps512(lo), hi, 1);
            }
        } else if (G == 4) {
            for (int k = 0; k < 4; k++) a[k] = _mm512_maskz_loadu_ps(ln_mask16(cnt), src + (size_t)k * ss + p0);
        } else {
            for (int g = 0; g < 2; g++)
                for (int h = 0; h < 2; h++)
                    a[2 * g + h] = _mm512_maskz_loadu_ps(ln_mask16(cnt - 16 * h), src + (size_t)g * ss + p0 + 16 * h);
        }
        ln_tr512_apply(t, a, o);
        float *d = dst + (size_t)p0 * G;
        int fl = cnt * G;
        for (int k = 0; k < 4 && fl > 16 * k; k++) _mm512_mask_storeu_ps(d + 16 * k, ln_mask16(fl - 16 * k), o[k]);
    }
}

void ln_cflat_pack_avx512(const ln_conv_shape *s, const ln_cflat *f, const float *x, float *plane,
                          const ln_tr512 *t)
{
    const int G = f->G, rowf = f->X * G, rows = (f->ps - f->m0) / rowf;
    const size_t ss = (size_t)s->ic * s->ih * s->iw;
    const __m512 z = _mm512_setzero_ps();
    for (int c = 0; c < s->ic; c++) {
        float *pc = plane + (size_t)c * f->ps;
        /* the zeros: margin and rows outside the image, and the columns
         * [iw, X) of image rows */
        int r0 = s->pad_h > 0 ? s->pad_h : 0, r1 = s->ih + s->pad_h < rows ? s->ih + s->pad_h : rows;
        if (r1 < r0) r1 = r0;
        for (size_t i = 0; i < (size_t)f->m0 + (size_t)r0 * rowf; i += 16) _mm512_storeu_ps(pc + i, z);
        for (size_t i = (size_t)f->m0 + (size_t)r1 * rowf; i < (size_t)f->ps; i += 16)
            _mm512_mask_storeu_ps(pc + i, ln_mask16((int)((size_t)f->ps - i)), z);
        for (int r = r0; r < r1; r++) {
            float *d = pc + f->m0 + (size_t)r * rowf;
            ln_interleave_avx512(x + (size_t)c * s->ih * s->iw + (size_t)(r - s->pad_h) * s->iw, ss, G, s->iw, d, t);
            for (int i = s->iw * G; i < rowf; i += 16) _mm512_mask_storeu_ps(d + i, ln_mask16(rowf - i), z);
        }
    }
    _mm512_storeu_ps(plane + (size_t)s->ic * f->ps, z);
}

void ln_cflat_masks_avx512(const ln_conv_shape *s, const ln_cflat *f, float *masks)
{
    uint16_t *m = (uint16_t *)masks;
    const int G = f->G, X = f->X, step = 16 / G;
    int32_t x0[16];
    for (int l = 0; l < 16; l++) x0[l] = (l / G) % X;
    __m512i x = _mm512_loadu_si512(x0);
    const __m512i vstep = _mm512_set1_epi32(step), vX = _mm512_set1_epi32(X);
    for (int j = 0; j < f->nt; j++) {
        for (int v = 0; v < s->kw; v++) {
            /* column x + v - pad_w inside [0, iw) */
            __mmask16 lo = _mm512_cmpge_epi32_mask(x, _mm512_set1_epi32(s->pad_w - v));
            __mmask16 hi = _mm512_cmplt_epi32_mask(x, _mm512_set1_epi32(s->iw + s->pad_w - v));
            m[(size_t)v * f->nt + j] = (uint16_t)(lo & hi);
        }
        x = _mm512_add_epi32(x, vstep);
        for (__mmask16 w; (w = _mm512_cmpge_epi32_mask(x, vX)) != 0;) x = _mm512_mask_sub_epi32(x, w, x, vX);
    }
}

void ln_pack_strips_avx512(int mr, int m, int k, int taps, const float *w, size_t ms, size_t gs, int flip,
                           float *a)
{
    const int groups = k / taps;
    for (int m0 = 0; m0 < m; m0 += mr, a += (size_t)k * mr) {
        int rows = m - m0 < mr ? m - m0 : mr;
        for (int r = 0; r < mr; r++) {
            float *d = a + r;
            if (r >= rows) {
                for (int j = 0; j < k; j++) d[(size_t)j * mr] = 0.0f;
                continue;
            }
            const float *src = w + (size_t)(m0 + r) * ms;
            for (int g = 0; g < groups; g++, src += gs, d += (size_t)taps * mr) {
                if (flip)
                    for (int t = 0; t < taps; t++) d[(size_t)t * mr] = src[taps - 1 - t];
                else
                    for (int t = 0; t < taps; t++) d[(size_t)t * mr] = src[t];
            }
        }
    }
}
