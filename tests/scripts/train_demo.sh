#!/usr/bin/env bash
# facebench train, both tasks, at a tiny size: each writes its model and a
# metrics log with finite numbers, the landmark model carries its heatmap
# head, and the landmark task keeps its held-out people apart from training.
set -euo pipefail
facebench="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$facebench" train --identities 6 --per-identity 6 --held-out 2 --size 32 --epochs 1 --batch 8 \
  --width 0.125 --threads 2 --out "$tmp/id" > "$tmp/id.txt" 2> "$tmp/id.err"
"$facebench" train --task landmarks --identities 12 --per-identity 4 --val-identities 3 --held-out 2 --size 32 \
  --epochs 1 --batch 8 --width 0.125 --head-channels 8 --threads 2 --out "$tmp/lm" > "$tmp/lm.txt" 2> "$tmp/lm.err"

python3 - "$tmp" <<'PY'
import json, math, struct, sys
tmp = sys.argv[1]

def header(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        return json.loads(f.read(n))

ident = json.load(open(f"{tmp}/id/metrics.json"))
assert len(ident) == 1 and all(math.isfinite(ident[0][k]) for k in ("train_loss", "heldout_acc")), ident
lm = json.load(open(f"{tmp}/lm/metrics.json"))
assert len(lm) == 1, lm
for k in ("train_loss", "heldout_nme_percent", "mean_shape_nme_percent"):
    assert math.isfinite(lm[0][k]) and lm[0][k] > 0, (k, lm)
h = header(f"{tmp}/lm/model.safetensors")
assert h["__metadata__"]["task"] == "landmarks" and h["__metadata__"]["head_channels"] == "8", h["__metadata__"]
assert any(k.startswith("head.") for k in h) and any(k.startswith("backbone.") for k in h), sorted(h)[:5]
assert "fc.weight" not in h and "backbone.fc.weight" not in h
print("train demo: identity and landmark runs wrote finite metrics and their models")
PY
grep -q "48 train images of 12 identities, 6 held-out images of 3 other identities" "$tmp/lm.err"
