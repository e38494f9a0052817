/* lenet: a CPU training engine for LeNet-class convolutional networks.
 * The public C API in one include; docs/API.md has the tour and examples/
 * working programs. Link with `pkg-config --libs lenet` or CMake's
 * find_package(lenet) -> lenet::lenet. */
#ifndef LENET_LENET_H
#define LENET_LENET_H
#include "lenet/status.h"
#include "lenet/system.h"
#include "lenet/model.h"
#include "lenet/data.h"
#include "lenet/eval.h"
#include "lenet/train.h"
#endif
