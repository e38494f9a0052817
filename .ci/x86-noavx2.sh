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

check=x86-noavx2
cpu=Westmere
FULL_TEST=${NOAVX2_FULL_TEST:-0} # NOAVX2_FULL_TEST=1: evaluate on the whole test split
# shellcheck source=.ci/qemu-x86-common.sh
source .ci/qemu-x86-common.sh "$@"

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
