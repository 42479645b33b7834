"""The language server's features in-process, on a `Session`: completion in each place the
domain knows, definitions, related locations of a cycle, code actions, configuration refresh."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest.importorskip("pygls")
from lsprotocol import types as lsp  # noqa: E402

from blocklint.lsp import features  # noqa: E402
from blocklint.lsp.session import Session  # noqa: E402
from blocklint.plan import Overrides  # noqa: E402

SPEC = """body:
  version: 1
  kind: workflow
  metadata:
    name: orders
    summary: Loads orders.
  release:
    version: "1.0.0"
  config:
    images:
      base:
        context: "."
        dockerfile: Dockerfile
        version: "0.0.1"
    steps:
      load:
        imageRef: base
        command: "@param:cmd"
      report:
        type: http
        method: get
        url: https://example.com/run
        parents: [load]
        executionParameters:
          conditional:
            - {condition: equals, paramName: STATUS, stepName: load, value: ok}
parameters:
  build:
    - {name: cmd, type: string, required: false, defaultValue: python load.py}
  run:
    - {name: region, type: string, required: false, defaultValue: eu}
"""


def _analyze(tmp_path: Path, text: str, name: str = "spec.yaml", session=None):
    session = session or Session(Overrides(isolated=True), root=str(tmp_path))
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    analysis = session.analyze(path.as_uri(), str(path), text)
    return session, analysis, features.Positions(text)


def _complete(tmp_path, text: str, marker: str, session=None) -> list[str]:
    """Completion labels at the end of the first line containing `marker`, with the text after
    the marker removed from that line (as typed so far)."""
    lines = text.split("\n")
    number = next(i for i, line in enumerate(lines) if marker in line)
    lines[number] = lines[number][: lines[number].index(marker) + len(marker)]
    typed = "\n".join(lines)
    session, analysis, positions = _analyze(tmp_path, typed, session=session)
    analysis = session.definitions_around(analysis, number)
    items = features.completion(analysis, lsp.Position(line=number, character=len(lines[number])), positions)
    return [item.label for item in items]


@pytest.fixture()
def session(tmp_path):
    session, _, _ = _analyze(tmp_path, SPEC)  # the last good text, as while editing
    return session


def test_image_names_complete_after_image_ref(tmp_path, session):
    assert _complete(tmp_path, SPEC, "imageRef: ", session) == ["base"]


def test_build_parameters_complete_after_param_prefix(tmp_path, session):
    assert _complete(tmp_path, SPEC, '"@param:', session) == ["cmd"]


def test_condition_step_names_complete(tmp_path, session):
    assert _complete(tmp_path, SPEC, "stepName: ", session) == ["load"]


def test_enum_values_complete_from_the_schema(tmp_path, session):
    assert _complete(tmp_path, SPEC, "        type: ", session) == ["standard", "http", "export", "sql"]
    assert "post" in _complete(tmp_path, SPEC, "method: ", session)
    assert "string_array" in _complete(tmp_path, SPEC, "{name: cmd, type: ", session)


def test_keys_complete_from_the_schema_without_those_present(tmp_path, session):
    text = SPEC.replace("        command: \"@param:cmd\"\n", "        command: \"@param:cmd\"\n        res\n")
    labels = _complete(tmp_path, text, "        res", session)
    assert "resources" in labels and "imageRef" not in labels and "command" not in labels


def test_parameter_reference_goes_to_its_definition(tmp_path):
    _, analysis, positions = _analyze(tmp_path, SPEC)
    line = SPEC.split("\n").index('        command: "@param:cmd"')
    location = features.definition(analysis, "file:///spec", lsp.Position(line=line, character=22), positions)
    assert SPEC.split("\n")[location.range.start.line].startswith("    - {name: cmd")


def test_cycle_diagnostic_relates_every_step_on_it(tmp_path):
    text = SPEC.replace("      load:\n", "      load:\n        parents: [report]\n")
    _, analysis, positions = _analyze(tmp_path, text)
    [cycle] = [d for d in features.diagnostics(analysis, positions) if d.code == "BL302"]
    assert [info.message for info in cycle.related_information] == ["step 'load' is on the cycle",
                                                                    "step 'report' is on the cycle"]


def test_fix_all_applies_every_safe_fix(tmp_path):
    text = SPEC.replace("parents: [load]", "parents: [load, load]").replace("method: get", "method: GET")
    _, analysis, positions = _analyze(tmp_path, text)
    [action] = [a for a in features.code_actions(analysis, "file:///spec", lsp.Range(
        start=lsp.Position(line=0, character=0), end=lsp.Position(line=0, character=0)), [], positions,
        only=[lsp.CodeActionKind.SourceFixAll])]
    [edit] = action.edit.changes["file:///spec"]
    assert edit.new_text == SPEC


def test_a_changed_configuration_is_picked_up(tmp_path):
    session = Session(Overrides(), root=str(tmp_path))
    text = SPEC.replace("parents: [load]", "parents: [laod]")
    path = tmp_path / "spec.yaml"
    assert "BL301" in [f.rule for f in session.analyze("u", str(path), text).findings]
    config = tmp_path / ".blocklint.toml"
    config.write_text('ignore = ["BL301"]\n', encoding="utf-8")
    os.utime(config, ns=(1, 1))
    assert "BL301" not in [f.rule for f in session.analyze("u", str(path), text).findings]


@pytest.mark.parametrize("front_door", ["blocklint.entry", "blocklint.cli"])
def test_without_pygls_the_command_says_what_to_install(front_door):
    import subprocess
    import sys

    code = ("import sys; sys.modules['pygls'] = sys.modules['lsprotocol'] = None; "
            f"sys.argv = ['blocklint', 'lsp']; from {front_door} import main; main()")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert "pip install 'peak-blocklint[lsp]'" in done.stderr and "Traceback" not in done.stderr


RELATED_CASES = {  # rule: (the change to SPEC, the related notes it shows)
    "BL301": (("parents: [load]", "parents: [lod]"), ["step 'load' is defined here"]),
    "BL302": (("      load:\n", "      load:\n        parents: [report]\n"),
              ["step 'load' is on the cycle", "step 'report' is on the cycle"]),
    "BL309": (("parents: [load]", "parents: [load, load]"), ["'load' is first listed here"]),
    "BL503": (("imageRef: base", "imageRef: bsae"), ["image 'base' is defined here"]),
    "BL401": (('"@param:cmd"', '"@param:cdm"'), ["build parameter 'cmd' is defined here"]),
}


@pytest.mark.parametrize("rule", sorted(RELATED_CASES))
def test_related_places_come_from_the_findings_data_not_their_message(tmp_path, rule):
    (old, new), expected = RELATED_CASES[rule]
    text = SPEC.replace(old, new)
    _, analysis, positions = _analyze(tmp_path, text)

    def related_notes():
        [diagnostic] = [d for d in features.diagnostics(analysis, positions) if d.code == rule]
        return [(info.message, info.location.range) for info in diagnostic.related_information or ()]

    notes = related_notes()
    assert [message for message, _ in notes] == expected
    analysis.findings = [finding._replace(message="reworded: names nothing") for finding in analysis.findings]
    assert related_notes() == notes
