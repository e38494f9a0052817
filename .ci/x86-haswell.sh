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

check=x86-haswell
cpu=Haswell
FULL_TEST=0
# shellcheck source=.ci/qemu-x86-common.sh
source .ci/qemu-x86-common.sh "$@"

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
