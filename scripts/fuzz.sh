#!/usr/bin/env bash
# Runs the libFuzzer targets built in a fuzz tree (CMake -DMODELWATCH_FUZZ=ON, see `make fuzz`).
#
#   scripts/fuzz.sh run    BUILD_DIR   fuzz every target for FUZZ_SECONDS (default 300) and merge
#                                      the inputs that add coverage into tests/fuzz/corpus/<target>/
#   scripts/fuzz.sh test   BUILD_DIR   replay every target's checked-in corpus (each file once),
#                                      then fuzz each for FUZZ_TEST_SECONDS (default 10) without
#                                      keeping what it finds (what `make test` runs)
#   scripts/fuzz.sh known  BUILD_DIR   run the reproducers under tests/fuzz/crashes/<target>/ and say
#                                      which still crash (known crashes not yet fixed; never fails)
#
# A target is BUILD_DIR/<name>_fuzz built from tests/fuzz/<name>_fuzz.cc; its corpus is
# tests/fuzz/corpus/<name>/ and its dictionary tests/fuzz/<name>.dict when there is one. Targets
# run FUZZ_JOBS at a time (default: the number of cores); FUZZ_TARGETS="a b" picks some by name;
# FUZZ_FLAGS adds libFuzzer flags to the fuzzing runs (e.g. "-fork=1 -ignore_crashes=1" to go on
# after a crash). Every input has FUZZ_TIMEOUT seconds (default 10) and the process 2 GiB: a slower
# input or a bigger allocation counts as a crash. Crash reproducers go to
# BUILD_DIR/fuzz-crashes/<name>/, logs to BUILD_DIR/fuzz-logs/<name>.log. Exits 1 when any target
# crashed (or failed to run), after running all of them. No network is used.
set -euo pipefail

mode=${1:-}
build=${2:-}
if [[ -z $mode || -z $build || ! $mode =~ ^(run|test|known)$ ]]; then
  echo "usage: $0 run|test|known BUILD_DIR" >&2
  exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$build" && pwd)
fuzz_dir=$root/tests/fuzz
seconds=${FUZZ_SECONDS:-300}
test_seconds=${FUZZ_TEST_SECONDS:-10}
timeout=${FUZZ_TIMEOUT:-10}
jobs=${FUZZ_JOBS:-$(nproc)}
for n in "$seconds" "$test_seconds" "$timeout" "$jobs"; do
  if [[ ! $n =~ ^[1-9][0-9]*$ ]]; then
    echo "fuzz: FUZZ_SECONDS, FUZZ_TEST_SECONDS, FUZZ_TIMEOUT and FUZZ_JOBS must be positive whole numbers, not '$n'" >&2
    exit 2
  fi
done

targets=()
if [[ -n ${FUZZ_TARGETS:-} ]]; then
  read -r -a targets <<<"$FUZZ_TARGETS"
else
  for src in "$fuzz_dir"/*_fuzz.cc; do
    name=$(basename "$src" _fuzz.cc)
    targets+=("$name")
  done
fi
for name in "${targets[@]}"; do
  if [[ ! -x $build/${name}_fuzz ]]; then
    echo "fuzz: $build/${name}_fuzz is not built (cmake --build $build --target fuzz_targets)" >&2
    exit 2
  fi
done

if [[ $mode == known ]]; then
  for name in "${targets[@]}"; do
    dir=$fuzz_dir/crashes/$name
    [[ -d $dir ]] || continue
    for input in "$dir"/*; do
      [[ -f $input ]] || continue
      # 5 s: a reproducer of slow parsing should take far less once fixed.
      if "$build/${name}_fuzz" -timeout=5 -rss_limit_mb=2048 "$input" >/dev/null 2>&1; then
        echo "fixed:          $name/$(basename "$input") (move it to tests/fuzz/corpus/$name/)"
      else
        echo "still crashes:  $name/$(basename "$input")"
      fi
    done
  done
  exit 0
fi

mkdir -p "$build/fuzz-logs"

# One target from start to end; prints one summary line. Runs in a subshell per target.
run_one() {
  local name=$1
  local bin=$build/${name}_fuzz corpus=$fuzz_dir/corpus/$name log=$build/fuzz-logs/$name.log
  local crashes=$build/fuzz-crashes/$name
  local -a common=(-timeout="$timeout" -rss_limit_mb=2048 -artifact_prefix="$crashes/")
  [[ -f $fuzz_dir/$name.dict ]] && common+=(-dict="$fuzz_dir/$name.dict")
  local started=$build/fuzz-logs/$name.started
  mkdir -p "$corpus" "$crashes"
  : >"$log"
  touch "$started"
  local status=0
  if [[ $mode == test ]]; then
    # Replay: with -runs=0 libFuzzer executes every file of the corpus once and stops.
    if ! "$bin" "${common[@]}" -runs=0 "$corpus" >>"$log" 2>&1; then
      echo "FAIL  $name: an input of tests/fuzz/corpus/$name/ crashes (see $log)"
      return 1
    fi
    # A short run; new inputs go to a scratch directory that is thrown away.
    local scratch
    scratch=$(mktemp -d)
    "$bin" "${common[@]}" ${FUZZ_FLAGS:-} -max_total_time="$test_seconds" -print_final_stats=1 \
      "$scratch" "$corpus" >>"$log" 2>&1 || status=$?
    rm -rf "$scratch"
  else
    # The work directory keeps what earlier runs found, so a run continues where the last stopped.
    local work=$build/fuzz-work/$name
    mkdir -p "$work"
    "$bin" "${common[@]}" ${FUZZ_FLAGS:-} -max_total_time="$seconds" -print_final_stats=1 \
      "$work" "$corpus" >>"$log" 2>&1 || status=$?
    # Keep in the checked-in corpus only the inputs that add coverage to it: edges, without hit
    # counts (-use_counters=0), which keeps about a seventh of the files; the work directory keeps
    # the rest for the next run.
    "$bin" "${common[@]}" -merge=1 -use_counters=0 "$corpus" "$work" >>"$log" 2>&1 ||
      status=$((status ? status : $?))
  fi
  local done_line
  # The fuzzing run's last line: "#N DONE cov: ... corp: ... exec/s: N" ("#N: cov: ..." with
  # -fork); the merge prints a DONE line too, without corp:.
  done_line=$(grep -E '^#[0-9]+(:|[[:space:]]+DONE) .*corp:' "$log" | tail -1 || true)
  # libFuzzer also keeps inputs that took over 10 s (slow-unit-*) without stopping: on a loaded
  # machine they are mostly starvation, so they are reported, not failed on (a hang still stops
  # the run as timeout-* after FUZZ_TIMEOUT).
  local found slow
  found=$(find "$crashes" -type f -newer "$started" ! -name 'slow-unit-*' | wc -l)
  slow=$(find "$crashes" -type f -newer "$started" -name 'slow-unit-*' | wc -l)
  if [[ $status -ne 0 || $found -gt 0 ]]; then
    echo "FAIL  $name: exit $status, $found reproducer(s) in $crashes/ (see $log) ${done_line}"
    return 1
  fi
  local note=""
  [[ $slow -gt 0 ]] && note=" ($slow input(s) slower than 10 s kept in $crashes/: time them alone)"
  echo "ok    $name: ${done_line:-(no DONE line, see $log)}$note"
}
export -f run_one
export build fuzz_dir mode seconds test_seconds timeout

each=$seconds
[[ $mode == test ]] && each=$test_seconds
echo "fuzz: $mode ${targets[*]} ($jobs at a time, $each s each)"
if printf '%s\n' "${targets[@]}" | xargs -P "$jobs" -I{} bash -c 'run_one "$1"' _ {}; then
  exit 0
fi
echo "fuzz: a target failed; reproduce with BUILD/<target>_fuzz FILE, and keep the file under tests/fuzz/ (docs/operations.md, Fuzzing)" >&2
exit 1
