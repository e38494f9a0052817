/* safetensors files: u64 little-endian header length, a JSON header
 * {"name": {"dtype":"F32","shape":[..],"data_offsets":[b,e]}, ...,
 *  "__metadata__": {"key":"value",...}}, then the raw little-endian data.
 * Only F32 tensors are written or read. See docs/FORMAT.md. */
#ifndef LN_SAFETENSORS_H
#define LN_SAFETENSORS_H
#include <stddef.h>
#include <stdint.h>

#include "lenet/lenet.h"

#define LN_ST_MAX_DIMS 8

typedef struct ln_st_tensor {
    const char *name;
    int ndim;
    int64_t shape[LN_ST_MAX_DIMS];
    const float *data; /* numel floats */
} ln_st_tensor;

typedef struct ln_st_meta {
    const char *key, *value;
} ln_st_meta;

/* Write tensors (in the given order) and metadata to `path` atomically: a
 * temporary file in the same directory is written, fsync'd and renamed over
 * `path`, then the directory is synced. The output depends only on the
 * arguments (no timestamps), so equal inputs give byte-identical files. */
ln_status ln_st_write(const char *path, const ln_st_tensor *t, int nt, const ln_st_meta *m, int nm);
/* The same, adding the metadata entry crc_key = the CRC-32 (zlib's) of the
 * data section as 8 lowercase hex digits. */
ln_status ln_st_write_crc(const char *path, const ln_st_tensor *t, int nt, const ln_st_meta *m, int nm,
                          const char *crc_key);

/* Remove temporary files "<path>.tmp.<pid>" that writers killed mid-save
 * (SIGKILL, power loss) left behind, when no process <pid> is alive and
 * no one holds the write lock ln_st_write keeps on its temporary while
 * writing it. Returns how many were removed. */
int ln_st_remove_stale(const char *path);

/* A loaded file: everything lives in memory owned by the struct. */
typedef struct ln_st_file {
    int ntensors;
    ln_st_tensor *tensors; /* data points into an aligned copy */
    int nmeta;
    ln_st_meta *meta;
    uint32_t data_crc32; /* CRC-32 of the whole data section, as read */
    void *blob_;         /* private */
} ln_st_file;

/* Read and validate the whole file: header length within the file, JSON
 * well-formed, every tensor F32 with offsets inside the data section, in
 * bounds, non-overlapping and sized shape-product*4. Errors name the file. */
ln_status ln_st_read(const char *path, ln_st_file *out);
void ln_st_free(ln_st_file *f);
const ln_st_tensor *ln_st_find(const ln_st_file *f, const char *name);
const char *ln_st_meta_get(const ln_st_file *f, const char *key);

#endif
