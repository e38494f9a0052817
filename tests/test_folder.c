/* Image-folder datasets: layouts, what is decoded, skipped or ignored,
 * the cache (reused, stale, corrupt), the seeded split, augmentation that
 * is the same for any thread count, and a short training run through the
 * CLI. Every fixture is written here. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "data/dataset.h"
#include "support.h"
#include "train/trainer.h"

static char out[1 << 16];

static void mkdir_p(const char *fmt, const char *a, const char *b)
{
    char p[1024];
    snprintf(p, sizeof p, fmt, a, b);
    char *s = p;
    while ((s = strchr(s + 1, '/'))) {
        *s = 0;
        mkdir(p, 0755);
        *s = '/';
    }
    mkdir(p, 0755);
}

/* A 64x48 JPEG whose colour says its class: class k is mostly channel k%3,
 * with a seeded pattern on top. */
static void write_class_jpeg(const char *path, int cls, uint64_t seed)
{
    enum { W = 64, H = 48 };
    uint8_t px[W * H * 3];
    smooth_image(W, H, 3, seed, px);
    for (int i = 0; i < W * H; i++)
        for (int c = 0; c < 3; c++) px[i * 3 + c] = (uint8_t)(c == cls % 3 ? 160 + px[i * 3 + c] / 4 : px[i * 3 + c] / 4);
    size_t len;
    uint8_t *j = make_jpeg(&(jpeg_spec){.w = W, .h = H, .comps = 3}, px, &len);
    cr_assert_eq(write_file(path, j, len), 0, "cannot write %s", path);
    free(j);
}

static void put(const char *root, const char *rel, int cls, uint64_t seed)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", root, rel);
    char d[1024];
    snprintf(d, sizeof d, "%s", p);
    *strrchr(d, '/') = 0;
    mkdir_p("%s%s", d, "");
    write_class_jpeg(p, cls, seed);
}

static void put_bytes(const char *root, const char *rel, const void *data, size_t len)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", root, rel);
    cr_assert_eq(write_file(p, data, len), 0);
}

/* train/{apple,banana,cherry(empty)}, val/{apple,banana} with every kind of
 * file the loader must handle. */
static const char *imagenette_tree(void)
{
    const char *root = tmp_path("tree");
    for (int i = 0; i < 6; i++) {
        char rel[128];
        snprintf(rel, sizeof rel, "train/apple/a%d.jpg", i);
        put(root, rel, 0, 100 + (uint64_t)i);
        snprintf(rel, sizeof rel, "train/banana/b%d.JPEG", i); /* mixed-case extension */
        put(root, rel, 1, 200 + (uint64_t)i);
    }
    put(root, "train/apple/nested/deeper/a9.Jpg", 0, 109);      /* nested folders count */
    put(root, "train/banana/no_extension", 1, 210);            /* a JPEG by content */
    put(root, "train/apple/.hidden.jpg", 0, 111);              /* hidden: ignored */
    mkdir_p("%s/%s", root, "train/apple/.thumbs");
    put(root, "train/apple/.thumbs/t.jpg", 0, 112);            /* hidden folder: ignored */
    put_bytes(root, "train/apple/notes.txt", "not an image\n", 13); /* ignored */
    static const uint8_t png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R'};
    put_bytes(root, "train/banana/fake.JPEG", png, sizeof png); /* bad: PNG data */
    put_bytes(root, "train/banana/zero.jpg", "", 0);          /* bad: empty */
    {
        uint8_t px[64 * 48 * 3];
        smooth_image(64, 48, 3, 9, px);
        size_t len;
        uint8_t *j = make_jpeg(&(jpeg_spec){.w = 64, .h = 48, .comps = 3}, px, &len);
        put_bytes(root, "train/apple/trunc.jpg", j, len / 2); /* bad: truncated */
        free(j);
    }
    mkdir_p("%s/%s", root, "train/cherry"); /* an empty class folder */
    for (int i = 0; i < 3; i++) {
        char rel[128];
        snprintf(rel, sizeof rel, "val/apple/v%d.jpg", i);
        put(root, rel, 0, 300 + (uint64_t)i);
        snprintf(rel, sizeof rel, "val/banana/v%d.jpg", i);
        put(root, rel, 1, 400 + (uint64_t)i);
    }
    return root;
}

static ln_folder_opts opts(void) { return (ln_folder_opts){.h = 28, .w = 28, .threads = 2, .quiet = 1}; }

Test(folder, imagenette_layout_counts_skips_and_ignores)
{
    const char *root = imagenette_tree();
    ln_dataset tr, va;
    ln_folder_report rep;
    ln_folder_opts o = opts();
    o.cache = "";
    cr_assert_eq(ln_folder_load(root, &o, &tr, &va, &rep), LN_OK, "%s", ln_last_error());
    cr_assert_str_eq(rep.layout, "train/val");
    cr_assert_eq(tr.nclasses, 3);
    cr_assert_str_eq(tr.class_names[0], "apple");
    cr_assert_str_eq(tr.class_names[2], "cherry");
    cr_assert_eq(tr.n, 6 + 6 + 1 + 1, "train images: %d", tr.n);
    cr_assert_eq(va.n, 6);
    cr_assert_eq(rep.bad, 3, "bad files: %d", rep.bad);
    cr_assert_eq(rep.ignored, 1, "ignored: %d", rep.ignored);
    cr_assert(tr.c == 3 && tr.h == 28 && tr.w == 28);
    int per[3] = {0, 0, 0};
    for (int i = 0; i < tr.n; i++) per[tr.labels[i]]++;
    cr_assert(per[0] == 7 && per[1] == 7 && per[2] == 0, "%d %d %d", per[0], per[1], per[2]);
    /* colour says class: apple images are red-dominant after decoding */
    const uint8_t *img = tr.pixels;
    long r = 0, g = 0;
    for (int i = 0; i < 28 * 28; i++) r += img[i], g += img[28 * 28 + i];
    cr_assert_gt(r, g + 28 * 28 * 60, "the first apple is not red: %ld vs %ld", r, g);
    ln_dataset_free(&tr);
    ln_dataset_free(&va);
}

Test(folder, strict_names_the_bad_file)
{
    const char *root = imagenette_tree();
    ln_dataset tr, va;
    ln_folder_report rep;
    ln_folder_opts o = opts();
    o.cache = "";
    o.strict = 1;
    cr_assert_neq(ln_folder_load(root, &o, &tr, &va, &rep), LN_OK);
    cr_assert(strstr(ln_last_error(), "trunc.jpg") || strstr(ln_last_error(), "fake.JPEG") ||
                  strstr(ln_last_error(), "zero.jpg"),
              "%s", ln_last_error());
    cr_assert(strstr(ln_last_error(), "--strict"), "%s", ln_last_error());
}

static void load_ok(const char *root, const char *cache, ln_dataset *tr, ln_dataset *va, ln_folder_report *rep)
{
    ln_folder_opts o = opts();
    o.cache = cache;
    cr_assert_eq(ln_folder_load(root, &o, tr, va, rep), LN_OK, "%s", ln_last_error());
}

Test(folder, cache_is_reused_and_never_trusted_when_stale_or_corrupt)
{
    const char *root = imagenette_tree();
    char cache[1024];
    snprintf(cache, sizeof cache, "%s/c.bin", tmp_path(""));
    ln_dataset a, av, b, bv;
    ln_folder_report rep;
    load_ok(root, cache, &a, &av, &rep);
    cr_assert_eq(rep.cached, 0);
    load_ok(root, cache, &b, &bv, &rep);
    cr_assert_eq(rep.cached, 1, "second load did not use the cache");
    cr_assert_eq(rep.bad, 3, "the cache lost the bad files");
    cr_assert(b.n == a.n && !memcmp(a.pixels, b.pixels, (size_t)a.n * 3 * 28 * 28) && !memcmp(a.labels, b.labels, (size_t)a.n));
    ln_dataset_free(&b), ln_dataset_free(&bv);

    /* stale: a source file changes (new content, new time) */
    char p[1024];
    snprintf(p, sizeof p, "%s/train/apple/a0.jpg", root);
    write_class_jpeg(p, 1, 999);
    struct timeval tv[2] = {{.tv_sec = 1000000000}, {.tv_sec = 1000000000}};
    utimes(p, tv);
    load_ok(root, cache, &b, &bv, &rep);
    cr_assert_eq(rep.cached, 0, "a stale cache was used");
    cr_assert(strstr(rep.cache_note, "stale"), "note: %s", rep.cache_note);
    cr_assert(memcmp(a.pixels, b.pixels, (size_t)a.n * 3 * 28 * 28) != 0, "the changed image was not re-decoded");
    ln_dataset_free(&b), ln_dataset_free(&bv);

    /* corrupt: one flipped byte in the pixels, then a truncated file */
    size_t len;
    unsigned char *c = read_file(cache, &len);
    cr_assert_not_null(c);
    c[len - 100] ^= 0x40;
    cr_assert_eq(write_file(cache, c, len), 0);
    load_ok(root, cache, &b, &bv, &rep);
    cr_assert_eq(rep.cached, 0, "a corrupt cache was used");
    cr_assert(strstr(rep.cache_note, "corrupt"), "note: %s", rep.cache_note);
    ln_dataset_free(&b), ln_dataset_free(&bv);
    cr_assert_eq(write_file(cache, c, len / 3), 0);
    load_ok(root, cache, &b, &bv, &rep);
    cr_assert_eq(rep.cached, 0);
    ln_dataset_free(&b), ln_dataset_free(&bv);
    load_ok(root, cache, &b, &bv, &rep); /* and it was rebuilt */
    cr_assert_eq(rep.cached, 1);
    ln_dataset_free(&b), ln_dataset_free(&bv);
    /* a file that is not a lenet cache is never used, nor replaced */
    cr_assert_eq(write_file(cache, "garbage", 7), 0);
    load_ok(root, cache, &b, &bv, &rep);
    cr_assert_eq(rep.cached, 0);
    cr_assert(strstr(rep.cache_note, "not a lenet image cache"), "note: %s", rep.cache_note);
    ln_dataset_free(&b), ln_dataset_free(&bv);
    size_t glen;
    unsigned char *g = read_file(cache, &glen);
    cr_assert(g && glen == 7 && !memcmp(g, "garbage", 7), "the cache write replaced a foreign file");
    free(g);
    cr_assert_eq(unlink(cache), 0);
    load_ok(root, cache, &b, &bv, &rep);
    ln_dataset_free(&b), ln_dataset_free(&bv);
    load_ok(root, cache, &b, &bv, &rep); /* and it was rebuilt */
    cr_assert_eq(rep.cached, 1);
    free(c);
    ln_dataset_free(&a), ln_dataset_free(&av), ln_dataset_free(&b), ln_dataset_free(&bv);
}

Test(folder, plain_layout_split_is_stratified_and_seeded)
{
    const char *root = tmp_path("plain");
    for (int c = 0; c < 3; c++)
        for (int i = 0; i < 20; i++) {
            char rel[128];
            snprintf(rel, sizeof rel, "class%d/img%02d.jpg", c, i);
            put(root, rel, c, (uint64_t)(c * 100 + i));
        }
    ln_dataset tr, va, tr2, va2;
    ln_folder_report rep;
    ln_folder_opts o = opts();
    o.cache = "";
    o.val_split = 0.25, o.seed = 7;
    cr_assert_eq(ln_folder_load(root, &o, &tr, &va, &rep), LN_OK, "%s", ln_last_error());
    cr_assert_str_eq(rep.layout, "classes");
    cr_assert(tr.n == 45 && va.n == 15, "%d / %d", tr.n, va.n);
    int per[3] = {0, 0, 0};
    for (int i = 0; i < va.n; i++) per[va.labels[i]]++;
    cr_assert(per[0] == 5 && per[1] == 5 && per[2] == 5, "held out per class: %d %d %d", per[0], per[1], per[2]);
    cr_assert_eq(ln_folder_load(root, &o, &tr2, &va2, &rep), LN_OK);
    cr_assert(!memcmp(va.pixels, va2.pixels, (size_t)va.n * 3 * 28 * 28), "same seed, different split");
    ln_dataset_free(&tr2), ln_dataset_free(&va2);
    o.seed = 8;
    cr_assert_eq(ln_folder_load(root, &o, &tr2, &va2, &rep), LN_OK);
    cr_assert(memcmp(va.pixels, va2.pixels, (size_t)va.n * 3 * 28 * 28) != 0, "another seed, the same split");
    ln_dataset_free(&tr), ln_dataset_free(&va), ln_dataset_free(&tr2), ln_dataset_free(&va2);
    /* Imagenette's layout has its own val/: a split is an error */
    const char *tree = imagenette_tree();
    o.val_split = 0.2;
    cr_assert_neq(ln_folder_load(tree, &o, &tr, &va, &rep), LN_OK);
    cr_assert(strstr(ln_last_error(), "--val-split"), "%s", ln_last_error());
}

Test(folder, missing_or_empty_folders)
{
    ln_dataset tr, va;
    ln_folder_report rep;
    ln_folder_opts o = opts();
    cr_assert_neq(ln_folder_load(tmp_path("nope"), &o, &tr, &va, &rep), LN_OK);
    cr_assert(strstr(ln_last_error(), "does not exist"), "%s", ln_last_error());
    const char *empty = tmp_path("empty");
    mkdir(empty, 0755);
    cr_assert_neq(ln_folder_load(empty, &o, &tr, &va, &rep), LN_OK);
    cr_assert(strstr(ln_last_error(), "no class folders"), "%s", ln_last_error());
}

/* Augmented training is the same for 1 and 2 threads, and differs from
 * unaugmented training (so the draws are applied). */
static float *train_aug(const ln_dataset *d, int threads, int flip, int shift)
{
    ln_net net;
    ln_trainer tr;
    cr_assert_eq(ln_net_build("lenet5", d->c, d->h, d->w, d->nclasses, &net), LN_OK);
    ln_net_init(&net, 3);
    cr_assert_eq(ln_trainer_init(&tr, &net, ln_kernels_scalar(), threads, 16), LN_OK);
    tr.aug = (ln_augment){.flip = flip, .shift = shift, .seed = 11};
    uint32_t idx[48];
    for (int i = 0; i < 48; i++) idx[i] = (uint32_t)((i * 7) % d->n);
    for (int e = 1; e <= 2; e++) {
        tr.aug.epoch = e;
        for (int s = 0; s < 3; s++) {
            double loss;
            int ok;
            cr_assert_eq(ln_trainer_step(&tr, d, idx + 16 * s, 16, &(ln_sgd){.lr = 0.05f, .momentum = 0.9f}, &loss, &ok), LN_OK);
        }
    }
    float *w = malloc(net.nparams * sizeof *w);
    memcpy(w, net.params, net.nparams * sizeof *w);
    ln_trainer_free(&tr);
    ln_net_free(&net);
    return w;
}

Test(folder, augmentation_is_the_same_for_any_thread_count)
{
    ln_dataset d = random_dataset(48, 5);
    size_t np;
    {
        ln_net net;
        cr_assert_eq(ln_net_build("lenet5", 1, 28, 28, 10, &net), LN_OK);
        np = net.nparams;
        ln_net_free(&net);
    }
    float *a = train_aug(&d, 1, 1, 2), *b = train_aug(&d, 2, 1, 2), *c = train_aug(&d, 1, 0, 0);
    cr_assert(!memcmp(a, b, np * sizeof *a), "augmented training differs between 1 and 2 threads");
    cr_assert(memcmp(a, c, np * sizeof *a) != 0, "augmentation changed nothing");
    free(a), free(b), free(c);
    ln_dataset_free(&d);
}

Test(folder, augment_spec_parsing)
{
    ln_augment a;
    cr_assert_eq(ln_augment_parse("flip,shift", &a), 0);
    cr_assert(a.flip == 1 && a.shift == 2);
    cr_assert_eq(ln_augment_parse("shift=4", &a), 0);
    cr_assert(a.flip == 0 && a.shift == 4);
    cr_assert_eq(ln_augment_parse("rotate", &a), -1);
    cr_assert(strstr(ln_last_error(), "rotate"), "%s", ln_last_error());
    cr_assert_eq(ln_augment_parse("shift=0", &a), -1);
    cr_assert_eq(ln_augment_parse("", &a), -1);
}

/* The CLI end to end on a small generated folder: train learns the colour
 * classes, the model keeps the class names, predict and verify work. */
Test(folder, cli_train_eval_predict_verify, .timeout = 300)
{
    const char *root = tmp_path("cli");
    for (int c = 0; c < 3; c++)
        for (int i = 0; i < 40; i++) {
            char rel[128];
            snprintf(rel, sizeof rel, "%s/%s/%c%02d.jpg", i < 30 ? "train" : "val", c == 0 ? "red" : c == 1 ? "green" : "blue",
                     'a' + c, i);
            put(root, rel, c, (uint64_t)(c * 1000 + i));
        }
    const char *model = tmp_path("colors.safetensors");
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "train --data %s --epochs 10 --batch 16 --lr 0.01 --augment flip,shift=2 --quiet --save %s", root, model);
    int rc = run_cli(cmd, out, sizeof out);
    cr_assert_eq(rc, 0, "%s", out);
    cr_assert(strstr(out, "3 classes, 90 train / 30 val images"), "%s", out);
    snprintf(cmd, sizeof cmd, "eval --load %s --data %s --json", model, root);
    cr_assert_eq(run_cli(cmd, out, sizeof out), 0, "%s", out);
    const char *acc = strstr(out, "\"test_acc\":");
    cr_assert_not_null(acc, "%s", out);
    cr_assert_geq(atof(acc + 11), 0.9, "val accuracy: %s", out);
    snprintf(cmd, sizeof cmd, "predict --load %s %s/val/blue/c35.jpg", model, root);
    cr_assert_eq(run_cli(cmd, out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, "c35.jpg: blue (p="), "%s", out);
    snprintf(cmd, sizeof cmd, "verify %s", root);
    cr_assert_eq(run_cli(cmd, out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, "0 bad"), "%s", out);
    put_bytes(root, "train/red/broken.jpg", "\xff\xd8\xff\xe0junk", 8);
    cr_assert_eq(run_cli(cmd, out, sizeof out), 1, "%s", out);
    cr_assert(strstr(out, "broken.jpg"), "%s", out);
    snprintf(cmd, sizeof cmd, "train --data %s --epochs 1 --strict --quiet", root);
    cr_assert_eq(run_cli(cmd, out, sizeof out), 1, "%s", out);
    cr_assert(strstr(out, "broken.jpg") && strstr(out, "--strict"), "%s", out);
    snprintf(cmd, sizeof cmd, "train --data %s --epochs 1 --quiet --no-cache", root);
    cr_assert_eq(run_cli(cmd, out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, "skipped") && strstr(out, "broken.jpg"), "%s", out);
    snprintf(cmd, sizeof cmd, "train --data %s --augment spin", root);
    cr_assert_eq(run_cli(cmd, out, sizeof out), 2, "%s", out);
    snprintf(cmd, sizeof cmd, "predict --load %s %s/train/red/broken.jpg", model, root);
    cr_assert_eq(run_cli(cmd, out, sizeof out), 1, "%s", out);
    cr_assert(strstr(out, "broken.jpg"), "%s", out);
}

Test(folder, limit_draws_across_classes)
{
    ln_dataset d = random_dataset(60, 4);
    for (int i = 0; i < 60; i++) d.labels[i] = (uint8_t)(i / 20), d.pixels[(size_t)i * 784] = (uint8_t)i;
    cr_assert_eq(ln_dataset_subsample(&d, 15, 9), LN_OK);
    cr_assert_eq(d.n, 15);
    int per[3] = {0, 0, 0};
    for (int i = 0; i < 15; i++) {
        per[d.labels[i]]++;
        if (i) cr_assert_gt(d.pixels[(size_t)i * 784], d.pixels[(size_t)(i - 1) * 784], "order not kept");
        cr_assert_eq(d.labels[i], d.pixels[(size_t)i * 784] / 20, "labels and pixels parted");
    }
    cr_assert(per[0] && per[1] && per[2], "classes drawn: %d %d %d", per[0], per[1], per[2]);
    ln_dataset_free(&d);
}

/* Resuming a run on a folder: the split (--val-split), the draw (--limit)
 * and augmentation are all redone from the checkpoint's seed, so the
 * resumed run ends bitwise equal to the uninterrupted one. */
Test(folder, resume_on_a_folder_is_exact, .timeout = 300)
{
    const char *root = tmp_path("resume");
    for (int c = 0; c < 3; c++)
        for (int i = 0; i < 30; i++) {
            char rel[128];
            snprintf(rel, sizeof rel, "%s/%c%02d.jpg", c == 0 ? "red" : c == 1 ? "green" : "blue", 'a' + c, i);
            put(root, rel, c, (uint64_t)(c * 1000 + i));
        }
    char ref[1024], fin[1024], ck[1024], cmd[4096];
    snprintf(ref, sizeof ref, "%s", tmp_path("resume_ref.safetensors"));
    snprintf(fin, sizeof fin, "%s", tmp_path("resume_fin.safetensors"));
    snprintf(ck, sizeof ck, "%s", tmp_path("resume.ckpt"));
    const char *recipe = "--val-split 0.2 --limit 60 --augment flip,shift=3 --epochs 3 --batch 8 --seed 5 --quiet";
    snprintf(cmd, sizeof cmd, "train --data %s %s --threads 2 --save %s", root, recipe, ref);
    cr_assert_eq(run_cli(cmd, out, sizeof out), 0, "%s", out);
    snprintf(cmd, sizeof cmd, "train --data %s %s --threads 1 --checkpoint %s --stop-after 10", root, recipe, ck);
    cr_assert_eq(run_cli(cmd, out, sizeof out), 0, "%s", out);
    /* --data comes from the checkpoint too */
    snprintf(cmd, sizeof cmd, "train --resume %s --threads 2 --save %s --quiet", ck, fin);
    cr_assert_eq(run_cli(cmd, out, sizeof out), 0, "%s", out);
    size_t la, lb;
    unsigned char *a = read_file(ref, &la), *b = read_file(fin, &lb);
    cr_assert(a && b && la == lb && !memcmp(a, b, la), "resumed folder run differs from the uninterrupted one");
    int named = 0;
    for (size_t i = 0; i + 5 <= la && !named; i++) named = !memcmp(a + i, "green", 5);
    cr_assert(named, "class names are kept");
    free(a);
    free(b);
}
