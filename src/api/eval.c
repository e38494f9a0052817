/* Evaluation, prediction and gradients of the public API
 * (include/lenet/eval.h).
 *
 * Images run forward in fixed chunks of CHUNK, spread over the threads by
 * OpenMP's dynamic schedule, each thread in its own workspace; per-chunk
 * losses and per-image predictions land in arrays indexed by chunk and
 * image and are summed afterwards in order, so no number depends on the
 * thread count. The chunks are ln_evaluator_run's (train/trainer.c), so
 * ln_evaluate's loss is ln_net_evaluate's bit for bit (tests/test_api.c). */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "api/exec.h"
#include "api/handles.h"
#include "data/dataset.h"
#include "nn/pass.h"
#include "train/trainer.h"

enum {
    CHUNK = 32,      /* trainer.c's EVAL_CHUNK */
    GRAD_CHUNK = 64, /* ln_gradients: samples per forward and backward */
};

int ln_argmax(const float *probs, int classes)
{
    int best = 0;
    for (int c = 1; c < classes; c++)
        if (probs[c] > probs[best]) best = c;
    return best;
}

/* Where a pass's images come from: images [first, first + n) of a
 * dataset, or caller arrays of floats (and labels, or none). */
typedef struct source {
    const ln_dataset *d;
    int first;
    const float *x;
    const uint8_t *labels;
} source;

/* Images [lo, lo + m) of the source into ws->x0 (and ws->labels). */
static void load(const source *s, size_t len, int lo, int m, ln_workspace *ws)
{
    if (s->d) {
        uint32_t idx[CHUNK];
        for (int i = 0; i < m; i++) idx[i] = (uint32_t)(s->first + lo + i);
        ln_load_chunk(s->d, idx, m, ws, NULL);
        return;
    }
    memcpy(ws->x0, s->x + (size_t)lo * len, (size_t)m * len * sizeof *ws->x0);
    if (s->labels) memcpy(ws->labels, s->labels + lo, (size_t)m);
}

static int is_rbf(const ln_net *net) { return net->layers[net->nlayers - 1].kind == LN_L_RBF; }

/* Rows of the last layer's output as probabilities: the softmax's as they
 * are; an RBF layer's scores (negated distances) through a softmax. */
static void to_probs(const ln_net *net, const float *out, int m, float *probs)
{
    int nc = net->nclasses;
    if (!is_rbf(net)) {
        memcpy(probs, out, (size_t)m * nc * sizeof *probs);
        return;
    }
    for (int i = 0; i < m; i++) {
        const float *s = out + (size_t)i * nc;
        float *p = probs + (size_t)i * nc;
        float top = s[0];
        for (int c = 1; c < nc; c++) top = s[c] > top ? s[c] : top;
        double sum = 0.0;
        for (int c = 0; c < nc; c++) sum += exp((double)s[c] - top);
        for (int c = 0; c < nc; c++) p[c] = (float)(exp((double)s[c] - top) / sum);
    }
}

/* The last layer's input (the softmax's logits) or, for an RBF layer, its
 * distances (it stores their negation as scores). */
static void raw_outputs(const ln_net *net, const ln_workspace *ws, int m, float *dst)
{
    int nl = net->nlayers, rbf = is_rbf(net);
    const float *z = rbf ? ws->act[nl - 1] : ws->act[nl - 2];
    for (size_t j = 0; j < (size_t)m * net->nclasses; j++) dst[j] = rbf ? -z[j] : z[j];
}

/* One forward pass over n images. Outputs (each may be NULL): the summed
 * loss per chunk (the source has labels), the predicted class per image,
 * the probabilities per image. */
typedef struct pass {
    const ln_net *net;
    const ln_kernels *k;
    int threads;
    source src;
    int n;
    double *chunk_loss;
    uint8_t *pred;
    float *probs;
    float *outputs;
} pass;

static ln_status run_pass(const pass *p)
{
    const ln_net *net = p->net;
    int nchunks = (p->n + CHUNK - 1) / CHUNK, nc = net->nclasses;
    int threads = p->threads < nchunks ? p->threads : nchunks;
    if (nchunks == 0) return LN_OK;
    size_t len = (size_t)net->in_c * net->in_h * net->in_w;
    int labels = p->chunk_loss != NULL; /* a loss needs labels; predictions do not read them */
    ln_workspace *ws = calloc((size_t)threads, sizeof *ws);
    ln_status st = ws ? LN_OK : ln_fail(LN_ERR_NOMEM, "out of memory for %d evaluation workspaces", threads);
    for (int t = 0; t < threads && st == LN_OK; t++) st = ln_ws_alloc_infer(net, p->k, CHUNK, &ws[t]);
    if (st == LN_OK) {
#pragma omp parallel num_threads(threads)
        {
            ln_workspace *w = &ws[omp_get_thread_num()];
#pragma omp for schedule(dynamic, 1)
            for (int c = 0; c < nchunks; c++) {
                int lo = c * CHUNK, m = p->n - lo < CHUNK ? p->n - lo : CHUNK;
                load(&p->src, len, lo, m, w);
                double loss = ln_forward(net, p->k, w, m, labels, 0.0f);
                if (p->chunk_loss) p->chunk_loss[c] = loss;
                const float *out = ln_ws_probs(net, w);
                if (p->pred)
                    for (int i = 0; i < m; i++) p->pred[lo + i] = (uint8_t)ln_argmax(out + (size_t)i * nc, nc);
                if (p->probs) to_probs(net, out, m, p->probs + (size_t)lo * nc);
                if (p->outputs) raw_outputs(net, w, m, p->outputs + (size_t)lo * nc);
            }
        }
    }
    if (ws)
        for (int t = 0; t < threads; t++) ln_ws_free(&ws[t]);
    free(ws);
    return st;
}

/* LN_ERR_ARG unless d's images have m's input shape and, with `labels`,
 * labels below its classes (the loss would read past the outputs). */
static ln_status check_pair(const ln_model *m, const ln_data *d, int labels, const char *fn)
{
    if (!m || !d) return ln_fail(LN_ERR_ARG, "%s: %s is NULL", fn, m ? "data" : "model");
    const ln_net *net = &m->net;
    const ln_dataset *ds = &d->ds;
    if (ds->c != net->in_c || ds->h != net->in_h || ds->w != net->in_w)
        return ln_fail(LN_ERR_ARG, "%s: images of %s are %dx%dx%d, the model %s takes %dx%dx%d", fn,
                       d->source[0] ? d->source : "the data", ds->c, ds->h, ds->w, net->model, net->in_c, net->in_h,
                       net->in_w);
    if (labels && ds->nclasses > net->nclasses)
        for (int i = 0; i < ds->n; i++)
            if (ds->labels[i] >= net->nclasses)
                return ln_fail(LN_ERR_ARG, "%s: label %d of image %d is past the model's %d classes", fn,
                               ds->labels[i], i, net->nclasses);
    return LN_OK;
}

ln_status ln_evaluate(const ln_model *m, const ln_data *d, const ln_exec *x, ln_eval_result *r, long *confusion)
{
    ln_status st = check_pair(m, d, 1, "ln_evaluate");
    if (st != LN_OK) return st;
    if (!r) return ln_fail(LN_ERR_ARG, "ln_evaluate: the result is NULL");
    pass p = {.net = &m->net, .src = {.d = &d->ds}, .n = d->ds.n};
    if ((st = ln_exec_resolve(x, &p.threads, &p.k)) != LN_OK) return st;
    int n = p.n, nc = m->net.nclasses, nchunks = (n + CHUNK - 1) / CHUNK;
    p.chunk_loss = malloc((size_t)(nchunks ? nchunks : 1) * sizeof *p.chunk_loss);
    p.pred = malloc((size_t)(n ? n : 1));
    st = p.chunk_loss && p.pred ? run_pass(&p) : ln_fail(LN_ERR_NOMEM, "ln_evaluate: out of memory for %d images", n);
    if (st == LN_OK) {
        /* in chunk and image order, as ln_evaluator_run sums */
        double loss = 0.0;
        long right = 0;
        for (int c = 0; c < nchunks; c++) loss += p.chunk_loss[c];
        for (int i = 0; i < n; i++) right += p.pred[i] == d->ds.labels[i];
        r->loss = n ? loss / n : 0.0;
        r->accuracy = n ? (double)right / n : 0.0;
        r->n = n;
        if (confusion) {
            memset(confusion, 0, (size_t)nc * nc * sizeof *confusion);
            for (int i = 0; i < n; i++) confusion[(size_t)d->ds.labels[i] * nc + p.pred[i]]++;
        }
    }
    free(p.chunk_loss);
    free(p.pred);
    return st;
}

ln_status ln_predict_data(const ln_model *m, const ln_data *d, int first, int n, const ln_exec *x, float *probs)
{
    ln_status st = check_pair(m, d, 0, "ln_predict_data");
    if (st != LN_OK) return st;
    if (first < 0 || n < 0 || first > d->ds.n || n > d->ds.n - first)
        return ln_fail(LN_ERR_ARG, "ln_predict_data: images [%d, %d + %d) lie outside the %d of the data", first, first,
                       n, d->ds.n);
    if (!probs && n) return ln_fail(LN_ERR_ARG, "ln_predict_data: probs is NULL");
    pass p = {.net = &m->net, .src = {.d = &d->ds, .first = first}, .n = n, .probs = probs};
    st = ln_exec_resolve(x, &p.threads, &p.k);
    return st == LN_OK ? run_pass(&p) : st;
}

ln_status ln_predict(const ln_model *m, const float *images, int n, const ln_exec *x, float *probs)
{
    if (!m) return ln_fail(LN_ERR_ARG, "ln_predict: model is NULL");
    if (n < 0) return ln_fail(LN_ERR_ARG, "ln_predict: n = %d images", n);
    if (n && (!images || !probs)) return ln_fail(LN_ERR_ARG, "ln_predict: %s is NULL", images ? "probs" : "images");
    pass p = {.net = &m->net, .src = {.x = images}, .n = n, .probs = probs};
    ln_status st = ln_exec_resolve(x, &p.threads, &p.k);
    return st == LN_OK ? run_pass(&p) : st;
}

ln_status ln_outputs(const ln_model *m, const float *images, int n, const ln_exec *x, float *out)
{
    if (!m) return ln_fail(LN_ERR_ARG, "ln_outputs: model is NULL");
    if (n < 0) return ln_fail(LN_ERR_ARG, "ln_outputs: n = %d images", n);
    if (n && (!images || !out)) return ln_fail(LN_ERR_ARG, "ln_outputs: %s is NULL", images ? "out" : "images");
    pass p = {.net = &m->net, .src = {.x = images}, .n = n, .outputs = out};
    ln_status st = ln_exec_resolve(x, &p.threads, &p.k);
    return st == LN_OK ? run_pass(&p) : st;
}

ln_status ln_predict_jpeg(const ln_model *m, const char *path, const ln_exec *x, float *probs)
{
    if (!m || !path || !probs)
        return ln_fail(LN_ERR_ARG, "ln_predict_jpeg: %s is NULL", !m ? "model" : !path ? "path" : "probs");
    const ln_net *net = &m->net;
    if (net->in_c != 1 && net->in_c != 3)
        return ln_fail(LN_ERR_ARG, "%s: the model %s takes %d channels; a JPEG gives 3 (or their mean, for 1)", path,
                       net->model, net->in_c);
    size_t plane = (size_t)net->in_h * net->in_w;
    uint8_t *rgb = malloc(3 * plane);
    float *img = malloc((size_t)net->in_c * plane * sizeof *img);
    char why[LN_FOLDER_REASON] = "";
    ln_status st = rgb && img ? LN_OK : ln_fail(LN_ERR_NOMEM, "%s: out of memory", path);
    if (st == LN_OK && ln_image_file_decode(path, net->in_h, net->in_w, rgb, why) != 0)
        st = ln_fail(strncmp(why, "unreadable", 10) ? LN_ERR_FORMAT : LN_ERR_IO, "%s: %s", path, why);
    if (st == LN_OK) {
        /* as the network sees 8-bit pixels: / 255; a gray model the mean of the planes */
        for (size_t i = 0; i < plane; i++) {
            if (net->in_c == 1) img[i] = ((float)rgb[i] + rgb[plane + i] + rgb[2 * plane + i]) * (1.0f / (3 * 255.0f));
            else
                for (int c = 0; c < 3; c++) img[c * plane + i] = rgb[c * plane + i] * (1.0f / 255.0f);
        }
        st = ln_predict(m, img, 1, x, probs);
    }
    free(rgb);
    free(img);
    return st;
}

ln_status ln_gradients(const ln_model *m, const float *images, const uint8_t *labels, int n, const ln_exec *x,
                       float *grads, double *loss)
{
    if (!m || !grads || !loss)
        return ln_fail(LN_ERR_ARG, "ln_gradients: %s is NULL", !m ? "model" : !grads ? "grads" : "loss");
    if (n < 0) return ln_fail(LN_ERR_ARG, "ln_gradients: n = %d images", n);
    if (n && (!images || !labels)) return ln_fail(LN_ERR_ARG, "ln_gradients: %s is NULL", images ? "labels" : "images");
    const ln_net *net = &m->net;
    for (int i = 0; i < n; i++)
        if (labels[i] >= net->nclasses)
            return ln_fail(LN_ERR_ARG, "ln_gradients: labels[%d] = %d is not below the model's %d classes", i,
                           labels[i], net->nclasses);
    int threads;
    const ln_kernels *k;
    ln_status st = ln_exec_resolve(x, &threads, &k);
    if (st != LN_OK) return st;
    memset(grads, 0, net->nparams * sizeof *grads);
    *loss = 0.0;
    if (!n) return LN_OK;
    /* one thread, chunk after chunk accumulating into grads: the same
     * numbers whatever the threads (ln_backward adds, and masks a
     * connection table's gaps) */
    ln_workspace ws;
    int cap = n < GRAD_CHUNK ? n : GRAD_CHUNK;
    if ((st = ln_ws_alloc(net, k, cap, &ws)) != LN_OK) return st;
    source src = {.x = images, .labels = labels};
    size_t len = (size_t)net->in_c * net->in_h * net->in_w;
    double sum = 0.0;
    for (int lo = 0; lo < n; lo += cap) {
        int mm = n - lo < cap ? n - lo : cap;
        load(&src, len, lo, mm, &ws);
        sum += ln_forward(net, k, &ws, mm, 1, 1.0f);
        ln_backward(net, k, &ws, mm, grads, NULL);
    }
    ln_ws_free(&ws);
    *loss = sum;
    return LN_OK;
}
