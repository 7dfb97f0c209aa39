#!/usr/bin/env bash
# `facebench reproduce --preset smoke` end to end (pre-training, every task in
# both modes, the redundancy study, the report), then `embed` and `predict` on
# real photos (ORL) and on synthetic faces, and `--dry-run` of the paper preset.
set -euo pipefail
facebench=$1
shared=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
check() { if ! eval "$1"; then echo "FAILED: $1"; exit 1; fi; echo "ok: $1"; }

orl="$shared/data/orl-faces"
orl_args=()
if [ -d "$orl" ]; then orl_args=(--orl "$orl"); fi
"$facebench" reproduce --preset smoke --out "$tmp/run" "${orl_args[@]}"
report="$tmp/run/REPORT.md"
check "[ -s '$report' ] && [ -s '$tmp/run/results.csv' ] && [ -s '$tmp/run/results.json' ]"
for task in recognition landmarks au emotion 3d parsing redundancy; do
  check "grep -q '\"task\":\"$task\"' '$tmp/run/results.jsonl'"
done
# 4 backbones x 6 tasks x 2 modes x 2 fractions + 2 redundancy cells.
check "[ \$(wc -l < '$tmp/run/results.jsonl') -eq 98 ]"
check "grep -q 'Claim 1' '$report' && grep -q 'Claim 2' '$report'"
check "ls '$tmp/run/plots/'*.png >/dev/null"
if [ -d "$orl" ]; then check "grep -q orl_rank1_5shot '$tmp/run/results.jsonl'"; fi
# Started again: nothing is rerun.
"$facebench" reproduce --preset smoke --out "$tmp/run" "${orl_args[@]}" 2>&1 | tee "$tmp/again.log" | tail -1
check "grep -q '0 to run' '$tmp/again.log'"

# eval with a saved model, then predict on synthetic faces and on ORL photos.
"$facebench" eval --task landmarks --backbone "$tmp/run/backbones/swav-uncurated/backbone.safetensors" \
  --fractions 100 --seeds 1 --steps 5 --crop 32 --save-model --out "$tmp/eval"
model="$tmp/eval/models/landmarks-swav-uncurated-linear.safetensors"
check "[ -s '$model' ]"
"$facebench" synth --mode curated --identities 2 --per-identity 2 --size 64 --seed 3 --out "$tmp/synth" >/dev/null
"$facebench" predict --model "$model" "$tmp/synth/images" --out "$tmp/pred"
check "[ \$(ls '$tmp/pred/'*.png | wc -l) -eq 4 ] && grep -q landmarks '$tmp/pred/predictions.json'"
if [ -d "$orl" ]; then
  "$facebench" predict --model "$model" "$orl/s1/1.pgm" "$orl/s2/1.pgm" --out "$tmp/pred_orl"
  check "[ \$(ls '$tmp/pred_orl/'*.png | wc -l) -eq 2 ]"
  "$facebench" embed --backbone "$tmp/run/backbones/supervised/backbone.safetensors" --images "$orl" --out "$tmp/orl.npy"
  check "[ \$(wc -l < '$tmp/orl.npy.txt') -eq 400 ]"
  check "head -c 80 '$tmp/orl.npy' | grep -q \"'shape': (400, \""
fi
"$facebench" embed --backbone scratch --images "$tmp/synth/images" --out "$tmp/synth.npy"
check "head -c 80 '$tmp/synth.npy' | grep -q \"'shape': (4, \""

# The paper preset's dry run lists every cell and marks missing data.
"$facebench" reproduce --preset paper --data-root "$tmp/no-data" --backbone swav=/x/swav.pth --dry-run --out "$tmp/paper" > "$tmp/dry.txt"
check "grep -q '^[0-9]* cells' '$tmp/dry.txt' && grep -q 'MISSING' '$tmp/dry.txt' && grep -q 'lapa at' '$tmp/dry.txt'"
echo "benchmark smoke: all checks passed"
