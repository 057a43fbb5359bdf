"""Intermediate files of the dedup stages, verified on read.

Every file starts with a fixed header (magic, format version, payload length, xxh3-128 checksum of the payload),
so a truncated or corrupt file raises `CorruptDedupFile` naming the file instead of feeding a wrong result into
clustering. Array files hold named numpy arrays plus a little JSON; the document spool is a sequence of
length-prefixed, checksummed frames closed by a footer that carries the frame count.
"""

from __future__ import annotations

import json
import os
import pickle
import struct
from collections.abc import Iterator
from typing import Any

import numpy as np
import xxhash
from datatrove.data import Document
from datatrove.io import DataFolder

_MAGIC = b"RFDD"
_VERSION = 1
_HEADER = struct.Struct("<4sHxxQ16s")  # magic, version, payload bytes, xxh3_128 digest
_FRAME = struct.Struct("<IQ")  # frame bytes, xxh3_64 of the frame
_SPOOL_MAGIC = b"RFDS"
_FOOTER_LENGTH = 0xFFFFFFFF  # a frame length that marks the footer; its checksum field holds the frame count


class CorruptDedupFile(ValueError):
    """An intermediate dedup file is truncated, corrupt or of another format; the message names the file."""


def write_arrays(folder: DataFolder, path: str, arrays: dict[str, np.ndarray], meta: dict[str, Any] | None = None):
    """Write named arrays (and JSON-able meta) to `path`, under a temporary name renamed into place."""
    layout = [[name, arr.dtype.str, list(arr.shape)] for name, arr in arrays.items()]
    head = json.dumps({"arrays": layout, "meta": meta or {}}).encode()
    parts = [struct.pack("<I", len(head)), head] + [np.ascontiguousarray(arr).tobytes() for arr in arrays.values()]
    payload = b"".join(parts)
    tmp = f"{path}.tmp"
    with folder.open(tmp, "wb") as f:
        f.write(_HEADER.pack(_MAGIC, _VERSION, len(payload), xxhash.xxh3_128_digest(payload)))
        f.write(payload)
    folder.fs.mv(folder.resolve_paths(tmp), folder.resolve_paths(path))


def read_arrays(folder: DataFolder, path: str) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    where = folder.resolve_paths(path)
    if not folder.exists(path):
        raise CorruptDedupFile(f"dedup intermediate file missing: {where} (did the previous dedup stage finish?)")
    with folder.open(path, "rb") as f:
        raw = f.read()
    if len(raw) < _HEADER.size:
        raise CorruptDedupFile(f"truncated dedup file {where}: {len(raw)} bytes, shorter than its header")
    magic, version, length, digest = _HEADER.unpack_from(raw)
    if magic != _MAGIC or version != _VERSION:
        raise CorruptDedupFile(f"{where} is not a refinery dedup file (format {magic!r} v{version})")
    payload = memoryview(raw)[_HEADER.size :]
    if len(payload) != length:
        raise CorruptDedupFile(f"truncated dedup file {where}: payload {len(payload)} bytes, header says {length}")
    if xxhash.xxh3_128_digest(payload) != digest:
        raise CorruptDedupFile(f"corrupt dedup file {where}: checksum mismatch")
    (head_len,) = struct.unpack_from("<I", payload)
    head = json.loads(bytes(payload[4 : 4 + head_len]))
    arrays: dict[str, np.ndarray] = {}
    offset = 4 + head_len
    for name, dtype, shape in head["arrays"]:
        dt = np.dtype(dtype)
        count = int(np.prod(shape)) if shape else 1
        arrays[name] = np.frombuffer(payload, dtype=dt, count=count, offset=offset).reshape(shape)
        offset += count * dt.itemsize
    return arrays, head["meta"]


def map_arrays(folder: DataFolder, path: str) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """`read_arrays` for large files: the checksum is computed in chunks and the arrays are memory-mapped, so only
    the rows a caller touches take memory. Falls back to `read_arrays` for non-local folders."""
    if "file" not in folder.fs.protocol:
        return read_arrays(folder, path)
    where = folder.resolve_paths(path)
    if not folder.exists(path):
        raise CorruptDedupFile(f"dedup intermediate file missing: {where} (did the previous dedup stage finish?)")
    size = os.path.getsize(where)
    with open(where, "rb") as f:
        header = f.read(_HEADER.size)
        if len(header) < _HEADER.size:
            raise CorruptDedupFile(f"truncated dedup file {where}: {size} bytes, shorter than its header")
        magic, version, length, digest = _HEADER.unpack(header)
        if magic != _MAGIC or version != _VERSION:
            raise CorruptDedupFile(f"{where} is not a refinery dedup file (format {magic!r} v{version})")
        if size - _HEADER.size != length:
            raise CorruptDedupFile(
                f"truncated dedup file {where}: payload {size - _HEADER.size} bytes, header says {length}"
            )
        check = xxhash.xxh3_128()
        while chunk := f.read(1 << 23):
            check.update(chunk)
        if check.digest() != digest:
            raise CorruptDedupFile(f"corrupt dedup file {where}: checksum mismatch")
        f.seek(_HEADER.size)
        (head_len,) = struct.unpack("<I", f.read(4))
        head = json.loads(f.read(head_len))
    arrays: dict[str, np.ndarray] = {}
    offset = _HEADER.size + 4 + head_len
    for name, dtype, shape in head["arrays"]:
        dt = np.dtype(dtype)
        count = int(np.prod(shape)) if shape else 1
        if count:
            arrays[name] = np.memmap(where, dtype=dt, mode="r", offset=offset, shape=tuple(shape))
        else:
            arrays[name] = np.empty(shape, dtype=dt)
        offset += count * dt.itemsize
    return arrays, head["meta"]


class SpoolWriter:
    """Documents -> checksummed frames, so the dedup step can hand them on after clustering."""

    def __init__(self, folder: DataFolder, path: str):
        self.folder = folder
        self.path = path
        self.tmp = f"{path}.tmp"
        self.count = 0
        self._file = folder.open(self.tmp, "wb")
        self._file.write(_SPOOL_MAGIC)

    def add(self, doc: Document) -> None:
        # The text goes in as bytes: pickling a str caches its UTF-8 form on the str object (CPython keeps it for
        # the string's lifetime), which would double the memory of every non-ASCII document a caller still holds.
        text = doc.text.encode("utf-8", "surrogatepass")
        data = pickle.dumps((text, doc.id, doc.metadata), protocol=pickle.HIGHEST_PROTOCOL)
        self._file.write(_FRAME.pack(len(data), xxhash.xxh3_64_intdigest(data)))
        self._file.write(data)
        self.count += 1

    def close(self) -> None:
        self._file.write(_FRAME.pack(_FOOTER_LENGTH, self.count))
        self._file.close()
        self.folder.fs.mv(self.folder.resolve_paths(self.tmp), self.folder.resolve_paths(self.path))

    def discard(self) -> None:
        self._file.close()
        if self.folder.exists(self.tmp):
            self.folder.rm(self.tmp)


def read_spool(folder: DataFolder, path: str) -> Iterator[Document]:
    where = folder.resolve_paths(path)
    if not folder.exists(path):
        raise CorruptDedupFile(f"dedup spool missing: {where} (did the signature stage finish?)")
    with folder.open(path, "rb") as f:
        if f.read(4) != _SPOOL_MAGIC:
            raise CorruptDedupFile(f"{where} is not a refinery dedup spool")
        count = 0
        while True:
            head = f.read(_FRAME.size)
            if len(head) < _FRAME.size:
                raise CorruptDedupFile(f"truncated dedup spool {where}: ends after {count} documents, no footer")
            length, check = _FRAME.unpack(head)
            if length == _FOOTER_LENGTH:
                if check != count:
                    raise CorruptDedupFile(f"corrupt dedup spool {where}: footer says {check} documents, read {count}")
                return
            data = f.read(length)
            if len(data) < length:
                raise CorruptDedupFile(f"truncated dedup spool {where}: document {count} cut short")
            if xxhash.xxh3_64_intdigest(data) != check:
                raise CorruptDedupFile(f"corrupt dedup spool {where}: checksum mismatch in document {count}")
            text, doc_id, metadata = pickle.loads(data)
            count += 1
            yield Document(text=text.decode("utf-8", "surrogatepass"), id=doc_id, metadata=metadata)
