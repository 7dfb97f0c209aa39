#!/usr/bin/env python3
"""Compares facebench and PyTorch on the same weights, both directions:
PyTorch-written weights run by `facebench forward`, and checkpoints written by
facebench loaded into PyTorch models with strict=True.
Usage: check_roundtrip.py DIR   (DIR prepared by tests/scripts/roundtrip_pytorch.sh)"""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_resnet_golden import ARCHS, ResNet, load_safetensors  # noqa: E402


def rel(a, b):
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def judge(ours, ref32, ref64):
    """Our float32 output against the float64 answer, within 1e-5 or 4x PyTorch's
    own float32 error: train-mode batch norm over a batch of 2 amplifies float32
    rounding (ResNet-50: PyTorch's own error is ~1.6e-5 there), so a fixed bound
    would judge the rounding of the input rather than the code.
    Returns (ok, error vs float64, PyTorch's float32 error)."""
    e, e_torch = rel(ours, ref64), rel(ref32, ref64)
    return e <= max(1e-5, 4 * e_torch), e, e_torch


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
        m64 = make(arch).double()
        m64.load_state_dict(m.state_dict())
        for mode in ["eval", "train"]:
            m.train(mode == "train")
            m64.train(mode == "train")
            with torch.no_grad():
                ref32 = m(x).numpy()
                ref64 = m64(x.double()).numpy()
            ours = np.load(os.path.join(d, f"{arch}_{mode}.npy"))
            ok, e, e_torch = judge(ours, ref32, ref64)
            failures += not ok
            print(f"{arch} ({source}, strict load) {mode}: rel err vs PyTorch f32 {rel(ours, ref32):.2e}, "
                  f"vs f64 {e:.2e} (PyTorch f32 vs f64 {e_torch:.2e}) {'ok' if ok else 'FAILED'}")
    for arch in ["resnet18", "resnet50"]:
        for mode in ["eval", "train"]:
            ours = np.load(os.path.join(d, "torch", f"{arch}_{mode}_facebench.npy"))
            ref32 = np.load(os.path.join(d, "torch", f"{arch}_{mode}_torch.npy"))
            ok, e, e_torch = judge(ours, ref32, np.load(os.path.join(d, "torch", f"{arch}_{mode}_torch64.npy")))
            failures += not ok
            print(f"{arch} PyTorch-written weights, facebench forward {mode} 224x224: rel err vs PyTorch f32 "
                  f"{rel(ours, ref32):.2e}, vs f64 {e:.2e} (PyTorch f32 vs f64 {e_torch:.2e}) "
                  f"{'ok' if ok else 'FAILED'}")
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
