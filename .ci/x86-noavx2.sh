#!/usr/bin/env bash
# CI: the x86-64 binary runs on a CPU without AVX2. Runs the already-built
# lenet under qemu-user emulating a pre-AVX2 CPU (Westmere: SSE4.2, no AVX)
# and checks that it picks the scalar table, trains, and answers
# --kernels avx2 with a usage error instead of dying of SIGILL.
#   usage: .ci/x86-noavx2.sh [BUILD_DIR]     (default: build)
# Run as root (it may apt-get install qemu-user); BUILD_DIR is relative to
# the repository root.
set -euo pipefail
cd "$(dirname "$0")/.."

build=${1:-build}
lenet=$build/lenet
cpu=Westmere
data=/usr/share/datasets/fashion-mnist

fail() {
  echo "x86-noavx2: FAIL: $*" >&2
  exit 1
}

if [ "$(uname -m)" != x86_64 ]; then
  echo "x86-noavx2: not an x86-64 host, nothing to check"
  exit 0
fi
[ -x "$lenet" ] || fail "$lenet not found: build first (cmake -S . -B $build && cmake --build $build)"

need=()
command -v qemu-x86_64 >/dev/null || need+=(qemu-user)
[ -d "$data" ] || need+=(dataset-fashion-mnist)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${need[@]}"
fi
models=$(qemu-x86_64 -cpu help || true) # exits 1 after listing; not piped into grep -q (SIGPIPE)
grep -qw "$cpu" <<<"$models" || fail "qemu-x86_64 has no CPU model $cpu"

# The package's training files as they are, and the first 512 images of its
# test split: lenet train evaluates the whole test split after each epoch,
# and at the ~5 images/s of emulation all 10,000 take ten minutes or more.
# NOAVX2_FULL_TEST=1 evaluates on the package's directory as it is.
if [ "${NOAVX2_FULL_TEST:-0}" = 1 ]; then
  train_data=$data
else
  train_data=$(mktemp -d)
  trap 'rm -rf "$train_data"' EXIT
  ln -s "$data"/train-images-idx3-ubyte* "$data"/train-labels-idx1-ubyte* "$train_data"/
  zcat -f "$data"/t10k-images-idx3-ubyte* >"$train_data/all-images"
  zcat -f "$data"/t10k-labels-idx1-ubyte* >"$train_data/all-labels"
  # IDX headers, big-endian: magic 0x803, count 512, 28 rows, 28 columns / magic 0x801, count 512
  { printf '\x00\x00\x08\x03\x00\x00\x02\x00\x00\x00\x00\x1c\x00\x00\x00\x1c'
    head -c $((16 + 512 * 784)) "$train_data/all-images" | tail -c +17; } >"$train_data/t10k-images-idx3-ubyte"
  { printf '\x00\x00\x08\x01\x00\x00\x02\x00'
    head -c $((8 + 512)) "$train_data/all-labels" | tail -c +9; } >"$train_data/t10k-labels-idx1-ubyte"
  rm "$train_data/all-images" "$train_data/all-labels"
fi

# run NAME ARGS...: lenet ARGS under the old CPU; output in $out, status in $rc
run() {
  local name=$1
  shift
  set +e
  out=$(env -u LENET_KERNELS qemu-x86_64 -cpu "$cpu" "$lenet" "$@" 2>&1)
  rc=$?
  set -e
  echo "--- $name: lenet $* (exit $rc)"
  head -n 8 <<<"$out"
}

run info info
[ "$rc" -eq 0 ] || fail "lenet info exited $rc under -cpu $cpu (SIGILL is 132: AVX code ran before the CPU check?)"
grep -q '^features: avx2=no' <<<"$out" || fail "the emulated $cpu reports AVX2: the check would prove nothing"
grep -q '^kernels: .*built:.* avx2' <<<"$out" ||
  fail "this build has no avx2 table, so running it without AVX2 proves nothing"
grep -Eq '^kernels: +scalar ' <<<"$out" || fail "lenet info under -cpu $cpu does not report the scalar table"

run train train --limit 256 --epochs 1 --batch 32 --threads 2 --quiet --data "$train_data"
[ "$rc" -eq 0 ] || fail "lenet train exited $rc under -cpu $cpu"
grep -q 'kernels scalar' <<<"$out" || fail "lenet train did not train with the scalar table"

for args in "info --kernels avx2" "train --kernels avx2 --limit 256 --epochs 1 --quiet --data $train_data"; do
  read -ra argv <<<"$args"
  run "${argv[0]} --kernels avx2" "${argv[@]}"
  [ "$rc" -eq 2 ] || fail "lenet $args exited $rc under -cpu $cpu, expected 2"
  grep -q 'not available' <<<"$out" || fail "lenet $args did not say 'not available'"
done
echo "x86-noavx2: OK (scalar table on $cpu, --kernels avx2 refused)"
