#!/usr/bin/python3
"""Writes the fixtures read by tests/checkpoint: a safetensors file, .npy files and the values
they hold, so that the C++ readers are checked against files written by independent code.

The safetensors file is written by hand from the format description (the `safetensors` package
is not a Debian package); the .npy files are written by numpy.save itself.  Values are chosen to
be exactly representable in every dtype they are stored as, and the expected values are stored as
JSON numbers that round-trip exactly (repr of a Python float).

Run from anywhere:  /usr/bin/python3 tests/golden/make_io_fixtures.py
"""
import json
import math
import os
import struct

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(1234)


def safetensors_bytes(tensors, metadata):
    """tensors: list of (name, dtype string, shape, raw little-endian bytes), in file order."""
    header = {}
    if metadata:
        header["__metadata__"] = metadata
    offset = 0
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": list(shape),
                        "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(raw for _, _, _, raw in tensors)


def json_number(v):
    """JSON has no infinities: those are written as the strings "inf" / "-inf"."""
    if isinstance(v, float) and math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def main():
    expected = {"safetensors": {}, "npy": {}}
    st = []

    def add(name, dtype, arr_for_bytes, values):
        st.append((name, dtype, list(arr_for_bytes.shape), arr_for_bytes.tobytes()))
        expected["safetensors"][name] = {"shape": list(arr_for_bytes.shape),
                                         "values": [json_number(v) for v in values]}

    # F32: random normal values (torch's generator, so the values come from torch).
    g = torch.Generator().manual_seed(7)
    w = torch.randn(3, 4, generator=g, dtype=torch.float32)
    add("weight", "F32", w.numpy(), [float(v) for v in w.flatten().tolist()])
    # F64
    d = torch.randn(5, generator=g, dtype=torch.float64)
    add("double", "F64", d.numpy(), d.tolist())
    # BF16: torch rounds to bfloat16; the bytes are the raw 16-bit patterns.
    b = torch.randn(2, 3, generator=g).to(torch.bfloat16)
    add("bf16", "BF16", b.view(torch.int16).numpy(), [float(v) for v in b.float().flatten().tolist()])
    # F16 (loaded as f32): include a subnormal, -0, inf and the largest half.
    h = np.array([1.0, -2.5, 65504.0, 6.0e-8, -0.0, np.inf, 0.333251953125, 1e-4], dtype="<f2")
    add("half", "F16", h, [float(v) for v in h.astype(np.float64)])
    # Integers, bytes, booleans.
    i32 = np.array([[0, -1, 2147483647], [-2147483648, 42, 7]], dtype="<i4")
    add("ints32", "I32", i32, i32.flatten().tolist())
    i64 = np.array([9007199254740993, -5, 0, -9223372036854775808], dtype="<i8")
    add("ints64", "I64", i64, i64.flatten().tolist())
    u8 = np.arange(0, 256, 37, dtype=np.uint8).reshape(1, 7)
    add("bytes", "U8", u8, u8.flatten().tolist())
    bl = np.array([True, False, True], dtype=np.bool_)
    add("mask", "BOOL", bl, [int(v) for v in bl])
    # 0-d and empty tensors.
    s = np.array(3.5, dtype="<f4")
    add("scalar", "F32", s, [3.5])
    e = np.zeros((0, 3), dtype="<f4")
    add("empty", "F32", e, [])

    metadata = {"format": "pt", "note": "fixture for the checkpoint tests"}
    expected["safetensors_metadata"] = metadata
    with open(os.path.join(HERE, "io_fixture.safetensors"), "wb") as f:
        f.write(safetensors_bytes(st, metadata))

    # .npy via numpy.save: a C-order f32 array, and a Fortran-order i64 array.
    a = rng.standard_normal((2, 3, 4)).astype(np.float32)
    np.save(os.path.join(HERE, "io_fixture.npy"), a)
    expected["npy"]["io_fixture.npy"] = {"dtype": "f32", "shape": list(a.shape),
                                         "values": [float(v) for v in a.flatten()]}
    fo = np.asfortranarray(np.arange(12, dtype=np.int64).reshape(3, 4) * 1000 - 5000)
    assert fo.flags.f_contiguous and not fo.flags.c_contiguous
    np.save(os.path.join(HERE, "io_fixture_fortran.npy"), fo)
    expected["npy"]["io_fixture_fortran.npy"] = {"dtype": "i64", "shape": list(fo.shape),
                                                 "values": fo.flatten(order="C").tolist()}

    with open(os.path.join(HERE, "io_fixture_expected.json"), "w") as f:
        json.dump(expected, f, indent=1, allow_nan=False)
        f.write("\n")


if __name__ == "__main__":
    main()
