#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into tests/fuzz/corpus/<target>/.

Run with Debian's python3 (numpy, Pillow):  /usr/bin/python3 tests/fuzz/make_corpus.py

Each corpus holds a few valid inputs (copied from the tests' fixtures or written here in the
format's own layout) and crafted edge cases: sizes that overflow or exceed the input, truncation,
wrong types. Inputs that once made a target fail are added by hand as regression-<what> files and
are never rewritten by this script. Keep every corpus small: the test suite replays all of them.
"""
import io
import json
import os
import pickle
import struct
import sys
import zipfile
import zlib
from collections import OrderedDict

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
GOLDEN = os.path.join(TESTS, "golden")
CORPUS = os.path.join(HERE, "corpus")


def put(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def copy(target, src, name=None):
    with open(src, "rb") as f:
        put(target, name or os.path.basename(src), f.read())


# ---------------------------------------------------------------------------------------------
# Checkpoints
# ---------------------------------------------------------------------------------------------

def safetensors_file(header, buffer=b"", length=None):
    h = json.dumps(header).encode()
    return struct.pack("<Q", len(h) if length is None else length) + h + buffer


def safetensors():
    copy("safetensors", os.path.join(GOLDEN, "io_fixture.safetensors"))
    t = {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}
    put("safetensors", "one_f32", safetensors_file({"a": t}, struct.pack("<2f", 1.5, -2)))
    put("safetensors", "metadata_f16_bool", safetensors_file(
        {"__metadata__": {"k": "v"}, "h": {"dtype": "F16", "shape": [2], "data_offsets": [0, 4]},
         "b": {"dtype": "BOOL", "shape": [2, 1], "data_offsets": [4, 6]}}, b"\x00\x3c\x00\x7c\x01\x00"))
    put("safetensors", "shape_overflows_int64", safetensors_file(
        {"a": {"dtype": "F32", "shape": [4294967296, 4294967296, 4], "data_offsets": [0, 8]}}, b"\0" * 8))
    put("safetensors", "shape_exceeds_file", safetensors_file(
        {"a": {"dtype": "F64", "shape": [1000000000000000], "data_offsets": [0, 8000000000000000]}}, b"\0" * 8))
    put("safetensors", "header_length_huge", safetensors_file({}, b"", length=2 ** 63))
    put("safetensors", "negative_dim", safetensors_file(
        {"a": {"dtype": "F32", "shape": [-1, -8], "data_offsets": [0, 8]}}, b"\0" * 8))
    put("safetensors", "overlap", safetensors_file(
        {"a": {"dtype": "U8", "shape": [4], "data_offsets": [0, 4]},
         "b": {"dtype": "U8", "shape": [4], "data_offsets": [2, 6]}}, b"\0" * 6))


def npy_file(descr, shape, data=b"", fortran=False, version=1):
    d = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (descr, fortran, shape)
    hlen_size = 2 if version == 1 else 4
    pad = (64 - (10 + hlen_size - 2 + len(d) + 1) % 64) % 64
    d = d + " " * pad + "\n"
    size = struct.pack("<H" if version == 1 else "<I", len(d))
    return b"\x93NUMPY" + bytes([version, 0]) + size + d.encode() + data


def npy():
    copy("npy", os.path.join(GOLDEN, "io_fixture.npy"))
    copy("npy", os.path.join(GOLDEN, "io_fixture_fortran.npy"))
    put("npy", "f2_v2", npy_file("<f2", "(2,)", b"\x00\x3c\x00\xfc", version=2))
    put("npy", "b1_v3", npy_file("|b1", "(3,)", b"\x01\x00\x01", version=3))
    put("npy", "scalar_i8", npy_file("<i8", "()", struct.pack("<q", -7)))
    put("npy", "claims_1e15_elements", npy_file("<f4", "(1000000000000000,)"))
    put("npy", "shape_overflows_int64", npy_file("<f8", "(1099511627776, 1099511627776, 1099511627776)"))
    put("npy", "big_endian", npy_file(">f4", "(1,)", b"\0" * 4))
    put("npy", "fortran_3d", npy_file("<i4", "(2, 1, 2)", struct.pack("<4i", 1, 2, 3, 4), fortran=True))


def claim_2g(archive):
    """Sets the uncompressed size of the storage member to 2^31 - 1 in its local and central headers."""
    raw = bytearray(archive)
    for sig, size_at, name_len_at, name_at in ((b"PK\x03\x04", 22, 26, 30), (b"PK\x01\x02", 24, 28, 46)):
        i = raw.find(sig)
        while i >= 0:
            name_len = struct.unpack_from("<H", raw, i + name_len_at)[0]
            if b"/data/" in raw[i + name_at:i + name_at + name_len]:
                struct.pack_into("<I", raw, i + size_at, 0x7FFFFFFF)
            i = raw.find(sig, i + 4)
    return bytes(raw)


def pth():
    # Small fixtures of tests/golden/pth: genuine (zip and legacy), hostile and damaged ones.
    for name in ["crafted_ok.pth", "views.pth", "views_legacy.pth", "evil_eval.pth", "evil_legacy.pth",
                 "bad_cycle.pth", "bad_huge_numel.pth", "bad_overflow.pth", "bad_negative_stride.pth",
                 "bad_out_of_bounds.pth", "unknown_opcode.pth"]:
        copy("pth", os.path.join(GOLDEN, "pth", name))
    # A zip whose storage member is stored (uncompressed) but claims far more bytes than it holds.
    with zipfile.ZipFile(os.path.join(GOLDEN, "pth", "crafted_ok.pth")) as z:
        members = {n: z.read(n) for n in z.namelist()}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for n, data in members.items():
            z.writestr(zipfile.ZipInfo(n, date_time=(2020, 1, 1, 0, 0, 0)), data)  # reproducible bytes
    put("pth", "zip_entry_size_lies", claim_2g(buf.getvalue()))
    # A deflated storage member whose sizes claim 2 GB from a few compressed bytes (a zip bomb's claim).
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in members.items():
            z.writestr(zipfile.ZipInfo(n, date_time=(2020, 1, 1, 0, 0, 0)), data, compress_type=zipfile.ZIP_DEFLATED)
    put("pth", "zip_deflate_claims_2g", claim_2g(buf.getvalue()))


def unpickle():
    # The data.pkl of zip fixtures, and the whole legacy stream's first pickle.
    for name in ["crafted_ok.pth", "views.pth", "evil_eval.pth", "bad_cycle.pth", "bad_overflow.pth",
                 "evil_stack_global.pth", "evil_reduce_in_state.pth"]:
        with zipfile.ZipFile(os.path.join(GOLDEN, "pth", name)) as z:
            pkl = [n for n in z.namelist() if n.endswith("data.pkl")][0]
            put("unpickle", name.replace(".pth", ".pkl"), z.read(pkl))
    put("unpickle", "plain_containers_p2", pickle.dumps(
        OrderedDict(a=[1, 2.5, None, True], b=(b"x", "y"), c={"d": 2 ** 70}), protocol=2))
    put("unpickle", "plain_containers_p5", pickle.dumps({"a": [1, -1, 2 ** 40], "s": "é" * 3}, protocol=5))
    deep = []
    for _ in range(200):
        deep = [deep]
    put("unpickle", "nested_lists", pickle.dumps(deep, protocol=2))
    # Memo index 2^32-1, LONG4 claiming 2^31 bytes, BINUNICODE8 claiming 2^62 bytes.
    put("unpickle", "huge_memo_index", b"\x80\x02N" + b"r\xff\xff\xff\xff" + b"h\xff\xff\xff\xff" + b".")
    put("unpickle", "long4_claims_2g", b"\x80\x02\x8b\x00\x00\x00\x80\x00.")
    put("unpickle", "binunicode8_claims_huge", b"\x80\x05\x8d" + struct.pack("<Q", 2 ** 62) + b"ab.")


# ---------------------------------------------------------------------------------------------
# Images
# ---------------------------------------------------------------------------------------------

def png(w, h, color_type=2, bit_depth=8, rows=None):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ch = {0: 1, 2: 3, 4: 2, 6: 4}[color_type]
    if rows is None:
        rows = b"".join(b"\x00" + bytes((x * 40 + y * 7) % 256 for x in range(w * ch)) for y in range(h))
    ihdr = struct.pack(">IIBBBBB", w, h, bit_depth, color_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def bmp(w, h):
    row = (w * 3 + 3) // 4 * 4
    pixels = b"".join(bytes((x * 50 + y) % 256 for x in range(w * 3)) + b"\0" * (row - w * 3) for y in range(h))
    dib = struct.pack("<IiiHHIIiiII", 40, w, h, 1, 24, 0, len(pixels), 2835, 2835, 0, 0)
    return b"BM" + struct.pack("<IHHI", 14 + 40 + len(pixels), 0, 0, 54) + dib + pixels


def jpeg(w, h, mode="RGB", progressive=False):
    from PIL import Image
    im = Image.new(mode, (w, h))
    im.putdata([tuple((x * 30 + y * 11 + c * 60) % 256 for c in range(len(mode))) if len(mode) > 1
                else (x * 30 + y * 11) % 256 for y in range(h) for x in range(w)])
    b = io.BytesIO()
    im.save(b, "JPEG", quality=80, progressive=progressive)
    return b.getvalue()


def set_jpeg_size(data, w, h):
    """Rewrites the frame header (SOF0/SOF2) to claim w x h."""
    data = bytearray(data)
    for sof in (b"\xff\xc0", b"\xff\xc2"):
        i = data.find(sof)
        if i >= 0:
            struct.pack_into(">HH", data, i + 5, h, w)
    return bytes(data)


def image():
    put("image", "rgb.png", png(3, 2))
    put("image", "gray_alpha.png", png(2, 2, color_type=4))
    put("image", "rgba16.png", png(2, 1, color_type=6, bit_depth=16,
                                   rows=b"\x00" + bytes(range(16))))
    put("image", "rgb.jpg", jpeg(9, 7))
    put("image", "gray_progressive.jpg", jpeg(8, 8, "L", progressive=True))
    put("image", "rgb.bmp", bmp(3, 2))
    put("image", "gray.pgm", b"P5\n# comment\n3 2\n255\n" + bytes(range(6)))
    # Headers that claim absurd sizes for the data they carry.
    put("image", "png_claims_65535x65535", png(65535, 65535, rows=b"\x00\x01\x02\x03"))
    put("image", "jpeg_claims_65500x65500", set_jpeg_size(jpeg(8, 8), 65500, 65500))
    put("image", "pgm_claims_2e12_pixels", b"P5 2000000 1000000 255\n" + b"\0" * 8)
    put("image", "pgm_dims_overflow", b"P6 1099511627775 1099511627775 65535\n\0")
    put("image", "jpeg_claims_10000x10000", set_jpeg_size(jpeg(8, 8), 10000, 10000))
    # 16-bit PGM/PPM asked for another channel count (the input's length picks 1 or 3 channels).
    put("image", "gray16_to_rgb.pgm", b"P5 2 1 65535\n" + b"\x01\x00\xff\xff")
    put("image", "rgb16_to_gray.ppm", b"P6 1 1 65535\n" + b"\x01\x02\x03\x04\x05\x06")


# ---------------------------------------------------------------------------------------------
# Annotations
# ---------------------------------------------------------------------------------------------

def pts():
    pts68 = "".join("%.6f %.6f\n" % (100 + k * 1.5, 200 + k * 0.5) for k in range(68))
    put("pts", "ibug68.pts", "version: 1\nn_points:  68\n{\n" + pts68 + "}\n")
    put("pts", "crlf.pts", "version: 1\r\nn_points: 2\r\n{\r\n1 2\r\n3 4\r\n}\r\n")
    put("pts", "n_points_huge.pts", "version: 1\nn_points: 9223372036854775807\n{\n1 2\n}\n")
    put("pts", "n_points_negative.pts", "version: 1\nn_points: -1\n{\n}\n")
    put("pts", "no_closing.pts", "version: 1\nn_points: 1\n{\n1 2\n")
    put("pts", "nan_inf.pts", "version: 1\nn_points: 2\n{\nnan inf\n-inf 1e999\n}\n")


def wflw_line(off, path, attrs="1 0 0 1 0 1", box="10 12 90 95"):
    coords = " ".join("%g %g" % (off + k, off + 0.5 * k) for k in range(98))
    return "%s %s %s %s" % (coords, box, attrs, path)


def wflw():
    put("wflw", "two_faces.txt", wflw_line(1, "0--Parade/a.jpg") + "\n" + wflw_line(3, "0--Parade/a.jpg", "0 0 0 0 0 0") + "\n")
    put("wflw", "bad_lines.txt", "1 2 3\n" + wflw_line(1, "x.jpg", "0 2 0 0 0 0") + "\n" +
        wflw_line(1, "x.jpg", box="90 95 10 12") + "\r\n\n")
    put("wflw", "path_with_spaces_and_dots.txt", wflw_line(1, "../../etc/passwd") + " extra\n")


def disfa():
    au = "".join("%d,%d\n" % (f, f % 6) for f in range(1, 6))
    put("disfa", "me_graphau_pattern", "{subject}/{index}.png\0" + au)
    put("disfa", "synth_pattern", "n{sn0:6}/{frame:4}_01.jpg\0" + au + "\0" + au.replace("5,5", "5,7"))
    put("disfa", "frame_counts_differ", "{subject}/{frame}.jpg\0" + au + "\0" + "1,0\n")
    put("disfa", "bad_pattern_width", "{frame:x}/{index:99999999999}.png\0" + au)
    put("disfa", "unknown_placeholder", "{bogus}\0" + au)
    put("disfa", "malformed_rows", "{index}\0" + "1,2,3\n,\n-1,-1\n9223372036854775808,1\n")


def affectnet():
    header = "subDirectory_filePath,face_x,face_y,face_width,face_height,facial_landmarks,expression,valence,arousal\n"
    lm = ";".join("%d;%d.5" % (k, 2 * k) for k in range(68))
    put("affectnet", "rows.csv", header +
        "1/a.jpg,134,134,899,899," + lm + ",1,0.785714,-0.055556\n"
        "1/a.jpg,20,30,40,50,,7,-0.1,0.2\n"
        "1/a.jpg,20,30,40,50,,9,-2,-2\n"
        "1/a.jpg,20,30,-40,50,,3,0.1,0.1\n"
        "1/a.jpg,20,30,40,50,,3,0.1\n"
        "1/a.jpg,20,30,40,50,,3,1.5,0.1\n"
        "missing.jpg,1,1,1,1,1;2;3,2,0,0\n")
    put("affectnet", "wrong_header.csv", "path,class\n1/a.jpg,1\n")
    put("affectnet", "odd_values.csv", header + "1/a.jpg,nan,inf,1e40,-0,;;;,99999999999,nan,-nan\n")


def lfw():
    put("lfw", "pairs.txt", "2\t1\nAbel_Pacheco\t1\t2\nAbel_Pacheco\t1\tBob\t1\n"
        "Abel_Pacheco\t2\t1\nBob\t1\tAbel_Pacheco\t2\n")
    put("lfw", "missing_and_malformed.txt", "2\t1\nAbel_Pacheco\t1\t9\nAbel_Pacheco\tx\tBob\t1\nBob\t1\tBob\t1\n")
    put("lfw", "header_overflows.txt", "2147483647\t2147483647\nAbel_Pacheco\t1\t2\n")
    put("lfw", "header_int64_max.txt", "9223372036854775807\t9223372036854775807\n")
    put("lfw", "zero_image_number.txt", "1\t1\nAbel_Pacheco\t0\t-1\nBob\t1\tAbel_Pacheco\t0\n")


def ijb():
    # tid/mid file NUL pair list NUL 5-point file (the target's crops are 1.jpg .. 3.jpg).
    pts = "38.1 51.2 73.5 51.5 56.0 71.7 41.5 92.3 70.7 92.2"
    put("ijb", "valid", "1.jpg 1 69544\n2.jpg 1 69545\n3.jpg 7 100\n\0001 7 1\r\n7 1 0\n\000"
        "1.jpg %s 0.99\n2.jpg %s 0.5\n3.jpg %s 1\n" % (pts, pts, pts))
    put("ijb", "no_points_file", "1.jpg 1 1\n3.jpg 2 2\n\0001 2 0\n")
    put("ijb", "malformed", "1.jpg x 1\n2.jpg 1 1 1\nmissing.jpg 3 3\n3.jpg 9223372036854775807 -1\n\000"
        "1 2\n1 3 0\n9223372036854775807 9223372036854775807 1\n1 1 5\n\000"
        "1.jpg %s nan\n3.jpg %s 1\n4.jpg %s 1\n" % (pts, pts, pts))
    put("ijb", "ids_overflow", "1.jpg 99999999999999999999 1\n\0001 1 1\n")


# ---------------------------------------------------------------------------------------------
# MAT v5
# ---------------------------------------------------------------------------------------------

MI_INT8, MI_UINT8, MI_INT32, MI_UINT32, MI_DOUBLE, MI_MATRIX, MI_COMPRESSED, MI_UTF8 = 1, 2, 5, 6, 9, 14, 15, 16
MX_CELL, MX_CHAR, MX_DOUBLE = 1, 4, 6


def element(kind, payload):
    pad = (8 - len(payload) % 8) % 8
    return struct.pack("<II", kind, len(payload)) + payload + b"\0" * pad


def matrix(name, cls, dims, data_element):
    flags = element(MI_UINT32, struct.pack("<II", cls, 0))
    dims_el = element(MI_INT32, struct.pack("<%di" % len(dims), *dims))
    name_el = element(MI_INT8, name.encode())
    return element(MI_MATRIX, flags + dims_el + name_el + data_element)


def double_matrix(name, rows, cols, values):
    assert len(values) == rows * cols
    return matrix(name, MX_DOUBLE, [rows, cols], element(MI_DOUBLE, struct.pack("<%dd" % len(values), *values)))


def char_matrix(name, s):
    return matrix(name, MX_CHAR, [1, len(s)], element(MI_UTF8, s.encode()))


def cell_of_strings(name, strings):
    cells = b"".join(char_matrix("", s) for s in strings)
    flags = element(MI_UINT32, struct.pack("<II", MX_CELL, 0))
    dims_el = element(MI_INT32, struct.pack("<2i", len(strings), 1))
    return element(MI_MATRIX, flags + dims_el + element(MI_INT8, name.encode()) + cells)


def mat_file(*variables):
    header = b"MATLAB 5.0 MAT-file, written by facebench's fuzz corpus".ljust(116, b" ")
    return header + b"\0" * 8 + struct.pack("<H", 0x0100) + b"IM" + b"".join(variables)


def compressed(variable):
    z = zlib.compress(variable)  # miCOMPRESSED elements are not padded to 8 bytes
    return struct.pack("<II", MI_COMPRESSED, len(z)) + z


def mat5():
    pt = [v for k in range(68) for v in (10.0 + k, 20.0 + k, -5.0 - k)]
    pose = [0.1, 0.5, -0.05, 100, 120, 0, 0.001]
    put("mat5", "aflw2000_plain.mat", mat_file(double_matrix("Pose_Para", 1, 7, pose), double_matrix("pt3d_68", 3, 68, pt)))
    put("mat5", "aflw2000_compressed.mat", mat_file(compressed(double_matrix("pt3d_68", 3, 68, pt)),
                                                    compressed(double_matrix("Pose_Para", 1, 7, pose))))
    n = 2
    bbox = [10, 12, 50, 55, 8, 9, 60, 70]  # column-major n x 4: left, right, top, bottom
    data = [float(k) for k in range(n * 38)]
    mask = [1.0] * (n * 19)
    put("mat5", "aflw19.mat", mat_file(double_matrix("bbox", n, 4, [bbox[0], bbox[4], bbox[1], bbox[5], bbox[2], bbox[6], bbox[3], bbox[7]]),
                                       double_matrix("data", n, 38, data), double_matrix("mask_new", n, 19, mask),
                                       cell_of_strings("nameList", ["3/image00035.jpg", "0/image00002.jpg"]),
                                       double_matrix("ra", 1, n, [2.0, 1.0])))
    # Variables whose class or dimensions disagree with what the readers index.
    bbox_cell = cell_of_strings("bbox", ["a", "b", "c", "d"])
    bbox_cell = bbox_cell[:8] + bbox_cell[8:].replace(struct.pack("<2i", 4, 1), struct.pack("<2i", 1, 4), 1)
    put("mat5", "aflw19_bbox_is_cell.mat", mat_file(bbox_cell, double_matrix("data", 1, 38, [0.0] * 38),
                                                    double_matrix("mask_new", 1, 19, [1.0] * 19),
                                                    cell_of_strings("nameList", ["x.jpg"]), double_matrix("ra", 1, 1, [1.0])))
    put("mat5", "aflw19_ra_not_finite.mat", mat_file(double_matrix("bbox", 1, 4, [1, 2, 3, 4]),
                                                     double_matrix("data", 1, 38, [0.0] * 38),
                                                     double_matrix("mask_new", 1, 19, [1.0] * 19),
                                                     cell_of_strings("nameList", ["x.jpg"]),
                                                     double_matrix("ra", 1, 1, [1e300])))
    put("mat5", "aflw2000_pt3d_is_char.mat", mat_file(double_matrix("Pose_Para", 1, 7, pose),
                                                      matrix("pt3d_68", MX_CHAR, [3, 68], element(MI_UINT8, b"x" * 204))))
    put("mat5", "dims_overflow.mat", mat_file(matrix("pt3d_68", MX_DOUBLE, [2147483647, 2147483647, 2147483647],
                                                     element(MI_DOUBLE, b"\0" * 8))))
    put("mat5", "dims_huge_no_data.mat", mat_file(matrix("bbox", MX_DOUBLE, [1000000000, 4], element(MI_DOUBLE, b""))))
    put("mat5", "cell_claims_huge.mat", mat_file(matrix("nameList", MX_CELL, [2147483647, 1], b"")))
    put("mat5", "char_array.mat", mat_file(char_matrix("s", "hello"), matrix("c", MX_CHAR, [2, 2], element(MI_UINT8, b"abcd"))))
    put("mat5", "v73_header.mat", b"MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: HDF5 schema 1.00 .".ljust(128, b" "))


def pretrain_config():
    put("pretrain_config", "moco.json", json.dumps({"method": "moco", "batch": 8, "queue": 64, "seed": 3}))
    put("pretrain_config", "swav_full.json", json.dumps({
        "method": "swav", "data": "synth:uncurated", "identities": 8, "per_identity": 4, "image_size": 64,
        "arch": "resnet18", "width": 0.125, "small_input": True, "res": 32, "small_res": 16, "n_global": 2,
        "n_local": 2, "global_scale_min": 0.14, "local_scale_min": 0.05, "local_scale_max": 0.14,
        "optimizer": "lars", "epochs": 2, "batch": 8, "ref_batch": 8, "base_lr": 4.8, "final_lr_fraction": 0.001,
        "warmup_start_fraction": 0.0625, "weight_decay": 1e-6, "momentum": 0.9, "warmup_epochs": 1, "grad_clip": 0,
        "proj_hidden": 16, "proj_out": 8, "prototypes": 8, "temperature": 0.1, "sinkhorn_eps": 0.05,
        "sinkhorn_iters": 3, "freeze_prototypes_iters": -1, "queue": 64, "key_momentum": 0.99,
        "contrastive_temperature": 0.2, "supervised_loss": "arcface", "arcface_s": 16, "arcface_m": 0.5,
        "seed": 18446744073709551615, "workers": 1, "checkpoint_every": 1, "max_steps": 3}))
    put("pretrain_config", "wrong_types.json", '{"batch": "8", "width": [1], "seed": -1, "epochs": 1e300}')
    put("pretrain_config", "unknown_key.json", '{"methd": "swav"}')
    put("pretrain_config", "not_object.json", '[1, 2, {"a": null}]')
    put("pretrain_config", "deep_nesting.json", "[" * 5000 + "]" * 5000)
    # Numbers that do not fit the integer fields (a cast of 1e300 to int64 is undefined behaviour).
    put("pretrain_config", "float_for_int64.json", '{"epochs": 1e300}')
    put("pretrain_config", "negative_float_for_seed.json", '{"seed": -1.5}')
    put("pretrain_config", "int64_for_int.json", '{"workers": 10000000000}')


def main():
    for target in ["safetensors", "npy", "pth", "unpickle", "image", "pts", "wflw", "disfa", "affectnet", "lfw",
                   "ijb", "mat5", "pretrain_config"]:
        d = os.path.join(CORPUS, target)
        if os.path.isdir(d):  # keep regression inputs, rewrite the generated seeds
            for f in os.listdir(d):
                if not f.startswith("regression-"):
                    os.remove(os.path.join(d, f))
        globals()[target]()
    total = sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(CORPUS) for f in fs)
    print("corpus: %d bytes" % total)


if __name__ == "__main__":
    sys.exit(main())
