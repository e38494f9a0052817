/* Generated shape lists for kernel tests (see shapes.h). */
#include "shapes.h"

#define PUSH(list, cap, m, v)          \
    do {                               \
        if ((m) < (cap)) (list)[m] = v; \
        (m)++;                         \
    } while (0)

ln_conv_shape ts_conv(int n, int ic, int ih, int iw, int oc, int kh, int kw, int pad_h, int pad_w)
{
    return (ln_conv_shape){.n = n, .ic = ic, .ih = ih, .iw = iw, .oc = oc, .kh = kh, .kw = kw,
                           .pad_h = pad_h, .pad_w = pad_w, .oh = ih + 2 * pad_h - kh + 1,
                           .ow = iw + 2 * pad_w - kw + 1};
}

ln_conv_shape ts_lenet_conv(int layer, int n)
{
    static const int ic[] = {1, 6, 16}, size[] = {28, 14, 7}, oc[] = {6, 16, 120};
    return ts_conv(n, ic[layer], size[layer], size[layer], oc[layer], 5, 5, 2, 2);
}

/* Output size `o` for kernel k: 'same' reads o columns, 'valid' o + k - 1. */
static ln_conv_shape sized(int n, int ic, int oh, int ow, int oc, int k, int same)
{
    int grow = same ? 0 : k - 1, pad = same ? k / 2 : 0;
    return ts_conv(n, ic, oh + grow, ow + grow, oc, k, k, pad, pad);
}

int ts_conv_shapes(ln_conv_shape *out, int cap)
{
    static const int ics[] = {1, 2, 3, 16};
    static const int ocs[] = {1, 3, 6, 7, 8, 9, 16, 17};
    int m = 0, t = 0;
    for (int layer = 0; layer < 3; layer++)
        for (int n = 1; n <= 9; n++) PUSH(out, cap, m, ts_lenet_conv(layer, n));
    /* output widths 1..17, heights spread over 1..17 */
    for (int w = 1; w <= 17; w++)
        for (int k = 3; k <= 5; k += 2)
            for (int same = 0; same < 2; same++, t++) {
                int h = 1 + (w * 7 + t) % 17;
                PUSH(out, cap, m, sized(1 + t % 9, ics[t % 4], h, w, ocs[(t / 4 + w) % 8], k, same));
            }
    /* wider rows whose length is not a multiple of the vector width */
    static const int wide[] = {23, 28, 29, 31, 32, 33, 41};
    for (int i = 0; i < (int)(sizeof wide / sizeof wide[0]); i++, t++) {
        PUSH(out, cap, m, sized(1 + t % 9, ics[t % 4], 3 + i, wide[i], ocs[t % 8], 5, 1));
        PUSH(out, cap, m, sized(1 + (t + 4) % 9, ics[(t + 1) % 4], 2 + i, wide[i], ocs[(t + 3) % 8], 3, 0));
    }
    /* odd kernels and paddings the built-in model does not use */
    PUSH(out, cap, m, ts_conv(2, 3, 9, 7, 5, 3, 5, 1, 2));   /* 'same' with a non-square kernel */
    PUSH(out, cap, m, ts_conv(1, 2, 6, 6, 4, 2, 2, 0, 0));   /* even kernel */
    PUSH(out, cap, m, ts_conv(2, 1, 5, 5, 2, 3, 3, 2, 2));   /* 'full' padding */
    PUSH(out, cap, m, ts_conv(1, 4, 8, 3, 3, 3, 1, 1, 0));   /* 3x1 */
    PUSH(out, cap, m, ts_conv(1, 1, 3, 3, 1, 5, 5, 2, 2));   /* kernel larger than the image */
    PUSH(out, cap, m, ts_conv(3, 2, 2, 17, 6, 1, 5, 0, 2));  /* 1x5 on a 2-row image */
    PUSH(out, cap, m, ts_conv(4, 16, 9, 11, 12, 1, 1, 0, 0)); /* 1x1 */
    PUSH(out, cap, m, ts_conv(2, 3, 12, 20, 9, 5, 5, 1, 1)); /* padding between 'valid' and 'same' */
    return m;
}

int ts_dense_shapes(ts_dense *out, int cap)
{
    static const int ins[] = {1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 33, 64, 100, 257};
    static const int outs[] = {1, 2, 3, 5, 8, 9, 10, 16, 17, 33, 84, 129};
    int m = 0, t = 0;
    for (int n = 1; n <= 9; n++) {
        PUSH(out, cap, m, ((ts_dense){n, 5880, 84})); /* fc1 */
        PUSH(out, cap, m, ((ts_dense){n, 84, 10}));   /* fc2 */
    }
    PUSH(out, cap, m, ((ts_dense){4, 400, 120})); /* classic LeNet-5 */
    PUSH(out, cap, m, ((ts_dense){3, 120, 84}));
    for (size_t i = 0; i < sizeof ins / sizeof ins[0]; i++)
        for (size_t o = 0; o < sizeof outs / sizeof outs[0]; o++, t++)
            PUSH(out, cap, m, ((ts_dense){1 + t % 9, ins[i], outs[o]}));
    return m;
}

int ts_pool_shapes(ln_pool_shape *out, int cap)
{
    static const int planes[] = {1, 2, 3, 6, 16, 7};
    int m = 0, t = 0;
    for (int n = 1; n <= 9; n++) {
        PUSH(out, cap, m, ((ln_pool_shape){6 * n, 28, 28}));
        PUSH(out, cap, m, ((ln_pool_shape){16 * n, 14, 14}));
    }
    for (int h = 1; h <= 17; h++)
        for (int w = 1; w <= 17; w++, t++) PUSH(out, cap, m, ((ln_pool_shape){planes[t % 6], h, w}));
    for (int w = 28; w <= 41; w++, t++) PUSH(out, cap, m, ((ln_pool_shape){planes[t % 6], 4 + w % 5, w}));
    return m;
}

int ts_act_lengths(size_t *out, int cap)
{
    static const size_t more[] = {63, 64, 65, 127, 128, 129, 255, 256, 257, 1000, 1001,
                                  3136, 4704, 5880, 4 * 4704, 9 * 4704 + 3};
    int m = 0;
    for (size_t len = 0; len <= 40; len++) PUSH(out, cap, m, len);
    for (size_t i = 0; i < sizeof more / sizeof more[0]; i++) PUSH(out, cap, m, more[i]);
    return m;
}

int ts_softmax_shapes(ts_softmax *out, int cap)
{
    static const int classes[] = {1, 2, 3, 4, 7, 8, 9, 10, 15, 16, 17, 31, 33, 100, 256};
    int m = 0, t = 0;
    for (int n = 1; n <= 9; n++) PUSH(out, cap, m, ((ts_softmax){n, 10}));
    for (size_t c = 0; c < sizeof classes / sizeof classes[0]; c++)
        for (int r = 0; r < 2; r++, t++) PUSH(out, cap, m, ((ts_softmax){1 + (t * 5) % 9, classes[c]}));
    return m;
}
