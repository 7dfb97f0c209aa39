#!/usr/bin/env bash
# One check of the CUDA backend on a GPU machine (made for a lent H100: 16
# cores, no network): configure with CUDA on (sm_90a), build only test_cuda,
# test_distributed, fb_cuda_bench and the facebench CLI, run the CUDA test
# suite, the NCCL backend with world size 1 (when built), the
# own-vs-cuBLAS/cuDNN kernel benchmark, ResNet-50 training steps (bf16
# autocast, own kernels vs vendor), a short SwAV pre-training run on the GPU
# (bf16), and print a short table last. With $OUT
# set, logs and JSON go there. Nothing is cached between runs; the whole
# script should take ~6 minutes.
#
# Header-only dependencies missing on the machine (doctest, nlohmann-json, CLI11, stb) can
# be brought along in a prefix made by scripts/gpu-deps.sh (FB_DEPS_PREFIX,
# default .gpu-deps). cuDNN is taken from the toolkit or, failing that, from
# the nvidia-cudnn Python wheel when one is installed.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${FB_GPU_BUILD:-$root/build-gpu}
deps=${FB_DEPS_PREFIX:-$root/.gpu-deps}
jobs=${FB_JOBS:-16}
out=${OUT:-}
[ -n "$out" ] && mkdir -p "$out"
t0=$(date +%s)
say() { echo "[gpu-check $(($(date +%s) - t0))s] $*"; }

say "device: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || echo none)"

cudnn_root=""
if [ ! -e /usr/local/cuda/include/cudnn.h ]; then
  cudnn_root=$(python3 -c 'import nvidia.cudnn as m; print(list(m.__path__)[0])' 2>/dev/null || true)
  [ -n "$cudnn_root" ] && export LD_LIBRARY_PATH="$cudnn_root/lib:${LD_LIBRARY_PATH:-}"
fi
say "cuDNN: ${cudnn_root:-toolkit}"

say "configure"
cmake -S "$root" -B "$build" -DFB_CUDA=ON -DFB_CUDA_ARCHS=90a -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$deps" -DFB_CUDNN_ROOT="$cudnn_root" > "$build.configure.log" 2>&1 ||
  { tail -30 "$build.configure.log"; say "FAILED: configure"; exit 1; }
grep "facebench:" "$build.configure.log"
say "build (-j$jobs)"
cmake --build "$build" -j"$jobs" --target test_cuda test_distributed fb_cuda_bench facebench > "$build.build.log" 2>&1 ||
  { grep -B2 -A10 -m5 "error" "$build.build.log"; tail -20 "$build.build.log"; say "FAILED: build"; exit 1; }
say "built"

tests_rc=0
say "test_cuda"
timeout 240 "$build/tests/test_cuda" 2>&1 | tee "$build.test.log" ${out:+"$out/test_cuda.log"} | grep -E -v "^$" | tail -80
tests_rc=${PIPESTATUS[0]}
say "test_cuda exit $tests_rc"

# Should the Hopper (wgmma) loop's own cases fail, the rest of the suite runs
# again on the WMMA loop, so that one run tells a wgmma fault from any other;
# the benchmarks below then use WMMA too (fb_cuda_bench says which loop ran).
wgmma_note="wgmma cases passed (or skipped)"
if [ "$tests_rc" -ne 0 ] && grep -qE "test_cuda_wgmma\.cpp:[0-9]+: (ERROR|FATAL ERROR)" "$build.test.log"; then
  export FB_CUDA_MMA=wmma
  say "wgmma cases failed: test_cuda again without them, FB_CUDA_MMA=wmma"
  timeout 240 "$build/tests/test_cuda" -tce="cuda wgmma*" 2>&1 | tee "$build.test-wmma.log" \
    ${out:+"$out/test_cuda_wmma.log"} | grep -E -v "^$" | tail -40
  wgmma_note="wgmma cases FAILED; the rest on WMMA: exit ${PIPESTATUS[0]}"
fi

# The NCCL backend with world size 1 (MPI singleton), when the build has it
# (CUDA, MPI and nccl.h found: see "distributed backends" above).
nccl_rc=0
if grep -q "NCCL ON" "$build.configure.log"; then
  say "test_distributed nccl (world size 1)"
  OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 FB_TEST_NCCL=1 timeout 120 \
    "$build/tests/test_distributed" "--test-case=nccl:*" 2>&1 | tee ${out:+"$out/test_nccl.log"} | tail -4
  nccl_rc=${PIPESTATUS[0]}
else
  say "NCCL backend not built (needs libopenmpi-dev and nccl.h): skipped"
fi

bench_rc=0
say "fb_cuda_bench"
timeout 200 "$build/kernels/cuda/bench/fb_cuda_bench" ${out:+--json "$out/cuda_bench.json"} 2>&1 |
  tee "$build.bench.log" ${out:+"$out/cuda_bench.log"}
bench_rc=${PIPESTATUS[0]}

# Whole training steps on the GPU: ResNet-50 at 224, batch 32, bf16 autocast
# (f32 master weights), own kernels and then cuBLAS/cuDNN for the products.
train_rc=0
: > "$build.train.log"
for backend in own vendor; do
  say "bench train resnet50 bf16 $backend"
  timeout 150 "$build/facebench/facebench" bench train --device cuda --arch resnet50 --res 224 --batch 32 \
    --steps 10 --warmup 3 --precision bf16 --backend "$backend" ${out:+--json "$out/train_$backend.json"} 2>&1 |
    tee -a "$build.train.log" | tail -3
  [ "${PIPESTATUS[0]}" -eq 0 ] || train_rc=1
done

# Pre-training end to end on the GPU: the smoke preset's SwAV (multi-crop,
# Sinkhorn, LARS) for 20 steps under bf16 autocast; it must finish (the
# trainer stops on a non-finite loss or gradient) and its losses are printed.
pretrain_rc=0
pretrain_out=$(mktemp -d)
say "pretrain swav --device cuda --precision bf16 (20 steps)"
timeout 150 "$build/facebench/facebench" pretrain --preset smoke --method swav --device cuda --precision bf16 \
  --max-steps 20 --workers 8 --out "$pretrain_out" 2>&1 | tee "$build.pretrain.log" | grep -v "^\s*$" | tail -3
pretrain_rc=${PIPESTATUS[0]}
grep -o '"loss":[^,}]*' "$pretrain_out/log.jsonl" 2>/dev/null | cut -d: -f2 | tr '\n' ' ' |
  sed 's/^/pretrain losses: /' | tee -a "$build.pretrain.log"
echo
[ -n "$out" ] && cp "$build.pretrain.log" "$out/pretrain.log" && cp "$pretrain_out/log.jsonl" "$out/pretrain_log.jsonl" 2>/dev/null
rm -rf "$pretrain_out"

echo
echo "================ gpu-check summary ($(($(date +%s) - t0)) s) ================"
grep -E "^\[doctest\] (test cases|assertions)" "$build.test.log" || echo "(no doctest summary: see above)"
echo "test_cuda exit: $tests_rc   nccl exit: $nccl_rc   fb_cuda_bench exit: $bench_rc   bench train: $train_rc   pretrain: $pretrain_rc"
echo "$wgmma_note"
grep -E "^(device|problem|gemm|conv3x3)" "$build.bench.log" || true
grep -E "^facebench resnet50" "$build.train.log" || true
grep -E "^pretrain (swav|losses)" "$build.pretrain.log" || true
[ "$tests_rc" -eq 0 ] && [ "$nccl_rc" -eq 0 ] && [ "$bench_rc" -eq 0 ] && [ "$train_rc" -eq 0 ] && [ "$pretrain_rc" -eq 0 ]
