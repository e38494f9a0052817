/* Double-precision reference implementations: see oracle.h. Deliberately
 * naive: one loop per index of the defining sum, bounds tested per element,
 * so each function can be checked by reading it against its formula. */
#include "oracle.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- convolution ---- */

static size_t at4(int a, int b, int c, int d, int nb, int nc, int nd)
{
    return (((size_t)a * nb + b) * nc + c) * nd + d;
}

/* y[n][o][oy][ox] = b[o] + sum_{c,u,v} w[o][c][u][v] x[n][c][oy+u-ph][ox+v-pw] */
void or_conv2d_fwd(const ln_conv_shape *s, const double *x, const double *w, const double *b,
                   double *y)
{
    for (int n = 0; n < s->n; n++)
        for (int o = 0; o < s->oc; o++) {
            for (int oy = 0; oy < s->oh; oy++)
                for (int ox = 0; ox < s->ow; ox++) y[at4(n, o, oy, ox, s->oc, s->oh, s->ow)] = b[o];
            for (int c = 0; c < s->ic; c++)
                for (int u = 0; u < s->kh; u++)
                    for (int v = 0; v < s->kw; v++) {
                        double wv = w[at4(o, c, u, v, s->ic, s->kh, s->kw)];
                        for (int oy = 0; oy < s->oh; oy++) {
                            int iy = oy + u - s->pad_h;
                            if (iy < 0 || iy >= s->ih) continue;
                            for (int ox = 0; ox < s->ow; ox++) {
                                int ix = ox + v - s->pad_w;
                                if (ix < 0 || ix >= s->iw) continue;
                                y[at4(n, o, oy, ox, s->oc, s->oh, s->ow)] +=
                                    wv * x[at4(n, c, iy, ix, s->ic, s->ih, s->iw)];
                            }
                        }
                    }
        }
}

/* dx[n][c][iy][ix] = sum of w[o][c][u][v] dy[n][o][oy][ox] over the terms
 * of the forward sum that read x[n][c][iy][ix] */
void or_conv2d_bwd_data(const ln_conv_shape *s, const double *dy, const double *w, double *dx)
{
    memset(dx, 0, (size_t)s->n * s->ic * s->ih * s->iw * sizeof *dx);
    for (int n = 0; n < s->n; n++)
        for (int o = 0; o < s->oc; o++)
            for (int c = 0; c < s->ic; c++)
                for (int u = 0; u < s->kh; u++)
                    for (int v = 0; v < s->kw; v++) {
                        double wv = w[at4(o, c, u, v, s->ic, s->kh, s->kw)];
                        for (int oy = 0; oy < s->oh; oy++) {
                            int iy = oy + u - s->pad_h;
                            if (iy < 0 || iy >= s->ih) continue;
                            for (int ox = 0; ox < s->ow; ox++) {
                                int ix = ox + v - s->pad_w;
                                if (ix < 0 || ix >= s->iw) continue;
                                dx[at4(n, c, iy, ix, s->ic, s->ih, s->iw)] +=
                                    wv * dy[at4(n, o, oy, ox, s->oc, s->oh, s->ow)];
                            }
                        }
                    }
}

void or_conv2d_bwd_weights(const ln_conv_shape *s, const double *x, const double *dy, double *dw,
                           double *db)
{
    for (int n = 0; n < s->n; n++)
        for (int o = 0; o < s->oc; o++) {
            for (int oy = 0; oy < s->oh; oy++)
                for (int ox = 0; ox < s->ow; ox++) db[o] += dy[at4(n, o, oy, ox, s->oc, s->oh, s->ow)];
            for (int c = 0; c < s->ic; c++)
                for (int u = 0; u < s->kh; u++)
                    for (int v = 0; v < s->kw; v++) {
                        double acc = 0.0;
                        for (int oy = 0; oy < s->oh; oy++) {
                            int iy = oy + u - s->pad_h;
                            if (iy < 0 || iy >= s->ih) continue;
                            for (int ox = 0; ox < s->ow; ox++) {
                                int ix = ox + v - s->pad_w;
                                if (ix < 0 || ix >= s->iw) continue;
                                acc += x[at4(n, c, iy, ix, s->ic, s->ih, s->iw)] *
                                       dy[at4(n, o, oy, ox, s->oc, s->oh, s->ow)];
                            }
                        }
                        dw[at4(o, c, u, v, s->ic, s->kh, s->kw)] += acc;
                    }
        }
}

/* ---- pooling ---- */

/* Index in plane p of element (r, c) of window (i, j). */
static size_t win(int p, int h, int w, int i, int j, int r, int c)
{
    return ((size_t)p * h + 2 * i + r) * w + 2 * j + c;
}

void or_avgpool2_fwd(int planes, int h, int w, const double *x, double *y)
{
    int oh = h / 2, ow = w / 2;
    for (int p = 0; p < planes; p++)
        for (int i = 0; i < oh; i++)
            for (int j = 0; j < ow; j++) {
                double s = 0.0;
                for (int r = 0; r < 2; r++)
                    for (int c = 0; c < 2; c++) s += x[win(p, h, w, i, j, r, c)];
                y[((size_t)p * oh + i) * ow + j] = s / 4.0;
            }
}

void or_avgpool2_bwd(int planes, int h, int w, const double *dy, double *dx)
{
    int oh = h / 2, ow = w / 2;
    memset(dx, 0, (size_t)planes * h * w * sizeof *dx);
    for (int p = 0; p < planes; p++)
        for (int i = 0; i < oh; i++)
            for (int j = 0; j < ow; j++)
                for (int r = 0; r < 2; r++)
                    for (int c = 0; c < 2; c++)
                        dx[win(p, h, w, i, j, r, c)] = dy[((size_t)p * oh + i) * ow + j] / 4.0;
}

/* Index of the first maximum of window (i, j) in row-major order. */
static size_t argmax_win(int p, int h, int w, int i, int j, const double *x)
{
    size_t best = win(p, h, w, i, j, 0, 0);
    for (int r = 0; r < 2; r++)
        for (int c = 0; c < 2; c++) {
            size_t k = win(p, h, w, i, j, r, c);
            if (x[k] > x[best]) best = k;
        }
    return best;
}

void or_maxpool2_fwd(int planes, int h, int w, const double *x, double *y)
{
    int oh = h / 2, ow = w / 2;
    for (int p = 0; p < planes; p++)
        for (int i = 0; i < oh; i++)
            for (int j = 0; j < ow; j++) y[((size_t)p * oh + i) * ow + j] = x[argmax_win(p, h, w, i, j, x)];
}

void or_maxpool2_bwd(int planes, int h, int w, const double *x, const double *dy, double *dx)
{
    int oh = h / 2, ow = w / 2;
    memset(dx, 0, (size_t)planes * h * w * sizeof *dx);
    for (int p = 0; p < planes; p++)
        for (int i = 0; i < oh; i++)
            for (int j = 0; j < ow; j++) dx[argmax_win(p, h, w, i, j, x)] = dy[((size_t)p * oh + i) * ow + j];
}

/* ---- dense ---- */

void or_dense_fwd(int n, int in, int out, const double *x, const double *w, const double *b,
                  double *y)
{
    for (int i = 0; i < n; i++)
        for (int o = 0; o < out; o++) {
            double acc = b[o];
            for (int k = 0; k < in; k++) acc += x[(size_t)i * in + k] * w[(size_t)o * in + k];
            y[(size_t)i * out + o] = acc;
        }
}

void or_dense_bwd_data(int n, int in, int out, const double *dy, const double *w, double *dx)
{
    for (int i = 0; i < n; i++)
        for (int k = 0; k < in; k++) {
            double acc = 0.0;
            for (int o = 0; o < out; o++) acc += dy[(size_t)i * out + o] * w[(size_t)o * in + k];
            dx[(size_t)i * in + k] = acc;
        }
}

void or_dense_bwd_weights(int n, int in, int out, const double *x, const double *dy, double *dw,
                          double *db)
{
    for (int o = 0; o < out; o++) {
        for (int k = 0; k < in; k++) {
            double acc = 0.0;
            for (int i = 0; i < n; i++) acc += dy[(size_t)i * out + o] * x[(size_t)i * in + k];
            dw[(size_t)o * in + k] += acc;
        }
        double acc = 0.0;
        for (int i = 0; i < n; i++) acc += dy[(size_t)i * out + o];
        db[o] += acc;
    }
}

/* ---- activations ---- */

void or_tanh_fwd(size_t len, const double *x, double *y)
{
    for (size_t i = 0; i < len; i++) y[i] = tanh(x[i]);
}

void or_tanh_bwd(size_t len, const double *y, const double *dy, double *dx)
{
    for (size_t i = 0; i < len; i++) dx[i] = dy[i] * (1.0 - y[i] * y[i]);
}

void or_stanh_fwd(size_t len, const double *x, double *y)
{
    for (size_t i = 0; i < len; i++) y[i] = 1.7159 * tanh(x[i] * 2.0 / 3.0);
}

void or_stanh_bwd(size_t len, const double *y, const double *dy, double *dx)
{
    for (size_t i = 0; i < len; i++) dx[i] = dy[i] * (2.0 / 3.0) * 1.7159 * (1.0 - (y[i] / 1.7159) * (y[i] / 1.7159));
}

void or_sigmoid_fwd(size_t len, const double *x, double *y)
{
    for (size_t i = 0; i < len; i++) y[i] = 1.0 / (1.0 + exp(-x[i]));
}

void or_sigmoid_bwd(size_t len, const double *y, const double *dy, double *dx)
{
    for (size_t i = 0; i < len; i++) dx[i] = dy[i] * y[i] * (1.0 - y[i]);
}

void or_relu_fwd(size_t len, const double *x, double *y)
{
    for (size_t i = 0; i < len; i++) y[i] = x[i] > 0.0 ? x[i] : 0.0;
}

void or_relu_bwd(size_t len, const double *x, const double *dy, double *dx)
{
    for (size_t i = 0; i < len; i++) dx[i] = x[i] > 0.0 ? dy[i] : 0.0;
}

/* ---- softmax + cross-entropy ---- */

double or_softmax_xent(int n, int classes, const double *logits, const uint8_t *labels,
                       double scale, double *probs, double *dlogits)
{
    double loss = 0.0;
    for (int i = 0; i < n; i++) {
        const double *z = logits + (size_t)i * classes;
        double *p = probs + (size_t)i * classes;
        double zmax = z[0], sum = 0.0;
        for (int c = 1; c < classes; c++) zmax = fmax(zmax, z[c]);
        for (int c = 0; c < classes; c++) sum += exp(z[c] - zmax);
        for (int c = 0; c < classes; c++) p[c] = exp(z[c] - zmax) / sum;
        if (!labels) continue;
        loss += log(sum) - (z[labels[i]] - zmax); /* -log p[label] */
        if (dlogits)
            for (int c = 0; c < classes; c++)
                dlogits[(size_t)i * classes + c] = (p[c] - (c == labels[i])) * scale;
    }
    return loss;
}

/* ---- whole network ---- */

static ln_conv_shape layer_conv_shape(const ln_layer *l, int n)
{
    return (ln_conv_shape){.n = n, .ic = l->in_c, .ih = l->in_h, .iw = l->in_w, .oc = l->out_c,
                           .oh = l->out_h, .ow = l->out_w, .kh = l->k, .kw = l->k,
                           .pad_h = l->pad, .pad_w = l->pad};
}

/* Runs layer l on x into y; the loss layer returns its summed loss. */
static double run_layer(const ln_layer *l, const double *params, int n, const uint8_t *labels,
                        const double *x, double *y)
{
    const double *w = params + l->w_off, *b = params + l->b_off;
    size_t len = (size_t)n * ln_layer_out_len(l);
    switch (l->kind) {
    case LN_L_CONV: {
        ln_conv_shape s = layer_conv_shape(l, n);
        or_conv2d_fwd(&s, x, w, b, y);
        return 0.0;
    }
    case LN_L_AVGPOOL: or_avgpool2_fwd(n * l->in_c, l->in_h, l->in_w, x, y); return 0.0;
    case LN_L_MAXPOOL: or_maxpool2_fwd(n * l->in_c, l->in_h, l->in_w, x, y); return 0.0;
    case LN_L_TANH: or_tanh_fwd(len, x, y); return 0.0;
    case LN_L_RELU: or_relu_fwd(len, x, y); return 0.0;
    case LN_L_STANH: or_stanh_fwd(len, x, y); return 0.0;
    case LN_L_SUBSAMPLE: /* coef * (2x2 sum) + bias */
        for (int i = 0; i < n; i++)
            for (int c = 0; c < l->out_c; c++)
                for (int oy = 0; oy < l->out_h; oy++)
                    for (int ox = 0; ox < l->out_w; ox++) {
                        const double *xp = x + (((size_t)i * l->in_c + c) * l->in_h + 2 * oy) * l->in_w + 2 * ox;
                        double s = xp[0] + xp[1] + xp[l->in_w] + xp[l->in_w + 1];
                        y[(((size_t)i * l->out_c + c) * l->out_h + oy) * l->out_w + ox] = w[c] * s + b[c];
                    }
        return 0.0;
    case LN_L_SIGMOID: or_sigmoid_fwd(len, x, y); return 0.0;
    case LN_L_FLATTEN: memcpy(y, x, len * sizeof *y); return 0.0;
    case LN_L_DENSE: or_dense_fwd(n, l->in_c, l->out_c, x, w, b, y); return 0.0;
    case LN_L_SOFTMAX_XENT: return or_softmax_xent(n, l->out_c, x, labels, 1.0, y, NULL);
    case LN_L_RBF: { /* y_i = sum (x - w_i)^2; loss y_label, or MAP with j = l->lo */
        double loss = 0.0;
        for (int i = 0; i < n; i++) {
            double yy[256] = {0}, m = l->lo >= 0.0f ? l->lo : 0.0;
            for (int c = 0; c < l->out_c; c++) {
                double s2 = 0.0;
                for (int j = 0; j < l->in_c; j++) {
                    double d = x[(size_t)i * l->in_c + j] - w[(size_t)c * l->in_c + j];
                    s2 += d * d;
                }
                yy[c] = s2;
                y[(size_t)i * l->out_c + c] = -s2;
                if (s2 < m) m = s2;
            }
            loss += yy[labels[i]];
            if (l->lo >= 0.0f) {
                double z = exp(-(l->lo - m));
                for (int c = 0; c < l->out_c; c++) z += exp(-(yy[c] - m));
                loss += log(z) - m;
            }
        }
        return loss;
    }
    case LN_L_PAD: {
        int p = l->pad, ow = l->out_w, oh = l->out_h;
        memset(y, 0, len * sizeof *y);
        for (int q = 0; q < n * l->in_c; q++)
            for (int r = 0; r < l->in_h; r++)
                for (int c = 0; c < l->in_w; c++)
                    y[((size_t)q * oh + r + p) * ow + c + p] = x[((size_t)q * l->in_h + r) * l->in_w + c];
        return 0.0;
    }
    case LN_L_NORMALIZE:
        for (size_t j = 0; j < len; j++) y[j] = l->lo + ((double)l->hi - l->lo) * x[j];
        return 0.0;
    case LN_L_RESIZE: break;
    }
    return NAN;
}

double or_net_loss(const ln_net *net, const double *params, const float *x, const uint8_t *labels,
                   int n)
{
    size_t max_len = (size_t)net->in_c * net->in_h * net->in_w;
    for (int i = 0; i < net->nlayers; i++)
        if (ln_layer_out_len(&net->layers[i]) > max_len) max_len = ln_layer_out_len(&net->layers[i]);
    double *a = malloc((size_t)n * max_len * sizeof *a), *b = malloc((size_t)n * max_len * sizeof *b);
    double loss = NAN;
    if (!a || !b) goto done;
    for (size_t j = 0; j < (size_t)n * net->in_c * net->in_h * net->in_w; j++) a[j] = x[j];
    loss = 0.0;
    for (int i = 0; i < net->nlayers; i++) {
        loss += run_layer(&net->layers[i], params, n, labels, a, b);
        double *t = a;
        a = b, b = t;
    }
    loss /= n;
done:
    free(a);
    free(b);
    return loss;
}

double or_net_loss_f(const ln_net *net, const float *params, const float *x, const uint8_t *labels,
                     int n)
{
    double *p = malloc((net->nparams ? net->nparams : 1) * sizeof *p);
    if (!p) return NAN;
    for (size_t j = 0; j < net->nparams; j++) p[j] = params[j];
    double loss = or_net_loss(net, p, x, labels, n);
    free(p);
    return loss;
}
