"""Reading an uploaded zip without trusting it: bounded sizes (zip bombs), names that could
escape a directory, and JSON parsed only up to a size. Nothing is ever extracted to disk:
entries are read by name into memory, each bounded, one at a time."""

from __future__ import annotations

import posixpath
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson


class ArchiveRefused(Exception):
    """The archive as a whole cannot be imported; carries an error code and a message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class EntryRefused(Exception):
    """One entry cannot be read (the item that needs it is skipped and reported)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class ArchiveLimits:
    max_uncompressed_bytes: int
    max_ratio: float
    max_entries: int
    json_max_bytes: int


def safe_name(name: str) -> str | None:
    """The entry name normalised, or None when it could escape the archive's root (absolute,
    `..`, a drive letter, backslashes, NUL)."""
    if not name or "\x00" in name or "\\" in name or name.startswith("/"):
        return None
    if len(name) > 1 and name[1] == ":":
        return None
    parts = name.split("/")
    if any(part == ".." for part in parts):
        return None
    normal = posixpath.normpath(name)
    return None if normal in (".", "") or normal.startswith("../") else normal


def repair_mojibake(value: Any) -> Any:
    """Instagram writes UTF-8 bytes as if each were a Latin-1 character ("caf\\u00c3\\u00a9"
    for "café"): undo that in every string of a parsed JSON value. A string that is not
    such a sequence (a real "é" in a newer export) is left as it is."""
    if isinstance(value, str):
        try:
            return value.encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return value
    if isinstance(value, list):
        return [repair_mojibake(item) for item in value]
    if isinstance(value, dict):
        return {repair_mojibake(key): repair_mojibake(item) for key, item in value.items()}
    return value


class SafeArchive:
    """A zip on local disk, checked as a whole when opened (entry count, total unpacked
    size) and entry by entry when read (name, expansion ratio, size)."""

    def __init__(self, path: Path, limits: ArchiveLimits) -> None:
        self.limits = limits
        try:
            self._zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise ArchiveRefused("not_a_zip", "The file is not a ZIP archive.") from exc
        infos = self._zip.infolist()
        if len(infos) > limits.max_entries:
            self.close()
            raise ArchiveRefused(
                "archive_too_many_entries",
                f"The archive has {len(infos)} entries; at most {limits.max_entries} are read.",
            )
        total = sum(info.file_size for info in infos)
        if total > limits.max_uncompressed_bytes:
            self.close()
            raise ArchiveRefused(
                "archive_too_large_unpacked",
                f"The archive unpacks to {total / 2**30:.3g} GiB, more than the "
                f"{limits.max_uncompressed_bytes / 2**30:.3g} GiB allowed (a zip bomb?).",
            )
        # Only entries with safe names can be referred to; the others are never read.
        self.entries: dict[str, zipfile.ZipInfo] = {}
        self.unsafe_names = 0
        for info in infos:
            name = safe_name(info.filename)
            if name is None:
                self.unsafe_names += 1
            elif not info.is_dir():
                self.entries[name] = info

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> SafeArchive:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def names(self) -> list[str]:
        return list(self.entries)

    def read(self, name: str, max_bytes: int) -> bytes:
        """An entry's bytes; EntryRefused when it is missing, unsafe, larger than
        `max_bytes`, expands suspiciously, or is damaged."""
        normal = safe_name(name)
        if normal is None:
            raise EntryRefused("unsafe_path", f"{name!r} points outside the archive.")
        info = self.entries.get(normal)
        if info is None:
            raise EntryRefused("file_missing", f"{name} is not in the archive.")
        if info.file_size > max_bytes:
            raise EntryRefused(
                "file_too_large", f"{name} has {info.file_size} bytes, more than {max_bytes}."
            )
        if info.compress_size and info.file_size / info.compress_size > self.limits.max_ratio:
            raise EntryRefused(
                "suspicious_compression", f"{name} expands more than a real file does."
            )
        try:
            # zipfile stops at the declared size and checks the CRC: a lying header fails.
            with self._zip.open(info) as source:
                data = source.read(max_bytes + 1)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
            raise EntryRefused("file_damaged", f"{name} is damaged in the archive.") from exc
        if len(data) > max_bytes:
            raise EntryRefused("file_too_large", f"{name} is larger than {max_bytes} bytes.")
        return data

    def read_json(self, name: str, *, repair: bool = True) -> Any:
        """A JSON entry, parsed and (`repair`) with Instagram's mojibake repaired."""
        data = self.read(name, self.limits.json_max_bytes)
        try:
            parsed = orjson.loads(data)
            return repair_mojibake(parsed) if repair else parsed
        except orjson.JSONDecodeError as exc:
            raise EntryRefused("invalid_json", f"{name} is not valid JSON.") from exc
