#!/usr/bin/env bash
# CI: the x86-64 binary on an AVX2 CPU without AVX-512. Runs the
# already-built lenet under qemu-user emulating Haswell (AVX2, FMA; no
# AVX-512; QEMU's TCG emulates AVX2 and FMA since 7.2) and checks that it
# reports no AVX-512, picks the avx2 table, answers --kernels avx512 with a
# usage error instead of dying of SIGILL, and trains with avx2 bit for bit
# as the host's own avx2 table does (the same weights file).
#   usage: .ci/x86-haswell.sh [BUILD_DIR]     (default: build)
# Run as root (it may apt-get install qemu-user); BUILD_DIR is relative to
# the repository root.
set -euo pipefail
cd "$(dirname "$0")/.."

build=${1:-build}
lenet=$build/lenet
cpu=Haswell
data=/usr/share/datasets/fashion-mnist

fail() {
  echo "x86-haswell: FAIL: $*" >&2
  exit 1
}

if [ "$(uname -m)" != x86_64 ]; then
  echo "x86-haswell: not an x86-64 host, nothing to check"
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
qemu_version=$(qemu-x86_64 --version | head -n 1)

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# The package's training files as they are, and the first 512 images of its
# test split (lenet train evaluates the whole test split after each epoch;
# emulated, all 10,000 would take minutes), as .ci/x86-noavx2.sh does.
train_data=$scratch/data
mkdir "$train_data"
ln -s "$data"/train-images-idx3-ubyte* "$data"/train-labels-idx1-ubyte* "$train_data"/
zcat -f "$data"/t10k-images-idx3-ubyte* >"$scratch/all-images"
zcat -f "$data"/t10k-labels-idx1-ubyte* >"$scratch/all-labels"
# IDX headers, big-endian: magic 0x803, count 512, 28 rows, 28 columns / magic 0x801, count 512
{ printf '\x00\x00\x08\x03\x00\x00\x02\x00\x00\x00\x00\x1c\x00\x00\x00\x1c'
  head -c $((16 + 512 * 784)) "$scratch/all-images" | tail -c +17; } >"$train_data/t10k-images-idx3-ubyte"
{ printf '\x00\x00\x08\x01\x00\x00\x02\x00'
  head -c $((8 + 512)) "$scratch/all-labels" | tail -c +9; } >"$train_data/t10k-labels-idx1-ubyte"
rm "$scratch/all-images" "$scratch/all-labels"

# run NAME ARGS...: lenet ARGS on the emulated CPU; output in $out (without
# TCG's notes on the Haswell features it lacks and ignores: pcid, x2apic,
# tsc-deadline, hle, invpcid, rtm), status in $rc
run() {
  local name=$1
  shift
  set +e
  out=$(env -u LENET_KERNELS qemu-x86_64 -cpu "$cpu" "$lenet" "$@" 2>&1)
  rc=$?
  set -e
  out=$(grep -v "^qemu-x86_64: warning: TCG doesn't support requested feature" <<<"$out" || true)
  echo "--- $name: lenet $* (exit $rc)"
  head -n 8 <<<"$out"
}

run info info
[ "$rc" -eq 0 ] || fail "lenet info exited $rc under -cpu $cpu"
grep -q '^features: avx2=yes fma=yes os-ymm=yes ' <<<"$out" ||
  fail "the emulated $cpu does not report AVX2, FMA and OS-saved YMM state ($qemu_version; TCG emulates AVX2 since QEMU 7.2)"
grep -q '^features: .* avx512f=no avx512bw=no avx512dq=no avx512vl=no os-zmm=no ' <<<"$out" ||
  fail "the emulated $cpu reports AVX-512: the check would prove nothing"
grep -q '^kernels: .*built:.* avx512' <<<"$out" ||
  fail "this build has no avx512 table, so running it without AVX-512 proves nothing"
grep -Eq '^kernels: +avx2 ' <<<"$out" || fail "lenet info under -cpu $cpu does not pick the avx2 table"

train=(train --limit 256 --epochs 1 --batch 32 --threads 2 --quiet --data "$train_data")
run train "${train[@]}" --save "$scratch/haswell.safetensors"
[ "$rc" -eq 0 ] || fail "lenet train exited $rc under -cpu $cpu (SIGILL is 132: AVX-512 code ran?)"
grep -q 'kernels avx2' <<<"$out" || fail "lenet train did not train with the avx2 table"
# the same run on the host's own avx2 table must give the same weights
host=$(env -u LENET_KERNELS "$lenet" info)
if grep -q '^features: avx2=yes fma=yes os-ymm=yes ' <<<"$host"; then
  "$lenet" "${train[@]}" --kernels avx2 --save "$scratch/host.safetensors" >/dev/null
  cmp -s "$scratch/host.safetensors" "$scratch/haswell.safetensors" ||
    fail "the emulated $cpu trained other weights than the host's avx2 table ($qemu_version)"
  echo "--- the weights equal the host's avx2 run's, byte for byte"
else
  echo "--- this host has no AVX2: the weights are not compared"
fi

for args in "info --kernels avx512" "train --kernels avx512 --limit 256 --epochs 1 --quiet --data $train_data"; do
  read -ra argv <<<"$args"
  run "${argv[0]} --kernels avx512" "${argv[@]}"
  [ "$rc" -eq 2 ] || fail "lenet $args exited $rc under -cpu $cpu, expected 2"
  [ "$(wc -l <<<"$out")" -eq 1 ] || fail "lenet $args printed more than one line"
  grep -q 'not available' <<<"$out" || fail "lenet $args did not say 'not available'"
done
echo "x86-haswell: OK (avx2 table on $cpu, bit-identical to the host's; --kernels avx512 refused)"
