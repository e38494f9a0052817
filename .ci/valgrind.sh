#!/usr/bin/env bash
# Memcheck over a short real training run: no invalid read or write, no use
# of uninitialised memory, no definite or indirect leak. `lenet train
# --limit 500 --epochs 1` trains 500 Fashion-MNIST images and evaluates on
# the 10,000 test images. Usage: .ci/valgrind.sh [BUILD_DIR]
set -euo pipefail
build=${1:-build}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
  --show-leak-kinds=definite,indirect --track-origins=yes --log-file="$log" \
  "$build/lenet" train --limit 500 --epochs 1 --quiet || status=$?
grep -E "ERROR SUMMARY|definitely lost|indirectly lost|possibly lost" "$log" || true
if [ "$status" -ne 0 ]; then
  cat "$log"
  echo "valgrind: lenet train exited $status" >&2
  exit 1
fi
