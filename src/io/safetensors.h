/* safetensors files: u64 little-endian header length, a JSON header
 * {"name": {"dtype":"F32","shape":[..],"data_offsets":[b,e]}, ...,
 *  "__metadata__": {"key":"value",...}}, then the raw little-endian data.
 * Only F32 tensors are written or read. See docs/FORMAT.md. */
#ifndef LN_SAFETENSORS_H
#define LN_SAFETENSORS_H
#include <stddef.h>
#include <stdint.h>

#include "lenet/status.h"

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

/* Write tensors (in the given order) and metadata to `path` atomically
 * (io/atomic_file.h: a temporary beside it, fsync, rename, directory
 * fsync; `path` must be a regular file or absent). The output depends only on the
 * arguments (no timestamps), so equal inputs give byte-identical files. */
ln_status ln_st_write(const char *path, const ln_st_tensor *t, int nt, const ln_st_meta *m, int nm);
/* The same, adding checksums at the end of the metadata: data_key (unless
 * NULL) = the CRC-32 (zlib's) of the data section, then file_key (unless
 * NULL; normally LN_ST_FILE_CRC_KEY) = the CRC-32 of the whole file with
 * this value's own 8 digits counted as "00000000" (docs/FORMAT.md, "The
 * checksums"); both as 8 lowercase hex digits. */
ln_status ln_st_write_crc(const char *path, const ln_st_tensor *t, int nt, const ln_st_meta *m, int nm,
                          const char *data_key, const char *file_key);
/* The metadata key of the whole-file checksum, which the reader computes. */
#define LN_ST_FILE_CRC_KEY "file_crc32"

/* A loaded file: everything lives in memory owned by the struct. */
typedef struct ln_st_file {
    int ntensors;
    ln_st_tensor *tensors; /* data points into an aligned copy */
    int nmeta;
    ln_st_meta *meta;
    uint32_t data_crc32; /* CRC-32 of the whole data section, as read */
    /* when the metadata holds LN_ST_FILE_CRC_KEY as 8 lowercase hex digits:
     * has_file_crc32 = 1 and file_crc32 = the CRC-32 of the whole file as
     * read, those digits counted as "00000000" */
    int has_file_crc32;
    uint32_t file_crc32;
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
