/* Data layout of the AVX-512 convolutions: "flat interleaved" planes.
 *
 * A group of G samples (G = 1, 2, 4 or 8) is stored channel by channel as
 * [row][X][G] floats, the sample fastest, X = max(iw, ow) positions a row,
 * with no horizontal padding. Output position p = oy*X + ox of all G
 * samples is then lanes [p*G, p*G+G) of one long run of vectors (16/G
 * positions a vector), and tap (c, u, v) of that run is the same run
 * shifted by c*ps + u*X*G + (v - pad_w)*G floats: a whole plane (all
 * rows, all samples of the group) is one flat GEMM dimension, so a 7-wide
 * plane wastes no lanes. The columns a shift wraps into the neighbouring
 * row are cut by a per-(v, vector) lane mask (masks[v][j]); the rows
 * above and below the image are stored zeros. */
#ifndef LN_CONV_PACK_AVX512_H
#define LN_CONV_PACK_AVX512_H
#include <stddef.h>
#include <stdint.h>

#include "gemm_util_avx512.h"
#include "kernels.h"

typedef struct ln_cflat {
    int G, X;    /* samples interleaved; positions a row */
    int nvp;     /* vectors holding the oh*X output positions */
    int nt;      /* vectors a pass walks (nvp rounded up to its tiles) */
    int m0;      /* floats of zeros before row 0 of each channel */
    int ps;      /* floats a channel (multiple of 16) */
    size_t plane_len; /* ic*ps + 16 floats: one group's planes */
    size_t mask_len;  /* floats holding the kw*nt uint16 masks */
} ln_cflat;

/* The geometry of shape s's input planes for groups of G, with passes in
 * tiles of nv vectors. */
void ln_cflat_geom_avx512(const ln_conv_shape *s, int G, int nv, ln_cflat *f);

/* dst[p*G + g] = src[g*sstride + p], p < len, g < G (dst written up to
 * len*G floats only; src read only inside its rows); t: the [G][P] ->
 * [P][G] transposer of G (unused for G = 1). */
void ln_interleave_avx512(const float *src, size_t sstride, int G, int len, float *dst, const ln_tr512 *t);

/* The planes of samples x[0..G) (x: [G][ic][ih][iw], sample stride
 * ic*ih*iw) into plane (plane_len floats, every float written). */
void ln_cflat_pack_avx512(const ln_conv_shape *s, const ln_cflat *f, const float *x, float *plane,
                          const ln_tr512 *t);

/* masks (as uint16 [kw][nt]): lane l of vector j of tap column v is set
 * when position (16j+l)/G reads a column inside the image. */
void ln_cflat_masks_avx512(const ln_conv_shape *s, const ln_cflat *f, float *masks);

/* Weight strips a: [ceil(m/mr)][k][mr], zero in rows past m, from
 * element (i, j) of a matrix whose j = (group g, tap t of taps) lies at
 * w[i*ms + g*gs + t'], t' = t or, with flip, taps-1-t. */
void ln_pack_strips_avx512(int mr, int m, int k, int taps, const float *w, size_t ms, size_t gs, int flip,
                           float *a);

/* the sample counts of the groups a pass over n samples takes, largest
 * first: gmax (1 or 8), ..., then 4, 2, 1 for the rest */
static inline int ln_cflat_group(int left, int gmax)
{
    int g = left >= 8 ? 8 : left >= 4 ? 4 : left >= 2 ? 2 : 1;
    return g < gmax ? g : gmax;
}

#endif
