"""Files are claimed, not guessed; peak-sdk's own sample files are part of the suite.

The sample files are read from the installed peak-sdk package (`peak/sample_yaml/`): the files of
the other `peak` commands give no finding, each Press file exactly its pinned, true findings, and
every kind and command of the kind table is one the `peak` CLI has.
"""

from __future__ import annotations

import importlib.resources
import re
import shutil
from pathlib import Path

import pytest

from blocklint import kinds
from blocklint.load import LoadSettings, load_path, load_text

# What each Press sample is: the command its folder and name say reads it.
PRESS_SAMPLES = {
    "press/patch_parameters.yaml": "parameters-patch",
    "press/deployments/patch_app_parameters_v2.yaml": "parameters-patch",
    "press/deployments/patch_block_parameters_v2.yaml": "parameters-patch",
    "press/apps/deployments/create_app_deployment.yaml": "app-deployment",
    "press/apps/deployments/create_app_deployment_revision.yaml": "app-deployment-revision",
    "press/apps/deployments/update_app_deployment_metadata.yaml": "deployment-metadata",
    "press/apps/specs/create_app_spec.yaml": "app-spec",
    "press/apps/specs/create_app_spec_release.yaml": "app-spec-release",
    "press/apps/specs/update_app_spec_metadata.yaml": "spec-metadata",
    "press/blocks/deployments/create_block_deployment.yaml": "block-deployment",
    "press/blocks/deployments/create_block_deployment_revision.yaml": "block-deployment-revision",
    "press/blocks/deployments/patch_block_parameters.yaml": "parameters-patch",
    "press/blocks/deployments/update_block_deployment_metadata.yaml": "deployment-metadata",
    "press/blocks/specs/update_block_spec_metadata.yaml": "spec-metadata",
    "press/blocks/specs/service/api/create_block_spec.yaml": "block-spec",
    "press/blocks/specs/service/api/create_block_spec_release.yaml": "block-spec-release",
    "press/blocks/specs/service/webapp/create_block_spec.yaml": "block-spec",
    "press/blocks/specs/service/webapp/create_block_spec_release.yaml": "block-spec-release",
    "press/blocks/specs/workflow/create_block_spec.yaml": "block-spec",
    "press/blocks/specs/workflow/create_block_spec_release.yaml": "block-spec-release",
}
# The folders of the other commands' samples, and the command each is recognised as.
OTHER_SAMPLES = {
    "metrics": "peak metrics",
    "resources/artifacts": "peak artifacts",
    "resources/emails": "peak alerts emails",
    "resources/images": "peak images",
    "resources/services": "peak services",
    "resources/webapps": "peak webapps",
    "resources/workflows": "peak workflows",
}

# Every spec sample names `.gitignore` and `.dockerignore` under `artifact.ignore_files`, and
# neither lies in the sample's folder (its `artifact.path: "."`): peak-sdk's
# `compression._load_ignore_patterns` opens each one, so `peak blocks specs create` stops with
# FileNotFoundError (asserted against peak-sdk below). BL802, true.
_IGNORE_FILES_MISSING = "BL802"
# The workflow samples pass `git_token: random_token_1` and `npm_token: random_token_2` as build
# arguments: literal values under secret-like names, readable by anyone who can read the spec,
# where the platform offers image `secrets`. BL702 (a warning: the names say so, the values may
# be dummies), true.
_LITERAL_TOKEN = "BL702"
# The findings (line, column, rule) of each Press sample, errors and warnings; every other Press
# sample has none.
PRESS_FINDINGS = {
    "press/blocks/specs/service/api/create_block_spec.yaml":
        [(127, 7, _IGNORE_FILES_MISSING), (128, 7, _IGNORE_FILES_MISSING)],
    "press/blocks/specs/service/api/create_block_spec_release.yaml":
        [(118, 7, _IGNORE_FILES_MISSING), (119, 7, _IGNORE_FILES_MISSING)],
    "press/blocks/specs/service/webapp/create_block_spec.yaml":
        [(129, 7, _IGNORE_FILES_MISSING), (130, 7, _IGNORE_FILES_MISSING)],
    "press/blocks/specs/service/webapp/create_block_spec_release.yaml":
        [(120, 7, _IGNORE_FILES_MISSING), (121, 7, _IGNORE_FILES_MISSING)],
    "press/blocks/specs/workflow/create_block_spec.yaml":
        [(28, 13, _LITERAL_TOKEN), (29, 13, _LITERAL_TOKEN), (209, 7, _IGNORE_FILES_MISSING),
         (210, 7, _IGNORE_FILES_MISSING)],
    "press/blocks/specs/workflow/create_block_spec_release.yaml":
        [(17, 13, _LITERAL_TOKEN), (18, 13, _LITERAL_TOKEN), (198, 7, _IGNORE_FILES_MISSING),
         (199, 7, _IGNORE_FILES_MISSING)],
}
FINDING = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+):(?P<column>\d+): (?P<rule>[A-Z]+\d+) (?:error|warning) ")


@pytest.fixture(scope="module")
def samples(tmp_path_factory) -> Path:
    """A copy of peak-sdk's sample files, read from the installed package."""
    copy = tmp_path_factory.mktemp("peak-samples") / "sample_yaml"
    with importlib.resources.as_file(importlib.resources.files("peak") / "sample_yaml") as installed:
        shutil.copytree(installed, copy)
    return copy


@pytest.fixture(autouse=True)
def _no_registry(monkeypatch, tmp_path):
    monkeypatch.setenv("BLOCKLINT_REGISTRY", str(tmp_path / "no-registry" / "registry.sqlite3"))


def _other_command(relative: str) -> str | None:
    return next((command for folder, command in OTHER_SAMPLES.items() if relative.startswith(folder + "/")), None)


def test_every_sample_file_is_known_by_its_markers(samples):
    found = sorted(path.relative_to(samples).as_posix() for path in samples.rglob("*.yaml"))
    assert len(found) == 58 and all(name in PRESS_SAMPLES or _other_command(name) for name in found), found
    for name in found:
        doc = load_path(samples / name, LoadSettings())
        assert (doc.kind, doc.other) == (PRESS_SAMPLES.get(name), _other_command(name)), name


def test_the_other_commands_samples_give_no_finding_checked_or_named(run, samples, tmp_path):
    folder = tmp_path / "other"
    for name in OTHER_SAMPLES:
        shutil.copytree(samples / name, folder / name)
    code, output = run("check", "--isolated", "--verbose", folder)
    assert code == 0 and "no Press documents found" in output, output
    for path in folder.rglob("*.yaml"):
        command = _other_command(path.relative_to(folder).as_posix())
        assert f"{path} skipped: a `{command}` file" in output, output
    # what the pre-commit hook runs: every staged file named, unknown ones skipped
    code, output = run("check", "--isolated", "--skip-unknown", *sorted(folder.rglob("*.yaml")))
    assert code == 0 and "no Press documents found" in output, output


def test_the_press_samples_give_exactly_their_true_findings(run, samples):
    code, output = run("check", "--isolated", "--format", "concise", samples, cwd=samples)  # artifact paths: from here
    found: dict = {}
    for line in output.splitlines():
        if match := FINDING.match(line):
            name = Path(match["path"]).relative_to(samples).as_posix()
            found.setdefault(name, []).append((int(match["line"]), int(match["column"]), match["rule"]))
    assert found == PRESS_FINDINGS, output
    assert code == 1


def test_a_missing_ignore_file_stops_the_sdk_as_bl802_says(samples, monkeypatch):
    from peak import compression

    monkeypatch.chdir(samples)  # where the check above ran: the CLI reads `artifact.path` from the working directory
    with pytest.raises(FileNotFoundError):
        list(compression.get_files_to_include(".", [".gitignore", ".dockerignore"]))


def _peak_command(words: list[str]):
    import typer.main
    from peak.cli.cli import typer_app

    command = typer.main.get_command(typer_app)
    for word in words:
        command = command.commands[word]
    return command


def test_every_command_of_the_kind_table_is_one_the_peak_cli_has():
    for kind in kinds.KIND_TABLE:
        assert kind.commands and set(kind.references) <= set(kinds.KINDS), kind
        for command in kind.commands:
            words = command.split()
            assert words[0] == "peak", command
            options = [word for word in words if word.startswith("--")]
            found = _peak_command([word for word in words[1:] if not word.startswith("--")])
            assert all(any(option in param.opts for param in found.params) for option in options), command
    for other in kinds.OTHER_COMMANDS:
        _peak_command(other.command.split()[1:])


def test_every_kind_has_its_schema_entries():
    from blocklint.schema import schema_for

    for kind in kinds.KIND_TABLE:
        assert schema_for(kind.name, cli=True) and schema_for(kind.name, cli=False), kind.name


@pytest.mark.parametrize(("body", "kind"), [
    # a deployment that misses `spec` is one (BL102 reports what is missing), not a patch
    ({"metadata": {"name": "d"}, "parameters": {"run": {}}, "revision": {"notes": "x"}}, "block-deployment"),
    ({"metadata": {"name": "d"}, "revision": {"notes": "x"}}, "block-deployment"),
    ({"metadata": {"name": "d"}, "appParameters": {"a": 1}, "revision": {}}, "app-deployment"),
    # a flat map of values, the v1 patch, in a file with nothing but `body:`
    ({"agg_type": "MAX", "steps_total": 3}, "parameters-patch"),
    ({"name": "d"}, "parameters-patch"),
    # deployment metadata is known by a key of its own; `{name, description}` is an artifact's
    ({"name": "d", "summary": "s"}, "deployment-metadata"),
    ({"name": "d", "description": "x"}, None),
])
def test_kinds_are_detected_from_strong_markers(body, kind):
    assert kinds.detect({"body": body}) == kind


@pytest.mark.parametrize(("data", "command"), [
    ({"body": {"name": "w", "steps": {}}}, "peak workflows"),
    ({"body": {"params": {"global": {}}}}, "peak workflows"),
    ({"body": {"name": "i", "buildDetails": {}}}, "peak images"),
    ({"body": {"recipients": ["a@b.c"]}, "attachments": ["x"]}, "peak alerts emails"),
    ({"body": {"httpMethod": "post", "path": "/"}}, "peak services"),
    ({"namespace": "dev", "measures": []}, "peak metrics"),
    ({"name": "a", "scan": True, "artifact": {"path": "."}}, "peak artifacts"),
    ({"body": {"agg_type": "MAX"}}, None),
])
def test_the_other_commands_files_are_recognised(data, command):
    assert kinds.other_command(data) == command
    if command is not None:
        assert kinds.detect(data) is None


HEADER = "# blocklint: kind=deployment-metadata\n"
RENAME = "body:\n  name: nightly-v2\n"


def _claims(root: Path, **globs) -> kinds.Claims:
    return kinds.Claims(str(root), tuple(globs.items()))


def test_a_claim_wins_over_detection_in_order_kind_header_glob(tmp_path):
    path = str(tmp_path / "deploy" / "rename.yaml")
    glob = _claims(tmp_path, **{"deploy/*.yaml": "block-deployment"})
    assert load_text(RENAME, path).kind == "parameters-patch"
    assert load_text(RENAME, path, LoadSettings(claims=glob)).kind == "block-deployment"
    assert load_text(HEADER + RENAME, path, LoadSettings(claims=glob)).kind == "deployment-metadata"
    assert load_text(HEADER + RENAME, path, LoadSettings(claims=glob, kind="block-deployment")).kind \
        == "block-deployment"
    first = kinds.Claims(str(tmp_path), (("deploy/*", "app-deployment"), ("*.yaml", "block-deployment")))
    assert load_text(RENAME, path, LoadSettings(claims=first)).kind == "app-deployment"
    # the API the project index reads kinds through
    assert kinds.kind_of(path, RENAME, {"body": {"name": "nightly-v2"}}, glob) == "block-deployment"


def test_a_header_claim_sits_among_the_leading_comments_only(tmp_path):
    assert kinds.header_claim("#!x\n\n{# jinja #}\n---\n" + HEADER + RENAME).kind == "deployment-metadata"
    assert kinds.header_claim(RENAME + HEADER) is None
    assert kinds.header_claim('body:\n  note: "# blocklint: kind=block-spec"\n') is None


def _project(tmp_path: Path, kinds_table: str, files: dict) -> Path:
    (tmp_path / "pyproject.toml").write_text(f"[tool.blocklint.kinds]\n{kinds_table}\n")
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


def test_an_unknown_kind_in_the_configuration_is_a_usage_error(run, tmp_path):
    project = _project(tmp_path, '"deploy/*.yaml" = "block-deploymnet"', {"deploy/a.yaml": RENAME})
    code, output = run("check", ".", cwd=project)
    assert code == 2 and "unknown kind 'block-deploymnet'" in output and "did you mean 'block-deployment'" in output


def test_a_blocklint_toml_claims_with_its_kinds_table_and_refuses_what_is_no_table(tmp_path):
    from blocklint.config import ConfigError, load_config

    config = tmp_path / ".blocklint.toml"
    config.write_text('[kinds]\n"deploy/*.yaml" = "block-deployment"\n"*.patch.yaml" = "parameters-patch"\n')
    assert list(load_config(config).kinds.items()) == [("deploy/*.yaml", "block-deployment"),
                                                       ("*.patch.yaml", "parameters-patch")]
    config.write_text('kinds = ["block-deployment"]\n')
    with pytest.raises(ConfigError, match="table of \"glob\" = \"kind\""):
        load_config(config)


def test_a_file_that_does_not_parse_is_reported_when_claimed_or_meant_for_press(run, tmp_path):
    broken = "  - [unclosed\n"
    project = _project(tmp_path, '"deploy/*.yaml" = "block-deployment"', {
        "deploy/claimed.yaml": broken,  # claimed by the glob
        "header.yaml": HEADER + broken,  # claimed by its header
        "spec.json": '{\n  "body": {\n    "kind": "workflow",\n    "metadata": {"name": "x"\n  }\n}\n',
        "one-line.json": '{"body": {"metadata": {"name": "x"}, "spec": {"id": "y"}}',
        "notes.yaml": broken,  # no claim, nothing of Press: not ours to judge
    })
    for args in ([".", "--verbose"], ["--skip-unknown", "deploy/claimed.yaml", "header.yaml", "spec.json",
                                      "one-line.json", "notes.yaml"]):
        code, output = run("check", "--format", "concise", *args, cwd=project)
        reported = {line.split(":")[0] for line in output.splitlines() if re.match(r"^\S+:\d+:\d+: BL00", line)}
        assert reported == {"deploy/claimed.yaml", "header.yaml", "spec.json", "one-line.json"}, (args, output)
        assert code == 1


def test_the_language_server_honours_claims(tmp_path):
    from blocklint.lsp.session import Session

    project = _project(tmp_path, '"deploy/*.yaml" = "block-deployment"', {"deploy/a.yaml": RENAME})
    path = str(project / "deploy" / "a.yaml")
    analysis = Session(root=str(project)).analyze("file://" + path, path, RENAME)
    assert analysis.kind == "block-deployment"
    assert {finding.rule for finding in analysis.findings} >= {"BL102"}


def test_the_kinds_page_shows_the_kind_table():
    page = (Path(__file__).resolve().parent.parent / "docs" / "kinds.md").read_text(encoding="utf-8")
    for kind in kinds.KIND_TABLE:
        commands = ", ".join(f"`{command}`" for command in kind.commands)
        references = ", ".join(f"`{name}`" for name in kind.references) or "—"
        assert f"| `{kind.name}` | {commands} | {kind.markers} | {references} |" in page, kind.name


def test_the_readme_configuration_example_is_a_valid_configuration(tmp_path):
    from blocklint.config import load_config

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    example = readme.split("```toml\n[tool.blocklint]\n", 1)[1].split("```", 1)[0]
    (tmp_path / "pyproject.toml").write_text("[tool.blocklint]\n" + example.replace('"lint/rules"', '"rules"'))
    assert load_config(tmp_path / "pyproject.toml").kinds == {"deploy/*.yaml": "block-deployment"}
