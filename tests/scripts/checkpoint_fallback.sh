#!/usr/bin/env bash
# A damaged or missing latest pre-training checkpoint is detected on --resume:
# the run warns, resumes from the previous checkpoint and ends with exactly the
# weights of a run that was never interrupted. With both checkpoints damaged
# --resume fails with a clear error instead of starting over.
#
# The run saves at step 2 (--checkpoint-every 2) and at its end (step 3), so the
# latest checkpoint holds step 3 and the previous one step 2; a resume that
# used the previous one reports "at step 2".
set -euo pipefail
facebench=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export OMP_NUM_THREADS=1
args=(pretrain --preset smoke --method swav --width 0.125 --res 32 --small-res 16 --local-crops 2
      --identities 8 --per-identity 6 --batch 8 --epochs 8 --checkpoint-every 2 --seed 5 --workers 1)
fail() { echo "FAILED: $*"; exit 1; }

"$facebench" "${args[@]}" --max-steps 4 --out "$tmp/straight" > /dev/null 2>&1

# Each damage is applied to a fresh 3-step run; the resume then continues to step 4.
damage_cases=(truncated header-garbage trailing-bytes missing)
for damage in "${damage_cases[@]}"; do
  run="$tmp/$damage"
  "$facebench" "${args[@]}" --max-steps 3 --out "$run" > /dev/null 2>&1
  latest="$run/checkpoint.safetensors"
  [ -f "$latest" ] && [ -f "$run/checkpoint.prev.safetensors" ] || fail "$damage: the run left no latest and previous checkpoint"
  size=$(stat -c %s "$latest")
  case $damage in
    truncated) truncate -s $((size / 2)) "$latest" ;;          # a write cut short
    header-garbage) printf 'garbage!garbage!' | dd of="$latest" bs=1 seek=8 conv=notrunc status=none ;;
    trailing-bytes) truncate -s $((size + 100)) "$latest" ;;  # zeros after the data
    missing) rm "$latest" ;;                                  # killed between the two renames
  esac
  "$facebench" pretrain --resume --max-steps 4 --out "$run" > "$tmp/out" 2> "$tmp/err" ||
    { cat "$tmp/err"; fail "$damage: --resume failed instead of using the previous checkpoint"; }
  grep -q "warning: .*resuming from the previous checkpoint .*checkpoint.prev.safetensors" "$tmp/err" ||
    { cat "$tmp/err"; fail "$damage: no warning about the damaged latest checkpoint"; }
  grep -q "resuming .* at step 2 " "$tmp/err" || { cat "$tmp/err"; fail "$damage: did not resume at step 2"; }
  cmp -s "$tmp/straight/backbone.safetensors" "$run/backbone.safetensors" ||
    fail "$damage: the resumed run's weights differ from the uninterrupted run's"
  echo "$damage: warned, resumed from the previous checkpoint (step 2), final weights equal"
done

# Both damaged: a clear one-line error and a non-zero status, not a fresh start.
run="$tmp/both"
"$facebench" "${args[@]}" --max-steps 3 --out "$run" > /dev/null 2>&1
truncate -s 100 "$run/checkpoint.safetensors"
truncate -s 100 "$run/checkpoint.prev.safetensors"
if "$facebench" pretrain --resume --max-steps 4 --out "$run" > /dev/null 2> "$tmp/err"; then
  fail "both damaged: --resume succeeded"
fi
grep -q "checkpoint" "$tmp/err" || { cat "$tmp/err"; fail "both damaged: the error does not name the checkpoint"; }
echo "both damaged: refused with: $(tail -1 "$tmp/err")"
