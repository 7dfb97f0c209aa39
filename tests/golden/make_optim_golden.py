#!/usr/bin/env python3
"""PyTorch reference trajectories for the optimizers (tests/nn/test_optim.cpp).

Three parameters (a matrix, a vector, a scalar-like tensor) follow 4 steps of
each optimizer with fixed gradients per step; the parameters after each step
are stored in float64. Run: /usr/bin/python3 tests/golden/make_optim_golden.py
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_resnet_golden import save_safetensors  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
STEPS = 4
CONFIGS = {
    "sgd": lambda p: torch.optim.SGD(p, lr=0.1),
    "sgd_momentum_wd": lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01),
    "sgd_nesterov": lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.8, nesterov=True, weight_decay=1e-3),
    "adamw": lambda p: torch.optim.AdamW(p, lr=0.01, betas=(0.9, 0.99), eps=1e-6, weight_decay=0.05),
}


def main():
    g = torch.Generator().manual_seed(0)
    shapes = [(3, 4), (5,), (1,)]
    init = [torch.randn(s, generator=g, dtype=torch.float64) for s in shapes]
    grads = [[torch.randn(s, generator=g, dtype=torch.float64) for s in shapes] for _ in range(STEPS)]
    out = {}
    for i, t in enumerate(init):
        out[f"init.{i}"] = t
    for k in range(STEPS):
        for i, t in enumerate(grads[k]):
            out[f"grad.{k}.{i}"] = t
    for name, make in CONFIGS.items():
        params = [t.clone().requires_grad_(True) for t in init]
        opt = make(params)
        for k in range(STEPS):
            for p, gr in zip(params, grads[k]):
                p.grad = gr.clone()
            opt.step()
            for i, p in enumerate(params):
                out[f"{name}.{k}.{i}"] = p.detach().clone()
    save_safetensors(os.path.join(HERE, "optim_trajectories.safetensors"), out)


if __name__ == "__main__":
    main()
