"""espdiag.registry - the registry view: sources, keys and typed values."""
from __future__ import annotations

import ctypes
import enum
import os
from ctypes import byref, c_int, c_size_t, c_uint32, c_uint64, c_void_p
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Iterator, List, Mapping, Optional, Union

from . import _lib
from ._lib import check, lib, text
from ._util import HandleLock, handle_repr, utc_from_filetime
from .errors import EspdiagError, Status, raise_status

if TYPE_CHECKING:
    from .backend import TableBackend

PathLike = Union[str, "os.PathLike[str]"]
#: What a typed value becomes in Python.
ValueData = Union[str, int, List[str], bytes]


class RegType(enum.IntEnum):
    """Windows registry value types (espdiag_reg_type)."""
    NONE = 0
    SZ = 1
    EXPAND_SZ = 2
    BINARY = 3
    DWORD = 4
    DWORD_BIG_ENDIAN = 5
    LINK = 6
    MULTI_SZ = 7
    RESOURCE_LIST = 8
    FULL_RESOURCE_DESCRIPTOR = 9
    RESOURCE_REQUIREMENTS_LIST = 10
    QWORD = 11


def reg_type_name(type_: int) -> Optional[str]:
    """"REG_SZ", ..., "REG_QWORD"; None for a number Windows does not define."""
    return text(lib.espdiag_reg_type_name(type_))


@dataclass(frozen=True)
class InputWarning:
    """Something in the input was damaged and skipped (espdiag_warning)."""
    line: int      # 1-based line of a text input; 0 when not applicable
    column: int    # 1-based column; 0 when not applicable
    offset: int    # byte offset in the input
    message: str
    source: Optional[int] = None  # index of the source, for registry warnings

    @classmethod
    def _from(cls, w: _lib.Warning_, source: Optional[int] = None) -> "InputWarning":
        return cls(int(w.line), int(w.column), int(w.offset), text(w.message) or "", source)


@dataclass(frozen=True)
class Source:
    """A mounted source and its properties (espdiag_registry_source_property)."""
    index: int
    path: Optional[str]
    prefix: Optional[str]
    format: Optional[str]    # "reg", "hive", ...
    encoding: Optional[str]  # "utf-16le", "utf-8", "windows-1252", ...
    dialect: Optional[str]   # "regedit5", "regedit4", "dump"


def _options(codepage: Optional[str]) -> Optional[_lib.OpenOptions]:
    if codepage is None:
        return None
    opts = _lib.OpenOptions()
    opts.version = _lib.OPEN_OPTIONS_VERSION
    opts.codepage = codepage.encode()
    return opts


def _bytes_arg(s: Optional[str]) -> Optional[bytes]:
    return None if s is None else s.encode("utf-8")


class Registry:
    """A registry view (espdiag_registry): one or more mounted sources.

    Use it as a context manager, or call close(); keys and values taken from
    it are valid until then::

        with Registry.open("MDMDiagReport_RegistryDump.reg") as reg:
            print(reg.key(r"HKLM\\SOFTWARE\\Microsoft\\Enrollments").subkey_names())
    """

    def __init__(self) -> None:
        self._lock = HandleLock()
        handle = c_void_p()
        check(lib.espdiag_registry_new(byref(handle)))
        self._handle: Optional[int] = handle.value
        # espdiag_registry_open_memory does not copy: the bytes stay here.
        self._buffers: list[object] = []

    def __repr__(self) -> str:
        with self._lock:
            if self.closed:
                return handle_repr(self, closed=True)
            n = int(lib.espdiag_registry_source_count(self.handle))
            paths = ", ".join(repr(s.path or s.prefix or "") for s in self.sources)
            return handle_repr(self, f"{n} source{'s' if n != 1 else ''}: {paths}" if n
                               else "no sources")

    @classmethod
    def open(cls, source: Union[PathLike, bytes, bytearray, memoryview],
             prefix: Optional[str] = None, *, codepage: Optional[str] = None,
             name: Optional[str] = None) -> "Registry":
        """A view holding one source: a file path, or the bytes of a file."""
        reg = cls()
        try:
            if isinstance(source, (bytes, bytearray, memoryview)):
                reg.add_bytes(source, prefix, codepage=codepage, name=name)
            else:
                reg.add_file(source, prefix, codepage=codepage)
        except BaseException:
            reg.close()
            raise
        return reg

    # --- handle life ---

    @property
    def handle(self) -> int:
        """The espdiag_registry pointer, for ctypes callers. Raises after close()."""
        if not self._handle:
            raise ValueError("the registry is closed")
        return self._handle

    @property
    def closed(self) -> bool:
        return not self._handle

    def close(self) -> None:
        """Frees the view and everything it handed out. Idempotent."""
        with self._lock:
            if self._handle:
                lib.espdiag_registry_free(self._handle)
                self._handle = None
                self._buffers.clear()

    def __enter__(self) -> "Registry":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # interpreter shutdown: the module may be gone
            pass

    def _raise(self, status: int, filename: Optional[PathLike] = None) -> None:
        """Raises the failure of the last call on the view (under the lock):
        OSError for ESPDIAG_EIO, EspdiagError for the others."""
        raise_status(status, text(lib.espdiag_registry_errmsg(self.handle))
                     or _lib.strerror(status), filename)

    # --- sources ---

    def add_file(self, path: PathLike, prefix: Optional[str] = None, *,
                 codepage: Optional[str] = None) -> None:
        """Reads the file at path ("-" for standard input) and mounts it under
        prefix (None: where the source says)."""
        opts = _options(codepage)
        with self._lock:
            ctypes.set_errno(0)
            status = lib.espdiag_registry_open_file(
                self.handle, os.fsencode(path), _bytes_arg(prefix),
                byref(opts) if opts is not None else None)
            if status < 0:
                self._raise(status, path)

    def add_bytes(self, data: Union[bytes, bytearray, memoryview],
                  prefix: Optional[str] = None, *, codepage: Optional[str] = None,
                  name: Optional[str] = None) -> None:
        """Reads the bytes of a .reg file or hive and mounts them. The
        binding keeps a copy alive as long as the view."""
        buf = ctypes.create_string_buffer(bytes(data), len(data)) if len(data) else \
            ctypes.create_string_buffer(1)
        opts = _options(codepage)
        with self._lock:
            status = lib.espdiag_registry_open_memory(
                self.handle, buf, len(data), _bytes_arg(name), _bytes_arg(prefix),
                byref(opts) if opts is not None else None)
            if status < 0:
                self._raise(status)
            self._buffers.append(buf)

    def mount(self, backend: "TableBackend", prefix: Optional[str] = None) -> None:
        """Mounts a backend under prefix (None: its "default_mount" property,
        else the root). The view keeps it until close()."""
        with self._lock:
            status = lib.espdiag_registry_mount(self.handle, _bytes_arg(prefix),
                                                ctypes.byref(backend.ops))
            if status < 0:
                self._raise(status)
            self._buffers.append(backend)

    def mount_table(self, table: "Mapping[str, Mapping[str, ValueData]]",
                    prefix: Optional[str] = None) -> None:
        """Mounts {key path: {value name: data}} (see espdiag.backend)."""
        from .backend import TableBackend
        self.mount(TableBackend(table), prefix)

    @property
    def sources(self) -> list[Source]:
        out = []
        with self._lock:
            for i in range(lib.espdiag_registry_source_count(self.handle)):
                def prop(name: str, i: int = i) -> Optional[str]:
                    return text(lib.espdiag_registry_source_property(self.handle, i,
                                                                     name.encode()))
                out.append(Source(i, prop("path"), prop("prefix"), prop("format"),
                                  prop("encoding"), prop("dialect")))
        return out

    @property
    def warnings(self) -> list[InputWarning]:
        out = []
        src = c_size_t()
        with self._lock:
            for i in range(lib.espdiag_registry_warning_count(self.handle)):
                w = lib.espdiag_registry_warning_at(self.handle, i, byref(src))
                if w:
                    out.append(InputWarning._from(w.contents, int(src.value)))
        return out

    # --- keys ---

    @property
    def root(self) -> "Key":
        with self._lock:
            return Key(self, lib.espdiag_registry_root(self.handle))

    def key(self, path: str) -> "Key":
        """The key at a full path such as r"HKLM\\SOFTWARE\\Microsoft"
        (case-insensitive). Raises KeyError when it does not exist."""
        out = c_void_p()
        with self._lock:
            status = lib.espdiag_registry_key(byref(out), self.handle, path.encode("utf-8"))
            if status == Status.NOTFOUND:
                raise KeyError(path)
            if status < 0:
                self._raise(status)
        return Key(self, out.value)

    def get(self, path: str) -> Optional["Key"]:
        """As key(), but None when the key does not exist."""
        try:
            return self.key(path)
        except KeyError:
            return None

    def __contains__(self, path: str) -> bool:
        return self.get(path) is not None

    def export(self, key: Optional["Key"] = None, *, utf16: bool = False) -> bytes:
        """The regedit 5 export of key's subtree (None: everything)."""
        flags = 0x1 if utf16 else 0
        k = key._ptr if key is not None else None
        with self._lock:
            return _lib.capture(lambda f: lib.espdiag_registry_export(self.handle, k, flags, f))


def _name(ptr: int, length: int) -> str:
    return ctypes.string_at(ptr, length).decode("utf-8", "replace") if ptr else ""


class Key(Mapping[str, ValueData]):
    """A key of a view: a read-only mapping of its values' names to their
    typed data, valid while its Registry is open.

    ``k["Current"]``, ``"Current" in k``, ``len(k)``, ``iter(k)``,
    ``k.keys()``/``k.items()``/``k.values()`` and ``k.get()`` are all about
    the key's values (names are case-insensitive, as in Windows; a name
    repeated in the source counts once, its first value wins). Subkeys are
    reached through ``k.subkeys()`` and ``k.subkey(path)``; the typed
    ``Value`` objects (type, raw bytes) through ``k.value(name)`` and
    ``k.value_objects()``. A Key is always true, also without values: test
    ``is None`` for a lookup that may fail and ``len(k)`` for values.

    A backend that fails while listing raises EspdiagError (never an empty
    key).
    """

    __slots__ = ("_reg", "_ptr")

    def __init__(self, reg: Registry, ptr: int) -> None:
        self._reg = reg
        self._ptr = ptr

    def _p(self) -> int:
        self._reg.handle  # raises once the view is closed
        return self._ptr

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Key) and other._ptr == self._ptr

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(self._ptr)

    def __bool__(self) -> bool:
        return True

    def __repr__(self) -> str:
        with self._reg._lock:
            if self._reg.closed:
                return "<espdiag.Key (closed)>"
            return f"<espdiag.Key {self.path!r}>"

    @property
    def name(self) -> str:
        """The key's name ("" for the root); embedded NULs kept."""
        with self._reg._lock:
            p = self._p()
            return _name(lib.espdiag_key_name(p), lib.espdiag_key_name_len(p))

    @property
    def path(self) -> str:
        """The full path with the root names spelled out."""
        with self._reg._lock:
            return ctypes.string_at(lib.espdiag_key_path(self._p())).decode("utf-8", "replace")

    @property
    def parent(self) -> Optional["Key"]:
        with self._reg._lock:
            p = lib.espdiag_key_parent(self._p())
        return Key(self._reg, p) if p else None

    @property
    def last_write(self) -> Optional[datetime]:
        """The last-write time as an aware UTC datetime, None when the source
        has none (a .reg export never has one); last_write_filetime is the
        raw value."""
        ft = self.last_write_filetime
        return None if ft is None else utc_from_filetime(ft)

    @property
    def last_write_filetime(self) -> Optional[int]:
        """The last-write time as Windows stores it (a FILETIME), or None."""
        out = c_uint64()
        with self._reg._lock:
            status = lib.espdiag_key_last_write(self._p(), byref(out))
        if status < 0:
            self._reg._raise(status)
        return int(out.value) if status == Status.OK else None

    # --- subkeys ---

    def subkey(self, relpath: str) -> "Key":
        """The key at a path relative to this one; KeyError when absent."""
        out = c_void_p()
        with self._reg._lock:
            status = lib.espdiag_key_subkey(byref(out), self._p(), relpath.encode("utf-8"))
            if status == Status.NOTFOUND:
                raise KeyError(relpath)
            if status < 0:
                self._reg._raise(status)
        return Key(self._reg, out.value)

    def subkey_count(self) -> int:
        """The number of subkeys; EspdiagError when the backend fails."""
        with self._reg._lock:
            return self._count(lib.espdiag_key_get_subkey_count, lib.espdiag_key_subkey_count)

    def subkeys(self) -> list["Key"]:
        """The subkeys in source order."""
        out = c_void_p()
        keys = []
        with self._reg._lock:
            p = self._p()
            for i in range(self._count(lib.espdiag_key_get_subkey_count,
                                       lib.espdiag_key_subkey_count)):
                status = lib.espdiag_key_subkey_at(byref(out), p, i)
                if status < 0:
                    self._reg._raise(status)
                if status == Status.OK:
                    keys.append(Key(self._reg, out.value))
        return keys

    def subkey_names(self) -> list[str]:
        with self._reg._lock:
            return [k.name for k in self.subkeys()]

    def _count(self, get: Any, legacy: Any) -> int:
        # Under the lock. The status-reporting count (0.2) tells a backend's
        # failure from an empty key; an older library has only the bare
        # count and the view's sticky status.
        p = self._p()
        if _HAS_GET_COUNT:
            n = c_size_t()
            status = get(byref(n), p)
            if status < 0:
                self._reg._raise(status)
            return int(n.value)
        return int(legacy(p))

    # --- values ---

    def value_objects(self) -> list["Value"]:
        """The Value objects (name, type, raw bytes, data) in source order,
        repeated names included."""
        out = c_void_p()
        vals = []
        with self._reg._lock:
            p = self._p()
            for i in range(self._count(lib.espdiag_key_get_value_count,
                                       lib.espdiag_key_value_count)):
                status = lib.espdiag_key_value_at(byref(out), p, i)
                if status < 0:
                    self._reg._raise(status)
                if status == Status.OK:
                    vals.append(Value(self._reg, out.value))
        return vals

    def value(self, name: Optional[str] = None) -> "Value":
        """The value called name (case-insensitive; None or "" is the default
        value); KeyError when absent."""
        out = c_void_p()
        with self._reg._lock:
            status = lib.espdiag_key_value(byref(out), self._p(),
                                           None if name is None else name.encode("utf-8"))
            if status == Status.NOTFOUND:
                raise KeyError(name)
            if status < 0:
                self._reg._raise(status)
        return Value(self._reg, out.value)

    def _names(self) -> list[str]:
        with self._reg._lock:
            seen: set[str] = set()
            names = []
            for v in self.value_objects():
                n = v.name
                if n.casefold() not in seen:
                    seen.add(n.casefold())
                    names.append(n)
            return names

    def __getitem__(self, name: str) -> ValueData:
        """The typed data of the value called name (KeyError when absent)."""
        if not isinstance(name, str):
            raise KeyError(name)
        return self.value(name).data

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        try:
            self.value(name)
        except KeyError:
            return False
        return True

    def __iter__(self) -> Iterator[str]:
        """The value names, in source order."""
        return iter(self._names())

    def __len__(self) -> int:
        """The number of (distinct) value names."""
        return len(self._names())

    def as_dict(self) -> dict[str, ValueData]:
        """Value names to typed data (the first value of a repeated name wins)."""
        out: dict[str, ValueData] = {}
        folded: set[str] = set()
        with self._reg._lock:
            for v in self.value_objects():
                if v.name.casefold() not in folded:
                    folded.add(v.name.casefold())
                    out[v.name] = v.data
        return out


class Value:
    """A value of a key; valid while its Registry is open."""

    __slots__ = ("_reg", "_ptr")

    def __init__(self, reg: Registry, ptr: int) -> None:
        self._reg = reg
        self._ptr = ptr

    def _p(self) -> int:
        self._reg.handle
        return self._ptr

    def __repr__(self) -> str:
        with self._reg._lock:
            if self._reg.closed:
                return "<espdiag.Value (closed)>"
            return f"<espdiag.Value {self.name!r} {self.type_name or self.type}: {self.data!r}>"

    @property
    def name(self) -> str:
        with self._reg._lock:
            p = self._p()
            return _name(lib.espdiag_value_name(p), lib.espdiag_value_name_len(p))

    @property
    def type(self) -> int:
        """The Windows type number, unknown numbers included (compare with RegType)."""
        with self._reg._lock:
            return int(lib.espdiag_value_type(self._p()))

    @property
    def type_name(self) -> Optional[str]:
        return reg_type_name(self.type)

    @property
    def raw(self) -> bytes:
        """The bytes as Windows stores them (REG_SZ: UTF-16LE with its NUL)."""
        with self._reg._lock:
            p = self._p()
            size = lib.espdiag_value_size(p)
            return ctypes.string_at(lib.espdiag_value_data(p), size) if size else b""

    @property
    def data(self) -> ValueData:
        """The data as a Python object: REG_SZ, REG_EXPAND_SZ -> str; REG_DWORD,
        REG_DWORD_BIG_ENDIAN, REG_QWORD -> int; REG_MULTI_SZ -> list[str];
        anything else, or a number of the wrong size, -> bytes."""
        with self._reg._lock:
            return self._data()

    def _data(self) -> ValueData:
        p = self._p()
        t = self.type
        if t in (RegType.SZ, RegType.EXPAND_SZ):
            out = c_void_p()
            check(lib.espdiag_value_get_string(byref(out), p))
            return _lib.take_string(out)
        if t in (RegType.DWORD, RegType.DWORD_BIG_ENDIAN):
            d = c_uint32()
            if lib.espdiag_value_get_dword(p, byref(d)) == Status.OK:
                return int(d.value)
        elif t == RegType.QWORD:
            q = c_uint64()
            if lib.espdiag_value_get_qword(p, byref(q)) == Status.OK:
                return int(q.value)
        elif t == RegType.MULTI_SZ:
            arr = c_void_p()
            n = c_size_t()
            check(lib.espdiag_value_get_multi_string(byref(arr), byref(n), p))
            try:
                strings = ctypes.cast(arr, ctypes.POINTER(ctypes.c_char_p))
                return [(strings[i] or b"").decode("utf-8", "replace") for i in range(n.value)]
            finally:
                lib.espdiag_free(arr)
        return self.raw


# The status-reporting counts (added in 0.2): declared when the loaded
# library has them.
_HAS_GET_COUNT = _lib._declare({
    "espdiag_key_get_subkey_count": (c_int, [ctypes.POINTER(c_size_t), c_void_p]),
    "espdiag_key_get_value_count": (c_int, [ctypes.POINTER(c_size_t), c_void_p]),
}, False)
