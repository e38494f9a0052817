#!/bin/sh
# Two builds' training throughput in one run (issue 15's "the 2-core figures
# do not regress"): lenet-bench train on lenet5 at batch 32 and 256, on 1
# and 2 threads (or THREADS), for each kernel set in KERNELS, the two
# binaries interleaved ROUNDS times so that the machine's drift hits both
# alike; prints the median img/s of each and the ratio new/old.
#   bench/compare_builds.sh OLD_BENCH NEW_BENCH
# OLD_BENCH, NEW_BENCH: lenet-bench binaries (e.g. a worktree of an older
# commit built with cmake). Environment: ROUNDS (default 5), THREADS
# (default "1 2"), BATCHES (default "32 256"), KERNELS (default "auto avx2";
# a set the CPU lacks is skipped), STEPS (timed steps at batch 32, default
# 300; other batches scale it to the same images).
set -eu
usage() { echo "usage: bench/compare_builds.sh OLD_BENCH NEW_BENCH" >&2; exit 2; }
case "${1:-}" in -h|--help) echo "usage: bench/compare_builds.sh OLD_BENCH NEW_BENCH"; exit 0 ;; esac
[ $# -eq 2 ] || usage
old=$1 new=$2
for b in "$old" "$new"; do
    [ -x "$b" ] || { echo "bench/compare_builds.sh: $b: not an executable" >&2; exit 1; }
done
rounds=${ROUNDS:-5}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "lenet-bench train, old $old against new $new; $(nproc) CPUs; $rounds rounds; $(date -u +%Y-%m-%dT%H:%MZ)"
grep -m1 'model name' /proc/cpuinfo 2>/dev/null || true

# one row: img/s of BIN on batch B, T threads, kernel set K
ips() {
    n=$(( ${STEPS:-300} * 32 / $2 ))
    [ "$n" -ge 10 ] || n=10
    "$1" train --model lenet5 --batch "$2" --threads "$3" --kernels "$4" --steps "$n" 2>/dev/null |
        awk '$1 ~ /^[0-9]+$/ && $2 ~ /^[0-9]+$/ { print $2; exit }'
}

printf '%-8s %6s %8s %10s %10s %7s\n' kernels batch threads "old img/s" "new img/s" new/old
for k in ${KERNELS:-auto avx2}; do
    if ! "$new" train --kernels "$k" --steps 1 --batch 8 --threads 1 >/dev/null 2>&1; then
        echo "(kernel set $k: not run on this CPU)"
        continue
    fi
    for b in ${BATCHES:-32 256}; do
        for t in ${THREADS:-1 2}; do
            : >"$tmp/old" && : >"$tmp/new"
            r=0
            while [ "$r" -lt "$rounds" ]; do
                for side in old new; do
                    eval "bin=\$$side"
                    v=$(ips "$bin" "$b" "$t" "$k")
                    if [ -z "$v" ]; then
                        echo "bench/compare_builds.sh: $bin train --batch $b --threads $t --kernels $k printed no figure" >&2
                        exit 1
                    fi
                    echo "$v" >>"$tmp/$side"
                done
                r=$((r + 1))
            done
            o=$(sort -n "$tmp/old" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
            w=$(sort -n "$tmp/new" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
            printf '%-8s %6s %8s %10s %10s %7s\n' "$k" "$b" "$t" "$o" "$w" \
                "$(awk -v o="$o" -v w="$w" 'BEGIN { printf "%.3f", (o > 0 ? w / o : 0) }')"
        done
    done
done
