#!/usr/bin/env bash
# CI for AArch64 (NEON): cross-compile with gcc-aarch64-linux-gnu, run the
# kernel tests under qemu-user, then a few training steps with the NEON
# table. Run from the repository root, as root, on Debian 12; installs only
# what is missing.
#
# Two things differ from a plain `apt-get install libcriterion-dev:arm64`
# and `qemu-aarch64 -L /usr/aarch64-linux-gnu` setup, both on purpose:
# - Criterion for arm64 is unpacked into /opt/lenet-aarch64, not installed:
#   apt can install it only by removing the amd64 libcriterion-dev that the
#   host build needs (libnanomsg5 is not Multi-Arch: same).
# - Programs run with the cross sysroot's lib first on LD_LIBRARY_PATH (the
#   cross ld.so with the multiarch libc6:arm64 hangs in pthread_create),
#   and ctest runs them through cmake/toolchains/aarch64-run.sh, which also
#   lets Criterion re-execute its test workers (binfmt_misc in a private
#   namespace). See that script and the toolchain file.
set -euo pipefail
cd "$(dirname "$0")/.."

t0=$SECONDS
stage() { echo "== arm64: $* ($((SECONDS - t0)) s)"; }
export DEBIAN_FRONTEND=noninteractive

# ---- packages ----
stage "packages"
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"; }
updated=0
apt_update() { if [ "$updated" = 0 ]; then apt-get update -q; updated=1; fi; }
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  dpkg --add-architecture arm64
  apt_update
fi
pkgs=(build-essential cmake gcc-aarch64-linux-gnu qemu-user qemu-user-binfmt zlib1g-dev:arm64 libjpeg62-turbo-dev:arm64
      libffi8:arm64 libgit2-1.5:arm64 dataset-fashion-mnist)
missing=()
for p in "${pkgs[@]}"; do installed "$p" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  apt_update
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Criterion for arm64, unpacked beside the system (runtime dependencies
# libffi8 and libgit2-1.5 came from apt above; libnanomsg5 cannot).
crit_root=/opt/lenet-aarch64
if [ ! -e "$crit_root/usr/lib/aarch64-linux-gnu/libcriterion.so" ]; then
  apt_update
  debs=$(mktemp -d)
  chown _apt: "$debs" 2>/dev/null || true # apt downloads as _apt
  (cd "$debs" && apt-get download libcriterion3:arm64 libcriterion-dev:arm64 libnanomsg5:arm64)
  mkdir -p "$crit_root"
  for d in "$debs"/*.deb; do dpkg-deb -x "$d" "$crit_root"; done
  rm -rf "$debs"
fi

# ---- build ----
stage "configure and build build-arm64"
cmake -S . -B build-arm64 --toolchain cmake/toolchains/aarch64-linux-gnu.cmake -DLENET_WERROR=ON \
  -DLENET_AARCH64_EXTRA_ROOT="$crit_root"
cmake --build build-arm64 -j"$(nproc)"

# ---- tests under qemu ----
tests='test_kernels|test_grad'
[ -f tests/test_parity.c ] && tests="test_parity|$tests"
stage "ctest -R '$tests' under qemu"
ctest --test-dir build-arm64 -R "$tests" --output-on-failure -j"$(nproc)"

# ---- the CLI under qemu: the NEON table is picked, and trains ----
run=(qemu-aarch64 -L /usr/aarch64-linux-gnu -E LD_LIBRARY_PATH=/usr/aarch64-linux-gnu/lib)
stage "lenet info"
info=$("${run[@]}" build-arm64/lenet info)
echo "$info"
grep -Eq '^kernels: +neon' <<<"$info" || { echo "arm64: lenet info does not select the neon kernels" >&2; exit 1; }

# Evaluating the full 10,000-image test set takes minutes under qemu, so the
# training run reads the first 1,024 training and 512 test images of the
# dataset (IDX files cut with their counts rewritten).
cut_idx() { # SRC.gz DST.gz COUNT ITEM_BYTES HEADER_BYTES
  local tmp
  tmp=$(mktemp)
  zcat "$1" >"$tmp"
  {
    head -c 4 "$tmp"
    printf '%b' "$(printf '\\0%03o' $(($3 >> 24 & 255)) $(($3 >> 16 & 255)) $(($3 >> 8 & 255)) $(($3 & 255)))"
    tail -c +9 "$tmp" | head -c $(($5 - 8 + $3 * $4)) || true # head ends the pipe early
  } | gzip -1 >"$2"
  rm -f "$tmp"
}
src=/usr/share/datasets/fashion-mnist data=build-arm64/fashion-mnist-small
mkdir -p "$data"
cut_idx "$src/train-images-idx3-ubyte.gz" "$data/train-images-idx3-ubyte.gz" 1024 784 16
cut_idx "$src/train-labels-idx1-ubyte.gz" "$data/train-labels-idx1-ubyte.gz" 1024 1 8
cut_idx "$src/t10k-images-idx3-ubyte.gz" "$data/t10k-images-idx3-ubyte.gz" 512 784 16
cut_idx "$src/t10k-labels-idx1-ubyte.gz" "$data/t10k-labels-idx1-ubyte.gz" 512 1 8

stage "lenet train (neon, 8 steps of 32)"
out=$("${run[@]}" build-arm64/lenet train --data "$data" --limit 256 --epochs 1 --batch 32 --threads 2 \
  --kernels neon --quiet)
echo "$out"
grep -q 'kernels neon' <<<"$out" || { echo "arm64: training did not run the neon kernels" >&2; exit 1; }
grep -Eq 'train loss [0-9]+\.[0-9]+ ' <<<"$out" || { echo "arm64: no finite training loss" >&2; exit 1; }

stage "done"
