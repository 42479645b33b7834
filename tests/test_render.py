"""`blocklint render FILE` prints what peak-sdk's own `load_template` returns, as the request carries it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from peak.cli.helpers import parse_params
from peak.template import load_template

from blocklint.cli import cli

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted(path.relative_to(ROOT) for path in (ROOT / "examples").rglob("*")
                  if path.name.endswith((".yaml", ".yml", ".json", ".j2")) and path.parent.name != "fragments")
TOKEN = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"


def render(*args):
    return CliRunner(mix_stderr=False).invoke(cli, ["render", "--isolated", *args], catch_exceptions=False)


def as_sent(value):
    """What the request carries: the body as `json.dumps` writes it, read back."""
    value = json.loads(json.dumps(value, allow_nan=False))
    value.pop("x-blocklint", None)  # blocklint's own key: the CLI drops it before sending
    return value


def cli_sends(path):
    """The body `peak ... create` sends: load_template's value, its top level's items taken
    (`remove_unknown_args`), written by `json.dumps` as requests writes it."""
    body = load_template(path, {})
    return json.dumps(dict(body.items()), allow_nan=False)


@pytest.fixture
def at_root(monkeypatch):
    monkeypatch.chdir(ROOT)  # the examples' includes are relative to the working directory, as for the CLI
    monkeypatch.delenv("IMAGE_VERSION", raising=False)


@pytest.mark.parametrize("example", EXAMPLES, ids=str)
def test_the_examples_render_as_load_template_reads_them(at_root, example):
    result = render(str(example))
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == as_sent(load_template(example, {}))


def test_params_file_and_params_as_the_cli_takes_them(at_root, tmp_path):
    params_file = tmp_path / "params.yaml"
    params_file.write_text("release_version: 2.0.0\ninstance_type_id: 23\n")
    example = Path("examples/workflow/templated.yaml.j2")
    result = render(str(example), "-v", str(params_file), "-p", "release_version=3.1.4")
    assert result.exit_code == 0, result.stderr
    params = {**yaml.safe_load(params_file.read_text()), **parse_params(["release_version=3.1.4"])}
    sent = json.loads(result.stdout)
    assert sent == as_sent(load_template(example, params))
    assert sent["body"]["release"]["version"] == "3.1.4"


def test_nulls_are_removed_as_the_cli_removes_them_not_inside_lists(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text("body:\n  metadata:\n    name: a\n    title:\n    tags: [null, {name: x, other: null}]\n")
    result = render(str(spec))
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == as_sent(load_template(spec, {}))
    # remove_none_values does not look inside lists: a mapping in a list keeps its nulls
    assert json.loads(result.stdout)["body"]["metadata"] == {"name": "a", "tags": [None, {"name": "x", "other": None}]}


def test_secrets_are_masked_as_in_every_report(tmp_path, monkeypatch):
    spec = tmp_path / "spec.yaml.j2"
    spec.write_text("body:\n  metadata:\n    name: a\n    description: 'token " + TOKEN + "'\n"
                    "    title: \"{{ os_env.DEPLOY_NOTE }}\"\n")
    monkeypatch.setenv("DEPLOY_NOTE", "hunter2-from-the-environment")
    result = render(str(spec), "--template-env", "DEPLOY_NOTE")
    assert result.exit_code == 0, result.stderr
    assert TOKEN not in result.stdout and "hunter2-from-the-environment" not in result.stdout
    metadata = json.loads(result.stdout)["body"]["metadata"]
    assert metadata["title"] == "****" and metadata["description"].startswith("token ")
    assert "****" in metadata["description"]


def test_non_ascii_and_control_characters_are_escaped_as_the_request_carries_them(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text('body:\n  metadata:\n    name: "caf\\u00e9 \\u202e \\x1b[31m"\n', encoding="utf-8")
    result = render(str(spec))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.isascii() and "\x1b" not in result.stdout
    assert json.loads(result.stdout) == as_sent(load_template(spec, {}))


@pytest.mark.parametrize("text, rule", [
    ("body:\n  metadata:\n    name: a\n    summary: 2024-01-01\n", "BL013"),  # a date: json.dumps fails
    ("body:\n  parameters:\n    n: .nan\n", "BL013"),  # requests refuses NaN
    ("body:\n  metadata: [a\n", "BL001"),
    ("body:\n  metadata:\n    name: '{{ 1 / 0 }}'\n", "BL007"),
    ("body: {}\n---\nbody: {}\n", "BL009"),
    ("- body: {}\n", "BL006"),  # the CLI takes the top level's items
])
def test_a_file_the_cli_cannot_send_prints_the_finding_and_exits_1(tmp_path, text, rule):
    spec = tmp_path / "spec.yaml"
    spec.write_text(text)
    with pytest.raises(Exception):  # noqa: B017, PT011 - the oracle: the CLI fails on the file, whatever the error
        cli_sends(spec)
    result = render(str(spec))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert f" {rule} error " in result.stderr, result.stderr


def test_a_missing_file_is_a_usage_error(tmp_path):
    result = render(str(tmp_path / "absent.yaml"))
    assert result.exit_code == 2
