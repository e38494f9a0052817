#!/usr/bin/env bash
# libFuzzer over the readers (tests/fuzz/): a clang build in build-fuzz/
# with ASan+UBSan (LeakSanitizer on), then each target for FUZZ_SECONDS
# (default 60) from its seed corpus and saved regressions, copied to a
# scratch directory so the repository's corpus stays as committed. Any
# crash, leak, sanitizer report, 10 s timeout or allocation of 2 GiB fails
# the stage; the input is kept in build-fuzz/findings/ (add it under
# tests/fuzz/regressions/<target>/ with the fix). Needs clang,
# libclang-rt-14-dev and libomp-14-dev.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}

CC=clang cmake -S . -B build-fuzz -DLENET_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build-fuzz -j"$(nproc)" --target lenet_fuzzers

# the targets write each input to a temporary file (and the spec target
# saves models, with fsync): on tmpfs when there is one, and removed with
# the scratch directory even after a crash
if [ -d /dev/shm ] && [ -w /dev/shm ]; then scratch=$(mktemp -d -p /dev/shm); else scratch=$(mktemp -d); fi
trap 'rm -rf "$scratch"' EXIT
mkdir "$scratch/tmp"
export TMPDIR=$scratch/tmp
findings=build-fuzz/findings
mkdir -p "$findings"

status=0
for t in idx jpeg model spec cache; do
  mkdir -p "$scratch/$t"
  cp tests/fuzz/corpus/$t/* "$scratch/$t/"
  if [ -d tests/fuzz/regressions/$t ]; then cp tests/fuzz/regressions/$t/* "$scratch/$t/"; fi
  dict=()
  if [ -f tests/fuzz/$t.dict ]; then dict=(-dict=tests/fuzz/$t.dict); fi
  log=$findings/fuzz_$t.log
  rc=0
  build-fuzz/tests/fuzz/fuzz_$t "$scratch/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -malloc_limit_mb=2048 -detect_leaks=1 -print_final_stats=1 -artifact_prefix="$findings/$t-" \
    "${dict[@]}" > "$log" 2>&1 || rc=$?
  # UBSan aborts (-fno-sanitize-recover), but a report must fail the stage even if something recovered
  if [ $rc -ne 0 ] || grep -qE 'runtime error:|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)' "$log"; then
    echo "fuzz_$t: FAILED (exit $rc); the input is in $findings/:"
    tail -n 60 "$log"
    status=1
  else
    echo "fuzz_$t: $(grep -m1 number_of_executed_units "$log" | awk '{print $2}') inputs in ${seconds} s, no findings"
  fi
done
exit $status
