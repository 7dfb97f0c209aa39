#!/usr/bin/env bash
# Configures BUILD (default build-fuzz) as the sanitized build that
# scripts/fuzz.sh and scripts/sanitize.sh share: clang, AddressSanitizer +
# UndefinedBehaviorSanitizer, libFuzzer instrumentation, no CUDA. One
# configuration, so that the two scripts never rebuild each other's objects.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-fuzz}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=clang++ -DFB_CUDA=OFF \
  -DFB_FUZZ=ON -DFB_SANITIZE=address,undefined > "$build.configure.log" 2>&1 ||
  { cat "$build.configure.log"; exit 1; }
