#!/usr/bin/env bash
# CI: lenet as an installed package. Builds (Release, in a temporary
# directory), runs `cmake --install` to a temporary prefix, then checks
#  - the files: headers (version.h too), liblenet.so.0 and liblenet.a, the
#    binaries, lenet.pc, lenetConfig.cmake and its version file, the man
#    pages, docs and tools; no installed text file names the source or
#    build tree;
#  - liblenet.so: soname liblenet.so.0, only ln_* symbols exported, and
#    every function the headers declare (LN_API) defined;
#  - examples/, copied out of the tree and built from the prefix alone,
#    twice: CMake's find_package(lenet) (shared, then lenet::lenet_static)
#    and `pkg-config --cflags --libs lenet` (examples/Makefile), warnings
#    as errors; each build's programs run: train_arrays on 3000 images
#    (about half a minute), classify_jpeg on JPEGs written by the installed
#    lenet-idx2jpeg with a model the installed lenet trained on them,
#    read_weights on that model;
#  - `man lenet` and `man lenet-bench` from the prefix render and hold each
#    command's options.
# Usage: .ci/install-check.sh   (from anywhere; needs cmake, a C compiler,
# make, pkg-config, man-db and dataset-fashion-mnist, which .ci/run
# installs). LENET_DATA: another MNIST-format directory. KEEP=1 keeps the
# temporary directory.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
data=${LENET_DATA:-/usr/share/datasets/fashion-mnist}
tmp=$(mktemp -d /tmp/lenet-install-check.XXXXXX)
if [ "${KEEP:-0}" = 1 ]; then echo "install-check: keeping $tmp"; else trap 'rm -rf "$tmp"' EXIT; fi
t0=$SECONDS
stage() { echo "== install-check: $* ($((SECONDS - t0)) s)"; }
fail() { echo "install-check: FAIL: $*" >&2; exit 1; }
jobs=$(nproc)

stage "build (Release) and install to $tmp/prefix"
cmake -S "$src" -B "$tmp/build" -DCMAKE_BUILD_TYPE=Release -DLENET_TESTS=OFF >"$tmp/configure.log" ||
  { cat "$tmp/configure.log"; fail "configure"; }
cmake --build "$tmp/build" -j"$jobs" >"$tmp/build.log" 2>&1 || { tail -50 "$tmp/build.log"; fail "build"; }
cmake --install "$tmp/build" --prefix "$tmp/prefix" >"$tmp/install.log" || { cat "$tmp/install.log"; fail "install"; }
P=$tmp/prefix
# the library directory (lib, or lib/<multiarch>)
libdir=$(dirname "$(find "$P" -name 'liblenet.so.0' -print -quit)")
[ -n "$libdir" ] && [ "$libdir" != . ] || fail "no liblenet.so.0 under $P"

stage "installed files"
for f in include/lenet/lenet.h include/lenet/status.h include/lenet/system.h include/lenet/model.h \
  include/lenet/data.h include/lenet/eval.h include/lenet/train.h include/lenet/version.h \
  bin/lenet bin/lenet-bench bin/lenet-idx2jpeg share/man/man1/lenet.1 share/man/man1/lenet-bench.1 \
  share/doc/lenet/README.md share/doc/lenet/docs/API.md share/doc/lenet/examples/train_arrays.c \
  share/lenet/load_in_pytorch.py share/lenet/compare_pytorch.py share/lenet/plot.sh; do
  [ -e "$P/$f" ] || fail "$f not installed"
done
for f in liblenet.so liblenet.so.0 liblenet.a pkgconfig/lenet.pc cmake/lenet/lenetConfig.cmake \
  cmake/lenet/lenetConfigVersion.cmake cmake/lenet/lenetTargets.cmake cmake/lenet/lenetStaticTargets.cmake; do
  [ -e "$libdir/$f" ] || fail "${libdir#"$P"/}/$f not installed"
done
leaks=$(grep -rlF -e "$src" -e "$tmp/build" "$P/include" "$libdir/cmake" "$libdir/pkgconfig" || true)
[ -z "$leaks" ] || fail "installed files name the source or build tree: $leaks"
echo "ok: headers, liblenet.so.0, liblenet.a, binaries, lenet.pc, lenetConfig.cmake, man pages, docs, tools"

stage "liblenet.so: soname and exported symbols"
so=$libdir/liblenet.so.0
soname=$(readelf -d "$so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = liblenet.so.0 ] || fail "soname is '$soname', expected liblenet.so.0"
nm -D --defined-only "$so" | awk '{print $NF}' | sed 's/@.*//' | sort -u >"$tmp/exported"
others=$(grep -v '^ln_' "$tmp/exported" || true)
[ -z "$others" ] || fail "liblenet.so exports symbols other than ln_*: $(echo $others)"
# every LN_API function of the installed headers
sed -n 's/^LN_API[^(]*[ *]\(ln_[a-z0-9_]*\)(.*/\1/p' "$P"/include/lenet/*.h | sort -u >"$tmp/declared"
missing=$(comm -23 "$tmp/declared" "$tmp/exported")
[ -z "$missing" ] || fail "declared in include/lenet/ but not in liblenet.so: $(echo $missing)"
extra=$(comm -13 "$tmp/declared" "$tmp/exported")
[ -z "$extra" ] || fail "exported by liblenet.so but not declared in include/lenet/: $(echo $extra)"
echo "ok: soname $soname; $(wc -l <"$tmp/exported") symbols exported, all ln_*, exactly the headers' LN_API functions"

# test data for the examples: JPEGs from the installed converter, and an RGB
# model with class names trained on them by the installed lenet
stage "test data: JPEG folder (lenet-idx2jpeg) and an RGB model (lenet train)"
"$P/bin/lenet-idx2jpeg" --size 28 --limit 2000 "$data" "$tmp/jpeg" >/dev/null
"$P/bin/lenet" train --data "$tmp/jpeg" --epochs 3 --quiet --save "$tmp/rgb.safetensors" >"$tmp/train.log" 2>&1 ||
  { cat "$tmp/train.log"; fail "lenet train on the JPEG folder"; }
tail -n 2 "$tmp/train.log"
# three validation images of each class (sed, not head: with pipefail, an
# early exit of head can fail the pipe)
mapfile -t jpegs < <(for d in "$tmp"/jpeg/val/*/; do find "$d" -name '*.jpg' | sort | sed -n 1,3p; done)
[ "${#jpegs[@]}" -ge 20 ] || fail "only ${#jpegs[@]} JPEGs under $tmp/jpeg/val"

# run_examples DIR: run the three programs built in DIR
run_examples() {
  local dir=$1 out
  out=$("$dir/train_arrays" 3000 "$data") || { echo "$out"; fail "$dir/train_arrays"; }
  echo "$out" | tail -n 1
  out=$("$dir/classify_jpeg" "$tmp/rgb.safetensors" "${jpegs[@]}") || { echo "$out"; fail "$dir/classify_jpeg"; }
  # lines "PATH: CLASS (P%)"; right when CLASS is the file's folder
  local n right
  n=$(echo "$out" | wc -l)
  right=$(echo "$out" | awk '{ k = split($1, p, "/"); if ($2 == p[k - 1]) r++ } END { print r + 0 }')
  [ "$n" = "${#jpegs[@]}" ] || { echo "$out"; fail "classify_jpeg printed $n lines for ${#jpegs[@]} files"; }
  [ "$right" -ge $((n / 2)) ] || { echo "$out"; fail "classify_jpeg: only $right of $n right"; }
  echo "classify_jpeg: $right of $n JPEGs classified right, e.g. $(sed -n 1p <<<"$out")"
  out=$("$dir/read_weights" "$tmp/rgb.safetensors") || { echo "$out"; fail "$dir/read_weights"; }
  grep -q '^conv1.weight  *\[6,3,5,5\]' <<<"$out" || { echo "$out"; fail "read_weights lists no conv1.weight [6,3,5,5]"; }
  "$dir/read_weights" "$tmp/rgb.safetensors" fc2.bias >/dev/null || fail "read_weights MODEL fc2.bias"
  echo "read_weights: $(echo "$out" | wc -l) lines, e.g. $(grep '^conv1.weight' <<<"$out")"
}

# the examples out of the tree: nothing but the prefix to build against
mkdir "$tmp/examples"
cp "$src"/examples/*.c "$src/examples/CMakeLists.txt" "$src/examples/Makefile" "$tmp/examples/"

stage "examples with CMake: find_package(lenet) -> lenet::lenet"
cmake -S "$tmp/examples" -B "$tmp/ex-cmake" -DCMAKE_PREFIX_PATH="$P" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_COMPILE_WARNING_AS_ERROR=ON -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >"$tmp/ex-cmake.log" ||
  { cat "$tmp/ex-cmake.log"; fail "examples: cmake configure"; }
cmake --build "$tmp/ex-cmake" -j"$jobs" >>"$tmp/ex-cmake.log" 2>&1 || { cat "$tmp/ex-cmake.log"; fail "examples: cmake build"; }
! grep -qF "$src" "$tmp/ex-cmake/compile_commands.json" || fail "the CMake build of the examples uses the source tree"
grep -qxF "lenet_DIR:PATH=$libdir/cmake/lenet" "$tmp/ex-cmake/CMakeCache.txt" ||
  fail "find_package(lenet) found $(grep '^lenet_DIR' "$tmp/ex-cmake/CMakeCache.txt"), not the prefix's"
deps=$(ldd "$tmp/ex-cmake/train_arrays")
grep -qF "liblenet.so.0 => $libdir/liblenet.so.0" <<<"$deps" ||
  { echo "$deps"; fail "train_arrays does not load the installed liblenet.so.0"; }
run_examples "$tmp/ex-cmake"

stage "examples with CMake: lenet::lenet_static"
cmake -S "$tmp/examples" -B "$tmp/ex-static" -DCMAKE_PREFIX_PATH="$P" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_COMPILE_WARNING_AS_ERROR=ON -DLENET_EXAMPLES_STATIC=ON >"$tmp/ex-static.log" ||
  { cat "$tmp/ex-static.log"; fail "examples (static): cmake configure"; }
cmake --build "$tmp/ex-static" -j"$jobs" >>"$tmp/ex-static.log" 2>&1 ||
  { cat "$tmp/ex-static.log"; fail "examples (static): cmake build"; }
deps=$(ldd "$tmp/ex-static/read_weights")
! grep -q liblenet <<<"$deps" || fail "the static build links liblenet.so"
"$tmp/ex-static/read_weights" "$tmp/rgb.safetensors" >/dev/null || fail "read_weights (static)"
echo "ok: built against liblenet.a, read_weights runs"

stage "examples with pkg-config: pkg-config --cflags --libs lenet (examples/Makefile)"
export PKG_CONFIG_PATH=$libdir/pkgconfig
echo "pkg-config --cflags --libs lenet: $(pkg-config --cflags --libs lenet)"
[ "$(realpath "$(pkg-config --variable=includedir lenet)")" = "$P/include" ] ||
  fail "pkg-config's includedir $(pkg-config --variable=includedir lenet) is not $P/include"
[ "$(pkg-config --modversion lenet)" = "$(sed -n 's/^#define LENET_VERSION "\(.*\)"/\1/p' "$P/include/lenet/version.h")" ] ||
  fail "pkg-config --modversion lenet differs from version.h"
cp -r "$tmp/examples" "$tmp/ex-make"
make -C "$tmp/ex-make" CFLAGS="-O2 -Wall -Wextra -Werror" >"$tmp/ex-make.log" 2>&1 ||
  { cat "$tmp/ex-make.log"; fail "examples: make with pkg-config"; }
! grep -qF "$src" "$tmp/ex-make.log" || fail "the pkg-config build of the examples uses the source tree"
unset PKG_CONFIG_PATH
run_examples "$tmp/ex-make"

stage "man pages"
for page in lenet lenet-bench; do
  path=$(man -M "$P/share/man" -w "$page") || fail "man -M PREFIX/share/man -w $page"
  [ "$path" = "$P/share/man/man1/$page.1" ] || fail "man -w $page gives $path"
  LC_ALL=C MANWIDTH=200 man -M "$P/share/man" "$page" 2>"$tmp/man.err" | col -b >"$tmp/$page.txt" || true
  [ -s "$tmp/$page.txt" ] || { cat "$tmp/man.err"; fail "man $page renders nothing"; }
  ! grep -qi 'warning' "$tmp/man.err" || { cat "$tmp/man.err"; fail "man $page: warnings"; }
  # every option of every command's --help is in the page
  cmds=$(sed -n 's/^   '"$page"' \([a-z][a-z0-9-]*\)$/\1/p' "$tmp/$page.txt")
  [ -n "$cmds" ] || fail "man $page has no COMMANDS"
  for c in $cmds; do
    for opt in $("$P/bin/$page" "$c" --help | grep -o '^  *--[a-z0-9-]*'); do
      grep -q -- "$opt" "$tmp/$page.txt" || fail "man $page lacks '$page $c $opt'"
    done
  done
  echo "ok: man $page ($(wc -l <"$tmp/$page.txt") lines; commands: $(echo $cmds))"
done

stage "passed"
