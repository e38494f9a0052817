#!/bin/sh
# Many-core scaling check (issue 15): lenet-bench train sweeps over 1, 2, 4,
# 8 and 16 threads for lenet5 at batch 32 and 256 and lenet5-1998 at batch
# 64, first without thread binding, then with OMP_PROC_BIND=close
# OMP_PLACES=cores; prints each bench table (its items/share/bound columns
# show the step's parallel work) and a summary of speedups over 1 thread.
#   bench/manycore.sh BUILD_DIR [THREADS]      (default THREADS: 1,2,4,8,16)
# About 1-2 minutes on 16 cores. Environment: STEPS (timed steps per row,
# default 40; batch 256 runs a quarter of them), DATA (MNIST-format
# directory, default the bench's), BIND=0 to skip the bound pass.
set -eu
usage() { echo "usage: bench/manycore.sh BUILD_DIR [THREADS]" >&2; exit 2; }
if [ $# -lt 1 ] || [ $# -gt 2 ]; then usage; fi
case "$1" in -h|--help) echo "usage: bench/manycore.sh BUILD_DIR [THREADS]"; exit 0 ;; esac
bench=$1/lenet-bench
threads=${2:-1,2,4,8,16}
steps=${STEPS:-40}
[ -x "$bench" ] || { echo "bench/manycore.sh: $bench: not found (build the lenet_bench target)" >&2; exit 1; }
data=""
[ -n "${DATA:-}" ] && data="--data $DATA"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "lenet many-core check: $(nproc) CPUs, threads $threads, $(date -u +%Y-%m-%dT%H:%MZ)"
[ "$(nproc)" -ge 16 ] || echo "note: fewer than 16 CPUs here: rows above $(nproc) threads are oversubscribed"

# run LABEL MODEL BATCH STEPS [ENV...]: one sweep, table kept for the summary
run() {
    label=$1 model=$2 batch=$3 n=$4
    shift 4
    echo
    echo "== $label: $model, batch $batch${*:+, $*}"
    # shellcheck disable=SC2086
    env "$@" "$bench" train --model "$model" --batch "$batch" --threads "$threads" --steps "$n" $data \
        | tee "$tmp/$label.txt"
}

passes="free"
[ "${BIND:-1}" = 0 ] || passes="free bound"
for pass in $passes; do
    set --
    [ "$pass" = bound ] && set -- OMP_PROC_BIND=close OMP_PLACES=cores
    run "$pass-lenet5-32" lenet5 32 "$steps" "$@"
    run "$pass-lenet5-256" lenet5 256 "$(( (steps + 3) / 4 ))" "$@"
    run "$pass-lenet5-1998-64" lenet5-1998 64 "$steps" "$@"
done

echo
echo "== summary: speedup over 1 thread (img/s at 1 thread; items = chunks+update blocks, bound = what they allow)"
printf '%-26s %9s' "run" "1-thr img/s"
echo "$threads" | tr ',' '\n' | while read -r t; do printf ' %7s' "${t}thr"; done
printf '   %s\n' "items, bound at the most threads"
for pass in $passes; do
    for case in lenet5-32 lenet5-256 lenet5-1998-64; do
        f="$tmp/$pass-$case.txt"
        # table rows: threads img/s GFLOP/s %peak ms/step q1..q3 speedup eff items share bound |
        awk -v name="$pass $case" '
            $1 ~ /^[0-9]+$/ && $12 == "|" { n++; t[n] = $1; ips[n] = $2; sp[n] = $7; items = $9; bound = $11 }
            END {
                if (!n) { printf "%-26s (no rows)\n", name; exit }
                printf "%-26s %9s", name, ips[1]
                for (i = 1; i <= n; i++) printf " %7s", sp[i]
                printf "   %s, %s\n", items, bound
            }' "$f"
    done
done
