#!/usr/bin/env python3
"""Writes PyTorch reference results for the ResNet golden tests.

Run with Debian's python3-torch (1.13):  /usr/bin/python3 tests/golden/make_resnet_golden.py
For each configuration it stores, in one safetensors file: the model's
state dict (torchvision names, OIHW layouts, randomised batch-norm statistics
so that evaluation mode is not an identity), an NCHW input, labels, the
logits in eval and train mode, the loss, every parameter's gradient after one
backward pass of the train-mode cross-entropy, and the running statistics
after that forward. The C++ test tests/nn/test_resnet_golden.cpp reads it.

With --full it instead writes full-width ResNet-18/50 weights and inputs to a
scratch folder for tests/golden/check_forward.sh (not committed: too large).
"""
import argparse
import json
import os
import struct

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))


def load_safetensors(path):
    """Minimal safetensors reader -> {name: torch.Tensor}."""
    dtypes = {"F32": np.float32, "F64": np.float64, "I64": np.int64, "I32": np.int32, "U8": np.uint8}
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    buf = data[8 + n:]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        b, e = info["data_offsets"]
        arr = np.frombuffer(buf[b:e], dtype=dtypes[info["dtype"]]).reshape(info["shape"])
        out[name] = torch.from_numpy(arr.copy())
    return out


def save_safetensors(path, tensors):
    """Minimal safetensors writer (little-endian, contiguous, in order)."""
    dtypes = {torch.float32: "F32", torch.float64: "F64", torch.int64: "I64"}
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        t = t.detach().contiguous().cpu()
        raw = t.numpy().tobytes()
        header[name] = {"dtype": dtypes[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


# A ResNet identical to torchvision's (same module names and order), with a
# channel width multiplier so that the committed fixtures stay small.
class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, inplanes, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or inplanes != planes:
            self.downsample = nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x):
        idt = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + idt)


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, inplanes, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = None
        if stride != 1 or inplanes != planes * 4:
            self.downsample = nn.Sequential(nn.Conv2d(inplanes, planes * 4, 1, stride, bias=False),
                                            nn.BatchNorm2d(planes * 4))

    def forward(self, x):
        idt = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + idt)


class ResNet(nn.Module):
    def __init__(self, block, layers, num_classes, width=1.0, small_input=False):
        super().__init__()
        w = lambda c: max(1, int(round(c * width)))
        self.inplanes = w(64)
        self.small_input = small_input  # 3x3 stride-1 stem, no max-pool
        if small_input:
            self.conv1 = nn.Conv2d(3, self.inplanes, 3, 1, 1, bias=False)
        else:
            self.conv1 = nn.Conv2d(3, self.inplanes, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(self.inplanes)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.layer1 = self._make_layer(block, w(64), layers[0], 1)
        self.layer2 = self._make_layer(block, w(128), layers[1], 2)
        self.layer3 = self._make_layer(block, w(256), layers[2], 2)
        self.layer4 = self._make_layer(block, w(512), layers[3], 2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(self.inplanes, num_classes)

    def _make_layer(self, block, planes, blocks, stride):
        mods = []
        for b in range(blocks):
            mods.append(block(self.inplanes, planes, stride if b == 0 else 1))
            self.inplanes = planes * block.expansion
        return nn.Sequential(*mods)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        if not self.small_input:
            x = self.maxpool(x)
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


ARCHS = {"resnet18": (BasicBlock, [2, 2, 2, 2]), "resnet34": (BasicBlock, [3, 4, 6, 3]),
         "resnet50": (Bottleneck, [3, 4, 6, 3])}


def build(arch, num_classes, width, seed):
    torch.manual_seed(seed)
    block, layers = ARCHS[arch]
    m = ResNet(block, layers, num_classes, width)
    with torch.no_grad():  # non-trivial batch-norm parameters and statistics
        for mod in m.modules():
            if isinstance(mod, nn.BatchNorm2d):
                mod.weight.uniform_(0.5, 1.5)
                mod.bias.uniform_(-0.3, 0.3)
                mod.running_mean.uniform_(-0.2, 0.2)
                mod.running_var.uniform_(0.5, 2.0)
                mod.num_batches_tracked.fill_(7)
    return m


def check_names_match_torchvision():
    try:
        import torchvision
    except ImportError:
        print("torchvision not installed: skipped the name check")
        return
    for arch in ARCHS:
        ours = build(arch, 1000, 1.0, 0).state_dict()
        theirs = getattr(torchvision.models, arch)().state_dict()
        assert list(ours.keys()) == list(theirs.keys()), arch
        assert all(ours[k].shape == theirs[k].shape for k in ours), arch
        print(f"{arch}: {len(ours)} state-dict entries identical in name, order and shape to torchvision")


def rel(a, b):
    return ((a.double() - b.double()).norm() / b.double().norm()).reshape(1)


def golden(arch, width, res, batch, classes, seed):
    """Reference results computed in float64 (the exact answer for the f32
    weights), plus PyTorch's own float32 error against them: the level of
    rounding noise any float32 implementation has on this network."""
    m32 = build(arch, classes, width, seed)
    m64 = build(arch, classes, width, seed).double()
    g = torch.Generator().manual_seed(seed + 1)
    x = torch.randn(batch, 3, res, res, generator=g)
    labels = torch.randint(0, classes, (batch,), generator=g)
    out = {f"state.{k}": v.clone() for k, v in m32.state_dict().items()}
    out["input"] = x
    out["labels"] = labels
    for m in (m32, m64):
        m.eval()
    with torch.no_grad():
        out["logits_eval"] = m64(x.double())
        out["torch_f32_err.logits_eval"] = rel(m32(x), out["logits_eval"])
    results = {}
    for name, m, xx in (("f64", m64, x.double()), ("f32", m32, x)):
        m.train()
        logits = m(xx)
        loss = F.cross_entropy(logits, labels)
        loss.backward()
        results[name] = (logits.detach(), loss.detach().reshape(1), {k: p.grad for k, p in m.named_parameters()})
    logits, loss, grads = results["f64"]
    out["logits_train"], out["loss"] = logits, loss
    out["torch_f32_err.logits_train"] = rel(results["f32"][0], logits)
    out["torch_f32_err.loss"] = rel(results["f32"][1], loss)
    for k, gr in grads.items():
        out[f"grad.{k}"] = gr
        out[f"torch_f32_err.grad.{k}"] = rel(results["f32"][2][k], gr)
    for k, v in m64.state_dict().items():
        if "running" in k:
            out[f"after.{k}"] = v.clone()
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--full", metavar="DIR", help="write full-width weights/inputs/outputs to DIR instead")
    args = ap.parse_args()
    torch.set_num_threads(2)
    check_names_match_torchvision()
    if args.full:
        os.makedirs(args.full, exist_ok=True)
        for arch in ["resnet18", "resnet50"]:
            m = build(arch, 1000, 1.0, 3)
            save_safetensors(os.path.join(args.full, f"{arch}.safetensors"), m.state_dict())
            x = torch.randn(2, 3, 224, 224, generator=torch.Generator().manual_seed(5))
            np.save(os.path.join(args.full, "input.npy"), x.numpy())
            m64 = build(arch, 1000, 1.0, 3).double()
            m64.load_state_dict(m.state_dict())
            for mode in ["eval", "train"]:
                m.train(mode == "train")
                m64.train(mode == "train")
                with torch.no_grad():
                    y, y64 = m(x), m64(x.double())
                np.save(os.path.join(args.full, f"{arch}_{mode}_torch.npy"), y.numpy())
                np.save(os.path.join(args.full, f"{arch}_{mode}_torch64.npy"), y64.numpy())
        return
    # Small fixtures committed to the repository.
    save_safetensors(os.path.join(HERE, "resnet18_w0125.safetensors"), golden("resnet18", 0.125, 48, 3, 10, 11))
    save_safetensors(os.path.join(HERE, "resnet50_w00625.safetensors"), golden("resnet50", 0.0625, 64, 4, 7, 12))


if __name__ == "__main__":
    main()
