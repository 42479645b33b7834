"""The kinds of Press document, in one table, and how a file's kind is known.

A file's kind is claimed or detected. Claims win: `--kind` on the command line, then a header
comment `# blocklint: kind=NAME` in the file, then the first glob of `[tool.blocklint.kinds]`
that matches its path. Without a claim, a kind is detected only from a strong marker of its
shape (`KIND_TABLE`, in `DETECTION_ORDER`): a deployment without `spec` is still a deployment
(and misses `spec`), never a parameter patch. Files of the other `peak` commands (workflows,
images, ...) are recognised by their own markers (`OTHER_COMMANDS`) and are no Press documents.
Detection is conservative for bare bodies (files without `body:`): a YAML file that is not a
Press document (a CI workflow, a compose file) must not be mistaken for one.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections import namedtuple
from functools import cache, lru_cache

from blocklint.globs import Globs
from blocklint.words import did_you_mean, relative_path

CLI_KEYS = frozenset({"body", "artifact", "featured", "scope", "tenants", "parameters",
                      "autoRunOnDeploy", "auto_run_on_deploy"})
DEPLOYMENT_METADATA_KEYS = frozenset({"name", "title", "summary", "description",
                                      "descriptionContentType", "imageUrl", "tags"})
# `{name, description}` is also the body of `peak artifacts update-metadata`: a deployment's
# metadata is known by a key of its own.
_OWN_DEPLOYMENT_METADATA_KEYS = DEPLOYMENT_METADATA_KEYS - {"name", "description"}
SPEC_METADATA_KEYS = frozenset({"metadata", "featured", "scope", "tenants"})
PARAM_GROUPS = frozenset({"build", "run"})
_REVISION_KEYS = frozenset({"revision", "release", "parameters"})
# `get_parameters(fallback_params_file=...)` files are flat maps with no telltale shape,
# so they are recognised by name (or claimed).
FALLBACK_NAMES = ("*fallback*.yaml", "*fallback*.yml", "*fallback*.json")


def _is_group_map(value) -> bool:
    """`{build: {...}, run: {...}}`: values of one block's parameters."""
    return isinstance(value, dict) and bool(value) and set(value) <= PARAM_GROUPS


def _per_block(value) -> bool:
    """Parameters keyed by block name (an app's), not by `build`/`run`."""
    return isinstance(value, dict) and bool(value) and not set(value) <= PARAM_GROUPS


def _is_deployment(body: dict, cli: bool) -> bool:
    """`spec:` naming what is deployed; or, missing it, a deployment's `metadata` with its
    parameters or first revision (a deployment missing `spec`, which BL102 reports)."""
    spec = body.get("spec")
    if isinstance(spec, dict):
        return cli or "id" in spec
    if not isinstance(body.get("metadata"), dict) or "blocksConfig" in body:
        return False
    return bool(body.keys() & ({"revision", "parameters", "appParameters"} if cli else {"revision"}))


def _is_app_deployment(body: dict) -> bool:
    spec = body.get("spec") if isinstance(body.get("spec"), dict) else {}
    return "appParameters" in body or "includes" in spec or "excludes" in spec or _per_block(body.get("parameters"))


def _is_revision(body: dict) -> bool:
    return bool(body.keys() & {"revision", "release"}) and body.keys() <= _REVISION_KEYS


def _is_app_revision(body: dict, cli: bool) -> bool:
    if "blocksConfig" in body:
        return True
    if "appParameters" in body:
        return bool(body.keys() & {"revision", "release"}) or _is_group_map(body["appParameters"])
    return _is_revision(body) and _per_block(body.get("parameters"))


def _is_block_revision(body: dict, cli: bool) -> bool:
    if _is_revision(body):
        return not _per_block(body.get("parameters"))
    return body.keys() == {"parameters"} and _is_group_map(body["parameters"])


def _is_parameters_patch(body: dict, cli: bool) -> bool:
    """The v2 forms: `{parameters: {...}}` of a block, `{appParameters, parameters}` of an app.
    (The v1 form, a flat map of values, has no marker: see `detect`.)"""
    if "appParameters" in body:
        return not _is_app_revision(body, cli)
    return body.keys() == {"parameters"} and isinstance(body["parameters"], dict) \
        and not _is_group_map(body["parameters"])


def _is_spec_metadata(body: dict, cli: bool) -> bool:
    return isinstance(body.get("metadata"), dict) and body.keys() <= SPEC_METADATA_KEYS


def _is_deployment_metadata(body: dict, cli: bool) -> bool:
    keys = body.keys()
    return bool(keys) and keys <= DEPLOYMENT_METADATA_KEYS and bool(keys & _OWN_DEPLOYMENT_METADATA_KEYS) \
        and (cli or bool(keys & {"name", "summary"}))


def _is_release(body: dict, cli: bool) -> bool:
    return "config" in body and ("release" in body or cli)


class Kind(namedtuple("Kind", [  # not a frozen dataclass: ~0.8 ms less at every start
    "name",
    "group",  # "spec" (a spec or release), "deployment" (a deployment or its values), "metadata"
    "commands",  # the peak CLI commands that read a file of this kind
    "references",  # the kinds a document of this kind names (by id, name or release)
    "markers",  # what detection looks for, in words (the predicate below does it)
    "marker",  # (body, cli) -> bool; None: known by its `kind:` or its file name
], defaults=(None,))):
    """One kind of Press document."""

    __slots__ = ()

    @property
    def schema(self) -> tuple:
        """Its entries in schemas/press.json: the peak CLI file and the bare SDK body."""
        return (f"{self.name}-file", f"{self.name}-body")


KIND_TABLE = (
    Kind("block-spec", "spec", ("peak blocks specs create",), (),
         "`kind: workflow` or `kind: service` (or close to one)"),
    Kind("block-spec-release", "spec", ("peak blocks specs create-release",), ("block-spec",),
         "`config` (a mapping) and `release`, no `kind`",
         lambda body, cli: _is_release(body, cli) and not isinstance(body["config"], list)),
    Kind("spec-metadata", "metadata", ("peak blocks specs update-metadata", "peak apps specs update-metadata"),
         ("block-spec", "app-spec"), "`metadata` (a mapping), beside only `featured`, `scope`, `tenants`",
         _is_spec_metadata),
    Kind("block-deployment", "deployment", ("peak blocks deployments create",), ("block-spec",),
         "`spec` (a mapping); or, missing it, `metadata` with `parameters` or `revision`",
         lambda body, cli: _is_deployment(body, cli) and not _is_app_deployment(body)),
    Kind("block-deployment-revision", "deployment", ("peak blocks deployments create-revision",),
         ("block-deployment", "block-spec-release"),
         "`revision` or `release`, beside only `parameters` (by `build`/`run`); or only `parameters` by `build`/`run`",
         _is_block_revision),
    Kind("deployment-metadata", "metadata",
         ("peak blocks deployments update-metadata", "peak apps deployments update-metadata"),
         ("block-deployment", "app-deployment"),
         "only deployment metadata keys, one of them `title`, `summary`, `descriptionContentType`, `imageUrl` or `tags`",
         _is_deployment_metadata),
    Kind("parameters-patch", "deployment",
         ("peak blocks deployments patch-parameters", "peak deployments patch-parameters",
          "peak deployments patch-parameters-v2"), ("block-deployment", "app-deployment"),
         "only `parameters` (not by `build`/`run`), or `appParameters`; the v1 flat map: a `peak` CLI file with "
         "nothing but `body:` that no other kind or command claims", _is_parameters_patch),
    Kind("app-spec", "spec", ("peak apps specs create",), ("block-spec",),
         "`kind: app` (or close), or `kind` with `config` a list"),
    Kind("app-spec-release", "spec", ("peak apps specs create-release",), ("app-spec", "block-spec"),
         "`config` (a list) and `release`, no `kind`",
         lambda body, cli: _is_release(body, cli) and isinstance(body["config"], list)),
    Kind("app-deployment", "deployment", ("peak apps deployments create",), ("app-spec",),
         "a deployment with `appParameters`, parameters by block, or `spec.includes`/`spec.excludes`",
         lambda body, cli: _is_deployment(body, cli) and _is_app_deployment(body)),
    Kind("app-deployment-revision", "deployment", ("peak apps deployments create-revision",),
         ("app-deployment", "app-spec-release"),
         "`blocksConfig`; or `appParameters` with `revision`/`release`; or a revision with parameters by block",
         _is_app_revision),
    Kind("fallback-parameters", "deployment", ("peak blocks deployments get-parameters --fallback-params-file",),
         ("block-deployment",), "a bare mapping in a file named `*fallback*` (`.yaml`, `.yml` or `.json`)"),
)
KINDS_BY_NAME = {kind.name: kind for kind in KIND_TABLE}
KINDS = tuple(KINDS_BY_NAME)
SPEC_KINDS = tuple(kind.name for kind in KIND_TABLE if kind.group == "spec")
DEPLOYMENT_KINDS = tuple(kind.name for kind in KIND_TABLE if kind.group == "deployment")
# Markers overlap (a deployment has `parameters`, so does a patch): the first that holds wins.
# Specs are known by their `kind:` before any of these, fallback parameters by their file name.
DETECTION_ORDER = ("block-spec-release", "app-spec-release", "app-deployment", "block-deployment",
                   "app-deployment-revision", "block-deployment-revision", "spec-metadata", "parameters-patch",
                   "deployment-metadata")


class OtherCommand(namedtuple("OtherCommand", [  # not a frozen dataclass: ~0.8 ms less at every start
    "command",
    "body_keys",  # any of these in `body:` marks it
    "top_keys",  # any of these beside (or instead of) `body:` marks it
    "marker",  # (top, body) -> bool, for what keys alone cannot say; or None
], defaults=(frozenset(), frozenset(), None))):
    """Files of a `peak` command that are no Press documents: recognised, then skipped."""

    __slots__ = ()

    def matches(self, top: dict, body: dict) -> bool:
        outside = top.keys() - {"body"}
        return bool(body.keys() & self.body_keys or outside & self.top_keys
                    or (self.marker is not None and self.marker(top, body)))


# From peak-sdk's `peak/sample_yaml/resources` and `metrics` and the commands' input file schemas.
OTHER_COMMANDS = (
    OtherCommand("peak workflows", frozenset({"steps", "triggers", "watchers", "retryOptions", "stepsToRun"}),
                 marker=lambda top, body: _is_group_map_of(body.get("params"), {"global", "stepWise"})),
    OtherCommand("peak images", frozenset({"buildDetails"})),
    OtherCommand("peak services", frozenset({"serviceType", "healthCheckURL", "entrypoint", "minInstances",
                                             "httpMethod"})),
    OtherCommand("peak webapps", frozenset({"imageDetails", "sessionStickiness", "scaleToZero"})),
    OtherCommand("peak alerts emails", frozenset({"recipients", "templateName", "templateParameters"}),
                 frozenset({"attachments"})),
    OtherCommand("peak metrics", frozenset({"namespace", "namespaceDescription"}),
                 frozenset({"namespace", "queries", "measures", "dimensions"}),
                 marker=lambda top, body: "artifact" in top and bool(body) and body.keys() <= {"name", "scope",
                                                                                              "description"}),
    OtherCommand("peak artifacts", top_keys=frozenset({"scan", "validate"}),
                 marker=lambda top, body: body.keys() == {"name", "description"}),
)


def _is_group_map_of(value, groups: set) -> bool:
    return isinstance(value, dict) and bool(value) and value.keys() <= groups


def is_cli_file(data) -> bool:
    """A `peak` CLI file: keyword arguments of the SDK call, with the body under `body:`."""
    return isinstance(data, dict) and isinstance(data.get("body"), dict)


def detect(data, filename: str = "") -> str | None:
    """The kind of a loaded document, or None when it is not a Press document."""
    if not isinstance(data, dict):
        return None
    if is_cli_file(data):
        body = data["body"]
        if not body:
            return None  # `body: {}` is no document at all, not an empty parameters patch
        found = _body_kind(body, cli=True)
        if found is None and data.keys() == {"body"} and other_command(data) is None:
            return "parameters-patch"  # v1: a flat map of run parameter values, the only thing left
        return found
    base = os.path.basename(filename)
    if any(fnmatch.fnmatch(base, pattern) for pattern in FALLBACK_NAMES):
        return "fallback-parameters"
    return _body_kind(data, cli=False)


def other_command(data) -> str | None:
    """The `peak` command (not Press) a loaded file is the input of, e.g. "peak workflows"."""
    if not isinstance(data, dict):
        return None
    body = data["body"] if is_cli_file(data) else {}
    for other in OTHER_COMMANDS:
        if other.matches(data, body):
            return other.command
    return None


def _body_kind(body: dict, *, cli: bool) -> str | None:
    if "kind" in body:
        return _spec_kind(body, cli=cli)
    return next((name for name in DETECTION_ORDER if KINDS_BY_NAME[name].marker(body, cli)), None)


def no_kind_message(body) -> str:
    """Why a `peak` CLI file's body is no Press document, for a BL006 finding."""
    if not body:
        return ("`body:` is empty, so this file is no Press document; write the spec, deployment or "
                "parameters under it")
    return ("`body:` matches no Press document kind (a block or app spec, a release, a deployment, a "
            f"revision, metadata or parameters); if it is one, {CLAIM_HINT}")


CLAIM_HINT = ("claim its kind with a `# blocklint: kind=NAME` header, a glob in [tool.blocklint.kinds] "
              "or --kind")


def _close_to(value, words) -> str | None:
    if not isinstance(value, str):
        return None
    import difflib  # only for a kind that is none of the known ones

    close = difflib.get_close_matches(value.lower(), words, n=1, cutoff=0.6)
    return close[0] if close else None


def _spec_kind(body: dict, *, cli: bool) -> str | None:
    """A body with `kind:`. A kind close to a real one (`wrokflow`) still makes it a spec, so that
    the schema rules say "did you mean 'workflow'?" rather than the file passing as something else."""
    kind = body["kind"]
    if kind == "app" or isinstance(body.get("config"), list):
        return "app-spec"
    if kind in ("workflow", "service") or (cli and {"metadata", "config", "release"} & set(body)):
        return "block-spec"
    close = _close_to(kind, ["workflow", "service", "app"])
    if close == "app":
        return "app-spec"
    if close is not None and (cli or {"metadata", "config", "release", "version"} & set(body)):
        return "block-spec"
    return "block-spec" if cli else None


# --- claims ---------------------------------------------------------------------------------

HEADER_CLAIM = re.compile(r"#\s*blocklint:\s*kind\s*=\s*(\S{0,80})")  # longer is no kind either
# The lines a header may sit among: comments, blank lines, template tags, YAML directives and
# the document start marker. The first other line is the document itself.
_HEADER_LINE = re.compile(r"\s*(?:#|\{#|\{%|%|---\s*$|$)")


class Claims(namedtuple("Claims", [  # not a frozen dataclass: ~0.4 ms less at every start
    "root",  # the configuration's folder, or None
    "globs",  # (glob, kind name)
], defaults=(None, ()))):
    """`[tool.blocklint.kinds]`: globs (relative to the configuration's folder, or matched against
    the file name) and the kind each claims, the first matching glob winning."""

    __slots__ = ()

    def kind_for(self, path: str) -> tuple | None:
        """(glob, kind) of the first glob matching `path`, or None."""
        if not self.globs or not path:
            return None
        relative = relative_path(os.path.abspath(path), self.root) if self.root else path
        first = _compiled_globs(self.globs).first(relative, os.path.basename(path))
        return None if first is None else self.globs[first]


@lru_cache(maxsize=64)
def _compiled_globs(globs: tuple) -> Globs:
    """The globs of a `Claims`, compiled once."""
    return Globs(glob for glob, _ in globs)


class Claim(namedtuple("Claim", [  # not a frozen dataclass: ~0.8 ms less at every start
    "written",  # the kind's name as written
    "by",  # who claims it, for messages: "--kind", "the header comment", "[tool.blocklint.kinds] 'glob'"
    "line",  # 0-based place of a header comment's name
    "column",
], defaults=(0, 0))):
    """A kind given to a file rather than detected: by `--kind`, a header comment or a glob."""

    __slots__ = ()

    @property
    def kind(self) -> str | None:
        """The claimed kind; None when the name is no kind's (`unknown` says so)."""
        return self.written if self.written in KINDS_BY_NAME else None

    @property
    def unknown(self) -> str:
        return unknown_kind_message(self.written, self.by)


def unknown_kind_message(name: str, where: str) -> str:
    return f"unknown kind {name!r} in {where}{did_you_mean(name, KINDS)} (kinds: {', '.join(KINDS)})"


def header_claim(text: str) -> Claim | None:
    """The `# blocklint: kind=NAME` comment among the lines before the document's content."""
    for number, line in enumerate(_leading_lines(text)):
        match = HEADER_CLAIM.search(line)
        if match and line.lstrip().startswith("#"):
            return Claim(match.group(1), "the `# blocklint: kind=` comment", number, match.start(1))
    return None


def _leading_lines(text: str):
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        line = text[start:end].rstrip("\r")
        if not _HEADER_LINE.match(line):
            return
        yield line
        start = end + 1


def claim_of(path: str, text: str, claims: Claims | None = None, forced: str | None = None) -> Claim | None:
    """Who claims the file's kind, in order: `--kind`, its header comment, a configuration glob."""
    if forced:
        return Claim(forced, "--kind")
    header = header_claim(text)
    if header is not None:
        return header
    found = claims.kind_for(path) if claims is not None else None
    return Claim(found[1], f"[tool.blocklint.kinds] {found[0]!r}") if found else None


def kind_of(path: str, text: str, data, claims: Claims | None = None, forced: str | None = None) -> str | None:
    """A file's kind: the one claimed, else the one detected from its loaded `data`."""
    claim = claim_of(path, text, claims, forced)
    if claim is not None and claim.kind is not None:
        return claim.kind
    return detect(data, path)


# --- text that looks like a Press document --------------------------------------------------

# A `body:` key at the top of a `peak` CLI file (YAML, or JSON's `{"body": ...}`), or the `kind:`
# of a spec: a file that does not parse but shows one of these is meant for Press.
@cache
def _press_text():
    """Compiled on first use: only a file that does not parse is asked."""
    return re.compile(r"""^(?:body|"body"|'body')\s*:|^\s*\{\s*"body"\s*:|"""
                      r"""^\s*["']?kind["']?\s*:\s*["']?(?:workflow|service|app)\b|"""
                      r""""kind"\s*:\s*"(?:workflow|service|app)"|^\s*["']?(?:blocksConfig|appParameters)["']?\s*:""",
                      re.M)


def looks_like_press(text: str, path: str = "") -> bool:
    """Whether a file's text (which may not parse) seems meant for Press."""
    return path.endswith(".j2") or bool(_press_text().search(text or ""))
