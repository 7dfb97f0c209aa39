#!/usr/bin/env python3
"""Loads checkpoints written by facebench into PyTorch models with strict=True
and compares PyTorch's outputs with the ones facebench computed.
Usage: check_roundtrip.py DIR   (DIR prepared by tests/scripts/roundtrip_pytorch.sh)"""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_resnet_golden import ARCHS, ResNet, load_safetensors  # noqa: E402


def rel(a, b):
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def main():
    d = sys.argv[1]
    torch.set_num_threads(2)
    failures = 0
    try:
        import torchvision
        make = lambda arch: getattr(torchvision.models, arch)(num_classes=10)
        source = "torchvision"
    except ImportError:
        make = lambda arch: ResNet(*ARCHS[arch], 10)
        source = "reference ResNet"
    x = torch.from_numpy(np.load(os.path.join(d, "input.npy")))
    for arch in ["resnet18", "resnet50"]:
        m = make(arch)
        m.load_state_dict(load_safetensors(os.path.join(d, f"{arch}.safetensors")), strict=True)
        for mode in ["eval", "train"]:
            m.train(mode == "train")
            with torch.no_grad():
                ref = m(x).numpy()
            e = rel(np.load(os.path.join(d, f"{arch}_{mode}.npy")), ref)
            ok = e <= 1e-5
            failures += not ok
            print(f"{arch} ({source}, strict load) {mode}: rel err {e:.2e} {'ok' if ok else 'FAILED'}")
    m = ResNet(*ARCHS["resnet18"], 6, width=0.125, small_input=True)
    m.load_state_dict(load_safetensors(os.path.join(d, "trained", "model.safetensors")), strict=True)
    m.eval()
    with torch.no_grad():
        ref = m(torch.from_numpy(np.load(os.path.join(d, "input32.npy")))).numpy()
    e = rel(np.load(os.path.join(d, "trained_eval.npy")), ref)
    failures += e > 1e-5
    print(f"trained resnet18 w0.125 (strict load) eval: rel err {e:.2e} {'ok' if e <= 1e-5 else 'FAILED'}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
