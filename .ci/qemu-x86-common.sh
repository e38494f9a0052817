# Shared by .ci/x86-noavx2.sh and .ci/x86-haswell.sh, sourced after they set
# `check` (their name in messages) and `cpu` (the qemu CPU model) and cd to
# the repository root. BUILD_DIR ($1, default build) holds the built lenet.
# Gives: fail, $lenet, $data, $scratch (removed on exit), $train_data (the
# package's training files and the first 512 images of its test split: lenet
# train evaluates the whole test split after each epoch, and emulated, all
# 10,000 take minutes; FULL_TEST=1 evaluates on the package's directory as
# it is), $qemu_version, and run NAME ARGS... (lenet ARGS on the emulated
# CPU; output in $out, without TCG's notes on features it lacks and ignores;
# status in $rc). On a host that is not x86-64 it exits 0.

build=${1:-build}
lenet=$build/lenet
data=/usr/share/datasets/fashion-mnist

fail() {
  echo "$check: FAIL: $*" >&2
  exit 1
}

if [ "$(uname -m)" != x86_64 ]; then
  echo "$check: not an x86-64 host, nothing to check"
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
if [ "${FULL_TEST:-0}" = 1 ]; then
  train_data=$data
else
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
fi

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
