#!/usr/bin/env bash
# Copies the header-only build dependencies (doctest, nlohmann-json, CLI11, stb) with
# their CMake package files into a relocatable prefix (default .gpu-deps), for
# a GPU machine that has CUDA and CMake but no Debian packages and no network.
# Then: FB_DEPS_PREFIX=.gpu-deps scripts/gpu-check.sh
set -euo pipefail
dst=${1:-.gpu-deps}
mkdir -p "$dst/include" "$dst/lib/cmake" "$dst/share/cmake"
cp -r /usr/include/doctest /usr/include/nlohmann /usr/include/CLI /usr/include/stb "$dst/include/"
cp -r /usr/lib/cmake/doctest "$dst/lib/cmake/"
cp -r /usr/share/cmake/nlohmann_json /usr/share/cmake/CLI11 "$dst/share/cmake/"
# The package files hard-code /usr as their prefix: make it relative.
for f in "$dst/lib/cmake/doctest/doctestTargets.cmake" "$dst/share/cmake/nlohmann_json/nlohmann_jsonTargets.cmake"; do
  sed -i 's|^set(_IMPORT_PREFIX "/usr")|get_filename_component(_IMPORT_PREFIX "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)|' "$f"
done
echo "dependencies in $dst"
