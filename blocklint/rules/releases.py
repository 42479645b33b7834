"""BL606: semantic versions, of a release itself, of its images, and of every version that names a release."""

from __future__ import annotations

from blocklint import kinds
from blocklint import DOCUMENTED, image_definitions, is_param_ref, rule
from blocklint.semver import is_semver, semver_key

RELEASE_KINDS = ("block-spec-release", "app-spec-release")
BLOCK_SPEC_KINDS = ("block-spec", "block-spec-release")  # those the `config` fixture is read from


def previous_release_version(settings) -> str | None:
    """The spec's latest known release: `--previous-version` for now.

    Hook for the registry: a release file does not carry its spec id, so once the submit path
    knows which spec a release belongs to it can put that spec's latest version in
    `settings.previous_version` (or look it up with `settings.specs`) before linting.
    """
    previous = getattr(settings, "previous_version", None)
    return previous if isinstance(previous, str) and previous.strip() else None


def _unchecked(version) -> bool:
    """Values filled in later: `@param:NAME`, or a Jinja expression left unrendered (SDK bodies)."""
    return is_param_ref(version) or (isinstance(version, str) and ("{{" in version or "{%" in version))


def _referring_versions(body, kind):
    """`(container, key, what)` of every version that names a release of another spec."""
    def entries(holder, key):
        items = holder.get(key) if isinstance(holder, dict) else None
        return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []

    if kind in ("block-deployment", "app-deployment"):
        spec = body.get("spec")
        release = spec.get("release") if isinstance(spec, dict) else None
        if isinstance(release, dict):
            yield release, "version", "spec.release.version"
        for key in ("includes", "excludes"):
            for item in entries(spec, key):
                yield item, "releaseVersion", f"spec.{key}[].releaseVersion"
    elif kind in ("block-deployment-revision", "app-deployment-revision"):
        release = body.get("release")
        if isinstance(release, dict):
            yield release, "version", "release.version"
        for key in ("includes", "excludes"):
            for item in entries(body.get("blocksConfig"), key):
                yield item, "releaseVersion", f"blocksConfig.{key}[].releaseVersion"
    elif kind in ("app-spec", "app-spec-release"):
        for item in entries(body, "config"):
            release = item.get("release")
            if isinstance(release, dict):
                yield release, "version", "config[].release.version"


@rule("BL606", "version-not-semver", evidence=DOCUMENTED)
def version_not_semver(body, kind, settings, image_builds):
    """A version that is not semantic versioning: a spec's `release.version`, an image `version`, or a version that names a release.

    Checked: a spec's (or spec release's) own `release.version`, which in a release file
    (`create-release`) must also be greater than the spec's latest release given with
    `--previous-version`; image `version`s; and the versions that refer to a release: a
    deployment's `spec.release.version` and `spec.includes`/`excludes[].releaseVersion`, a
    revision's `release.version` and `blocksConfig` entries, an app spec's
    `config[].release.version`. `"@param:NAME"` and unrendered `{{ }}` values are skipped.

    ## Why is this bad?
    The platform requires "a valid semantic release version" that is "greater than previous
    release version", and rejects anything else on upload. A deployment or app spec that names
    `latest`, `1.3` or `v1.3.0` names no release: releases are only ever semantic versions.

    ## Example
    ```yaml
      release:
        version: "1.0"
    ```
    Fixed: `version: "1.0.0"`; with `--previous-version 1.2.0`, a release needs at least `1.2.1`.
    To deploy the latest release, leave `spec.release` out instead of writing `latest`.

    ## Source
    Documented platform rejection: `peak blocks specs create` and `create-release` input file
    schemas: `release.version` "A valid semantic release version of the spec. Must be greater than
    previous release version"; image `version` "A valid semantic image version"; the deployment
    commands' `spec.release.version` and the revision commands' `release.version` "A valid semantic
    release version of the block spec" (app: "of the app spec"); `peak apps specs create`
    `config[].release.version` "A valid semantic release version of the block spec". The app
    commands' `releaseVersion` ("Release version of the block") names a block release, whose version
    the block commands require to be semantic. Error.
    """
    if kind in kinds.SPEC_KINDS:
        release = body.get("release")
        version = release.get("version") if isinstance(release, dict) else None
        if isinstance(version, str) and not _unchecked(version):
            if not is_semver(version):
                yield (release, "version"), (f"release version {version!r} is not semantic versioning "
                                             "(MAJOR.MINOR.PATCH, e.g. '1.0.0')")
            elif kind in RELEASE_KINDS and (previous := previous_release_version(settings)):
                if not is_semver(previous):
                    yield (release, "version"), (f"cannot compare with --previous-version {previous!r}: "
                                                 "not semantic versioning")
                elif semver_key(version) <= semver_key(previous):
                    yield (release, "version"), (f"release version {version} is not greater than the spec's "
                                                 f"latest release {previous}; the platform rejects it")
        # a block spec's images are listed once per document (`image_builds`); an app spec's `config` is
        # read here alone
        builds = image_builds if kind in BLOCK_SPEC_KINDS else image_definitions(body.get("config"))
        for label, image in builds:
            image_version = image.get("version")
            if isinstance(image_version, str) and not _unchecked(image_version) and not is_semver(image_version):
                yield (image, "version"), f"{label} version {image_version!r} is not semantic versioning (e.g. '0.0.1')"
    for container, key, what in _referring_versions(body, kind):
        version = container.get(key)
        if isinstance(version, str) and not _unchecked(version) and not is_semver(version):
            hint = ("; to deploy the latest release, leave `spec.release` out" if version.strip().lower() == "latest"
                    and key == "version" and what.startswith("spec.") else "")
            yield (container, key), (f"{what} {version!r} names no release: release versions are semantic "
                                     f"versions (MAJOR.MINOR.PATCH, e.g. '1.0.0'){hint}")
