#!/usr/bin/env bash
# `facebench bench kernels` and `bench train` at tiny sizes: both finish and
# write JSON with positive timings; `bench train --scaling` reports a
# parallel efficiency in (0, 2) when more than one thread runs.
set -euo pipefail
facebench=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
check() { if ! eval "$1"; then echo "FAILED: $1"; exit 1; fi; echo "ok: $1"; }
# The first number after "KEY": in a JSON file.
num() { grep -o "\"$2\": *[-0-9.e+]*" "$1" | head -1 | sed 's/.*: *//'; }

"$facebench" bench kernels --op gemm --shapes 33,17,65 --min-seconds 0.01 --json "$tmp/kernels.json" > "$tmp/kernels.txt"
check "grep -q '33x17x65' '$tmp/kernels.txt'"
check "grep -q '\"fma_gflops\"' '$tmp/kernels.json'"

"$facebench" bench train --arch resnet18 --res 32 --batch 2 --steps 1 --warmup 0 --threads 2 --scaling \
  --json "$tmp/train.json" > "$tmp/train.txt"
check "awk -v v=$(num "$tmp/train.json" train_images_per_s) 'BEGIN { exit !(v > 0) }'"
check "awk -v v=$(num "$tmp/train.json" inference_images_per_s) 'BEGIN { exit !(v > 0) }'"
check "grep -q 'parallel efficiency on 2 threads' '$tmp/train.txt'"
check "awk -v v=$(num "$tmp/train.json" train) 'BEGIN { exit !(v > 0 && v < 2) }'"
echo "bench CLI: all checks passed"
