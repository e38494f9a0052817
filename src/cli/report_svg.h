/* lenet report: charts as inline SVG (no scripts; values on hover through
 * <title> elements). */
#ifndef LN_CLI_REPORT_SVG_H
#define LN_CLI_REPORT_SVG_H
#include "report_buf.h"

/* One line of a chart: points (x[i], y[i]); a NAN y leaves a gap. */
typedef struct svg_series {
    const char *label;    /* legend text */
    const char *color;    /* "#1f77b4" */
    int dashed;
    int n;
    const double *x, *y;
} svg_series;

typedef struct svg_chart {
    const char *id;       /* the <svg> element's id */
    const char *title;
    const char *xlabel, *ylabel;
    const char *tip;      /* hover text per point: "%s" the series' label, then x, then y as formatted */
    int ydec;             /* decimals of y on hover (-1: 4 significant digits) */
    const char *yunit;    /* appended to y on hover ("%", " img/s") */
    int yzero;            /* the y axis starts at 0 */
    double ymax_cap;      /* the y axis ends at most here (NAN: no cap) */
    int width, height;    /* pixels */
} svg_chart;

void svg_line_chart(rb *b, const svg_chart *c, const svg_series *s, int ns);

/* The confusion matrix as a heat map: counts[t * k + p] images of true
 * class t predicted as p; names[c] the class names. */
/* Returns the picture's width in pixels. */
double svg_confusion(rb *b, const char *id, int k, const long *counts, const char *const *names);

/* The colour of a row share f in [0,1] on the heat map's scale ("#rrggbb"). */
void svg_heat_color(double f, char out[8]);

#endif
