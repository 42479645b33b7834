"""BL807, BL808: symbolic links in a spec file's artifact that point outside it (peak-sdk zips
what they point to). The artifact and its file list are the `artifact` fixture's
(`rules/artifacts.py`)."""

from __future__ import annotations

from functools import lru_cache

from blocklint import CERTAIN_HARM, INFERRED, rule


@rule("BL807", "symlink-leaves-artifact", evidence=INFERRED)
def symlink_leaves_artifact(artifact):
    """A symbolic link in the artifact that points outside the artifact directory.

    ## Why is this bad?
    peak-sdk follows links when it zips the artifact, so the target's content is uploaded
    under the link's name: a link to `~/.aws`, a shared data directory or `/etc` ships files
    that were never meant to leave the machine, and the artifact builds differently on
    another machine where the link points elsewhere.

    ## Example
    `artifact.path: .` with `config -> /home/me/.config/app` in the directory. Fixed: copy
    what the image needs into the artifact, or add `config` to the ignore file.

    ## Source
    Inference (a warning: the link may be intended), from SDK code: `peak/compression.py` lists
    files with `match_tree(path, follow_links=True)` and zips what the links point to.
    """
    files = artifact.files() if artifact.is_dir else None
    if not files:
        return
    out_of_project = dict(_links_leaving(str(artifact.root), artifact.fingerprint, artifact.project))
    for link, target in _links_leaving(str(artifact.root), artifact.fingerprint, None):
        if link not in out_of_project:  # BL808's error
            yield (artifact.node, "path"), (f"{link!r} in the artifact is a symbolic link to {target!r}, outside it; "
                                            "peak-sdk uploads the target's content: copy what is needed into the "
                                            "artifact or ignore the link")


@rule("BL808", "symlink-leaves-project", evidence=CERTAIN_HARM)
def symlink_leaves_project(artifact):
    """A symbolic link in the artifact that points outside the project.

    The project is `--artifact-root` when given, else the folder of the configuration (or the
    working directory). blocklint never reads what such a link points to: the artifact's size
    (BL804) is not measured through it, and `blocklint submit` refuses to build the artifact,
    even with this rule ignored.

    ## Why is this bad?
    peak-sdk follows links when it zips the artifact, so a link to `~/.aws`, `~/.ssh` or `/etc`
    uploads those files under the link's name, to a platform every user of the tenant can read.
    A checkout (a pull request) can add such a link; it must fail the check, not warn.

    ## Example
    `artifact.path: .` with `keys -> /home/me/.ssh` in the directory. Fixed: remove the link,
    copy what the image needs into the artifact, or add `keys` to the ignore file.

    ## Source
    SDK code: `peak/compression.py` lists files with `match_tree_files(path,
    follow_links=True)` and zips what the links point to. Certain harm. Error: stricter than the
    platform, which would upload the files, because what leaves is files from outside the project.
    """
    files = artifact.files() if artifact.is_dir and artifact.project is not None else None
    if not files:
        return
    for link, target in _links_leaving(str(artifact.root), artifact.fingerprint, artifact.project):
        yield (artifact.node, "path"), (f"{link!r} in the artifact is a symbolic link to {target!r}, outside the "
                                        "project; blocklint does not read it and submit refuses it: copy what the "
                                        "image needs into the artifact, or ignore the link")


@lru_cache(maxsize=64)
def _links_leaving(root: str, fingerprint: tuple, boundary: str | None) -> list:
    from blocklint.artifact import links_leaving

    return links_leaving(root, [name for name, *_ in fingerprint], boundary)
