# Cross-compiling for AArch64 Linux with Debian's gcc-aarch64-linux-gnu:
#   cmake -S . -B build-arm64 --toolchain cmake/toolchains/aarch64-linux-gnu.cmake
# Libraries are the arm64 multiarch packages (zlib1g-dev:arm64; libgomp comes
# with the cross gcc) under /usr/lib/aarch64-linux-gnu. ctest runs programs
# through aarch64-run.sh next to this file: qemu-user with the cross
# sysroot /usr/aarch64-linux-gnu, set up so that threads and Criterion's
# re-executed test workers run (see that script for why it is needed).
#
# Criterion: Debian 12 cannot install libcriterion-dev (nor libcriterion3)
# for arm64 next to the amd64 one the host tests use (libnanomsg5 is not
# Multi-Arch: same), so .ci/arm64.sh unpacks the arm64 .debs into a private
# root, LENET_AARCH64_EXTRA_ROOT (default /opt/lenet-aarch64). When that
# root exists it is searched first for libraries and headers, passed to the
# linker as -rpath-link (for libcriterion's own dependencies) and added to
# the emulated LD_LIBRARY_PATH by aarch64-run.sh. Where libcriterion-dev:arm64
# is installed with apt instead, the root may simply be absent.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(LENET_CROSS_TRIPLE aarch64-linux-gnu)
set(CMAKE_C_COMPILER ${LENET_CROSS_TRIPLE}-gcc)
set(CMAKE_LIBRARY_ARCHITECTURE ${LENET_CROSS_TRIPLE})

if(NOT DEFINED LENET_AARCH64_EXTRA_ROOT)
  if(DEFINED ENV{LENET_AARCH64_EXTRA_ROOT})
    set(LENET_AARCH64_EXTRA_ROOT $ENV{LENET_AARCH64_EXTRA_ROOT})
  else()
    set(LENET_AARCH64_EXTRA_ROOT /opt/lenet-aarch64)
  endif()
endif()
set(LENET_AARCH64_EXTRA_LIBDIR ${LENET_AARCH64_EXTRA_ROOT}/usr/lib/${LENET_CROSS_TRIPLE})

# Headers and libraries only from the target's roots (with
# CMAKE_LIBRARY_ARCHITECTURE, /usr means /usr/lib/aarch64-linux-gnu);
# programs (qemu) from the host.
set(CMAKE_FIND_ROOT_PATH /usr/${LENET_CROSS_TRIPLE} /usr)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

if(IS_DIRECTORY ${LENET_AARCH64_EXTRA_LIBDIR})
  list(PREPEND CMAKE_FIND_ROOT_PATH ${LENET_AARCH64_EXTRA_ROOT})
  set(CMAKE_EXE_LINKER_FLAGS_INIT "-Wl,-rpath-link,${LENET_AARCH64_EXTRA_LIBDIR}")
endif()

set(CMAKE_CROSSCOMPILING_EMULATOR env LENET_AARCH64_EXTRA_ROOT=${LENET_AARCH64_EXTRA_ROOT}
    ${CMAKE_CURRENT_LIST_DIR}/aarch64-run.sh)
