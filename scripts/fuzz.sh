#!/usr/bin/env bash
# Fuzzes every parser of facebench with libFuzzer, one target after another.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]      e.g.  scripts/fuzz.sh 600
#                                                    scripts/fuzz.sh 60 npy mat5
#
# SECONDS (default 60) is the time given to each target; with FB_FUZZ_RUNS=N a
# target also stops after N executions, whichever comes first (the acceptance
# bar: FB_FUZZ_RUNS=1000000 scripts/fuzz.sh 600). Without TARGETs all of
# tests/fuzz/targets run. The targets are built in $FB_FUZZ_BUILD (default
# build-fuzz) with clang, -fsanitize=fuzzer,address,undefined and without CUDA.
# Each target starts from its seed corpus (tests/fuzz/corpus/<target>, read
# only) plus the inputs it found interesting in earlier runs
# ($FB_FUZZ_BUILD/fuzz-corpus/<target>). A crash, hang (10 s on one input),
# leak, sanitizer report or out-of-memory (2 GB) stops that target and leaves
# the input in $FB_FUZZ_BUILD/fuzz-findings/<target>/; reproduce it with
#   $FB_FUZZ_BUILD/tests/fuzz/fuzz_<target> <that file>
# and, once fixed, copy it into the seed corpus as regression-<what> so the
# test suite replays it. The script prints executions per target and exits
# non-zero when any target found something.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
build=${FB_FUZZ_BUILD:-build-fuzz}

if [ $# -gt 0 ]; then
  targets=("$@")
else
  targets=()
  for f in tests/fuzz/targets/*.cpp; do targets+=("$(basename "$f" .cpp)"); done
fi

scripts/configure-sanitized.sh "$build"
cmake --build "$build" -j"${FB_FUZZ_JOBS:-2}" --target "${targets[@]/#/fuzz_}"

# Sanitizer reports are fatal and symbolised; libFuzzer also checks for leaks.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/fuzz/lsan-suppressions.txt}
export OMP_NUM_THREADS=1

runs=()
[ -n "${FB_FUZZ_RUNS:-}" ] && runs=(-runs="$FB_FUZZ_RUNS")

summary="$build/fuzz-summary.txt"
printf "%-16s %12s %10s %8s %8s  %s\n" target executions exec/s seconds corpus result | tee "$summary"
status=0
for t in "${targets[@]}"; do
  exe="$build/tests/fuzz/fuzz_$t"
  work="$build/fuzz-corpus/$t" findings="$build/fuzz-findings/$t" log="$build/fuzz-$t.log"
  mkdir -p "$work" "$findings"
  dict=()
  [ -f "tests/fuzz/dict/$t.dict" ] && dict=(-dict="tests/fuzz/dict/$t.dict")
  # The first folder receives new inputs; the seed corpus is only read.
  set +e
  start=$SECONDS
  "$exe" "$work" "tests/fuzz/corpus/$t" "${dict[@]}" "${runs[@]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$findings/" -print_final_stats=1 > "$log" 2>&1
  rc=$?
  wall=$((SECONDS - start))
  set -e
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  size=$(find "$work" -type f | wc -l)
  if [ $rc -eq 0 ]; then
    result=ok
  else
    result="FOUND SOMETHING (exit $rc): see $log and $findings/"
    status=1
  fi
  printf "%-16s %12s %10s %8s %8s  %s\n" "$t" "${execs:-?}" "${rate:-?}" "$wall" "$size" "$result" | tee -a "$summary"
done
exit $status
