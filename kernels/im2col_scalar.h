/* im2col / col2im for one sample, shared by the scalar conv kernels.
 * col: [ic*kh*kw][oh*ow]; row (c,u,v) holds x[c][y+u-pad_h][x+v-pad_w]
 * (zero outside the image) for every output pixel (y,x). */
#ifndef LN_IM2COL_SCALAR_H
#define LN_IM2COL_SCALAR_H
#include "kernels.h"

void ln_im2col(const ln_conv_shape *s, const float *x, float *col);
/* dx (one sample, [ic][ih][iw]) = sum of col entries onto their pixels */
void ln_col2im(const ln_conv_shape *s, const float *col, float *dx);

#endif
