"""BL8xx: the artifact a peak CLI spec file uploads (`artifact: {path, ignore_files}`).

`artifact.path` is resolved as the `peak` CLI resolves it: relative to the working directory
(not to the spec file), or relative to `--artifact-root DIR` when given. The file list and
the zip are built by `blocklint.artifact`, exactly as peak-sdk builds them.
"""

from __future__ import annotations

import os
import posixpath
from functools import cached_property, lru_cache
from pathlib import Path

from blocklint import DOCUMENTED, INFERRED, SDK_FAILS, fixture, is_param_ref, rule
from blocklint.records import Record, field, record
from blocklint.shared import once_per_run

ARTIFACT_KINDS = ("block-spec", "block-spec-release")


@record
class Artifact(Record):
    """The `artifact:` mapping of a peak CLI spec file and where its path points."""

    node: dict
    path: str | None  # the `path` value when it is a string
    root: Path | None  # the resolved directory, or None if `path` is not a string
    ignore_files: list | None  # the `ignore_files` list as written, None if absent
    project: str | None = None  # the directory the artifact must lie in (the project, or --artifact-root)
    _files: list | None = field(default=None, repr=False)
    listing_error: Exception | None = field(default=None, repr=False)  # why `files()` is None

    @cached_property
    def problem(self) -> str | None:
        """Why `root` is no usable directory ("does not exist", ...), None when it is one."""
        if self.root is None:
            return "is not a string"
        return _root_problem(str(self.root), self.project)

    @property
    def is_dir(self) -> bool:
        return self.problem is None

    def files(self) -> list[str] | None:
        """The artifact's files after the ignore rules; None when they cannot be listed
        (`listing_error` says why)."""
        if self._files is None and self.listing_error is None:
            self._files, self.listing_error = _listing(str(self.root), tuple(self.ignore_files or ()))
        return self._files

    @cached_property
    def fingerprint(self) -> tuple:
        """What the compressed size and the links depend on: each listed file's name, size and
        modification time (empty when the files cannot be listed)."""
        return _file_stamps(str(self.root), tuple(self.ignore_files or ()))


@once_per_run
def _root_problem(root: str, project: str | None) -> str | None:
    from blocklint.artifact import path_problem

    problem = path_problem(root)
    if problem is None and project is not None:
        project = os.path.realpath(project)
        if os.path.commonpath([project, os.path.realpath(root)]) != project:
            # a checkout must not make blocklint walk, read and describe the rest of the machine
            return f"lies outside the project ({project}); point it at a directory inside it"
    return problem


@once_per_run
def _listing(root: str, ignore_files: tuple) -> tuple[list[str] | None, Exception | None]:
    """(the artifact's files, None), or (None, why they cannot be listed)."""
    from blocklint import artifact

    try:
        return _listed_files(root, ignore_files, _directory_stamp(Path(root), list(ignore_files))), None
    except (artifact.ArtifactError, OSError) as error:
        return None, error


@once_per_run
def _file_names(root: str, ignore_files: tuple) -> frozenset:
    """The artifact's files as a set: BL803 looks up every spec's paths in it."""
    return frozenset(_listing(root, ignore_files)[0] or ())


def _directory_stamp(root: Path, ignore_files) -> tuple:
    """Changes when the artifact root or its ignore files change (entries added, rules edited)."""
    stamps = [root.stat().st_mtime_ns]
    for entry in ignore_files or (".dockerignore",):
        try:
            stamps.append((root / entry).stat().st_mtime_ns)
        except (OSError, TypeError, ValueError):
            stamps.append(None)
    return tuple(stamps)


@lru_cache(maxsize=64)
def _listed_files(root: str, ignore_files: tuple, stamp: tuple) -> list[str]:
    """Specs of one repository usually share an artifact directory: walk it once per run."""
    from blocklint import artifact

    return artifact.artifact_files(root, list(ignore_files) or None)


@fixture
def artifact(r):
    """The `Artifact` of a block spec or release peak CLI file with an `artifact:` mapping."""
    if r.doc.kind not in ARTIFACT_KINDS or not r.doc.cli or not isinstance(r.doc.data, dict):
        return None
    node = r.doc.data.get("artifact")
    if not isinstance(node, dict):
        return None
    path = node.get("path") if isinstance(node.get("path"), str) else None
    root = _resolved(path, r.settings.artifact_root) if path is not None and path.strip() else None
    ignore_files = node.get("ignore_files")
    ignore_files = [entry for entry in ignore_files if isinstance(entry, str)] if isinstance(ignore_files, list) else None
    project = r.settings.artifact_root or getattr(r.settings.load, "include_root", None) or _working_directory()
    return Artifact(node, path, root, ignore_files, os.fspath(project))


@once_per_run
def _resolved(path: str, artifact_root: str | None) -> Path:
    from blocklint.artifact import resolve_path

    return resolve_path(path, artifact_root)


@once_per_run
def _working_directory() -> str:
    return os.getcwd()


def _where(artifact_: Artifact, settings) -> str:
    base = f"--artifact-root {settings.artifact_root}" if settings.artifact_root else "the working directory"
    return f"resolved from {base} as {artifact_.root}"


@rule("BL801", "artifact-path-not-a-directory", evidence=SDK_FAILS)
def artifact_path_not_a_directory(artifact, settings):
    """`artifact.path` is missing or empty, is not a directory, or cannot be listed.

    Also refused, with the same verdict `blocklint submit` gives: the filesystem root, kernel
    and device trees (`/proc`, `/sys`, `/dev`), paths no file system takes (a NUL character,
    a name too long) and directories whose links loop. A path outside the project (the
    configuration's folder, or `--artifact-root` when given) is refused without being walked: a
    spec from a pull request must not make blocklint read and describe the rest of the machine.

    The path is resolved as the `peak` CLI resolves it: relative to the working directory you
    run blocklint from (not to the spec file), or to `--artifact-root DIR` when given. Run
    blocklint from where you run `peak`.

    ## Why is this bad?
    peak-sdk stops with "Either the path does not exist or is not a directory" before anything
    is uploaded.

    ## Example
    ```yaml
    artifact:
      path: ./artefact
    ```
    Fixed: `path: ./artifact` (the directory that holds the Dockerfile and code).

    ## Source
    SDK code: `peak/compression.py` raises `InvalidPathException` ("Either the path does not
    exist or is not a directory") before uploading. Error.
    """
    if "path" not in artifact.node or artifact.node.get("path") is None:
        yield (artifact.node,), "`artifact` has no `path`: name the directory to upload"
        return
    if artifact.path is None:
        return  # not a string: the schema rules report the type
    if not artifact.path.strip():
        yield (artifact.node, "path"), "artifact path is empty: name the directory to upload, e.g. `path: .`"
        return
    problem = artifact.problem
    if problem in ("does not exist", "is not a directory"):
        yield (artifact.node, "path"), f"artifact path {artifact.path!r} {problem} ({_where(artifact, settings)})"
    elif problem:
        yield (artifact.node, "path"), f"artifact path {artifact.path!r} {problem}"
    else:
        from blocklint.artifact import TooManyFiles

        artifact.files()
        if artifact.listing_error is not None and not isinstance(artifact.listing_error, (TooManyFiles,)) \
                and not _is_ignore_file_error(artifact.listing_error):
            yield (artifact.node, "path"), str(artifact.listing_error)


def _is_ignore_file_error(error) -> bool:
    from blocklint.artifact import IgnoreFileError

    return isinstance(error, IgnoreFileError)  # BL802's


@rule("BL802", "ignore-file-not-at-artifact-root", evidence=SDK_FAILS)
def ignore_file_not_at_artifact_root(artifact):
    """An `ignore_files` entry that does not exist, or is not at the artifact root.

    Entries are resolved inside `artifact.path` and must name a file directly in it, as
    peak-sdk requires.

    ## Why is this bad?
    peak-sdk stops with "Ignore file should be present at root level of given path", or with a
    file-not-found error, and nothing is uploaded.

    ## Example
    ```yaml
    artifact:
      path: .
      ignore_files:
        - docker/.dockerignore
    ```
    Fixed: move the file to the artifact root: `ignore_files: [.dockerignore]`.

    ## Source
    SDK code: `peak/compression.py` raises `InvalidPathException` ("Ignore file should be
    present at root level of given path"). Error.
    """
    if not artifact.is_dir or artifact.ignore_files is None:
        return
    entries = artifact.node.get("ignore_files")
    for index, entry in enumerate(entries):
        if isinstance(entry, str) and (problem := _ignore_file_problem(str(artifact.root), entry)):
            yield (entries, index), problem


@once_per_run
def _ignore_file_problem(root: str, entry: str) -> str | None:
    from blocklint.artifact import IgnoreFileError, check_ignore_file

    try:
        check_ignore_file(root, entry)
    except IgnoreFileError as error:
        return str(error)
    except OSError as error:
        return f"ignore file {entry!r} cannot be read: {error.strerror or error}"
    return None


def _in_artifact(artifact_: Artifact, relative: str, files: frozenset, field_name: str, owner: str):
    """A message when `relative` (a path inside the artifact) is not among its files."""
    normal = posixpath.normpath(relative.replace("\\", "/"))
    outside = normal.startswith("../") or normal == ".." or posixpath.isabs(normal)
    if not outside and normal in files:
        return None
    named = f"{field_name} {relative!r} of {owner}"
    if outside:
        return f"{named} is outside the artifact directory"
    on_disk = artifact_.root / normal
    ignore = ", ".join(artifact_.ignore_files) if artifact_.ignore_files else ".dockerignore"
    if on_disk.is_file():
        return f"{named} is excluded from the artifact by the ignore rules ({ignore})"
    if on_disk.is_dir():
        return f"{named} is a directory in the artifact, not a file"
    return f"{named} is not in the artifact ({artifact_.path})"


@rule("BL803", "file-missing-from-artifact", evidence=DOCUMENTED)
def file_missing_from_artifact(artifact, config, image_builds):
    """A `dockerfile` or `sqlQueryPath` that is not in the artifact after the ignore rules.

    An image's `dockerfile` is relative to its `context` (default `.`), which is relative to
    the artifact root; a sql step's `sqlQueryPath` is relative to the artifact root. The ignore
    files apply with gitignore semantics, as peak-sdk applies them (`pathspec`).

    ## Why is this bad?
    The upload succeeds, but the image build or the sql step fails later on the platform,
    often because a `.dockerignore` line such as `*.sql` or `docker/` excluded the file.

    ## Example
    ```yaml
        images:
          app:
            context: "."
            dockerfile: docker/Dockerfile
    ```
    with `.dockerignore` holding `docker/`. Fixed: add `!docker/Dockerfile` to `.dockerignore`.

    ## Source
    Documented platform rejection: `peak blocks specs create` input file schema: `dockerfile`: "Path
    to the Dockerfile inside artifact"; `sqlQueryPath`: "Path to the SQL query file" (in the
    artifact). A file left out by the ignore rules (SDK code: `pathspec` gitwildmatch, as
    `peak/compression.py`) is not in the upload. Error.
    """
    if not artifact.is_dir:
        return
    if artifact.files() is None:
        return  # BL802 reports why the ignore files cannot be read
    files = _file_names(str(artifact.root), tuple(artifact.ignore_files or ()))
    for label, image in image_builds:
        dockerfile = image.get("dockerfile")
        context = image.get("context", ".")
        if not isinstance(dockerfile, str) or not isinstance(context, str):
            continue
        if is_param_ref(dockerfile) or is_param_ref(context) or not dockerfile.strip():
            continue
        relative = posixpath.join(context.strip() or ".", dockerfile.strip())
        if message := _in_artifact(artifact, relative, files, "dockerfile", label):
            yield (image, "dockerfile"), message
    steps = config.get("steps")
    for name, step in steps.items() if isinstance(steps, dict) else ():
        query = step.get("sqlQueryPath") if isinstance(step, dict) else None
        if isinstance(query, str) and query.strip() and not is_param_ref(query):
            if message := _in_artifact(artifact, query.strip(), files, "sqlQueryPath", f"step {name!r}"):
                yield (step, "sqlQueryPath"), message


@rule("BL804", "artifact-too-large", evidence=SDK_FAILS)
def artifact_too_large(artifact):
    """The compressed artifact is over 10 MiB, peak-sdk's limit.

    Measured by compressing the artifact as peak-sdk does (ZIP_DEFLATED, after the ignore
    rules), stopping as soon as the limit is passed; more raw bytes than deflate can shrink
    under the limit (about 1032:1) are refused without compressing, and so are more than
    100,000 files. The message names the largest files.

    ## Why is this bad?
    peak-sdk refuses to upload it ("Compressed directory size is over 10MB").

    ## Example
    An artifact directory holding `data/train.csv` (80 MB). Fixed: add `data/` to the
    `.dockerignore` and fetch the data at run time.

    ## Source
    SDK code: `peak/compression.py` stops at `MAX_ARTIFACT_SIZE_MB = 10` compressed ("Compressed
    directory size is over 10MB"). Error.
    """
    files = artifact.files() if artifact.is_dir else None
    if files is None:
        from blocklint.artifact import TooManyFiles

        if isinstance(artifact.listing_error, TooManyFiles):
            yield (artifact.node, "path"), str(artifact.listing_error)
        return
    message = _zip_verdict(str(artifact.root), tuple(artifact.ignore_files or ()), artifact.fingerprint,
                           artifact.project)
    if message:
        yield (artifact.node, "path"), message


@once_per_run
def _file_stamps(root: str, ignore_files: tuple) -> tuple:
    """Each listed file's name, size and modification time."""
    files, _ = _listing(root, ignore_files)
    stamps = []
    for name in files or ():
        try:
            stat = os.stat(os.path.join(root, name))
        except OSError:
            continue
        stamps.append((name, stat.st_size, stat.st_mtime_ns))
    return tuple(stamps)


@lru_cache(maxsize=64)
def _zip_verdict(root: str, ignore_files: tuple, fingerprint: tuple, project: str | None) -> str | None:
    """Compressing takes milliseconds per artifact, and specs of one repository usually share
    one: compress each distinct artifact once per process. Nothing is read through a link out
    of the project (BL808 reports it)."""
    from blocklint import artifact as artifacts

    try:
        artifacts.check_size(root, list(ignore_files) or None, project=project)
    except artifacts.ArtifactTooLarge as error:
        return str(error)
    except (artifacts.ArtifactError, OSError):
        return None
    return None


@fixture
def cli_file_data(r):
    """The top level of a block spec or release peak CLI file."""
    if r.doc.kind not in ARTIFACT_KINDS or not r.doc.cli or not isinstance(r.doc.data, dict):
        return None
    return r.doc.data


@rule("BL805", "image-build-without-artifact", evidence=DOCUMENTED)
def image_build_without_artifact(cli_file_data, config, image_builds):
    """A spec that builds an image (`image` or `config.images`) but uploads no `artifact`.

    ## Why is this bad?
    The image is built from the artifact (its `context` and `dockerfile` are paths in it);
    without one the build has nothing to build from and the platform rejects the spec.

    ## Example
    ```yaml
    body:
      config:
        images:
          app: {context: ".", dockerfile: Dockerfile, version: "0.0.1"}
    ```
    Fixed: add `artifact: {path: ".", ignore_files: [.dockerignore]}`, or use
    `imageDetails` to run an existing image.

    ## Source
    Documented platform rejection: `peak blocks specs create` input file schema: image `dockerfile`
    "Path to the Dockerfile inside artifact", `context` "The path within the artifact": an image
    build reads the artifact. Error.
    """
    if "artifact" in cli_file_data:
        return
    images = image_builds
    if images:
        labels = ", ".join(label for label, _ in images)
        yield (images[0][1],), (f"{labels} {'is' if len(images) == 1 else 'are'} built from the artifact, but the "
                                "file has no `artifact:`; add one, or use `imageDetails`")


@rule("BL806", "relative-artifact-path-without-ignore-files", evidence=INFERRED, also=(SDK_FAILS,))
def relative_artifact_path_without_ignore_files(artifact):
    """A relative `artifact.path` other than `.` with no explicit `ignore_files`.

    An error when the directory holds a `.dockerignore` (the upload fails now); a warning
    otherwise (it fails as soon as one is added).

    ## Why is this bad?
    peak-sdk 1.29 looks for the default `.dockerignore` at `path/path/.dockerignore` (it joins
    the path twice) and fails with "Ignore file should be present at root level" as soon as
    the directory has a `.dockerignore`. Absolute paths, `.` and paths such as `../x` survive.

    ## Example
    ```yaml
    artifact:
      path: app
    ```
    Fixed: `ignore_files: [.dockerignore]` (or run `peak` from inside `app` with `path: .`).

    ## Source
    SDK code (peak-sdk 1.29, `peak/compression.py::_load_ignore_patterns`): with no
    `ignore_files`, it takes `path_obj / ".dockerignore"` as the default only if that file
    `exists()`, then joins each ignore file to the path again (`path_obj / ignore_file`, giving
    `path/path/.dockerignore`) and raises `InvalidPathException` ("Ignore file should be present
    at root level of given path.") when the result is not at the root. A certain failure of
    the CLI (an error) when the directory holds a `.dockerignore`; otherwise inference (a
    warning): the command works until one is added.
    """
    if artifact.ignore_files or artifact.path is None or not artifact.path.strip():
        return
    if artifact.problem not in (None, "does not exist", "is not a directory"):
        return  # a path no file system takes: BL801 says why
    from blocklint.artifact import DEFAULT_IGNORE_FILE, sdk_default_ignore_fails

    if not sdk_default_ignore_fails(artifact.path):
        return
    has_default = artifact.is_dir and (artifact.root / DEFAULT_IGNORE_FILE).exists()
    when = "fails on it now (the directory has one)" if has_default else "will fail as soon as one is added"
    message = (f"relative artifact path {artifact.path!r} without `ignore_files`: peak-sdk 1.29 looks for the "
               f"default .dockerignore in the wrong place and {when}; list `ignore_files: [.dockerignore]` explicitly")
    if has_default:
        yield (artifact.node, "path"), message, SDK_FAILS
    else:
        yield (artifact.node, "path"), message
