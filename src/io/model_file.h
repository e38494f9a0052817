/* Model files: a network's parameters as safetensors, with PyTorch's tensor
 * names and shapes, and the model name and input shape in __metadata__. */
#ifndef LN_MODEL_FILE_H
#define LN_MODEL_FILE_H
#include "nn/net.h"

ln_status ln_model_save(const ln_net *net, const char *path);
/* Build the network the file describes and load its parameters. */
ln_status ln_model_load(const char *path, ln_net *net);

#endif
