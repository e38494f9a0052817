/* The decoded-image cache of a JPEG folder (ln_folder_load): one file
 * holding every source file's status, bad files' reasons and pixels,
 * keyed by a fingerprint of the folder's listing. */
#ifndef LN_IMAGE_CACHE_H
#define LN_IMAGE_CACHE_H
#include <stddef.h>
#include <stdint.h>

#include "dataset.h"

/* A source file's decode status, as stored in the cache. */
enum { LN_IMG_OK = 0, LN_IMG_BAD = 1, LN_IMG_IGNORED = 2 };

/* One source file as the folder scan saw it. */
typedef struct ln_img_entry {
    char *path;
    long long size, mtime_ns, ctime_ns;
    unsigned long long ino; /* a file replaced by another has a new inode */
    int label, split; /* split: 0 train, 1 val */
} ln_img_entry;

/* Everything a cache's pixels depend on: the size h x w, the class
 * names[nclasses], every source file's path, size, modification and
 * change times, inode, class and split. The change time
 * (ctime) cannot be set back by a user, so a file rewritten in place with
 * its size and mtime restored still misses the cache. */
uint64_t ln_image_cache_fingerprint(char *const *names, int nclasses, const ln_img_entry *e, int n, int h, int w);

/* Read the cache at path for n images of 3 x h x w with fingerprint fp:
 * status[n], reasons[n] (filled for bad ones), pix[n][3][h][w]. Not LN_OK
 * when it is absent (note "") or unusable (note says why, notecap bytes). */
ln_status ln_image_cache_read(const char *path, int n, int h, int w, uint64_t fp, uint8_t *status,
                              char (*reasons)[LN_FOLDER_REASON], uint8_t *pix, char *note, size_t notecap);
/* Write the cache at path (io/atomic_file.h: never a partial file, never
 * through a link planted at the temporary name, leftovers of killed
 * writers removed). An existing path is replaced only when it is a lenet
 * image cache (its magic) or empty: never a model, an image or a device.
 * On failure note says why. */
ln_status ln_image_cache_write(const char *path, int n, int h, int w, uint64_t fp, const uint8_t *status,
                               char (*reasons)[LN_FOLDER_REASON], const uint8_t *pix, char *note, size_t notecap);

#endif
