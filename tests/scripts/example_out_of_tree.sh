#!/usr/bin/env bash
# Installs the runtime from the build tree into a temporary prefix, builds the
# standalone example against the installed package, and runs it (the example
# exits non-zero unless its loss falls).
set -euo pipefail
src=$1 build=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" > "$tmp/install.log"
# The installed libraries are static C++: the example is built with the compiler that built them.
cxx=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$build/CMakeCache.txt")
cmake -S "$src/examples/train_small" -B "$tmp/example" -DCMAKE_PREFIX_PATH="$tmp/prefix" -DCMAKE_CXX_COMPILER="$cxx" \
  > "$tmp/configure.log"
cmake --build "$tmp/example" -j2 > "$tmp/build.log"
"$tmp/example/train_small" | tail -3
