# Kernel sources by ISA, found by name: kernels/<op>_<pass>_<isa>.c.
# The scalar set is portable C built with the target's baseline flags. ISA
# sets get their -m flags on their own files only, so the one binary runs on
# any CPU of the architecture and picks a table at run time
# (kernels/dispatch.c, after kernels/cpu.c has asked the CPU).
set(LENET_KERNEL_DIR ${PROJECT_SOURCE_DIR}/kernels)
file(GLOB LENET_KERNEL_SOURCES CONFIGURE_DEPENDS
  ${LENET_KERNEL_DIR}/*_scalar.c)
list(APPEND LENET_KERNEL_SOURCES ${LENET_KERNEL_DIR}/cpu.c ${LENET_KERNEL_DIR}/dispatch.c)

set(LENET_ISA_DEFINES "")
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  file(GLOB LENET_AVX2_SOURCES CONFIGURE_DEPENDS ${LENET_KERNEL_DIR}/*_avx2.c)
  # The table only stores pointers and runs before the CPU check: with AVX2
  # flags GCC would emit ymm stores there and fault on older CPUs.
  list(FILTER LENET_AVX2_SOURCES EXCLUDE REGEX "/table_avx2\\.c$")
  if(LENET_AVX2_SOURCES)
    set(avx2_flags -mavx2 -mfma)
    if(LENET_FUZZ)
      # the fuzzers target the readers; instrumented, conv_gemm_avx2.c alone
      # takes clang 4 minutes (the asan preset checks these kernels)
      list(APPEND avx2_flags -fno-sanitize=all -fsanitize-coverage=0)
    endif()
    set_source_files_properties(${LENET_AVX2_SOURCES} PROPERTIES COMPILE_OPTIONS "${avx2_flags}")
    list(APPEND LENET_KERNEL_SOURCES ${LENET_AVX2_SOURCES} ${LENET_KERNEL_DIR}/table_avx2.c)
    list(APPEND LENET_ISA_DEFINES LN_HAVE_AVX2=1)
  endif()
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64|ARM64)$")
  # Advanced SIMD is part of the AArch64 baseline: no flags needed.
  file(GLOB LENET_NEON_SOURCES CONFIGURE_DEPENDS ${LENET_KERNEL_DIR}/*_neon.c)
  list(FILTER LENET_NEON_SOURCES EXCLUDE REGEX "/table_neon\\.c$")
  if(LENET_NEON_SOURCES)
    list(APPEND LENET_KERNEL_SOURCES ${LENET_NEON_SOURCES} ${LENET_KERNEL_DIR}/table_neon.c)
    list(APPEND LENET_ISA_DEFINES LN_HAVE_NEON=1)
  endif()
endif()

macro(lenet_kernel_flags)
  target_compile_definitions(lenet PRIVATE ${LENET_ISA_DEFINES})
endmacro()
