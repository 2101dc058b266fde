"""espdiag.backend - a registry backend (backend.h) served from Python data.

TableBackend turns {key path: {value name: data}} into the ops table of
backend.h, so a script can mount what it collected itself (a live registry
read with winreg, a vendor's inventory) and get the same ESP model and
diagnosis as from a dump. Python data become Windows types: int -> REG_DWORD
(REG_QWORD above 32 bits), str -> REG_SZ, list of str -> REG_MULTI_SZ,
bytes -> REG_BINARY, and (type, bytes) -> that type number with raw bytes.
"""
from __future__ import annotations

import ctypes
from ctypes import (CFUNCTYPE, POINTER, Structure, c_char_p, c_int, c_size_t, c_uint,
                    c_uint32, c_uint64, c_void_p)
from typing import Any, Mapping, Optional, Union

from .errors import Status

Node = c_uint64


class BackendValue(Structure):
    _fields_ = [("name", c_void_p), ("name_len", c_size_t), ("type", c_uint32),
                ("data", c_void_p), ("size", c_size_t)]


_ROOT = CFUNCTYPE(c_int, c_void_p, POINTER(Node))
_COUNT = CFUNCTYPE(c_int, c_void_p, Node, POINTER(c_size_t))
_AT = CFUNCTYPE(c_int, c_void_p, Node, c_size_t, POINTER(Node))
_FIND = CFUNCTYPE(c_int, c_void_p, Node, c_char_p, c_size_t, POINTER(Node))
_NAME = CFUNCTYPE(c_int, c_void_p, Node, POINTER(c_void_p), POINTER(c_size_t))
_TIME = CFUNCTYPE(c_int, c_void_p, Node, POINTER(c_uint64))
_VALUE_AT = CFUNCTYPE(c_int, c_void_p, Node, c_size_t, POINTER(BackendValue))
_WCOUNT = CFUNCTYPE(c_size_t, c_void_p)
_WAT = CFUNCTYPE(c_void_p, c_void_p, c_size_t)
_PROP = CFUNCTYPE(c_void_p, c_void_p, c_char_p)
_FREE = CFUNCTYPE(None, c_void_p)


class BackendOps(Structure):
    """struct espdiag_backend, version 1."""
    _fields_ = [("version", c_uint), ("root", _ROOT), ("subkey_count", _COUNT),
                ("subkey_at", _AT), ("subkey_find", _FIND), ("key_name", _NAME),
                ("key_last_write", _TIME), ("value_count", _COUNT),
                ("value_at", _VALUE_AT), ("warning_count", _WCOUNT),
                ("warning_at", _WAT), ("property", _PROP), ("free", _FREE)]


BACKEND_VERSION = 1
Data = Union[int, str, list, bytes, tuple]


def encode(data: Data) -> tuple[int, bytes]:
    """A Python value as (Windows type number, raw bytes)."""
    if isinstance(data, bool):
        data = int(data)
    if isinstance(data, tuple):
        type_, raw = data
        return int(type_), bytes(raw)
    if isinstance(data, int):
        if 0 <= data <= 0xFFFFFFFF:
            return 4, data.to_bytes(4, "little")
        return 11, (data & 0xFFFFFFFFFFFFFFFF).to_bytes(8, "little")
    if isinstance(data, str):
        return 1, (data + "\0").encode("utf-16-le")
    if isinstance(data, list):
        return 7, ("".join(s + "\0" for s in data) + "\0").encode("utf-16-le")
    if isinstance(data, (bytes, bytearray, memoryview)):
        return 3, bytes(data)
    raise TypeError(f"no registry type for {type(data).__name__}")


class _Key:
    __slots__ = ("name", "children", "values")

    def __init__(self, name: bytes) -> None:
        self.name = ctypes.create_string_buffer(name, len(name) + 1)
        self.children: list[int] = []
        self.values: list[tuple[Any, int, int, Any, int]] = []


class TableBackend:
    """A backend over {path relative to the mount point: {name: data}}.

    Paths use "\\"; intermediate keys are made as needed; "" is the root.
    Keys and values keep the order the mapping gives. Hand it to
    Registry.mount(); the view then owns it until Registry.close().
    """

    def __init__(self, table: Mapping[str, Mapping[str, Data]],
                 properties: Optional[Mapping[str, str]] = None) -> None:
        self._keys: list[_Key] = [_Key(b"")]
        self._index: dict[tuple[int, str], int] = {}
        for path, values in table.items():
            node = 0
            for part in (p for p in path.split("\\") if p):
                node = self._child(node, part)
            for name, data in values.items():
                type_, raw = encode(data)
                nb = name.encode("utf-8")
                nbuf = ctypes.create_string_buffer(nb, len(nb) + 1)
                dbuf = ctypes.create_string_buffer(raw, max(len(raw), 1))
                self._keys[node].values.append((nbuf, len(nb), type_, dbuf, len(raw)))
        self._props = {k.encode(): ctypes.create_string_buffer(v.encode())
                       for k, v in (properties or {"format": "python"}).items()}
        self.freed = False
        self.ops = BackendOps()
        self.ops.version = BACKEND_VERSION
        # The CFUNCTYPE objects must live as long as the table: keep them.
        self._callbacks = dict(
            root=_ROOT(self._root), subkey_count=_COUNT(self._subkey_count),
            subkey_at=_AT(self._subkey_at), key_name=_NAME(self._key_name),
            value_count=_COUNT(self._value_count), value_at=_VALUE_AT(self._value_at),
            property=_PROP(self._property), free=_FREE(self._free))
        for name, fn in self._callbacks.items():
            setattr(self.ops, name, fn)

    def __repr__(self) -> str:
        n = len(self._keys)
        values = sum(len(k.values) for k in self._keys)
        return (f"<espdiag.TableBackend {n} key{'s' if n != 1 else ''}, "
                f"{values} value{'s' if values != 1 else ''}{', freed' if self.freed else ''}>")

    def _child(self, node: int, name: str) -> int:
        folded = (node, name.casefold())
        if folded not in self._index:
            self._keys.append(_Key(name.encode("utf-8")))
            self._index[folded] = len(self._keys) - 1
            self._keys[node].children.append(len(self._keys) - 1)
        return self._index[folded]

    # Callbacks: a Python exception must never cross into C.

    def _guard(fn):  # type: ignore[no-untyped-def]
        def wrapped(self, *args):  # type: ignore[no-untyped-def]
            try:
                return fn(self, *args)
            except Exception:
                return Status.EBACKEND
        return wrapped

    @_guard
    def _root(self, _self: int, out: Any) -> int:
        out[0] = 0
        return Status.OK

    @_guard
    def _subkey_count(self, _self: int, key: int, out: Any) -> int:
        out[0] = len(self._keys[key].children)
        return Status.OK

    @_guard
    def _subkey_at(self, _self: int, key: int, index: int, out: Any) -> int:
        children = self._keys[key].children
        if index >= len(children):
            return Status.NOTFOUND
        out[0] = children[index]
        return Status.OK

    @_guard
    def _key_name(self, _self: int, key: int, out: Any, out_len: Any) -> int:
        k = self._keys[key]
        out[0] = ctypes.addressof(k.name)
        out_len[0] = len(k.name.value)
        return Status.OK

    @_guard
    def _value_count(self, _self: int, key: int, out: Any) -> int:
        out[0] = len(self._keys[key].values)
        return Status.OK

    @_guard
    def _value_at(self, _self: int, key: int, index: int, out: Any) -> int:
        values = self._keys[key].values
        if index >= len(values):
            return Status.NOTFOUND
        nbuf, nlen, type_, dbuf, size = values[index]
        v = out.contents
        v.name, v.name_len, v.type = ctypes.addressof(nbuf), nlen, type_
        v.data, v.size = ctypes.addressof(dbuf), size
        return Status.OK

    def _property(self, _self: int, name: bytes) -> Optional[int]:
        buf = self._props.get(name)
        return ctypes.addressof(buf) if buf is not None else None

    def _free(self, _self: int) -> None:
        self.freed = True
