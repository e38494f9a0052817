#!/usr/bin/env bash
# Training across processes under mpirun on loopback (ctest: mpi_*; see
# tests/mpi/CMakeLists.txt). Every check compares with one process:
#   identity_shm  the trainer (lenet-mpi-train) on 2, 3 and 4 ranks x 1 and 2
#                 threads, over shared memory, rows sent after the chunks
#                 or chunk by chunk (--overlap 1): weights, momentum and the
#                 split evaluation equal to one process's, bit for bit,
#                 for batches whose steps defer convolutions (32, 64) or
#                 not (256), a last batch smaller than the rank count,
#                 the three built-in models, and a NaN loss (all ranks
#                 stop at its step)
#   identity_tcp  the same over TCP (--mca btl self,tcp on lo)
#   fast          --allreduce fast: every rank holds the same weights; a
#                 run at 1 rank equals the exact one
#   resume        stopped at 3 ranks, resumed at 2, then at 1 and at 4:
#                 equal to the uninterrupted run
#   eval          the split evaluation with shares of 0 chunks
#   kill          a rank stopped with SIGSTOP (a host that vanished: no
#                 exit, no answer) ends the job within seconds, one line
#                 naming it; SIGKILL of a rank ends it too
#   cli_identity  `lenet train` at 2 and 4 ranks (shared memory and TCP):
#                 model file cmp-equal to one process's; --allreduce fast runs
#   cli_resume    a checkpoint written at 3 ranks resumed at 2, then at 1:
#                 model cmp-equal to the uninterrupted run
#   cli_kill      SIGKILL of a rank: the job ends within seconds naming the
#                 rank, the last checkpoint is intact and resumes
#   cli_sigterm   SIGTERM to mpirun: every rank stops at one step, one
#                 checkpoint; resumed, the model equals the uninterrupted run
#   cli_folder    a JPEG folder: rank 0 builds the decoded-image cache while
#                 the others wait; the model equals one process's
# Exit 77 (skip): the CLI's train command does not run under mpirun.
set -u
what=$1
shift
MPIRUN=mpirun DRIVER= CLI= WORK=
while [ $# -gt 0 ]; do
  case $1 in
    --mpirun) MPIRUN=$2; shift 2 ;;
    --driver) DRIVER=$2; shift 2 ;;
    --cli) CLI=$2; shift 2 ;;
    --work) WORK=$2; shift 2 ;;
    *) echo "mpi_tests.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[ -n "$WORK" ] || { echo "mpi_tests.sh: --work DIR is required" >&2; exit 2; }
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK" || exit 2

if [ "$(id -u)" = 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
# loopback only; no warnings about absent fabrics
export OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_oob_tcp_if_include=lo OMPI_MCA_btl_base_warn_component_unused=0
SHM=(--mca btl self,vader)
TCP=(--mca btl self,tcp)
fails=0

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
mpi() { # mpi NP TRANSPORT... -- COMMAND...
  local np=$1; shift
  local tr=()
  while [ "$1" != "--" ]; do tr+=("$1"); shift; done
  shift
  "$MPIRUN" --oversubscribe --bind-to none -np "$np" "${tr[@]}" "$@"
}
# the same in the background: MP is mpirun's pid
mpi_bg() {
  local np=$1; shift
  local tr=()
  while [ "$1" != "--" ]; do tr+=("$1"); shift; done
  shift
  "$MPIRUN" --oversubscribe --bind-to none -np "$np" "${tr[@]}" "$@" &
  MP=$!
}
# the lines every run must agree on: the weights' CRC (field 7) and the evaluation
summary() { grep -E '^(eval:|ranks |step [0-9]+: the)' "$1" | sed -E 's/^ranks [0-9]+ threads [0-9]+ batch [0-9]+: //'; }

# identity CONFIG NAME TRANSPORT NP... : driver runs against the one-process reference
identity() {
  local cfg=$1 name=$2 tr=$3; shift 3
  local trargs=("${SHM[@]}")
  [ "$tr" = tcp ] && trargs=("${TCP[@]}")
  # shellcheck disable=SC2086
  "$DRIVER" $cfg --quiet --out "ref-$name.bin" > "ref-$name.log" 2>&1 || { fail "$name: one process: $(tail -2 "ref-$name.log")"; return; }
  for np in "$@"; do
    for th in 1 2; do
      local out="x-$name-$tr-$np-$th"
      # shellcheck disable=SC2086
      if ! mpi "$np" "${trargs[@]}" -- "$DRIVER" $cfg --threads $th --quiet --out "$out.bin" > "$out.log" 2>&1; then
        fail "$name $tr np $np threads $th: exit status $? ($(tail -3 "$out.log" | tr '\n' ' '))"
      elif ! cmp -s "ref-$name.bin" "$out.bin"; then
        fail "$name $tr np $np threads $th: weights differ from one process's"
      elif [ "$(summary "$out.log")" != "$(summary "ref-$name.log")" ]; then
        fail "$name $tr np $np threads $th: $(summary "$out.log" | tr '\n' ' ') vs one process: $(summary "ref-$name.log" | tr '\n' ' ')"
      else
        echo "ok   $name $tr np $np threads $th"
      fi
    done
  done
}

# the pid of rank R among mpirun's children
rank_pid() {
  local mp=$1 r=$2 p
  for p in $(pgrep -P "$mp"); do
    if tr '\0' '\n' < "/proc/$p/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$r"; then echo "$p"; return; fi
  done
}

# wait for the background job $1, killing it after $2 s; TOOK: the
# milliseconds it took
ms() { date +%s%3N; }
wait_end() {
  local pid=$1 limit=$2 t0 wd
  t0=$(ms)
  (sleep "$limit" && kill -9 "$pid") > /dev/null 2>&1 &
  wd=$!
  wait "$pid" 2> /dev/null
  kill $(pgrep -P $wd) $wd 2> /dev/null
  wait $wd 2> /dev/null
  TOOK=$(($(ms) - t0))
}

cli_check() {
  [ -n "$CLI" ] && "$CLI" train --help 2>&1 | grep -q -- '--allreduce' || { echo "skip: lenet train has no --allreduce"; exit 77; }
  mkdir -p data && "$DRIVER" --write-mnist data 2400 500 || exit 2
}

case $what in
identity_shm)
  identity "--batch 64 --n 259 --steps 10" b64 shm 2 3 4
  identity "--batch 256 --n 600 --steps 3" b256 shm 2 3 4
  identity "--batch 32 --n 200 --steps 8" b32 shm 2 3 4
  # the rows sent chunk by chunk during the backward passes (the default
  # across hosts)
  identity "--batch 64 --n 259 --steps 10 --overlap 1" b64o shm 2 3 4
  identity "--batch 256 --n 600 --steps 3 --overlap 1" b256o shm 2 4
  identity "--model lenet5-1998 --batch 64 --n 200 --steps 4" l98 shm 2 4
  identity "--model lenet5-relu --batch 30 --n 100 --steps 4" relu shm 3 4
  # a NaN loss at step 3: every rank stops there, weights of the last good step
  identity "--model lenet5-relu --lr 1e20 --batch 64 --n 300 --steps 10" nan shm 2 4
  ;;
identity_tcp)
  identity "--batch 64 --n 259 --steps 6" b64 tcp 2 4
  identity "--batch 256 --n 600 --steps 3 --overlap 1" b256o tcp 2 3
  ;;
fast)
  "$DRIVER" --batch 64 --n 300 --quiet --out ref.bin > ref.log 2>&1 || fail "one process"
  mpi 1 "${SHM[@]}" -- "$DRIVER" --batch 64 --n 300 --fast --quiet --out f1.bin > f1.log 2>&1 || fail "fast np 1"
  cmp -s ref.bin f1.bin || fail "fast at one rank differs from exact"
  for np in 2 4; do
    for tr in shm tcp; do
      trargs=("${SHM[@]}")
      [ $tr = tcp ] && trargs=("${TCP[@]}")
      if mpi $np "${trargs[@]}" -- "$DRIVER" --batch 64 --n 300 --fast --quiet --out "f$np$tr.bin" > "f$np$tr.log" 2>&1 &&
        grep -q "the same on every rank" "f$np$tr.log" && grep -Eq '^eval: loss [0-9]' "f$np$tr.log"; then
        echo "ok   fast np $np $tr: $(grep '^eval' "f$np$tr.log")"
      else
        fail "fast np $np $tr: $(tail -3 "f$np$tr.log" | tr '\n' ' ')"
      fi
    done
  done
  ;;
resume)
  cfg="--batch 64 --n 400 --steps 21"
  # shellcheck disable=SC2086
  "$DRIVER" $cfg --quiet --out ref.bin > ref.log 2>&1 || fail "one process"
  # shellcheck disable=SC2086
  mpi 3 "${SHM[@]}" -- "$DRIVER" $cfg --stop-at 5 --state s5.bin --quiet > a.log 2>&1 || fail "np 3 stop"
  # shellcheck disable=SC2086
  mpi 2 "${SHM[@]}" -- "$DRIVER" $cfg --resume s5.bin --stop-at 12 --state s12.bin --quiet > b.log 2>&1 || fail "np 2 resume"
  # shellcheck disable=SC2086
  "$DRIVER" $cfg --resume s12.bin --quiet --out r1.bin > c.log 2>&1 || fail "one process resume"
  # shellcheck disable=SC2086
  mpi 4 "${SHM[@]}" -- "$DRIVER" $cfg --resume s12.bin --quiet --out r4.bin > d.log 2>&1 || fail "np 4 resume"
  cmp -s ref.bin r1.bin && echo "ok   3 -> 2 -> 1 ranks" || fail "stopped at 3 ranks, resumed at 2 then 1: differs"
  cmp -s ref.bin r4.bin && echo "ok   3 -> 2 -> 4 ranks" || fail "stopped at 3 ranks, resumed at 2 then 4: differs"
  ;;
eval)
  for nt in 33 1000; do
    "$DRIVER" --steps 1 --test $nt --quiet > ref$nt.log 2>&1 || fail "one process"
    for np in 2 3 4; do
      mpi $np "${SHM[@]}" -- "$DRIVER" --steps 1 --test $nt --quiet > e$nt-$np.log 2>&1 || fail "np $np"
      [ "$(grep ^eval e$nt-$np.log)" = "$(grep ^eval ref$nt.log)" ] && echo "ok   $nt images on $np ranks" ||
        fail "$nt images on $np ranks: $(grep ^eval e$nt-$np.log) vs $(grep ^eval ref$nt.log)"
    done
  done
  ;;
kill)
  # SIGSTOP: the rank neither exits nor answers, as on a host that vanished
  for victim in 2 0; do
    export LENET_MPI_TIMEOUT=3
    mpi_bg 3 "${SHM[@]}" -x LENET_MPI_TIMEOUT -- "$DRIVER" --steps 1000000 --quiet > stop$victim.log 2>&1
    mp=$MP
    sleep 3
    p=$(rank_pid $mp $victim)
    [ -n "$p" ] && kill -STOP "$p"
    wait_end $mp 60
    n=$(grep -c "rank $victim on .* stopped answering" stop$victim.log)
    if [ -n "$p" ] && [ $TOOK -lt 20000 ] && [ "$n" = 1 ]; then
      echo "ok   rank $victim stopped: job ended after $TOOK ms: $(grep 'stopped answering' stop$victim.log)"
    else
      fail "rank $victim stopped (pid '$p'): ended after $TOOK ms, $n lines naming it: $(cat stop$victim.log)"
    fi
  done
  mpi_bg 3 "${SHM[@]}" -- "$DRIVER" --steps 1000000 --quiet > kill.log 2>&1
  mp=$MP
  sleep 3
  p=$(rank_pid $mp 1)
  [ -n "$p" ] && kill -KILL "$p"
  wait_end $mp 30
  if [ -n "$p" ] && [ $TOOK -lt 10000 ] && grep -q "rank 1 .*signal 9" kill.log; then
    echo "ok   rank 1 killed: job ended after $TOOK ms: $(grep 'rank 1' kill.log | head -1)"
  else
    fail "rank 1 killed (pid '$p'): ended after $TOOK ms: $(cat kill.log)"
  fi
  ;;
cli_identity)
  cli_check
  args=(train --data data --epochs 1 --batch 64 --seed 3 --quiet)
  "$CLI" "${args[@]}" --threads 2 --save one.st > one.log 2>&1 || fail "one process: $(cat one.log)"
  for np in 2 4; do
    for tr in shm tcp; do
      trargs=("${SHM[@]}")
      [ $tr = tcp ] && trargs=("${TCP[@]}")
      if ! mpi $np "${trargs[@]}" -- "$CLI" "${args[@]}" --threads 1 --save "m$np$tr.st" > "m$np$tr.log" 2>&1; then
        fail "np $np $tr: $(tail -3 "m$np$tr.log" | tr '\n' ' ')"
      elif cmp -s one.st "m$np$tr.st"; then
        echo "ok   lenet train np $np $tr: model file equal to one process's"
      else
        fail "lenet train np $np $tr: model file differs from one process's"
      fi
    done
  done
  mpi 2 "${SHM[@]}" -- "$CLI" "${args[@]}" --threads 1 --allreduce fast --save fast.st > fast.log 2>&1 &&
    [ -s fast.st ] && echo "ok   --allreduce fast" || fail "--allreduce fast: $(tail -3 fast.log | tr '\n' ' ')"
  ;;
cli_resume)
  cli_check
  args=(train --data data --epochs 2 --batch 64 --seed 5 --quiet)
  "$CLI" "${args[@]}" --save one.st > one.log 2>&1 || fail "one process: $(cat one.log)"
  mpi 3 "${SHM[@]}" -- "$CLI" "${args[@]}" --threads 1 --stop-after 20 --checkpoint ck.st --save m.st > a.log 2>&1
  [ -s ck.st ] || fail "3 ranks: no checkpoint after --stop-after: $(cat a.log)"
  mpi 2 "${SHM[@]}" -- "$CLI" train --resume ck.st --stop-after 25 --checkpoint ck2.st --threads 1 --quiet --save m.st > b.log 2>&1
  [ -s ck2.st ] || fail "2 ranks: no checkpoint: $(cat b.log)"
  "$CLI" train --resume ck2.st --quiet --save m.st > c.log 2>&1 || fail "one process resume: $(cat c.log)"
  cmp -s one.st m.st && echo "ok   3 ranks -> 2 ranks -> 1 process: model equal to the uninterrupted run" ||
    fail "3 -> 2 -> 1: model differs from the uninterrupted run"
  ;;
cli_kill)
  cli_check
  mkdir -p big && "$DRIVER" --write-mnist big 20000 200 || exit 2
  mpi_bg 3 "${SHM[@]}" -- "$CLI" train --data big --epochs 5 --batch 64 --threads 1 --quiet --checkpoint ck.st \
    --checkpoint-every 10 --save m.st > run.log 2>&1
  mp=$MP
  for _ in $(seq 1 300); do [ -s ck.st ] && break; sleep 0.1; done
  sleep 0.5
  p=$(rank_pid $mp 1)
  [ -n "$p" ] && kill -KILL "$p"
  wait_end $mp 30
  if [ -n "$p" ] && [ $TOOK -lt 10000 ] && grep -q "rank 1 .*signal 9" run.log; then
    echo "ok   rank 1 killed: job ended after $TOOK ms"
  else
    fail "rank 1 killed (pid '$p'): ended after $TOOK ms: $(cat run.log)"
  fi
  if "$CLI" train --resume ck.st --stop-after 2 --checkpoint ck2.st --quiet > resume.log 2>&1 && [ -s ck2.st ]; then
    echo "ok   the last checkpoint resumes"
  else
    fail "the checkpoint left does not resume: $(cat resume.log)"
  fi
  ;;
cli_sigterm)
  cli_check
  # mpirun, on SIGTERM, sends the ranks SIGCONT, then SIGTERM after
  # odls_base_sigkill_timeout seconds, then SIGKILL as long after
  # (the run lasts about 7 s on a quiet 2-core machine: SIGTERM reaches the
  # ranks well before its end)
  export OMPI_MCA_odls_base_sigkill_timeout=2
  mkdir -p big && "$DRIVER" --write-mnist big 20000 200 || exit 2
  args=(train --data big --epochs 2 --batch 64 --seed 9 --quiet)
  "$CLI" "${args[@]}" --save one.st > one.log 2>&1 || fail "one process: $(cat one.log)"
  mpi_bg 2 "${SHM[@]}" -- "$CLI" "${args[@]}" --threads 1 --checkpoint ck.st --save m.st > run.log 2>&1
  mp=$MP
  sleep 2
  kill -TERM $mp
  wait_end $mp 60
  n=$(grep -c "SIGTERM" run.log)
  if [ -s ck.st ] && [ ! -e m.st ] && [ $TOOK -lt 30000 ] && [ "$n" = 1 ]; then
    echo "ok   SIGTERM: stopped after $TOOK ms, one checkpoint: $(grep SIGTERM run.log)"
  else
    fail "SIGTERM: after $TOOK ms: checkpoint $(ls -la ck.st* 2>&1 | tr '\n' ' '), model $(ls m.st 2>&1), $n lines: $(cat run.log)"
  fi
  ls ck.st.tmp* > /dev/null 2>&1 && fail "SIGTERM: a partial checkpoint was left"
  "$CLI" train --resume ck.st --quiet --save m.st > resume.log 2>&1 || fail "resume: $(cat resume.log)"
  cmp -s one.st m.st && echo "ok   resumed after SIGTERM: model equal to the uninterrupted run" ||
    fail "resumed after SIGTERM: model differs from the uninterrupted run"
  ;;
cli_folder)
  cli_check
  # a JPEG folder: rank 0 decodes it into the cache while the others wait
  "$(dirname "$CLI")/lenet-idx2jpeg" --size 32 --limit 600 data jpeg > conv.log 2>&1 || fail "idx2jpeg: $(cat conv.log)"
  args=(train --data jpeg --epochs 1 --batch 32 --seed 4 --quiet)
  "$CLI" "${args[@]}" --no-cache --threads 2 --save one.st > one.log 2>&1 || fail "one process: $(cat one.log)"
  mpi 3 "${SHM[@]}" -- "$CLI" "${args[@]}" --threads 1 --save m.st > m.log 2>&1 || fail "3 ranks: $(cat m.log)"
  [ -s jpeg/.lenet-cache-28x28x3.bin ] || fail "no cache written: $(ls -la jpeg)"
  # each rank that prints its data line says whether it decoded: one did
  [ "$(grep -c 'decoded' m.log)" -le 1 ] || fail "more than one rank decoded the folder: $(grep decoded m.log)"
  cmp -s one.st m.st && echo "ok   JPEG folder, 3 ranks: model equal to one process's" ||
    fail "JPEG folder, 3 ranks: model differs from one process's"
  mpi 3 "${SHM[@]}" -- "$CLI" "${args[@]}" --threads 1 --save m2.st > m2.log 2>&1 || fail "3 ranks, cached: $(cat m2.log)"
  cmp -s one.st m2.st && echo "ok   JPEG folder from the cache, 3 ranks: model equal" ||
    fail "JPEG folder from the cache, 3 ranks: model differs"
  ;;
*)
  echo "mpi_tests.sh: unknown test $what" >&2
  exit 2
  ;;
esac
[ $fails = 0 ] && echo "mpi $what: all passed" || echo "mpi $what: $fails failed"
[ $fails = 0 ]
