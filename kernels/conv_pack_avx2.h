/* Data movement for the AVX2 convolutions: zero-padded copies of input
 * planes, im2col column blocks, packed weight strips, offset tables. */
#ifndef LN_CONV_PACK_AVX2_H
#define LN_CONV_PACK_AVX2_H
#include <stddef.h>

/* dst: [c][rows][pw] planes of pitch rows*pw, then `slack` (>= 8) zero
 * floats; dst[ch][r][q] = x[ch][r - pt][q - pl] where that lies inside the
 * h x w plane x: [c][h][w], else 0. Paddings may be negative (cropping). */
void ln_pad_planes_avx2(const float *x, int c, int h, int w, int pt, int pl, int rows, int pw,
                        size_t slack, float *dst);

/* Weight strips a: [ceil(m/mr)][k][mr] (mr <= 8), zero in rows past m,
 * then 8 floats of slack, from element (i, j) of a matrix whose j = (group
 * g, tap t of taps) lies at w[i*ms + g*gs + t'], t' = t or, with flip,
 * taps-1-t. */
void ln_pack_strips_avx2(int mr, int m, int k, int taps, const float *w, size_t ms, size_t gs, int flip,
                         float *a);

/* off: [ch*kh*kw] int32 (as float bits): ch*plane + u*pitch + v. */
void ln_tap_offsets_avx2(int ch, int kh, int kw, int plane, int pitch, float *off);

/* The im2col block of output columns [q0, q0+cnt) of a stride-1 conv,
 * col: [c*kh*kw][ld], column j = q - q0, q = (sample, oy, ox) flattened,
 * built from each sample's padded planes (ph x pw, then 8 floats of slack:
 * `pad` holds c*ph*pw + 8 floats). Columns [cnt, zero_to) are zeroed;
 * ld >= zero_to + 8 (a row's last copy spills up to 7 floats).
 * x: [n][c][h][w]; oh, ow: the output plane. */
void ln_im2col_block_avx2(const float *x, int c, int h, int w, int pt, int pl, int kh, int kw, int oh, int ow,
                          int q0, int cnt, int zero_to, int ld, float *pad, float *col);

#endif
