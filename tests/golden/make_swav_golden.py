#!/usr/bin/env python3
"""PyTorch reference for Sinkhorn-Knopp and the SwAV swapped-prediction loss,
written as SwAV's published training code computes them (float64): scores of
5 views of 6 images against 11 prototypes, codes from views 0 and 1.
Run: /usr/bin/python3 tests/golden/make_swav_golden.py"""
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_resnet_golden import save_safetensors  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
BS, K, VIEWS, TEMP, EPS, ITERS = 6, 11, 5, 0.1, 0.05, 3


def sinkhorn(out, eps, iters):
    Q = torch.exp(out / eps).t()  # prototypes x samples
    B, K = Q.shape[1], Q.shape[0]
    Q /= torch.sum(Q)
    for _ in range(iters):
        Q /= torch.sum(Q, dim=1, keepdim=True)  # each prototype: 1/K of the mass
        Q /= K
        Q /= torch.sum(Q, dim=0, keepdim=True)  # each sample: 1/B
        Q /= B
    Q *= B
    return Q.t()


def swav_loss(scores):
    loss = 0
    for crop_id in [0, 1]:
        with torch.no_grad():
            q = sinkhorn(scores[BS * crop_id: BS * (crop_id + 1)].detach(), EPS, ITERS)
        sub = 0
        for v in [v for v in range(VIEWS) if v != crop_id]:
            x = scores[BS * v: BS * (v + 1)] / TEMP
            sub -= torch.mean(torch.sum(q * F.log_softmax(x, dim=1), dim=1))
        loss += sub / (VIEWS - 1)
    return loss / 2


def main():
    g = torch.Generator().manual_seed(0)
    emb = F.normalize(torch.randn(VIEWS * BS, 8, generator=g, dtype=torch.float64), dim=1)
    protos = F.normalize(torch.randn(K, 8, generator=g, dtype=torch.float64), dim=1)
    scores = (emb @ protos.t()).requires_grad_(True)
    loss = swav_loss(scores)
    loss.backward()
    save_safetensors(os.path.join(HERE, "swav_reference.safetensors"), {
        "scores": scores.detach(),
        "codes_view0": sinkhorn(scores[:BS].detach(), EPS, ITERS),
        "loss": loss.detach().reshape(1),
        "grad_scores": scores.grad,
    })


if __name__ == "__main__":
    main()
