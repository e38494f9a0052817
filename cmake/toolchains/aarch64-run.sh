#!/bin/sh
# Run an AArch64 program of a cross build under qemu-user; the ctest
# emulator of cmake/toolchains/aarch64-linux-gnu.cmake, usable by hand:
#   cmake/toolchains/aarch64-run.sh build-arm64/lenet info
#
# 1. One C library. `qemu-aarch64 -L /usr/aarch64-linux-gnu` loads the
#    cross toolchain's ld.so (libc6-arm64-cross), but that ld.so looks in
#    /lib/aarch64-linux-gnu first, where the multiarch libc6:arm64 (pulled
#    in by zlib1g-dev:arm64) usually has a newer libc.so.6. A mismatched
#    ld.so/libc pair hangs in the first pthread_create (OpenMP, Criterion).
#    So the guest LD_LIBRARY_PATH starts with the cross sysroot's lib. Both
#    are set through QEMU_LD_PREFIX / QEMU_SET_ENV, which the guest inherits,
#    so a program that the guest starts gets them too.
# 2. Programs that exec other AArch64 programs. Criterion runs each test in
#    a re-executed copy of the test binary, which the kernel can only start
#    through binfmt_misc. If no aarch64 handler is registered, this script
#    re-enters itself in a private user + mount namespace (unshare -Urm,
#    Linux >= 6.7) with its own binfmt_misc instance and registers qemu
#    there: nothing outside that namespace changes. Failing both, qemu runs
#    the program directly and only programs that never exec work.
#
# LENET_AARCH64_SYSROOT (default /usr/aarch64-linux-gnu) and
# LENET_AARCH64_EXTRA_ROOT (default /opt/lenet-aarch64, see the toolchain
# file) may be set in the environment.
set -eu

sysroot=${LENET_AARCH64_SYSROOT:-/usr/aarch64-linux-gnu}
extra=${LENET_AARCH64_EXTRA_ROOT:-/opt/lenet-aarch64}/usr/lib/aarch64-linux-gnu
qemu=$(command -v qemu-aarch64) || { echo "aarch64-run.sh: qemu-aarch64 not found (apt-get install qemu-user)" >&2; exit 127; }

libs=$sysroot/lib
[ -d "$extra" ] && libs=$libs:$extra
export QEMU_LD_PREFIX="$sysroot"
export QEMU_SET_ENV="LD_LIBRARY_PATH=$libs"

binfmt=/proc/sys/fs/binfmt_misc
if [ -f "$binfmt/qemu-aarch64" ] && grep -q '^enabled' "$binfmt/qemu-aarch64"; then
    exec "$qemu" "$@"
fi

if [ "${LENET_AARCH64_RUN_NS:-}" = 1 ]; then
    # inside the private namespace: mount binfmt_misc and register qemu
    # (Debian's qemu-user-binfmt entry: ELF64, little-endian, EM_AARCH64)
    if mount -t binfmt_misc binfmt_misc "$binfmt" 2>/dev/null; then
        interp=/usr/libexec/qemu-binfmt/aarch64-binfmt-P flags=OPF
        [ -x "$interp" ] || interp=$qemu flags=OF
        magic='\x7f\x45\x4c\x46\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00'
        mask='\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff'
        printf '%s' ":qemu-aarch64:M::$magic:$mask:$interp:$flags" >"$binfmt/register"
    else
        echo "aarch64-run.sh: no private binfmt_misc; programs that exec AArch64 programs will fail" >&2
    fi
    exec "$qemu" "$@"
fi

if command -v unshare >/dev/null 2>&1 && unshare -Urm true 2>/dev/null; then
    LENET_AARCH64_RUN_NS=1 exec unshare -Urm "$0" "$@"
fi
echo "aarch64-run.sh: no aarch64 binfmt_misc handler and no user namespaces; programs that exec AArch64 programs will fail" >&2
exec "$qemu" "$@"
