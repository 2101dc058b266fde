"""espdiag.bundle - the evidence bundle: a cab, an Intune zip, a folder or
one file, its members, and the registry view of its registry members."""
from __future__ import annotations

import ctypes
import os
from ctypes import byref, c_char_p, c_void_p, cast
from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional, Union

from . import _lib
from ._lib import lib, text
from ._util import HandleLock, NamedEnum, handle_repr
from .errors import raise_status
from .registry import InputWarning, Registry

if TYPE_CHECKING:  # pragma: no cover
    from .esp import Esp

PathLike = Union[str, "os.PathLike[str]"]


class MemberKind(NamedEnum):
    """What a member is (espdiag_member_kind): equals the name the JSON
    report and `espdiag members` use ("ime_log", ...); .number is the C value."""
    OTHER = "other", 0
    REGISTRY = "registry", 1
    EVENT_LOG = "event_log", 2
    IME_LOG = "ime_log", 3
    ZTD_JSON = "ztd_json", 4
    DEVICE_HASH = "device_hash", 5
    METADATA = "metadata", 6
    ARCHIVE = "archive", 7

    @property
    def label(self) -> str:
        """The name (kept from when MemberKind was an IntEnum: str(kind))."""
        return str(self.value)


@dataclass(frozen=True)
class Member:
    """One member of a bundle (espdiag_member)."""
    name: str
    kind: MemberKind
    size: Optional[int]      # None when nothing says
    read: bool
    reason: Optional[str]    # why it was not read; None when read
    summary: Optional[str]   # what was found, or None


class _BorrowedRegistry(Registry):
    """The bundle's view: freed with the bundle, never on its own."""

    def __init__(self, handle: int, owner: "Bundle") -> None:  # noqa: D107
        self._lock = owner._lock  # one handle: the bundle's calls and the view's
        self._handle = handle
        self._buffers = [owner]  # keeps the bundle alive while the view is

    def close(self) -> None:
        self._handle = None
        self._buffers.clear()


class Bundle:
    """A collection opened once, from a path or bytes::

        with Bundle.open("DiagLogs-PC1-20240501T120000Z.zip") as b:
            for m in b.members:
                print(m.kind.label, m.name, m.read or m.reason)
            print(b.registry.key(r"HKLM\\SOFTWARE\\Microsoft").subkey_names())

    Options: codepage (of REGEDIT4 members), mount (where hives go),
    max_members, max_total (bytes decompressed or read in all) and
    max_nesting (archives in archives); 0 means the library's default.
    """

    def __init__(self, *, codepage: Optional[str] = None, mount: Optional[str] = None,
                 max_members: int = 0, max_total: int = 0, max_nesting: int = 0) -> None:
        if not _lib.HAS_BUNDLE:
            raise ImportError("the loaded libespdiag has no bundle support")
        self._lock = HandleLock()
        self._handle: Optional[int] = None
        self._codepage = codepage.encode() if codepage is not None else None
        self._mount = mount.encode() if mount is not None else None
        self._open_opts = _lib.OpenOptions(_lib.OPEN_OPTIONS_VERSION, self._codepage)
        opts = _lib.BundleOptions(_lib.BUNDLE_OPTIONS_VERSION, _lib.POINTER(_lib.OpenOptions)(
            self._open_opts), self._mount, max_members, max_total, max_nesting)
        handle = c_void_p()
        rc = lib.espdiag_bundle_new(byref(handle), byref(opts))
        if rc != 0:
            raise_status(rc, _lib.strerror(rc))
        self._handle = handle.value
        self._data: Optional[bytes] = None  # open_memory does not copy
        self._registry: Optional[_BorrowedRegistry] = None

    @classmethod
    def open(cls, source: Union[PathLike, bytes, bytearray, memoryview], *,
             name: Optional[str] = None, **options: object) -> "Bundle":
        """A bundle of a path (a cab, a zip, a folder, any file) or of bytes."""
        bundle = cls(**options)  # type: ignore[arg-type]
        try:
            with bundle._lock:
                filename: Optional[PathLike] = None
                if isinstance(source, (bytes, bytearray, memoryview)):
                    bundle._data = bytes(source)
                    rc = lib.espdiag_bundle_open_memory(
                        bundle.handle, cast(c_char_p(bundle._data), c_void_p),
                        len(bundle._data), name.encode() if name is not None else None)
                else:
                    filename = source
                    ctypes.set_errno(0)
                    rc = lib.espdiag_bundle_open_file(bundle.handle, os.fsencode(source))
                if rc != 0:
                    raise_status(rc, text(lib.espdiag_bundle_errmsg(bundle.handle))
                                 or _lib.strerror(rc), filename)
        except BaseException:
            bundle.close()
            raise
        return bundle

    @property
    def handle(self) -> int:
        """The espdiag_bundle pointer. Raises after close()."""
        if not self._handle:
            raise ValueError("the bundle is closed")
        return self._handle

    @property
    def closed(self) -> bool:
        return not getattr(self, "_handle", None)

    def __repr__(self) -> str:
        with self._lock:
            if self.closed:
                return handle_repr(self, closed=True)
            n = int(lib.espdiag_bundle_member_count(self.handle))
            return handle_repr(self, f"{self.format} of {n} member{'s' if n != 1 else ''}, "
                                     f"{self.registry_count} registry")

    @property
    def format(self) -> Optional[str]:
        """"cab", "zip", "folder" or "file"."""
        with self._lock:
            return text(lib.espdiag_bundle_format(self.handle))

    @property
    def members(self) -> list[Member]:
        out = []
        with self._lock:
            for i in range(lib.espdiag_bundle_member_count(self.handle)):
                m = lib.espdiag_bundle_member_at(self.handle, i).contents
                out.append(Member(text(m.name) or "", MemberKind.of_number(
                    int(m.kind), text(lib.espdiag_member_kind_name(int(m.kind)))),
                                  int(m.size) if m.has_size else None, bool(m.read),
                                  text(m.reason), text(m.summary)))
        return out

    @property
    def registry_count(self) -> int:
        """Registry members mounted into the view."""
        with self._lock:
            return int(lib.espdiag_bundle_registry_count(self.handle))

    @property
    def registry(self) -> Registry:
        """The view of every registry member; valid until the bundle is closed.
        It shares the bundle's lock."""
        with self._lock:
            if self._registry is None or self._registry.closed:
                self._registry = _BorrowedRegistry(lib.espdiag_bundle_registry(self.handle),
                                                   self)
            return self._registry

    def esp(self) -> "Esp":
        """The ESP model of the whole bundle: the registry's, plus the IME
        logs' apps, attempts and the device's clock (espdiag.logs)."""
        from .logs import load_bundle
        return load_bundle(self)

    @property
    def warnings(self) -> list[InputWarning]:
        """Damage that stopped an archive early, exports outside their hive."""
        with self._lock:
            return [InputWarning._from(lib.espdiag_bundle_warning_at(self.handle, i).contents)
                    for i in range(lib.espdiag_bundle_warning_count(self.handle))]

    def close(self) -> None:
        """Frees the bundle, its members and its registry view. Idempotent."""
        lock = getattr(self, "_lock", None)
        if lock is None:  # __init__ failed before the lock
            return
        with lock:
            if getattr(self, "_registry", None) is not None:
                self._registry.close()  # type: ignore[union-attr]
                self._registry = None
            if getattr(self, "_handle", None):
                lib.espdiag_bundle_free(self._handle)
                self._handle = None
                self._data = None

    def __enter__(self) -> "Bundle":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # interpreter shutdown: the module may be gone
            pass
