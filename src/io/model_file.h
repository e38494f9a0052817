/* Model files: a network's parameters as safetensors, with PyTorch's tensor
 * names and shapes, and the model's description in __metadata__ (layout in
 * docs/FORMAT.md). Checkpoints (io/checkpoint.h) are model files with more
 * tensors and metadata, so both share the pieces declared here. */
#ifndef LN_MODEL_FILE_H
#define LN_MODEL_FILE_H
#include "io/safetensors.h"
#include "nn/net.h"

/* The metadata keys holding the data section's CRC-32 and the whole
 * file's (8 hex digits each; docs/FORMAT.md, "The checksums"). */
#define LN_CRC_KEY "data_crc32"
#define LN_FILE_CRC_KEY LN_ST_FILE_CRC_KEY

ln_status ln_net_save(const ln_net *net, const char *path);
/* LN_ERR_NUMERIC naming `path`, the tensor and the index of the first NaN
 * or infinity in the weights (or, given, the momentum laid out like
 * them): a model with non-finite weights is unusable. */
ln_status ln_net_check_finite(const ln_net *net, const float *velocity, const char *path);
/* Build the network the file describes and load its parameters. A
 * checkpoint loads too (its weights; the training state is ignored). */
ln_status ln_net_load(const char *path, ln_net *net);

/* --- shared with checkpoints ------------------------------------------ */

#define LN_MODEL_MAX_TENSORS (2 * LN_MAX_LAYERS)
typedef char ln_tensor_name[48];

/* The tensors of net's parameter tensors in file order, named
 * "<prefix><layer>.weight|bias", with data taken from `base` (an array laid
 * out like net->params: the parameters themselves, or optimizer state). */
int ln_mfile_tensors(const ln_net *net, const float *base, const char *prefix, ln_st_tensor *t,
                     ln_tensor_name *names);
/* The model's metadata entries (format, model, spec, input, classes,
 * class_names), pointing into net and *text; free text->class_names once
 * written (NULL with net->class_names set: out of memory). Returns the
 * count (at most LN_MODEL_MAX_META). */
#define LN_MODEL_MAX_META 8
typedef struct ln_mfile_meta_text {
    char input[48], classes[16];
    char *class_names; /* a JSON array, heap */
} ln_mfile_meta_text;
int ln_mfile_meta(const ln_net *net, ln_st_meta *m, ln_mfile_meta_text *text);
/* Check f's checksum (required, or only when present), build the network
 * from its metadata and load the parameter tensors. `extra` is how many
 * other tensors the file must hold besides the parameters. */
ln_status ln_mfile_from_file(const ln_st_file *f, const char *path, int crc_required, int extra, ln_net *net);
/* Copy tensors "<prefix><layer>.weight|bias" into dst (laid out like
 * net->params), checking every shape. */
ln_status ln_mfile_load_tensors(const ln_st_file *f, const char *path, const ln_net *net, const char *prefix,
                                float *dst);

#endif
