# Kernel sources by ISA, found by name: kernels/<op>_<pass>_<isa>.c.
# The scalar set is portable C built with the target's baseline flags. ISA
# sets get their -m flags on their own files only, so the one binary runs on
# any CPU of the architecture and picks a table at run time
# (kernels/dispatch.c, after kernels/cpu.c has asked the CPU). Which sets
# exist and what each implements is kernels/kernel_list.h; here each set
# has one line: its files' flags.
set(LENET_KERNEL_DIR ${PROJECT_SOURCE_DIR}/kernels)
file(GLOB LENET_KERNEL_SOURCES CONFIGURE_DEPENDS ${LENET_KERNEL_DIR}/*_scalar.c)
list(APPEND LENET_KERNEL_SOURCES ${LENET_KERNEL_DIR}/cpu.c ${LENET_KERNEL_DIR}/dispatch.c)

# lenet_isa(NAME FLAGS...): add kernels/*_NAME.c, each built with FLAGS.
function(lenet_isa name)
  file(GLOB srcs CONFIGURE_DEPENDS ${LENET_KERNEL_DIR}/*_${name}.c)
  set(flags ${ARGN})
  if(LENET_FUZZ)
    # the fuzzers target the readers; instrumented, conv_gemm_avx2.c alone
    # takes clang 4 minutes (the asan preset checks these kernels)
    list(APPEND flags -fno-sanitize=all -fsanitize-coverage=0)
  endif()
  if(flags)
    set_source_files_properties(${srcs} PROPERTIES COMPILE_OPTIONS "${flags}")
  endif()
  set(LENET_KERNEL_SOURCES ${LENET_KERNEL_SOURCES} ${srcs} PARENT_SCOPE)
  set(LENET_${name}_SOURCES ${srcs} PARENT_SCOPE)
endfunction()

if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  lenet_isa(avx2 -mavx2 -mfma)
  lenet_isa(avx512 -mavx512f -mavx512bw -mavx512dq -mavx512vl -mavx2 -mfma)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64|ARM64)$")
  lenet_isa(neon) # Advanced SIMD is part of the AArch64 baseline
endif()
