/* Train the seed's LeNet-5 on images held in plain arrays, then test it.
 * The arrays here are the first N Fashion-MNIST training images, copied
 * out of the IDX files as an application would hold its own data; any
 * uint8 [n][c][h][w] pixels and [n] labels will do.
 *   train_arrays [N [MNIST_DIR]]   (default 5000 images from Debian's dataset-fashion-mnist)
 * Prints each epoch and the test accuracy; exits 1 unless the accuracy is
 * well above chance (10 %). */
#include <lenet/lenet.h>
#include <stdio.h>
#include <stdlib.h>

#define CHECK(call) do { if ((call) != LN_OK) { fprintf(stderr, "%s\n", ln_last_error()); return 1; } } while (0)

static void on_epoch(const ln_epoch_stats *s, void *user)
{
    (void)user;
    printf("epoch %ld/%ld  train loss %.4f acc %.2f%%  %.0f img/s\n", s->epoch, s->epochs, s->train_loss,
           100 * s->train_acc, s->img_per_s);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 5000;
    const char *dir = argc > 2 ? argv[2] : LN_FASHION_MNIST_DIR;
    ln_data *idx, *test, *train;
    CHECK(ln_data_mnist(dir, "train", &idx));
    CHECK(ln_data_mnist(dir, "t10k", &test));
    if (n < 1 || n > ln_data_count(idx)) n = ln_data_count(idx);

    /* the application's arrays: pixels [n][1][28][28], labels [n] */
    uint8_t *pixels = malloc((size_t)n * 28 * 28), *labels = malloc((size_t)n);
    float img[28 * 28];
    if (!pixels || !labels) return 1;
    for (int i = 0; i < n; i++) {
        CHECK(ln_data_image(idx, i, img)); /* floats in [0, 1] */
        for (int p = 0; p < 28 * 28; p++) pixels[(size_t)i * 28 * 28 + p] = (uint8_t)(img[p] * 255 + 0.5f);
        labels[i] = (uint8_t)ln_data_label(idx, i);
    }
    CHECK(ln_data_wrap_u8(pixels, labels, n, 1, 28, 28, 10, &train)); /* no copy: the arrays must outlive it */

    ln_model *m;
    ln_recipe r;
    ln_run_options o;
    ln_run_result res;
    ln_eval_result ev;
    CHECK(ln_model_new("lenet5", 1, 28, 28, 10, 1, &m)); /* weights from seed 1 */
    CHECK(ln_recipe_init(&r, "seed"));                  /* 5 epochs, batch 32, SGD lr 0.01 */
    ln_run_options_init(&o);                            /* all cores, best kernels, no files */
    o.cb.epoch = on_epoch;
    CHECK(ln_train(m, train, NULL, &r, &o, &res));
    CHECK(ln_evaluate(m, test, NULL, &ev, NULL));
    printf("%s trained on %d images: test accuracy %.2f%% on %ld images\n", ln_model_name(m), n,
           100 * ev.accuracy, ev.n);

    ln_model_free(m);
    ln_data_free(train);
    ln_data_free(test);
    ln_data_free(idx);
    free(pixels);
    free(labels);
    return ev.accuracy > 0.5 ? 0 : 1;
}
