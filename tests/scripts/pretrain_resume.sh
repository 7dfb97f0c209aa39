#!/usr/bin/env bash
# Pre-training killed with SIGKILL at random moments and resumed each time
# ends with exactly (bitwise) the weights of an uninterrupted run.
set -euo pipefail
facebench=$1
method=${2:-swav}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export OMP_NUM_THREADS=2
local_crops=2
[ "$method" = swav ] || local_crops=0
args=(pretrain --preset smoke --method "$method" --width 0.125 --res 32 --small-res 16 --local-crops $local_crops
      --identities 8 --per-identity 6 --batch 8 --epochs 8 --checkpoint-every 1 --seed 5)
"$facebench" "${args[@]}" --out "$tmp/straight" > /dev/null 2>&1
kills=0
"$facebench" "${args[@]}" --out "$tmp/killed" > /dev/null 2>&1 &
pid=$!
while true; do
  sleep "0.$((RANDOM % 3))$((RANDOM % 10))"
  if ! kill -0 "$pid" 2>/dev/null; then  # the run ended by itself
    wait "$pid"
    break
  fi
  [ -f "$tmp/killed/checkpoint.safetensors" ] || continue  # nothing to resume from yet
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  kills=$((kills + 1))
  if [ $kills -ge 5 ]; then  # enough interruptions: the last resume runs to the end
    "$facebench" pretrain --resume --out "$tmp/killed" > /dev/null 2>&1
    break
  fi
  "$facebench" pretrain --resume --out "$tmp/killed" > /dev/null 2>&1 &
  pid=$!
done
echo "$method: killed $kills times"
if [ $kills -lt 2 ]; then
  echo "FAILED: $method: the run finished before it could be interrupted twice"
  exit 1
fi
if cmp -s "$tmp/straight/backbone.safetensors" "$tmp/killed/backbone.safetensors"; then
  echo "$method: resumed backbone is bitwise equal to the uninterrupted run's"
else
  echo "FAILED: $method: resumed backbone differs from the uninterrupted run's"
  exit 1
fi
