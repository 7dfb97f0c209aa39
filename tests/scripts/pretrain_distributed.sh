#!/usr/bin/env bash
# Data-parallel pre-training over MPI: `mpirun -np 2 ... --dist mpi` for three
# steps ends with the weights (and batch-norm statistics) of one process
# running the same global batch and seed, within 1e-5 relative over the
# backbone (see compare below), for supervised pre-training, SwAV
# (synchronised batch norm, Sinkhorn over the global batch, two local crops;
# and with its queue of earlier global batches),
# MoCo v2 (the queue fed the global batch's keys) and SimCLR (negatives over
# the gathered global batch);
# the same run with per-rank batch norm must fail the comparison (a control);
# a 2-rank run resumed under mpirun continues to the same weights; resuming it
# with another world size is refused.
# Usage: pretrain_distributed.sh FACEBENCH HAVE_MPI(ON|OFF). Exit 77 = skipped.
set -euo pipefail
facebench=$1
have_mpi=${2:-OFF}
if [ "$have_mpi" != ON ]; then echo "skipped: facebench was built without MPI"; exit 77; fi
if ! command -v mpirun > /dev/null; then echo "skipped: no mpirun on the PATH (apt-get install openmpi-bin)"; exit 77; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export OMP_NUM_THREADS=1
# CI runs as root; a 2-core machine needs oversubscription; shared memory only.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpi=(mpirun --oversubscribe -np 2 --mca btl self,vader --mca btl_vader_single_copy_mechanism none
     -x OMP_NUM_THREADS)
cat > "$tmp/tiny.json" <<'JSON'
{"image_size": 48, "proj_hidden": 32, "proj_out": 16, "prototypes": 16, "workers": 1}
JSON

compare() {  # compare A.safetensors B.safetensors LABEL: whole-backbone relative difference <= 1e-5, every tensor <= 1e-3 (see below)
  python3 - "$1" "$2" "$3" <<'PY'
import json, struct, sys
from array import array

def load(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, h in header.items():
        if name == "__metadata__":
            continue
        code = {"F32": "f", "F64": "d", "I64": "q", "I32": "i"}[h["dtype"]]
        a, b = h["data_offsets"]
        out[name] = array(code, data[a:b])
    return out

# The gate: ||a - b|| / ||b|| over the whole backbone (every floating tensor:
# weights and batch-norm statistics) <= 1e-5, and no tensor off by more than
# 1e-3 of its own norm. Float32 sums in another order (per-rank partial sums,
# then the all-reduce) leave ~1e-7 on most tensors; batch-norm biases start at
# zero and their gradient (sum of dy over the batch) cancels heavily, so their
# relative difference reaches ~1e-5 after one step and grows with steps, while
# a real error (e.g. statistics of half batches) is ~1e-2 or more everywhere.
x, y = load(sys.argv[1]), load(sys.argv[2])
assert x.keys() == y.keys(), "different tensor names"
d_all = n_all = 0.0
worst, where = 0.0, ""
for name in sorted(x):
    a, b = x[name], y[name]
    if a.typecode in "qi":
        assert a == b, f"{name}: integer tensors differ"
        continue
    d2 = sum((p - q) ** 2 for p, q in zip(a, b))
    n2 = sum(q * q for q in b)
    d_all, n_all = d_all + d2, n_all + n2
    rel = (d2 / n2) ** 0.5 if n2 > 0 else d2 ** 0.5
    if rel > worst:
        worst, where = rel, name
total = (d_all / n_all) ** 0.5
print(f"{sys.argv[3]}: relative weight difference {total:.3g} over the backbone ({len(x)} tensors), "
      f"worst tensor {worst:.3g} ({where})")
sys.exit(0 if total <= 1e-5 and worst <= 1e-3 else 1)
PY
}

# base_lr 0.6 rather than the smoke preset's 4.8: at 4.8 this tiny network's
# first gradients (norm ~100) make the run chaotic, and the float rounding of
# the per-rank sums (SwAV: 6e-8 of the weights after one step) grows a
# thousandfold in two more steps (7.6e-5 after three); at 0.6 three steps stay
# at 2.5e-7, while the control below still differs by 4e-2.
# Gradient buckets of 20 KB (18 for this network): most start their
# all-reduce while backward still runs (checked below in log.jsonl).
common=(--preset smoke --config "$tmp/tiny.json" --arch resnet18 --width 0.125 --res 32 --small-res 16
        --identities 8 --per-identity 4 --batch 8 --seed 3 --base-lr 0.6 --bucket-mb 0.02)
for method in supervised swav swav-queue moco simclr; do
  args=("${common[@]}" --method "${method%-queue}" --max-steps 3)
  [ "${method%-queue}" = swav ] && args+=(--local-crops 2)
  # SwAV's queue: filled by step 1's global batch, balanced with steps 2 and 3.
  [ "$method" = swav-queue ] && args+=(--swav-queue 8 --swav-queue-start-epoch 0)
  "$facebench" pretrain "${args[@]}" --out "$tmp/$method-1" > "$tmp/$method-1.log" 2>&1 ||
    { cat "$tmp/$method-1.log"; exit 1; }
  "${mpi[@]}" "$facebench" pretrain "${args[@]}" --dist mpi --out "$tmp/$method-2" > "$tmp/$method-2.log" 2>&1 ||
    { cat "$tmp/$method-2.log"; exit 1; }
  compare "$tmp/$method-2/backbone.safetensors" "$tmp/$method-1/backbone.safetensors" "$method, 2 ranks vs 1"
  if [ "$method" = swav ]; then  # the control: per-rank batch-norm statistics must not pass
    "${mpi[@]}" "$facebench" pretrain "${args[@]}" --dist mpi --sync-bn false --out "$tmp/$method-nosync" \
      > "$tmp/nosync.log" 2>&1 || { cat "$tmp/nosync.log"; exit 1; }
    if compare "$tmp/$method-nosync/backbone.safetensors" "$tmp/$method-1/backbone.safetensors" "$method, 2 ranks without sync BN (control)"; then
      echo "FAILED: the comparison cannot tell per-rank batch norm from synchronised"; exit 1
    fi
  fi
  # Only rank 0 writes: one log line per step.
  [ "$(wc -l < "$tmp/$method-2/log.jsonl")" -eq 3 ] || { echo "FAILED: $method: log.jsonl is not 3 lines"; exit 1; }
  # The all-reduce overlapped backward: every bucket but those holding a parameter
  # without a gradient (SwAV's frozen prototypes get one, dropped after) started inside it.
  python3 - "$tmp/$method-2/log.jsonl" "$method" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
for r in rows:
    n, early = r["grad_buckets"], r["grad_buckets_started_in_backward"]
    assert n >= 10 and early >= n - 1, f"{sys.argv[2]}: step {r['step']}: {early} of {n} buckets started during backward"
print(f"{sys.argv[2]}: {rows[-1]['grad_buckets_started_in_backward']} of {rows[-1]['grad_buckets']} gradient buckets started during backward")
PY
done

# Resume under mpirun: 2 steps, then on to 3, equals the straight run.
args=("${common[@]}" --method supervised)
"${mpi[@]}" "$facebench" pretrain "${args[@]}" --max-steps 2 --dist mpi --out "$tmp/resumed" > "$tmp/r.log" 2>&1 ||
  { cat "$tmp/r.log"; exit 1; }
"${mpi[@]}" "$facebench" pretrain --resume --max-steps 3 --dist mpi --out "$tmp/resumed" > "$tmp/r.log" 2>&1 ||
  { cat "$tmp/r.log"; exit 1; }
compare "$tmp/resumed/backbone.safetensors" "$tmp/supervised-1/backbone.safetensors" "supervised, 2 ranks resumed vs 1"

# Another world size is refused with a clear message.
if "$facebench" pretrain --resume --max-steps 4 --out "$tmp/resumed" > "$tmp/w.log" 2>&1; then
  echo "FAILED: a 2-rank checkpoint resumed in one process"; exit 1
fi
grep -q "written by 2 rank(s)" "$tmp/w.log" || { echo "FAILED: unclear error:"; cat "$tmp/w.log"; exit 1; }
echo "resume with another world size refused: $(tail -n 1 "$tmp/w.log")"
