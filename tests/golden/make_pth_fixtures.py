#!/usr/bin/env python3
"""Writes the PyTorch checkpoint fixtures for tests/checkpoint/test_pth*.cpp into tests/golden/pth/.

Run with Debian's python3-torch (1.13):  /usr/bin/python3 tests/golden/make_pth_fixtures.py

Genuine checkpoints (torch.save):
  r50_release.pth        ResNet-50 (width 1/16, 7 classes) wrapped like the paper's released models:
                         DataParallel around a module holding the net as `base_net`, so names read
                         "module.base_net.conv1.weight"; saved as {"state_dict": ..., "epoch": 3,
                         "optimizer": ..., "arch": ..., "best_acc": ...}.
  r50_expected.safetensors  input, the logits of that net in float64 and float32 (eval mode).
  r18_f16.pth            ResNet-18 (width 1/16, 5 classes) converted with .half(), saved top-level.
  r18_f16_expected.safetensors  input and float64 logits of the half weights (evaluated in float64).
  views.pth              every dtype, views with offsets and strides, shared storages, a parameter,
                         0-d and empty tensors, plus non-tensor entries; views_legacy.pth is the same
                         dict in the legacy (non-zip) format, nested as {"model": ...}.
  views_expected.safetensors  the values of views.pth as contiguous float64.
Hostile or damaged files (must be refused, never executed or crashed on); each payload would create
the marker file /tmp/facebench_pth_marker if a normal unpickler ran it:
  evil_*.pth, bad_*.pth, unknown_opcode.pth, crafted_ok.pth (the hand-assembler's control case).
The generator only writes these files; it never loads them.
"""
import io
import os
import struct
import subprocess
import sys
import zipfile
from collections import OrderedDict

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "pth")
sys.path.insert(0, HERE)
from make_resnet_golden import build, save_safetensors  # noqa: E402

MARKER = "/tmp/facebench_pth_marker"


def out(name):
    return os.path.join(OUT, name)


# ---------------------------------------------------------------------------------------------
# Genuine checkpoints
# ---------------------------------------------------------------------------------------------

class Holder(nn.Module):
    """The released models keep the backbone as `base_net` inside a DataParallel wrapper."""

    def __init__(self, net):
        super().__init__()
        self.base_net = net


def release_checkpoint():
    net = build("resnet50", 7, 0.0625, 21)
    sd = nn.DataParallel(Holder(net)).state_dict()  # "module.base_net.*", with _metadata
    assert next(iter(sd)).startswith("module.base_net.")
    ckpt = {"state_dict": sd, "epoch": 3, "arch": "resnet50", "best_acc": 71.5,
            "optimizer": {"state": {}, "param_groups": [{"lr": 0.1, "momentum": 0.9, "params": [0, 1, 2]}]}}
    torch.save(ckpt, out("r50_release.pth"))
    x = torch.randn(2, 3, 32, 32, generator=torch.Generator().manual_seed(22))
    net.eval()
    with torch.no_grad():
        y32 = net(x)
        y64 = build("resnet50", 7, 0.0625, 21).double().eval()(x.double())
    save_safetensors(out("r50_expected.safetensors"), {"input": x, "logits_f64": y64, "logits_f32": y32})


def f16_checkpoint():
    net = build("resnet18", 5, 0.0625, 23).half()
    torch.save(net.state_dict(), out("r18_f16.pth"))
    x = torch.randn(2, 3, 32, 32, generator=torch.Generator().manual_seed(24))
    ref = build("resnet18", 5, 0.0625, 23).double().eval()
    ref.load_state_dict({k: v.double() if v.is_floating_point() else v for k, v in net.state_dict().items()})
    with torch.no_grad():
        y64 = ref(x.double())
    save_safetensors(out("r18_f16_expected.safetensors"), {"input": x, "logits_f64": y64})


def views_dict():
    g = torch.Generator().manual_seed(25)
    base = torch.randn(4, 6, generator=g)
    big = torch.arange(24, dtype=torch.float64).reshape(2, 3, 4)
    d = OrderedDict()
    d["transposed"] = base.t()               # non-contiguous view, shares base's storage
    d["row"] = base[2]                       # storage offset 12
    d["cols"] = base[1:, ::2]                # offset and strides
    d["base"] = base                         # the whole shared storage
    d["permuted64"] = big.permute(2, 0, 1)   # f64, 3-D permutation
    d["expanded"] = torch.tensor([1.5, -2.0, 3.25]).expand(2, 3)  # stride 0
    d["half"] = torch.tensor([0.5, -1.0, 65504.0, 6.1e-5, 1e-7, -0.0], dtype=torch.float16)
    d["bf16"] = torch.tensor([1.0, -2.5, 3.0e38, 1e-3], dtype=torch.bfloat16)
    d["i64"] = torch.tensor([[-(2 ** 40), 7], [0, 2 ** 50]], dtype=torch.int64)
    d["i32"] = torch.tensor([-5, 0, 2 ** 30], dtype=torch.int32)
    d["u8"] = torch.tensor([0, 17, 255], dtype=torch.uint8)
    d["bool"] = torch.tensor([True, False, True])
    d["scalar"] = torch.tensor(3.5)
    d["empty"] = torch.zeros(0, 3)
    d["param"] = nn.Parameter(torch.tensor([[0.25, -0.75]]))
    d["num_batches_tracked"] = torch.tensor(7)
    d["epoch_like"] = 12
    d["notes"] = {"text": "hello", "values": [1, 2.5, None, True, -(2 ** 70)], "nested": ("a", (1, 2))}
    expected = {k: v.detach().to(torch.float64).contiguous() for k, v in d.items() if isinstance(v, torch.Tensor)}
    return d, expected


def views_checkpoints():
    d, expected = views_dict()
    torch.save(d, out("views.pth"))
    torch.save({"model": d, "epoch": 1}, out("views_legacy.pth"), _use_new_zipfile_serialization=False)
    save_safetensors(out("views_expected.safetensors"), expected)


# ---------------------------------------------------------------------------------------------
# Hostile checkpoints made by torch.save: objects whose __reduce__ names a dangerous callable.
# ---------------------------------------------------------------------------------------------

class Payload:
    def __init__(self, func, args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


def small_state():
    return OrderedDict(w=torch.ones(2, 2))


def evil_torch_saved():
    import builtins
    cmd = f"touch {MARKER}"
    torch.save({"state_dict": small_state(), "hook": Payload(os.system, (cmd,))}, out("evil_os_system.pth"))
    torch.save({"state_dict": small_state(), "x": Payload(builtins.eval, (f"__import__('os').system('{cmd}')",))},
               out("evil_eval.pth"))
    torch.save({"state_dict": small_state(), "x": Payload(builtins.exec, (f"import os; os.system('{cmd}')",))},
               out("evil_exec.pth"))
    torch.save({"state_dict": small_state(), "x": Payload(subprocess.Popen, (["touch", MARKER],))},
               out("evil_popen.pth"))
    # Protocol 4 names globals with STACK_GLOBAL instead of GLOBAL.
    torch.save({"state_dict": small_state(), "x": Payload(os.system, (cmd,))}, out("evil_stack_global.pth"),
               pickle_protocol=4)
    torch.save({"state_dict": small_state(), "x": Payload(builtins.eval, (f"__import__('os').system('{cmd}')",))},
               out("evil_eval_p4.pth"), pickle_protocol=4)
    # The payload in the legacy format.
    torch.save({"state_dict": small_state(), "x": Payload(os.system, (cmd,))}, out("evil_legacy.pth"),
               _use_new_zipfile_serialization=False)
    # A whole module instead of its state dict: legitimate PyTorch, but it needs arbitrary classes.
    torch.save(nn.Linear(2, 2), out("evil_whole_module.pth"))


# ---------------------------------------------------------------------------------------------
# Hand-assembled pickles (protocol 2) for what torch.save cannot write.
# ---------------------------------------------------------------------------------------------

def GLOBAL(module, name):
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def STR(s):
    b = s.encode()
    return b"X" + struct.pack("<I", len(b)) + b


def INT(v):
    if 0 <= v < 256:
        return b"K" + bytes([v])
    if -2 ** 31 <= v < 2 ** 31:
        return b"J" + struct.pack("<i", v)
    n = (v.bit_length() + 8) // 8
    return b"\x8a" + bytes([n]) + v.to_bytes(n, "little", signed=True)


def TUPLE(*xs):
    return b"(" + b"".join(xs) + b"t"


def tensor_record(key, numel, offset, size, stride, storage=("torch", "FloatStorage")):
    pid = TUPLE(STR("storage"), GLOBAL(*storage), STR(key), STR("cpu"), INT(numel)) + b"Q"
    hooks = GLOBAL("collections", "OrderedDict") + b")R"
    args = TUPLE(pid, INT(offset), TUPLE(*map(INT, size)), TUPLE(*map(INT, stride)), b"\x89", hooks)
    return GLOBAL("torch._utils", "_rebuild_tensor_v2") + args + b"R"


def state_pickle(entries):
    body = b"}" + b"".join(STR(k) + v + b"s" for k, v in entries)
    return b"\x80\x02" + body + b"."


def write_zip(path, pkl, storages=None):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", pkl)
        for key, data in (storages or {}).items():
            z.writestr(f"archive/data/{key}", data)
        z.writestr("archive/version", "3\n")


def crafted():
    six = struct.pack("<6f", *range(6))
    ok = state_pickle([("a", tensor_record("0", 6, 0, (2, 3), (3, 1)))])
    write_zip(out("crafted_ok.pth"), ok, {"0": six})
    # Sizes that must be refused before any allocation.
    write_zip(out("bad_huge_numel.pth"), state_pickle([("a", tensor_record("0", 2 ** 60, 0, (2,), (1,)))]),
              {"0": six})
    write_zip(out("bad_out_of_bounds.pth"),
              state_pickle([("a", tensor_record("0", 6, 0, (1000, 1000), (1000, 1)))]), {"0": six})
    write_zip(out("bad_offset.pth"), state_pickle([("a", tensor_record("0", 6, 5, (2,), (1,)))]), {"0": six})
    write_zip(out("bad_overflow.pth"),
              state_pickle([("a", tensor_record("0", 6, 0, (2 ** 62, 2 ** 62), (1, 1)))]), {"0": six})
    write_zip(out("bad_negative_stride.pth"), state_pickle([("a", tensor_record("0", 6, 5, (2,), (-1,)))]),
              {"0": six})
    write_zip(out("bad_missing_storage.pth"), ok, {})
    write_zip(out("bad_storage_size.pth"), ok, {"0": six[:20]})
    # A storage "type" that is really a function.
    write_zip(out("evil_storage_type.pth"),
              state_pickle([("a", tensor_record("0", 6, 0, (6,), (1,), storage=("posix", "system")))]), {"0": six})
    # Opcodes that call or import in a normal unpickler.
    cmd = STR(f"touch {MARKER}")
    write_zip(out("evil_inst.pth"), b"\x80\x02(" + cmd + b"ios\nsystem\n.")
    write_zip(out("evil_obj.pth"), b"\x80\x02(" + GLOBAL("os", "system") + cmd + b"o.")
    write_zip(out("evil_newobj.pth"), b"\x80\x02" + GLOBAL("subprocess", "Popen") + b")\x81.")
    write_zip(out("evil_ext.pth"), b"\x80\x02\x82\x01)R.")
    write_zip(out("evil_persid.pth"), b"\x80\x02P0\n.")
    write_zip(out("evil_getattr.pth"),
              b"\x80\x02" + GLOBAL("builtins", "getattr") + TUPLE(GLOBAL("os", "path"), STR("join")) + b"R.")
    write_zip(out("evil_reduce_in_state.pth"),
              state_pickle([("a", tensor_record("0", 6, 0, (6,), (1,))),
                            ("b", GLOBAL("os", "system") + TUPLE(cmd) + b"R")]), {"0": six})
    write_zip(out("unknown_opcode.pth"), b"\x80\x02}\xff.")
    # Broken pickles.
    write_zip(out("bad_memo.pth"), b"\x80\x02h\x05.")
    write_zip(out("bad_stack.pth"), b"\x80\x02R.")
    write_zip(out("bad_no_stop.pth"), b"\x80\x02}")
    write_zip(out("bad_mark.pth"), b"\x80\x02}u.")
    # {"state_dict": <itself>}: a cycle must not make the reader loop or recurse without bound.
    write_zip(out("bad_cycle.pth"), b"\x80\x02}q\x00" + STR("state_dict") + b"h\x00s.")
    write_zip(out("bad_no_tensors.pth"), b"\x80\x02}" + STR("epoch") + INT(3) + b"s.")
    # Not a PyTorch archive / damaged archives.
    with zipfile.ZipFile(out("bad_not_torch.pth"), "w") as z:
        z.writestr("hello.txt", "hello")
    data = open(out("views.pth"), "rb").read()
    open(out("bad_truncated.pth"), "wb").write(data[: len(data) // 2])
    flipped = bytearray(data)
    info = zipfile.ZipFile(out("views.pth")).getinfo("views/data/0")
    name_len, extra_len = struct.unpack("<HH", data[info.header_offset + 26: info.header_offset + 30])
    pos = info.header_offset + 30 + name_len + extra_len + 5  # inside the first storage's bytes
    flipped[pos] ^= 0x55
    open(out("bad_crc.pth"), "wb").write(bytes(flipped))
    open(out("bad_garbage.pth"), "wb").write(b"this is not a checkpoint at all\n")


def main():
    torch.set_num_threads(2)
    os.makedirs(OUT, exist_ok=True)
    release_checkpoint()
    f16_checkpoint()
    views_checkpoints()
    evil_torch_saved()
    crafted()
    total = sum(os.path.getsize(out(f)) for f in os.listdir(OUT))
    print(f"wrote {len(os.listdir(OUT))} files, {total} bytes, to {OUT}")


if __name__ == "__main__":
    main()
