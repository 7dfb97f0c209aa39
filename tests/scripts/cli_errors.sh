#!/usr/bin/env bash
# Bad input to the CLI gives one clear error line and a non-zero exit, never a crash.
set -uo pipefail
facebench=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
# expect_error "<substring of stderr>" command...
expect_error() {
  local want=$1; shift
  local out rc
  out=$("$@" 2>&1 >/dev/null); rc=$?
  if [ $rc -eq 0 ] || [ $rc -ge 128 ] || ! grep -qF -- "$want" <<<"$out"; then
    echo "FAILED: $* -> exit $rc, stderr: $out (wanted: $want)"; fail=1
  else
    echo "ok: $want"
  fi
}
"$facebench" init --arch resnet18 --num-classes 4 --width 0.125 --out "$tmp/w.safetensors" 2>/dev/null
printf 'not a checkpoint' > "$tmp/bad.safetensors"
head -c 1000 "$tmp/w.safetensors" > "$tmp/truncated.safetensors"
/usr/bin/env printf '\x93NUMPY\x01\x00' > "$tmp/bad.npy"
expect_error "does not exist" "$facebench" forward --weights "$tmp/missing.safetensors" --input "$tmp/x.npy" --output "$tmp/y.npy"
expect_error "safetensors" "$facebench" forward --weights "$tmp/bad.safetensors" --input "$tmp/bad.safetensors" --output "$tmp/y.npy"
expect_error "truncated.safetensors" "$facebench" forward --weights "$tmp/truncated.safetensors" --input "$tmp/bad.npy" --output "$tmp/y.npy"
expect_error "bad.npy" "$facebench" forward --weights "$tmp/w.safetensors" --width 0.125 --input "$tmp/bad.npy" --output "$tmp/y.npy"
expect_error "keys do not match" "$facebench" forward --arch resnet50 --weights "$tmp/w.safetensors" --input "$tmp/bad.npy" --output "$tmp/y.npy"
expect_error "conv1.weight has shape" "$facebench" forward --weights "$tmp/w.safetensors" --input "$tmp/bad.npy" --output "$tmp/y.npy"
expect_error "resnet18" "$facebench" forward --arch vgg16 --weights "$tmp/w.safetensors" --input "$tmp/bad.npy" --output "$tmp/y.npy"
expect_error "--per-identity" "$facebench" train --per-identity 2 --held-out 2
# Pre-training: a data-parallel backend that cannot reduce the run's tensors, and a GPU run
# without a GPU (checked only where no NVIDIA driver answers, so that a GPU machine skips it).
expect_error "--dist nccl reduces GPU tensors" "$facebench" pretrain --dist nccl --device cpu --out "$tmp/p"
expect_error "--dist mpi reduces CPU tensors" "$facebench" pretrain --dist mpi --device cuda --out "$tmp/p"
if ! nvidia-smi -L > /dev/null 2>&1; then
  expect_error "pretrain: --device cuda" "$facebench" pretrain --device cuda --max-steps 1 --out "$tmp/p"
fi
exit $fail
