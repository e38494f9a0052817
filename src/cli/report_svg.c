/* lenet report: line charts and the confusion heat map as inline SVG. */
#include "report_svg.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* A step of 1, 2, 2.5 or 5 times a power of ten giving about `target`
 * intervals over range. */
static double nice_step(double range, int target)
{
    double raw = range / target, mag = pow(10.0, floor(log10(raw))), f = raw / mag;
    double nf = f <= 1.0 ? 1.0 : f <= 2.0 ? 2.0 : f <= 2.5 ? 2.5 : f <= 5.0 ? 5.0 : 10.0;
    return nf * mag;
}

/* Decimals that show every multiple of step exactly. */
static int step_decimals(double step)
{
    int d = 0;
    while (d < 8 && fabs(step * pow(10.0, d) - floor(step * pow(10.0, d) + 0.5)) > 1e-6 * step * pow(10.0, d)) d++;
    return d;
}

static void fmt_num(char *buf, size_t cap, double v, int dec)
{
    if (dec < 0) {
        snprintf(buf, cap, "%.4g", v);
        return;
    }
    if (fabs(v) < 0.5 * pow(10.0, -dec)) v = 0.0; /* no "-0.00" */
    snprintf(buf, cap, "%.*f", dec, v);
}

/* Approximate width in pixels of text at 12px sans-serif. */
static double text_width(const char *s)
{
    double w = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p & 0xc0) != 0x80) w += 7.0;
    return w;
}

void svg_line_chart(rb *b, const svg_chart *c, const svg_series *s, int ns)
{
    const double W = c->width, H = c->height;
    /* the legend: entries in rows under the title */
    const double lx0 = 64.0, lrow = 18.0;
    double lx = lx0;
    int rows = ns ? 1 : 0;
    for (int i = 0; i < ns; i++) {
        double w = 34.0 + fmin(text_width(s[i].label), 200.0) + 14.0;
        if (lx + w > W - 10 && lx > lx0) rows++, lx = lx0;
        lx += w;
    }
    const double left = 64.0, right = 18.0, top = 34.0 + rows * lrow + 6.0, bottom = 46.0;
    const double pw = W - left - right, ph = H - top - bottom;

    /* the ranges */
    double xmax = 1.0, ylo = INFINITY, yhi = -INFINITY;
    int points = 0;
    for (int i = 0; i < ns; i++)
        for (int j = 0; j < s[i].n; j++) {
            if (s[i].x[j] > xmax) xmax = s[i].x[j];
            if (!isfinite(s[i].y[j])) continue;
            ylo = fmin(ylo, s[i].y[j]), yhi = fmax(yhi, s[i].y[j]);
            points++;
        }
    if (!points) ylo = 0.0, yhi = 1.0;
    if (c->yzero && ylo > 0.0) ylo = 0.0;
    if (yhi - ylo < 1e-12 * fmax(1.0, fabs(yhi))) {
        double pad = fabs(yhi) > 0 ? fabs(yhi) * 0.1 : 1.0;
        yhi += pad;
        if (!(c->yzero && ylo == 0.0)) ylo -= pad;
    }
    double ystep = nice_step(yhi - ylo, 5);
    ylo = floor(ylo / ystep + 1e-9) * ystep;
    yhi = ceil(yhi / ystep - 1e-9) * ystep;
    if (isfinite(c->ymax_cap) && yhi > c->ymax_cap) yhi = c->ymax_cap;
    if (c->yzero && ylo < 0.0) ylo = 0.0;
    /* epochs: every one ticked up to 20, else about 10 ticks */
    double xstep = xmax <= 20 ? 1.0 : ceil(nice_step(xmax, 10));
    double xhi = ceil(xmax / xstep - 1e-9) * xstep;
#define PX(x) (left + (x) / xhi * pw)
#define PY(y) (top + (1.0 - ((y) - ylo) / (yhi - ylo)) * ph)

    rb_printf(b, "<svg id=\"%s\" class=\"chart\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">\n", c->id,
              c->width, c->height, c->width, c->height);
    rb_puts(b, "<title>");
    rb_html(b, c->title);
    rb_puts(b, "</title>\n<rect class=\"bg\" x=\"0\" y=\"0\" width=\"100%\" height=\"100%\"/>\n");
    rb_printf(b, "<text class=\"ctitle\" x=\"%g\" y=\"20\">", left);
    rb_html(b, c->title);
    rb_puts(b, "</text>\n");

    /* legend */
    lx = lx0;
    double ly = 34.0;
    for (int i = 0; i < ns; i++) {
        double w = 34.0 + fmin(text_width(s[i].label), 200.0) + 14.0;
        if (lx + w > W - 10 && lx > lx0) ly += lrow, lx = lx0;
        rb_printf(b, "<g class=\"legend\"><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"%s/>",
                  lx, ly - 4, lx + 26, ly - 4, s[i].color, s[i].dashed ? " stroke-dasharray=\"6 4\"" : "");
        rb_printf(b, "<text x=\"%.1f\" y=\"%.1f\">", lx + 32, ly);
        rb_html_cut(b, s[i].label, 28);
        rb_puts(b, "<title>");
        rb_html(b, s[i].label);
        rb_puts(b, "</title></text></g>\n");
        lx += w;
    }

    /* grid, ticks and their labels */
    rb_puts(b, "<g class=\"axis\">\n");
    int ydec = step_decimals(ystep);
    for (int t = 0;; t++) {
        double y = ylo + t * ystep;
        if (y > yhi + ystep * 1e-6) break;
        char lab[32];
        fmt_num(lab, sizeof lab, y, ydec > 6 ? -1 : ydec);
        rb_printf(b, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", left, PY(y), left + pw,
                  PY(y));
        rb_printf(b, "<text class=\"yt\" x=\"%.1f\" y=\"%.1f\">%s</text>\n", left - 6, PY(y) + 4, lab);
    }
    for (int t = 0;; t++) {
        double x = t * xstep;
        if (x > xhi + 1e-9) break;
        rb_printf(b, "<line class=\"tick\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", PX(x), top + ph, PX(x),
                  top + ph + 5);
        rb_printf(b, "<text class=\"xt\" x=\"%.1f\" y=\"%.1f\">%.0f</text>\n", PX(x), top + ph + 18, x);
    }
    rb_printf(b, "<rect class=\"frame\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>\n", left, top, pw, ph);
    rb_printf(b, "<text class=\"xl\" x=\"%.1f\" y=\"%.1f\">", left + pw / 2, H - 8);
    rb_html(b, c->xlabel);
    rb_printf(b, "</text>\n<text class=\"yl\" transform=\"translate(16 %.1f) rotate(-90)\">", top + ph / 2);
    rb_html(b, c->ylabel);
    rb_puts(b, "</text>\n</g>\n");
    if (!points) {
        rb_printf(b, "<text class=\"nodata\" x=\"%.1f\" y=\"%.1f\">no values in the log</text>\n", left + pw / 2,
                  top + ph / 2);
    }

    /* the lines, then the points (over every line, for hovering) */
    for (int i = 0; i < ns; i++) {
        rb_printf(b, "<path class=\"line\" stroke=\"%s\"%s d=\"", s[i].color,
                  s[i].dashed ? " stroke-dasharray=\"6 4\"" : "");
        int pen = 0, started = 0;
        for (int j = 0; j < s[i].n; j++) {
            if (!isfinite(s[i].y[j])) {
                pen = 0;
                continue;
            }
            rb_printf(b, "%s%.1f %.1f", pen ? " L" : started ? " M" : "M", PX(s[i].x[j]), PY(s[i].y[j]));
            pen = started = 1;
        }
        rb_puts(b, "\"/>\n");
    }
    for (int i = 0; i < ns; i++) {
        rb_printf(b, "<g class=\"pts\" fill=\"%s\">", s[i].color);
        for (int j = 0; j < s[i].n; j++) {
            if (!isfinite(s[i].y[j])) continue;
            char v[32];
            fmt_num(v, sizeof v, s[i].y[j], c->ydec);
            rb_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%s\"><title>", PX(s[i].x[j]), PY(s[i].y[j]),
                      s[i].n > 40 ? "2" : "3.5");
            rb_html(b, s[i].label);
            rb_printf(b, ", %s %g: %s", c->xlabel, s[i].x[j], v);
            rb_html(b, c->yunit ? c->yunit : "");
            rb_puts(b, "</title></circle>");
        }
        rb_puts(b, "</g>\n");
    }
    rb_puts(b, "</svg>\n");
#undef PX
#undef PY
}

void svg_heat_color(double f, char out[8])
{
    static const unsigned char stops[9][3] = {{0xf7, 0xfb, 0xff}, {0xde, 0xeb, 0xf7}, {0xc6, 0xdb, 0xef},
                                              {0x9e, 0xca, 0xe1}, {0x6b, 0xae, 0xd6}, {0x42, 0x92, 0xc6},
                                              {0x21, 0x71, 0xb5}, {0x08, 0x51, 0x9c}, {0x08, 0x30, 0x6b}};
    double t = sqrt(f < 0 ? 0 : f > 1 ? 1 : f) * 8.0;
    int i = (int)t;
    if (i > 7) i = 7;
    double u = t - i;
    int rgb[3];
    for (int k = 0; k < 3; k++) rgb[k] = (int)lround(stops[i][k] + (stops[i + 1][k] - stops[i][k]) * u);
    snprintf(out, 8, "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
}

double svg_confusion(rb *b, const char *id, int k, const long *counts, const char *const *names)
{
    double cs = 400.0 / k;
    if (cs > 40.0) cs = 40.0;
    if (cs < 4.0) cs = 4.0;
    int cut = 18; /* characters of a class name shown */
    double lw = 0.0;
    for (int c = 0; c < k; c++) {
        double w = fmin(text_width(names[c]), cut * 7.0);
        if (w > lw) lw = w;
    }
    const int labels = cs >= 9.0; /* room for one name per row */
    double left = 34.0 + (labels ? lw + 8.0 : 0.0), top = 10.0;
    double mw = cs * k, legend_x = left + mw + 24.0;
    double bottom = 30.0 + (labels ? lw * 0.77 + 10.0 : 0.0);
    double W = legend_x + 70.0, H = top + mw + bottom;
    if (H < top + 260.0) H = top + 260.0;
    rb_printf(b, "<svg id=\"%s\" class=\"confusion\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" role=\"img\">\n",
              id, W, H, W, H);
    rb_puts(b, "<title>Confusion matrix: rows are the true classes, columns the predicted ones</title>\n");
    rb_puts(b, "<rect class=\"bg\" x=\"0\" y=\"0\" width=\"100%\" height=\"100%\"/>\n");
    for (int t = 0; t < k; t++) {
        long row = 0;
        for (int p = 0; p < k; p++) row += counts[(size_t)t * k + p];
        for (int p = 0; p < k; p++) {
            long n = counts[(size_t)t * k + p];
            if (!n && k > 30) continue; /* many classes: the empty cells stay background */
            double f = row ? (double)n / row : 0.0;
            char col[8];
            if (n) svg_heat_color(f, col);
            else snprintf(col, sizeof col, "#ffffff");
            double x = left + p * cs, y = top + t * cs;
            rb_printf(b, "<g class=\"cell%s\" data-t=\"%d\" data-p=\"%d\" data-n=\"%ld\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>",
                      t == p ? " diag" : "", t, p, n, x, y, cs, cs, col);
            if (cs >= 24.0 && n)
                rb_printf(b, "<text x=\"%.1f\" y=\"%.1f\" class=\"%s\" style=\"font-size:%.0fpx\">%ld</text>",
                          x + cs / 2, y + cs / 2 + 4, sqrt(f) > 0.6 ? "cv dark" : "cv", n >= 1000 ? 11.0 : 12.0, n);
            rb_puts(b, "<title>true ");
            rb_html(b, names[t]);
            rb_puts(b, ", predicted ");
            rb_html(b, names[p]);
            rb_printf(b, ": %ld image%s (%.1f%% of the class)</title></g>\n", n, n == 1 ? "" : "s", 100.0 * f);
        }
    }
    rb_printf(b, "<rect class=\"frame\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>\n", left, top, mw, mw);
    if (labels) {
        for (int c = 0; c < k; c++) {
            rb_printf(b, "<text class=\"rl\" x=\"%.1f\" y=\"%.1f\">", left - 6, top + c * cs + cs / 2 + 4);
            rb_html_cut(b, names[c], (size_t)cut);
            rb_puts(b, "</text>");
            double x = left + c * cs + cs / 2 + 4, y = top + mw + 8;
            rb_printf(b, "<text class=\"cl\" transform=\"translate(%.1f %.1f) rotate(-50)\">", x, y);
            rb_html_cut(b, names[c], (size_t)cut);
            rb_puts(b, "</text>\n");
        }
    }
    rb_printf(b, "<text class=\"yl\" transform=\"translate(14 %.1f) rotate(-90)\">true class</text>\n", top + mw / 2);
    rb_printf(b, "<text class=\"xl\" x=\"%.1f\" y=\"%.1f\">predicted class</text>\n", left + mw / 2, H - 8);
    /* the colour scale: share of the row */
    double lh = fmin(mw, 240.0);
    int steps = 24;
    for (int i = 0; i < steps; i++) {
        double f0 = 1.0 - (double)i / steps;
        double f = f0 * f0; /* even steps of the sqrt scale */
        char col[8];
        svg_heat_color(f, col);
        rb_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"%.2f\" fill=\"%s\"/>", legend_x,
                  top + i * lh / steps, lh / steps + 0.3, col);
    }
    rb_printf(b, "\n<rect class=\"frame\" x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"%.1f\"/>\n", legend_x, top, lh);
    static const double marks[] = {1.0, 0.5, 0.25, 0.1, 0.02, 0.0};
    for (int i = 0; i < 6; i++) {
        double y = top + (1.0 - sqrt(marks[i])) * lh;
        rb_printf(b, "<line class=\"tick\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/><text class=\"lt\" x=\"%.1f\" y=\"%.1f\">%g%%</text>\n",
                  legend_x + 14, y, legend_x + 18, y, legend_x + 20, y + 4, 100.0 * marks[i]);
    }
    rb_printf(b, "<text class=\"lt\" x=\"%.1f\" y=\"%.1f\">of row</text>\n", legend_x - 2, top + lh + 16);
    rb_puts(b, "</svg>\n");
    return W;
}
