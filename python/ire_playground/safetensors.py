"""The safetensors format by hand (src/train/safetensors.ts): no third-party package needed.

[0, 8) header length N (u64 little-endian); [8, 8 + N) JSON header (tensor name → dtype, shape,
data_offsets; "__metadata__" → string map), padded with spaces so 8 + N is a multiple of 8;
then the tensors' bytes, little-endian, row-major, packed in header order.
"""
from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np

_DTYPES = {"F32": np.dtype("<f4"), "U32": np.dtype("<u4"), "I32": np.dtype("<i4"), "U8": np.dtype("u1"), "F64": np.dtype("<f8"), "I64": np.dtype("<i8")}


def read(path: str | Path) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """(tensors by name, in file order; metadata) of a safetensors file."""
    b = Path(path).read_bytes()
    if len(b) < 8:
        raise ValueError(f"{path}: {len(b)} bytes, too short for safetensors")
    (n,) = struct.unpack_from("<Q", b, 0)
    if 8 + n > len(b):
        raise ValueError(f"{path}: header of {n} bytes runs past the end")
    header = json.loads(b[8 : 8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", {}) or {}
    start = 8 + n
    out: dict[str, np.ndarray] = {}
    for name, spec in header.items():
        dt = _DTYPES[spec["dtype"]]
        lo, hi = spec["data_offsets"]
        count = (hi - lo) // dt.itemsize
        arr = np.frombuffer(b, dtype=dt, count=count, offset=start + lo).reshape(spec["shape"]).copy()
        out[name] = arr
    return out, dict(meta)


def write(path: str | Path, tensors: list[tuple[str, np.ndarray]], metadata: dict[str, str]) -> None:
    """Writes tensors (in the order given) and string metadata."""
    header: dict[str, object] = {"__metadata__": metadata}
    blobs: list[bytes] = []
    offset = 0
    by_str = {d.str: k for k, d in _DTYPES.items()}
    for name, arr in tensors:
        a = np.ascontiguousarray(arr)
        key = by_str.get(a.dtype.newbyteorder("<").str if a.dtype.itemsize > 1 else a.dtype.str)
        if key is None:
            raise ValueError(f"tensor {name}: dtype {a.dtype} is not supported")
        raw = a.astype(_DTYPES[key], copy=False).tobytes()
        header[name] = {"dtype": key, "shape": list(a.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    js = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    n = -(-(8 + len(js)) // 8) * 8 - 8
    js += b" " * (n - len(js))
    tmp = Path(str(path) + ".tmp")
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", n))
        f.write(js)
        for r in blobs:
            f.write(r)
    tmp.replace(path)
