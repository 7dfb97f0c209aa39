#!/usr/bin/env bash
# Both directions at full width: PyTorch-written ResNet-18/50 weights run by
# `facebench forward` give PyTorch's outputs, and facebench checkpoints load in
# PyTorch with strict=True and give the same outputs. Skipped (exit 77) when
# Debian's python3-torch is not installed.
set -euo pipefail
src=$1 facebench=$2
py=/usr/bin/python3
if ! "$py" -c "import torch" 2>/dev/null; then
  echo "skipped: python3-torch is not installed"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$py" -c "import numpy as np; np.save('$tmp/input.npy', np.random.default_rng(0).standard_normal((2, 3, 224, 224)).astype('float32'))"
# A full-width ResNet-18 and ResNet-50 initialised by facebench, loaded into torchvision's models.
for arch in resnet18 resnet50; do
  "$facebench" init --arch "$arch" --num-classes 10 --seed 3 --out "$tmp/$arch.safetensors" 2>/dev/null
  for mode in eval train; do
    flag=""; [ "$mode" = train ] && flag=--train-mode
    "$facebench" forward --arch "$arch" --weights "$tmp/$arch.safetensors" --input "$tmp/input.npy" \
      --output "$tmp/${arch}_$mode.npy" $flag 2>/dev/null
  done
done
# A trained, reduced-width checkpoint (non-trivial batch-norm statistics).
"$facebench" train --identities 6 --per-identity 6 --held-out 1 --size 32 --epochs 1 --batch 8 --width 0.125 \
  --out "$tmp/trained" > /dev/null 2>&1
"$py" -c "import numpy as np; np.save('$tmp/input32.npy', np.random.default_rng(1).standard_normal((3, 3, 32, 32)).astype('float32'))"
"$facebench" forward --arch resnet18 --width 0.125 --small-input --weights "$tmp/trained/model.safetensors" \
  --input "$tmp/input32.npy" --output "$tmp/trained_eval.npy" 2>/dev/null
# PyTorch-written full-width weights (randomised batch-norm statistics) run by facebench.
"$py" "$src/tests/golden/make_resnet_golden.py" --full "$tmp/torch" > /dev/null
for arch in resnet18 resnet50; do
  for mode in eval train; do
    flag=""; [ "$mode" = train ] && flag=--train-mode
    "$facebench" forward --arch "$arch" --weights "$tmp/torch/$arch.safetensors" --input "$tmp/torch/input.npy" \
      --output "$tmp/torch/${arch}_${mode}_facebench.npy" $flag 2>/dev/null
  done
done
"$py" "$src/tests/golden/check_roundtrip.py" "$tmp"
