"""The artifact of a block spec, built exactly as peak-sdk 1.29 builds it (peak/compression.py).

`artifact: {path, ignore_files}` in a peak CLI file names a directory that the CLI zips and
uploads with the spec. The rules:

- `path` must be a directory.
- The ignore files are gitignore-style (`pathspec`'s `gitwildmatch`). The patterns start from
  `["*"]` (everything) and each ignore line is inverted (`x` -> `!x`, `!x` -> `x`; blank and
  `#` lines are kept), then `match_tree_files(path, follow_links=True)` lists the files.
- With no `ignore_files`, `<path>/.dockerignore` is used when it exists. Each entry is
  resolved as `path / entry` and must sit at the root of `path`.
- The zip (ZIP_DEFLATED) holds the files, named relative to `path`, plus an explicit entry
  for every parent directory ("as API backend need directories explicitly included").
- The compressed zip may not exceed 10 MiB (`MAX_ARTIFACT_SIZE_MB * MB`, MB = 2**20).

One deliberate difference: for a relative `path` other than `.` and no `ignore_files`, peak-sdk
joins the path twice when it looks for the default `.dockerignore` and fails
(`sdk_default_ignore_fails` says when); this module uses `<path>/.dockerignore` as intended.

Errors are `ArtifactError`s with messages meant for users. `blocklint submit` reuses
`build_zip` to upload the same bytes the peak CLI would.
"""

from __future__ import annotations

import os
import stat
import time
import warnings
from pathlib import Path

MB = 2**20
MAX_ARTIFACT_SIZE_MB = 10
MAX_COMPRESSED_BYTES = MAX_ARTIFACT_SIZE_MB * MB
DEFAULT_IGNORE_FILE = ".dockerignore"


class ArtifactError(Exception):
    """The artifact cannot be built; the message says why, for a user."""


class ArtifactPathError(ArtifactError):
    """`artifact.path` does not exist or is not a directory."""


class TooManyFiles(ArtifactError):
    """The artifact lists more files than any block's directory holds."""


class LinkLeavesProject(ArtifactError):
    """A symbolic link in the artifact points outside the project: its target is never read."""


class IgnoreFileError(ArtifactError):
    """An `ignore_files` entry is missing, not a file, or not at the artifact root."""

    def __init__(self, entry: str, message: str):
        super().__init__(message)
        self.entry = entry


class ArtifactTooLarge(ArtifactError):
    """The compressed artifact is over the SDK's limit."""

    def __init__(self, message: str, *, compressed_bytes: int, largest: list[tuple[str, int]]):
        super().__init__(message)
        self.compressed_bytes = compressed_bytes
        self.largest = largest  # [(file, size in bytes on disk)], largest first


def resolve_path(path: str, root: str | os.PathLike | None = None) -> Path:
    """Where `artifact.path` points: relative to `root` if given, else to the working directory."""
    candidate = Path(path)  # no `~` expansion: the peak CLI does none
    if root is not None and not candidate.is_absolute():
        return Path(root) / candidate
    return candidate


MAX_FILES = 100_000  # far past any artifact that zips under 10 MiB; stops a walk of a whole disk
# Deflate never compresses better than about 1032:1, so more raw bytes than this cannot fit
# under the limit: the verdict needs no compression at all.
MAX_DEFLATE_RATIO = 1032
# Kernel and device trees: their files are endless (/dev/zero), change as they are read
# (/proc) or loop (/proc/self/root); peak-sdk would hang or zip garbage.
SYSTEM_TREES = ("/proc", "/sys", "/dev")


def path_problem(path) -> str | None:
    """Why `path` cannot be an artifact directory ("does not exist", ...), or None.

    Never raises: NUL characters, names too long for the file system and unreadable parents
    are answers, not exceptions."""
    text = os.fspath(path)
    if not text.strip():
        return "is empty"
    if "\0" in text:
        return "contains a NUL character"
    candidate = Path(text)
    try:
        if not candidate.is_dir():
            return "does not exist" if not candidate.exists() else "is not a directory"
        resolved = candidate.resolve()
    except (OSError, ValueError, RuntimeError) as error:
        reason = os.strerror(error.errno).lower() if getattr(error, "errno", None) else "cannot be read"
        return f"cannot be used ({reason})"
    if resolved == Path(resolved.anchor):
        return "is the filesystem root; point it at the directory that holds the block's Dockerfile and code"
    inside = next((tree for tree in SYSTEM_TREES if resolved.is_relative_to(tree)), None)
    return None if inside is None else f"is inside {inside}, a kernel or device tree"


def check_directory(root: str | os.PathLike) -> Path:
    problem = path_problem(root)
    if problem:
        raise ArtifactPathError(f"artifact path {os.fspath(root)!r} {problem}")
    return Path(root)


def check_ignore_file(root: str | os.PathLike, entry: str) -> Path:
    """The ignore file `entry` of the artifact at `root`, checked as peak-sdk checks it."""
    root = Path(root)
    candidate = root / entry
    try:
        relative = candidate.resolve().relative_to(root.resolve())
    except ValueError:
        raise IgnoreFileError(entry, f"ignore file {entry!r} is outside the artifact directory; "
                                     "it must sit at the artifact root") from None
    if len(relative.parents) != 1:
        raise IgnoreFileError(entry, f"ignore file {entry!r} is not at the artifact root "
                                     "(peak-sdk: 'Ignore file should be present at root level of given path')")
    if not candidate.exists():
        raise IgnoreFileError(entry, f"ignore file {entry!r} does not exist in the artifact directory")
    if not candidate.is_file():
        raise IgnoreFileError(entry, f"ignore file {entry!r} is not a file")
    return candidate


def effective_ignore_files(root: str | os.PathLike, ignore_files=None) -> list[str]:
    """The ignore files that apply: the given ones, else `.dockerignore` if the root has one."""
    if ignore_files:
        return list(ignore_files)
    return [DEFAULT_IGNORE_FILE] if (Path(root) / DEFAULT_IGNORE_FILE).exists() else []


def _invert(pattern: str) -> str:
    pattern = pattern.strip()
    if not pattern or pattern.startswith("#"):
        return pattern
    return pattern[1:] if pattern.startswith("!") else "!" + pattern


def ignore_spec(root: str | os.PathLike, ignore_files=None):
    """The `pathspec.PathSpec` of files to include, as peak-sdk builds it."""
    from pathspec import PathSpec

    patterns = ["*"]
    for entry in effective_ignore_files(root, ignore_files):
        path = check_ignore_file(root, entry)
        with open(path, encoding="utf-8", errors="replace") as handle:
            patterns.extend(_invert(line) for line in handle.read().splitlines())
    with warnings.catch_warnings():
        # pathspec 1.x deprecates the name peak-sdk uses; the same name keeps the same semantics.
        warnings.simplefilter("ignore", DeprecationWarning)
        return PathSpec.from_lines("gitwildmatch", patterns)


def artifact_files(root: str | os.PathLike, ignore_files=None) -> list[str]:
    """The files of the artifact, relative to `root` with `/` separators, sorted.

    Only regular files (after following links) may be in it: a device or FIFO would be read
    without end. Raises `TooManyFiles` past `MAX_FILES`."""
    from pathspec.util import RecursionError as LinkLoop  # pathspec's own class, not the builtin

    root = check_directory(root)
    spec = ignore_spec(root, ignore_files)
    files = []
    try:
        for name in spec.match_tree_files(os.fspath(root), follow_links=True):
            files.append(Path(name).as_posix())
            if len(files) > MAX_FILES:
                raise TooManyFiles(f"more than {MAX_FILES:,} files under artifact path {os.fspath(root)!r}; "
                                   "is it the block's own directory?")
    except (RecursionError, LinkLoop) as error:
        raise ArtifactError(f"cannot list artifact path {os.fspath(root)!r}: a loop of symbolic links "
                            "(peak-sdk follows links)") from error
    except OSError as error:
        raise ArtifactError(f"cannot list artifact path {os.fspath(root)!r}: {error.strerror or error}") from error
    for name in files:
        try:
            mode = (root / name).stat().st_mode
        except OSError:
            continue  # a dangling link: peak-sdk's walk skips it too
        if not stat.S_ISREG(mode):
            raise ArtifactError(f"{name!r} in artifact path {os.fspath(root)!r} is {_special(mode)}, not a regular "
                                "file; it cannot be zipped (peak-sdk would read it without end)")
    return sorted(files)


def _special(mode: int) -> str:
    for test, what in ((stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return what
    return "not a regular file"


def links_leaving(root: str | os.PathLike, files, boundary: str | os.PathLike | None = None) -> list[tuple[str, str]]:
    """`(link, target)` for each symbolic link in the artifact whose target lies outside
    `boundary` (default: the artifact itself).

    peak-sdk follows links (`follow_links=True`), so the target's content is uploaded under
    the link's name: a link to `~/.aws` or `/etc` ships files from outside the directory."""
    root = Path(root)
    try:
        inside = Path(root if boundary is None else boundary).resolve()
    except (OSError, RuntimeError):
        return []
    found: dict = {}
    for name in files:
        parts = Path(name).parts
        for depth in range(1, len(parts) + 1):
            link = Path(*parts[:depth])
            if link.as_posix() in found:
                break
            candidate = root / link
            if not candidate.is_symlink():
                continue
            try:
                target = candidate.resolve()
            except (OSError, RuntimeError):
                break
            if not target.is_relative_to(inside):
                try:
                    found[link.as_posix()] = os.readlink(candidate)  # as written: `../shared/x`, `/etc`
                except OSError:
                    found[link.as_posix()] = os.fspath(target)
            break
    return sorted(found.items())


def refuse_links_leaving(root: str | os.PathLike, files, project: str | os.PathLike) -> None:
    """Raise `LinkLeavesProject` when a link among `files` points outside `project`, before
    anything is read: blocklint never reads, measures or uploads what such a link points to."""
    leaving = links_leaving(root, files, project)
    if leaving:
        named = ", ".join(f"{link!r} -> {target!r}" for link, target in leaving[:3])
        more = f" and {len(leaving) - 3} more" if len(leaving) > 3 else ""
        raise LinkLeavesProject(f"symbolic links in the artifact point outside the project ({named}{more}); "
                                "blocklint reads no file outside the project: copy what the image needs into "
                                "the artifact, or ignore the link")


def directory_entries(files) -> list[str]:
    """The parent directories the zip lists explicitly, sorted."""
    parents = {parent for name in files for parent in Path(name).parents}
    parents.discard(Path())
    return sorted(parent.as_posix() for parent in parents)


def _largest(root: Path, files, count: int = 3) -> list[tuple[str, int]]:
    sizes = []
    for name in files:
        try:
            sizes.append((name, (root / name).stat().st_size))
        except OSError:
            continue
    return sorted(sizes, key=lambda item: (-item[1], item[0]))[:count]


def human_size(size: int) -> str:
    for unit, factor in (("GiB", 2**30), ("MiB", MB), ("KiB", 2**10)):
        if size >= factor:
            return f"{size / factor:.1f} {unit}"
    return f"{size} B"


def _too_large(root: Path, files, written: int, done: int, *, at_least: bool = False) -> ArtifactTooLarge:
    largest = _largest(root, files)
    named = ", ".join(f"{name} ({human_size(size)})" for name, size in largest)
    if at_least:
        progress = f"at least {human_size(written)} compressed"
    elif done == 0:  # decided from the raw size alone
        progress = (f"{human_size(written * MAX_DEFLATE_RATIO)} before compression, more than deflate can "
                    f"shrink to {MAX_ARTIFACT_SIZE_MB} MiB")
    elif done < len(files):
        progress = f"the limit is passed after {done} of {len(files)} files"
    else:
        progress = f"{human_size(written)} compressed"
    return ArtifactTooLarge(
        f"the compressed artifact is over {MAX_ARTIFACT_SIZE_MB} MiB ({progress}); largest files: {named}; "
        "exclude what the image does not need with an ignore file",
        compressed_bytes=written, largest=largest)


def build_zip(root: str | os.PathLike, ignore_files=None, *, limit: int | None = MAX_COMPRESSED_BYTES,
              project: str | os.PathLike | None = None) -> bytes:
    """The artifact zip, byte for byte the content peak-sdk uploads (entry order aside).

    Raises `ArtifactTooLarge` past `limit` compressed bytes (None: no limit), like the SDK,
    which stops as soon as the bytes written pass the limit, and `LinkLeavesProject` (reading
    nothing) when a link points outside `project`.
    """
    root = check_directory(root)
    files = artifact_files(root, ignore_files)
    if project is not None:
        refuse_links_leaving(root, files, project)
    if limit is not None:
        raw = sum(size for _, size in _largest(root, files, count=len(files)))
        if raw > limit * MAX_DEFLATE_RATIO:
            raise _too_large(root, files, raw // MAX_DEFLATE_RATIO, 0)
    import tempfile
    import zipfile

    with tempfile.SpooledTemporaryFile(max_size=2 * MAX_COMPRESSED_BYTES) as handle:
        with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for done, name in enumerate(files, start=1):
                _write_checked(archive, root / name, name, handle, limit,
                               lambda: _too_large(root, files, handle.tell(), done))
            for directory in directory_entries(files):
                archive.write(root / directory, directory)
        size = handle.tell()
        if limit is not None and size > limit:
            raise _too_large(root, files, size, len(files))
        handle.seek(0)
        return handle.read()


CHUNK = 1 << 20
SPARSE_MIN_BYTES = 64 * MB  # smaller files are compressed: it takes milliseconds
# Deflate (zlib's default level, as zipfile uses it) shrinks a run of zeros between these
# ratios (1028.8:1 measured; 1032:1 is deflate's ceiling): a hole's share is bounded unread.
ZERO_RATIO_LOW, ZERO_RATIO_HIGH = 1032, 1020
ENTRY_OVERHEAD = 256  # local and central headers, zip64 extras, descriptor: per entry, plus the name twice


def check_size(root: str | os.PathLike, ignore_files=None, *, limit: int = MAX_COMPRESSED_BYTES,
               project: str | os.PathLike | None = None) -> None:
    """Raise `ArtifactTooLarge` when `build_zip` would, reading as little as possible.

    The check's verdict, as `build_zip` is submit's: the same answer, but a sparse file (a
    4 GiB disk image that is mostly holes) is not compressed at every run. Holes are zeros,
    whose compressed size is bounded by the ratios above; the data between them, and every
    other file, is compressed (stopping once the limit is certainly passed). When the bounds
    do not decide, `build_zip` does.
    """
    root = check_directory(root)
    files = artifact_files(root, ignore_files)
    if project is not None:
        refuse_links_leaving(root, files, project)
    if _fits_unread(root, files, limit):
        return
    sparse = {name for name in files if _is_sparse(root / name)}
    if not sparse or not hasattr(os, "SEEK_DATA"):
        build_zip(root, ignore_files, limit=limit)
        return
    low = high = 0
    for name in files:
        path = root / name
        if name in sparse:
            ranges = _data_ranges(path)
            holes = path.stat().st_size - sum(end - start for start, end in ranges)
            compressed = _deflated_size(path, ranges)
            low += compressed + holes // ZERO_RATIO_LOW
            high += compressed + holes // ZERO_RATIO_HIGH + 1024 * (len(ranges) + 1)
        else:
            compressed = _deflated_size(path, None)
            low += compressed
            high += compressed
        high += ENTRY_OVERHEAD + 2 * len(name.encode())
        if low > limit:
            raise _too_large(root, files, low, len(files), at_least=True)
    if high + high // 100 >= limit:
        build_zip(root, ignore_files, limit=limit)


def _fits_unread(root: Path, files, limit: int) -> bool:
    """Whether `build_zip` certainly stays under `limit` and raises nothing, told from the
    files' stamps alone: every entry (files and the directories listed) counted at twice its
    size, far above what deflate makes of any data, plus 512 bytes of headers (zipfile writes
    under 200 with the name twice), with no name zip cannot encode and no time stamp outside
    the years a zip entry holds (1980-2107; zipfile raises for those). Most artifacts are a
    few files of code: this spares reading and compressing them, and importing zipfile."""
    total = 1024  # the end of central directory records, zip64 ones included
    for name in [*files, *directory_entries(files)]:
        try:
            stamp = os.stat(root / name)
            year = time.localtime(stamp.st_mtime).tm_year
            total += 2 * stamp.st_size + 512 + 2 * len(name.encode("utf-8"))
        except (OSError, OverflowError, ValueError):  # UnicodeEncodeError is a ValueError
            return False
        if not 1980 <= year <= 2107 or total > limit:
            return False
    return True


def _is_sparse(path: Path) -> bool:
    try:
        stat_ = path.stat()
    except OSError:
        return False
    blocks = getattr(stat_, "st_blocks", None)
    return stat_.st_size >= SPARSE_MIN_BYTES and blocks is not None and blocks * 512 < stat_.st_size // 2


def _data_ranges(path: Path) -> list[tuple[int, int]]:
    """The byte ranges of a file that hold data (not holes), from SEEK_DATA/SEEK_HOLE."""
    ranges = []
    with open(path, "rb") as handle:
        descriptor, offset, size = handle.fileno(), 0, os.fstat(handle.fileno()).st_size
        while offset < size:
            try:
                start = os.lseek(descriptor, offset, os.SEEK_DATA)
            except OSError:  # ENXIO: only a hole is left
                break
            end = os.lseek(descriptor, start, os.SEEK_HOLE)
            ranges.append((start, end))
            offset = end
    return ranges


def _deflated_size(path: Path, ranges) -> int:
    """Compressed size of a file (or of its `ranges`), with zipfile's deflate settings."""
    import zlib

    compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    total = 0
    with open(path, "rb") as handle:
        for start, end in ranges if ranges is not None else [(0, None)]:
            handle.seek(start)
            left = None if end is None else end - start
            while left is None or left > 0:
                chunk = handle.read(CHUNK if left is None else min(CHUNK, left))
                if not chunk:
                    break
                total += len(compressor.compress(chunk))
                if left is not None:
                    left -= len(chunk)
    return total + len(compressor.flush())


def _write_checked(archive, source: Path, name: str, handle, limit, too_large) -> None:
    """`archive.write(source, name)` (same entry, same bytes), checking the compressed size
    after every chunk, so a huge file stops as soon as the limit is passed, not at its end."""
    import zipfile

    info = zipfile.ZipInfo.from_file(source, name)
    info.compress_type = zipfile.ZIP_DEFLATED
    with open(source, "rb") as reader, archive.open(info, "w") as writer:
        while chunk := reader.read(CHUNK):
            writer.write(chunk)
            if limit is not None and handle.tell() > limit:
                raise too_large()
    if limit is not None and handle.tell() > limit:
        raise too_large()


def sdk_default_ignore_fails(path: str) -> bool:
    """True when peak-sdk 1.29 would fail on `path`'s default `.dockerignore` (if it had one).

    The SDK builds the default as `path/.dockerignore` and then joins it to `path` again;
    only an absolute path, or one whose double join resolves to the same place (`.`, `../x`),
    survives that.
    """
    candidate = Path(path)
    if candidate.is_absolute():
        return False
    try:
        twice = (candidate / candidate / DEFAULT_IGNORE_FILE).resolve()
        return twice != (candidate / DEFAULT_IGNORE_FILE).resolve()
    except (OSError, ValueError, RuntimeError):
        return False  # a path no file system takes: BL801 says why
