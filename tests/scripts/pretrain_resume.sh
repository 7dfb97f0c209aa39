#!/usr/bin/env bash
# Pre-training killed with SIGKILL at random moments (at least 5 times) and
# resumed each time ends with exactly (bitwise) the weights of an uninterrupted run.
set -euo pipefail
facebench=$1
method=${2:-swav}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export OMP_NUM_THREADS=2
local_crops=2 method_args=()
[ "$method" = swav ] || local_crops=0
# SwAV with its queue from epoch 2 on: the kills also land while it fills and once it is in use.
[ "$method" = swav ] && method_args=(--swav-queue 16 --swav-queue-start-epoch 2)
args=(pretrain --preset smoke --method "$method" --width 0.125 --res 32 --small-res 16 --local-crops $local_crops
      --identities 8 --per-identity 6 --batch 8 --epochs 8 --checkpoint-every 1 --seed 5 "${method_args[@]}")
"$facebench" "${args[@]}" --out "$tmp/straight" > /dev/null 2>&1
kills=0
# Kill points: after a random number (0 to 2) of new checkpoints since the
# (re)start, plus a random 0-90 ms, so kills land in start-up, in training steps
# and while a checkpoint is being written, not only in start-up.
ckpt="$tmp/killed/checkpoint.safetensors"
stamp() { stat -c '%i %y' "$ckpt" 2>/dev/null || echo none; }
"$facebench" "${args[@]}" --out "$tmp/killed" > /dev/null 2>&1 &
pid=$!
while true; do
  want=$((RANDOM % 3)) seen=0 last=$(stamp)
  while [ $seen -lt $want ] && kill -0 "$pid" 2>/dev/null; do
    sleep 0.01
    now=$(stamp)
    if [ "$now" != "$last" ]; then seen=$((seen + 1)) last=$now; fi
  done
  sleep "0.0$((RANDOM % 10))"
  if ! kill -0 "$pid" 2>/dev/null; then  # the run ended by itself
    wait "$pid"
    break
  fi
  [ -f "$ckpt" ] || continue  # nothing to resume from yet
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
if [ $kills -lt 5 ]; then  # the acceptance asks for at least five interruptions
  echo "FAILED: $method: the run finished after $kills interruptions, before it could be interrupted 5 times"
  exit 1
fi
if cmp -s "$tmp/straight/backbone.safetensors" "$tmp/killed/backbone.safetensors"; then
  echo "$method: resumed backbone is bitwise equal to the uninterrupted run's"
else
  echo "FAILED: $method: resumed backbone differs from the uninterrupted run's"
  exit 1
fi
