"""Bounded reads: only regular files, and never more than a limit, whatever `stat()` says.

`stat()` reports 0 bytes for devices, FIFOs and most of `/proc`, so a size check before reading
protects nothing: `/dev/zero` named (or symlinked as `spec.yaml`) would be read until memory runs
out, and a FIFO would block forever. Every file blocklint reads goes through `read_bounded`
(spec files, template includes, and the configuration, baseline, parameters and `--spec` files),
and standard input through `read_bounded_stream`.
"""

from __future__ import annotations

import os
import stat

MAX_FILE_BYTES = 10 * 1024 * 1024
_CHUNK = 1024 * 1024


class UnreadableFile(OSError):
    """A path that is not a regular file (a device, FIFO, socket or directory), or cannot be read."""


class FileTooLarge(UnreadableFile):
    """A file or stream past the size limit; `size` is its size when known (else None)."""

    def __init__(self, message: str, size: int | None = None):
        super().__init__(message)
        self.size = size


_FILE_TYPES = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
)


def _describe(mode: int) -> str:
    return next((name for test, name in _FILE_TYPES if test(mode)), "not a regular file")


def _mib(size: int) -> str:
    return f"{size / 2**20:.1f} MiB"


def read_bounded(path: str | os.PathLike, limit: int = MAX_FILE_BYTES, *, what: str = "file") -> bytes:
    """The bytes of a regular file of at most `limit` bytes.

    Symlinks are followed. The file is opened with O_NONBLOCK (so a FIFO never blocks the open)
    and checked with fstat() on the open descriptor (so it cannot be swapped in between).
    Raises `UnreadableFile` for anything but a regular file, naming what it is; `FileTooLarge`
    when the file holds more than `limit` bytes, found either from fstat() or by reading one byte
    past the limit (files in /proc say 0 and are not); `OSError` when it cannot be opened.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        descriptor = os.open(path, flags)
    except IsADirectoryError as error:
        raise UnreadableFile(f"{what} {os.fspath(path)!r} is a directory, not a regular file") from error
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            real = os.path.realpath(path)
            link = f" (a symlink to {real})" if os.path.abspath(path) != real else ""
            raise UnreadableFile(f"{what} {os.fspath(path)!r}{link} is {_describe(info.st_mode)}, not a regular "
                                 "file; blocklint reads regular files only")
        if info.st_size > limit:
            raise FileTooLarge(f"{what} is {_mib(info.st_size)}; the limit is {_mib(limit)}", info.st_size)
        with os.fdopen(descriptor, "rb", closefd=False) as handle:
            data = _read_at_most(handle, limit + 1)
    finally:
        os.close(descriptor)
    if len(data) > limit:
        raise FileTooLarge(f"{what} holds more than {_mib(limit)} (the limit), though its size "
                           f"was given as {info.st_size} bytes")
    return data


def read_bounded_stream(stream, limit: int = MAX_FILE_BYTES, *, what: str = "standard input") -> bytes:
    """At most `limit` bytes of a binary stream (standard input); `FileTooLarge` past it.

    Reads at most `limit` + 1 bytes, so a stream without end (`< /dev/zero`) costs no more.
    """
    data = _read_at_most(stream, limit + 1)
    if len(data) > limit:
        raise FileTooLarge(f"{what} holds more than {_mib(limit)} (the limit)")
    return data


def _read_at_most(handle, count: int) -> bytes:
    chunks, left = [], count
    while left > 0:
        chunk = handle.read(min(left, _CHUNK))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)
