#!/usr/bin/python3
"""PyTorch side of `facebench bench train`: times the same ResNet training
step (forward, cross-entropy, backward, SGD with momentum) and inference on
random data with torch's CPU backend, runs `facebench bench train` with the
same settings, and prints both and the ratios.

  /usr/bin/python3 scripts/bench_torch.py --facebench build/facebench/facebench \
      --arch resnet18 --res 112 --batch 32 --steps 10 [--threads 2] [--json out.json]

PyTorch runs both memory formats (contiguous NCHW and channels_last) and
the faster one is the baseline.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time


def torch_bench(arch, res, batch, steps, warmup, threads, channels_last):
    import torch
    import torchvision

    torch.set_num_threads(threads)
    torch.manual_seed(1)
    net = getattr(torchvision.models, arch)(num_classes=1000)
    x = torch.randn(batch, 3, res, res)
    y = torch.randint(0, 1000, (batch,))
    if channels_last:
        net = net.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
    loss_fn = torch.nn.CrossEntropyLoss()

    def train_step():
        loss = loss_fn(net(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    def infer_step():
        with torch.no_grad():
            net(x)

    def timed(fn):
        for _ in range(warmup):
            fn()
        ts = []
        for _ in range(steps):
            t0 = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - t0)
        return statistics.median(ts)

    net.train()
    t_train = timed(train_step)
    net.eval()
    t_infer = timed(infer_step)
    return batch / t_train, batch / t_infer


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--facebench", default="build/facebench/facebench", help="path to the facebench binary")
    ap.add_argument("--arch", default="resnet18")
    ap.add_argument("--res", type=int, default=112)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", help="write both results and the ratios here")
    ap.add_argument("--skip-facebench", action="store_true", help="time PyTorch only")
    a = ap.parse_args()

    def load():
        try:
            return os.getloadavg()[0]
        except OSError:
            return -1.0

    results = {"arch": a.arch, "res": a.res, "batch": a.batch, "threads": a.threads, "load_before": load()}
    fb = None
    if not a.skip_facebench:
        with tempfile.NamedTemporaryFile(suffix=".json") as f:
            cmd = [a.facebench, "bench", "train", "--arch", a.arch, "--res", str(a.res), "--batch", str(a.batch),
                   "--steps", str(a.steps), "--warmup", str(a.warmup), "--threads", str(a.threads), "--json", f.name]
            env = dict(os.environ, OMP_NUM_THREADS=str(a.threads))
            subprocess.run(cmd, check=True, env=env)
            fb = json.load(open(f.name))
        results["facebench"] = fb

    best = None
    for cl in (False, True):
        tr, inf = torch_bench(a.arch, a.res, a.batch, a.steps, a.warmup, a.threads, cl)
        fmt = "channels_last" if cl else "nchw"
        print(f"pytorch {fmt:13s}: train {tr:7.1f} img/s, inference {inf:7.1f} img/s")
        results[f"pytorch_{fmt}"] = {"train_images_per_s": tr, "inference_images_per_s": inf}
        if best is None or tr > best[0]:
            best = (tr, inf, fmt)
    results["pytorch_best_format"] = best[2]
    results["load_after"] = load()

    import torch
    print(f"pytorch {torch.__version__} ({best[2]}): train {best[0]:.1f} img/s, inference {best[1]:.1f} img/s")
    if fb:
        rt = fb["train_images_per_s"] / best[0]
        ri = fb["inference_images_per_s"] / best[1]
        results["ratio_train"] = rt
        results["ratio_inference"] = ri
        print(f"facebench: train {fb['train_images_per_s']:.1f} img/s, inference {fb['inference_images_per_s']:.1f} img/s")
        print(f"ratio facebench/pytorch: train {rt:.2f}x, inference {ri:.2f}x "
              f"(load average {results['load_before']:.2f} -> {results['load_after']:.2f})")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
