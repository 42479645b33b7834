"""Severity follows evidence: where a finding's severity rests on what peak-sdk does, peak-sdk's
own functions are asked; the engine gives a finding the severity of the evidence it names; and
`blocklint serve` refuses only documented platform rejections."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml

from blocklint.findings import AS_WRITTEN, DOCUMENTED, EVIDENCE, INFERRED, platform_rejects

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "cases"
SPEC_WITH_ARTIFACT = """\
body:
  version: 1
  kind: workflow
  metadata: {name: nightly-load, summary: Loads the sales tables every night}
  release: {version: "1.0.0"}
  config:
    images:
      loader: {context: ".", dockerfile: Dockerfile, version: "0.0.1"}
    steps:
      load: {type: standard, imageRef: loader, command: python load.py}
artifact:
  path: app
"""


def _findings(run, *args, cwd=None):
    _, output = run("check", "--format", "json", *args, cwd=cwd)
    return json.loads(output)["findings"]


@pytest.mark.filterwarnings("ignore:.*(gitwildmatch|match_tree).*:DeprecationWarning")
@pytest.mark.parametrize("holds_dockerignore", [True, False], ids=["with-dockerignore", "without"])
def test_bl806_is_an_error_exactly_when_peak_sdk_fails_to_zip_the_artifact(run, tmp_path, monkeypatch,
                                                                           holds_dockerignore):
    compression = pytest.importorskip("peak.compression")
    from peak import exceptions

    app = tmp_path / "app"
    app.mkdir()
    (app / "Dockerfile").write_text("FROM python:3.11-slim\n")
    if holds_dockerignore:
        (app / ".dockerignore").write_text("*.pyc\n")
    (tmp_path / "spec.yaml").write_text(SPEC_WITH_ARTIFACT)
    monkeypatch.chdir(tmp_path)  # peak-sdk resolves `path: app` from the working directory
    if holds_dockerignore:
        with pytest.raises(exceptions.InvalidPathException, match="root level"):
            with compression.compress("app"):
                pass
    else:
        with compression.compress("app") as archive:
            assert archive.read()
    findings = _findings(run, "--select", "BL806", "spec.yaml")
    assert [(f["rule"], f["severity"]) for f in findings] == [("BL806", "error" if holds_dockerignore else "warning")]


def test_a_top_level_key_the_cli_drops_is_a_warning_that_says_so(run):
    helpers = pytest.importorskip("peak.cli.helpers")
    from peak.press.blocks import Block

    data = yaml.safe_load((CASES / "BL101" / "bad.yaml").read_text())
    sent = helpers.remove_unknown_args(data, Block.create_spec)
    assert "paramters" in data and "paramters" not in sent and sent["body"] == data["body"]
    findings = {f["line"]: f for f in _findings(run, "--select", "BL101", CASES / "BL101" / "bad.yaml")}
    assert findings[34]["severity"] == "warning" and "drops unknown top-level keys" in findings[34]["message"]
    # in the body the CLI keeps the key and sends it: the reference's closed list decides
    assert findings[12]["severity"] == findings[32]["severity"] == "error"


def test_the_notebooks_payload_is_a_warning_that_says_it_goes_out_as_written(run):
    findings = _findings(run, "--select", "BL609", ROOT / "tests" / "seeds" / "000-workflow-private-spec.yaml")
    assert [(f["line"], f["severity"]) for f in findings] == [(81, "warning")]
    assert "goes out as written" in findings[0]["message"]


def test_spec_status_values_known_only_from_a_list_filter_are_a_warning(run):
    findings = _findings(run, "--select", "BL104", CASES / "BL104" / "bad-metadata-status.yaml")
    assert [(f["line"], f["severity"]) for f in findings] == [(5, "warning"), (7, "error")]  # status, scope


# --- the engine -------------------------------------------------------------------------------


def _engine_findings(func, severity=None):
    from blocklint.collect import ruleset_of
    from blocklint.engine import Engine, Settings
    from blocklint.load import load_text

    engine = Engine(ruleset_of(func), Settings(severity=severity or {}))
    return engine.check(load_text("body:\n  version: 1\n  kind: workflow\n", "spec.yaml"))


def _rule_with_evidence(also):
    from blocklint.engine import rule

    @rule("BL997", "mixed-evidence", evidence=DOCUMENTED, also=also)
    def mixed(data):
        """Two findings on different evidence.

        ## Why is this bad?
        It is a test.

        ## Example
        None.

        ## Source
        Documented platform rejection; Sent as written.
        """
        yield ("body",), "documented"
        yield ("body", "version"), "sent as written", AS_WRITTEN

    return mixed


def test_a_finding_takes_the_severity_of_the_evidence_it_names():
    findings = {f.message: f for f in _engine_findings(_rule_with_evidence((AS_WRITTEN,)))}
    assert (findings["documented"].severity, findings["documented"].evidence) == ("error", "documented")
    assert (findings["sent as written"].severity, findings["sent as written"].evidence) == ("warning", "as-written")


def test_a_severity_in_the_configuration_wins_over_the_evidence():
    findings = _engine_findings(_rule_with_evidence((AS_WRITTEN,)), severity={"BL997": "error"})
    assert sorted(f.severity for f in findings) == ["error", "error"]


def test_evidence_a_rule_does_not_declare_is_a_crash_reported_not_a_silent_severity():
    findings = _engine_findings(_rule_with_evidence((INFERRED,)))
    crashed = [f for f in findings if f.rule == "BL000"]
    assert crashed and "as-written" in crashed[0].message and crashed[0].severity == "error"


# --- blocklint serve ---------------------------------------------------------------------------


def test_only_documented_platform_rejections_are_refused():
    assert {name for name, evidence in EVIDENCE.items() if evidence.platform_rejects} == {"documented"}
    from blocklint.findings import Finding

    finding = Finding("f", 1, 1, 1, 1, "BL301", "unknown-parent", "error", "m", (), "documented")
    assert platform_rejects(finding)
    assert not platform_rejects(finding._replace(severity="warning"))  # a configured downgrade
    assert not platform_rejects(finding._replace(evidence="harm"))
    assert not platform_rejects(finding._replace(evidence=""))  # a rule that names no evidence


def _spec_file():
    from blocklint.load import load_path

    doc = load_path(ROOT / "examples" / "workflow" / "workflow-private.yaml")
    data = copy.deepcopy(doc.data)
    data.pop("artifact")
    return data


def test_serve_accepts_what_press_accepts_and_refuses_what_the_reference_refuses(run, tmp_path):
    from blocklint.registry import validate

    data = _spec_file()
    steps = data["body"]["config"]["steps"]
    http = next(step for step in steps.values() if step.get("type") == "http")
    http["payload"] = '{"run": 1,}'  # not strict JSON: sent as written
    http["auth"] = {"type": "bearer-token", "bearerToken": "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"}
    data["tenantz"] = ["t1"]  # a top-level key the CLI drops
    data["body"]["config"].pop("images", None)
    for step in steps.values():
        if "imageRef" in step:
            step.pop("imageRef")
            step["imageDetails"] = {"id": 1}
    (tmp_path / "spec.yaml").write_text(yaml.safe_dump(data))
    reported = {(f["rule"], f["severity"]) for f in _findings(run, "spec.yaml", cwd=tmp_path)}
    assert {("BL609", "warning"), ("BL701", "error"), ("BL101", "warning")} <= reported
    assert validate.check("block-spec", data) == []  # a literal credential: certain harm, but Press takes it
    first = next(iter(steps))
    steps[first]["parents"] = ["no-such-step"]
    assert [f.rule for f in validate.check("block-spec", data)] == ["BL301"]
