#!/usr/bin/env bash
# Runs the test suite built with AddressSanitizer + UndefinedBehaviorSanitizer
# (clang; the build scripts/fuzz.sh uses, see scripts/configure-sanitized.sh).
# Any sanitizer report aborts the process, so the test it occurs in fails.
#
#   scripts/sanitize.sh           the whole suite
#   scripts/sanitize.sh --quick   the suites of the parsers and kernels only:
#                                 checkpoint, data, kernels, and every fuzz
#                                 target over its corpus (what CI runs)
#
# The build goes to $FB_FUZZ_BUILD (default build-fuzz); it needs clang and
# libclang-rt-dev (libFuzzer) from Debian.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${FB_FUZZ_BUILD:-build-fuzz}
quick=0
case "${1:-}" in
  --quick) quick=1 ;;
  "") ;;
  *) echo "usage: scripts/sanitize.sh [--quick]" >&2; exit 2 ;;
esac
scripts/configure-sanitized.sh "$build"

# Leaks are reports too.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/fuzz/lsan-suppressions.txt}
jobs=$(nproc)
if [ $quick = 1 ]; then
  fuzz_targets=()
  for f in tests/fuzz/targets/*.cpp; do fuzz_targets+=("fuzz_$(basename "$f" .cpp)"); done
  cmake --build "$build" -j"$jobs" --target test_checkpoint test_data test_kernels test_fuzz "${fuzz_targets[@]}"
  ctest --test-dir "$build" -j"$jobs" --output-on-failure -R '^(checkpoint|data|kernels|fuzz):'
else
  cmake --build "$build" -j"$jobs"
  # Sanitized code runs several times slower than the plain build.
  ctest --test-dir "$build" -j"$jobs" --output-on-failure --timeout 3000
fi
