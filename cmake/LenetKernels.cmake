# Kernel sources by ISA. The scalar set is portable C built with the
# target's baseline flags; ISA sets (added per architecture) get their
# -m flags on their own files only, so the one binary runs on any CPU of
# the architecture and picks a table at run time (kernels/dispatch.c).
set(LENET_KERNEL_DIR ${PROJECT_SOURCE_DIR}/kernels)
set(LENET_KERNEL_SOURCES
  ${LENET_KERNEL_DIR}/cpu.c
  ${LENET_KERNEL_DIR}/dispatch.c
  ${LENET_KERNEL_DIR}/conv2d_fwd_scalar.c
  ${LENET_KERNEL_DIR}/conv2d_bwd_data_scalar.c
  ${LENET_KERNEL_DIR}/conv2d_bwd_weights_scalar.c
  ${LENET_KERNEL_DIR}/gemm_scalar.c
  ${LENET_KERNEL_DIR}/im2col_scalar.c
  ${LENET_KERNEL_DIR}/dense_scalar.c
  ${LENET_KERNEL_DIR}/pool2_avg_scalar.c
  ${LENET_KERNEL_DIR}/pool2_max_scalar.c
  ${LENET_KERNEL_DIR}/act_scalar.c
  ${LENET_KERNEL_DIR}/softmax_xent_scalar.c)

# Per-file ISA flags are attached here once ISA kernels exist.
macro(lenet_kernel_flags)
endmacro()
