"""Each output format against its real consumer: SARIF against the official 2.1.0 schema,
JUnit through xml.etree and junitparser, github workflow commands matched exactly, json-lines
parsed line by line. Findings come from the real runner on real files."""

import io
import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from blocklint.docs import generate, rule_source
from blocklint.collect import collect_rules
from blocklint.plan import Overrides, build_plan
from blocklint.findings import Finding
from blocklint.report import REPORTERS, reporter_class
from blocklint.runner import FileResult, check_target
from blocklint.walk import discover

HERE = Path(__file__).parent
CASES = HERE / "cases"
SARIF_SCHEMA = json.loads((HERE / "data" / "sarif-2.1.0.json").read_text())


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A working directory with an erroring, a warning-only, a clean and a non-Press file."""
    (tmp_path / "specs").mkdir()
    shutil.copy(CASES / "BL101" / "bad.yaml", tmp_path / "specs" / "typo.yaml")
    shutil.copy(CASES / "BL010" / "bad.yaml", tmp_path / "specs" / "nulls.yaml")
    shutil.copy(CASES / "BL101" / "good.yaml", tmp_path / "specs" / "clean.yaml")
    (tmp_path / "specs" / "compose.yaml").write_text("services:\n  web:\n    image: nginx\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def check(paths=("specs",)):
    # Only the rules these files were written for, so rules added later do not change the output.
    plan = build_plan(Overrides(select=("BL010", "BL101"), isolated=True, registry=False))
    return [check_target(target, plan) for target in discover(paths, plan)]


def render(name, results, **options):
    stream = io.StringIO()
    reporter = reporter_class(name)(stream, **options)
    reporter.start()
    for result in results:
        reporter.file(result)
    reporter.finish()
    return stream.getvalue()


def shown(results):
    return [f for r in results for f in r.findings if f.severity != "info"]


def test_the_fixture_has_errors_warnings_a_clean_and_a_skipped_file(project):
    results = {Path(r.path).name: r for r in check()}
    assert results["compose.yaml"].skipped
    assert not shown([results["clean.yaml"]])
    # two typos in the body, and one at the top level, which the CLI drops without a word
    assert [f.severity for f in results["typo.yaml"].findings] == ["error", "error", "warning"]
    assert len(results) == 4
    assert {f.severity for f in results["nulls.yaml"].findings} == {"warning"}


def test_every_new_format_is_registered():
    assert {"sarif", "junit", "github", "json-lines"} <= set(REPORTERS)
    for name in REPORTERS:
        assert callable(reporter_class(name))


# --- SARIF ------------------------------------------------------------------------------


def test_sarif_is_valid_against_the_official_schema(project):
    results = check()
    document = json.loads(render("sarif", results))
    jsonschema.Draft7Validator.check_schema(SARIF_SCHEMA)
    errors = sorted(jsonschema.Draft7Validator(SARIF_SCHEMA).iter_errors(document), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)
    assert document["version"] == "2.1.0"


def test_sarif_schema_validation_can_fail():
    """The schema really constrains: a region with line 0 and a bad level are rejected."""
    bad = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [
        {"message": {"text": "m"}, "level": "fatal",
         "locations": [{"physicalLocation": {"region": {"startLine": 0}}}]}]}]}
    messages = [e.message for e in jsonschema.Draft7Validator(SARIF_SCHEMA).iter_errors(bad)]
    assert messages


def test_sarif_lists_every_rule_with_its_docs(project):
    rules = collect_rules()
    driver = json.loads(render("sarif", check(), rules=rules))["runs"][0]["tool"]["driver"]
    assert driver["name"] == "blocklint"
    assert [d["id"] for d in driver["rules"]] == [r.id for r in rules]
    anchors = set(re.findall(r"^### (BL\d{3})$", generate(), re.M))
    for descriptor, found in zip(driver["rules"], rules):
        assert descriptor["name"] == found.name
        assert descriptor["shortDescription"]["text"] == found.summary
        assert descriptor["fullDescription"]["text"] == found.doc
        assert "## Why is this bad?" in descriptor["help"]["markdown"]
        assert descriptor["defaultConfiguration"]["level"] == {"error": "error", "warning": "warning", "info": "note"}[found.severity]
        assert descriptor["helpUri"] == \
            f"https://github.com/blocklint/blocklint/blob/main/docs/rules.md#{found.id.lower()}"
        assert found.id in anchors, f"docs/rules.md has no ### {found.id} for the help URI to reach"
        assert descriptor["properties"]["source"] == rule_source(found) != ""


def test_sarif_without_rules_falls_back_to_every_rule(project):
    driver = json.loads(render("sarif", check(), rules=None))["runs"][0]["tool"]["driver"]
    assert [d["id"] for d in driver["rules"]] == [r.id for r in collect_rules()]


def test_sarif_results_point_at_the_findings(project):
    results = check()
    run = json.loads(render("sarif", results))["runs"][0]
    findings = shown(results)
    assert len(run["results"]) == len(findings) > 3
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == project.resolve().as_uri() + "/"
    for result, finding in zip(run["results"], findings):
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"] == finding.rule
        assert result["level"] == finding.severity
        assert result["message"]["text"] == finding.message
        physical = result["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"] == {"uri": Path(finding.file).as_posix(), "uriBaseId": "%SRCROOT%"}
        assert physical["region"] == {"startLine": finding.line, "startColumn": finding.column,
                                      "endLine": finding.end_line, "endColumn": finding.end_column}
    typo = next(r for r in run["results"] if "trigers" in r["message"]["text"])
    assert typo["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "specs/typo.yaml"
    # The region covers the key: line 12, columns 5..12 (`trigers`), end exclusive.
    assert typo["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 12, "startColumn": 5, "endLine": 12, "endColumn": 12}


def test_sarif_uris_outside_the_working_directory_and_odd_names(project, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "my spec#1.yaml"
    shutil.copy(CASES / "BL101" / "bad.yaml", elsewhere)
    (project / "specs" / "with space.yaml").write_bytes((CASES / "BL101" / "bad.yaml").read_bytes())
    results = check([str(elsewhere), "specs/with space.yaml"])
    document = json.loads(render("sarif", results))
    assert not list(jsonschema.Draft7Validator(SARIF_SCHEMA).iter_errors(document))
    locations = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: r["locations"][0]
                 ["physicalLocation"]["artifactLocation"].get("uriBaseId") for r in document["runs"][0]["results"]}
    assert locations == {elsewhere.resolve().as_uri(): None, "specs/with%20space.yaml": "%SRCROOT%"}


def test_sarif_adds_a_rule_it_was_not_given(project):
    crash = Finding("specs/clean.yaml", 1, 1, 1, 5, "BL000", "internal-error", "error", "rule crashed")
    document = json.loads(render("sarif", [FileResult("specs/clean.yaml", "block-spec", [crash])],
                                 rules=collect_rules()[:2]))
    run = document["runs"][0]
    assert run["tool"]["driver"]["rules"][run["results"][0]["ruleIndex"]]["id"] == "BL000"
    assert not list(jsonschema.Draft7Validator(SARIF_SCHEMA).iter_errors(document))


# --- JUnit ------------------------------------------------------------------------------


def test_junit_one_testcase_per_file_and_rule_and_per_clean_file(project):
    results = check()
    root = ET.fromstring(render("junit", results))
    assert root.tag == "testsuites"
    suite = root.find("testsuite")
    cases = [(c.get("classname"), c.get("name")) for c in suite.iter("testcase")]
    assert cases == [
        ("specs/clean.yaml", "blocklint"),
        ("specs/nulls.yaml", "BL010 null-value-dropped"),
        ("specs/typo.yaml", "BL101 unknown-key"),
    ]
    assert suite.get("tests") == "3" and suite.get("failures") == "1" and suite.get("errors") == "0"
    typo = suite.find("testcase[@classname='specs/typo.yaml']")
    failure = typo.find("failure")
    assert failure.get("type") == "BL101"
    assert failure.text.splitlines() == [
        line.replace("bad.yaml", "specs/typo.yaml") for line in (CASES / "BL101" / "bad.out").read_text().splitlines()]
    # Warnings alone do not fail (the exit code is 0); they are in the testcase's output.
    nulls = suite.find("testcase[@classname='specs/nulls.yaml']")
    assert nulls.find("failure") is None
    assert "BL010 warning" in nulls.find("system-out").text
    assert list(suite.find("testcase[@classname='specs/clean.yaml']")) == []


def test_junit_strict_fails_warnings_too(project):
    suite = ET.fromstring(render("junit", check(), strict=True)).find("testsuite")
    assert suite.get("failures") == "2"
    assert suite.find("testcase[@classname='specs/nulls.yaml']/failure") is not None


def test_junit_is_read_by_junitparser(project, tmp_path):
    junitparser = pytest.importorskip("junitparser")
    report = tmp_path / "report.xml"
    report.write_text(render("junit", check()), encoding="utf-8")
    xml = junitparser.JUnitXml.fromfile(str(report))
    suites = list(xml)
    assert len(suites) == 1 and suites[0].name == "blocklint"
    outcome = {}
    for case in suites[0]:
        outcome[(case.classname, case.name)] = [type(r).__name__ for r in case.result]
    assert outcome == {
        ("specs/clean.yaml", "blocklint"): [],
        ("specs/nulls.yaml", "BL010 null-value-dropped"): [],
        ("specs/typo.yaml", "BL101 unknown-key"): ["Failure"],
    }
    failure = next(iter(next(c for c in suites[0] if c.result).result))
    assert "3 findings" in failure.message and "trigers" in failure.message
    assert suites[0].tests == 3 and suites[0].failures == 1


def test_junit_escapes_markup_and_shows_control_characters_as_escapes():
    nasty = Finding("a&b<c>.yaml", 2, 3, 2, 4, "BL101", "unknown-key", "error",
                    "unknown key '<x>' & \"y\" \x00\x1b[31m")
    text = render("junit", [FileResult("a&b<c>.yaml", "block-spec", [nasty])])
    case = ET.fromstring(text).find("testsuite/testcase")
    assert case.get("classname") == "a&b<c>.yaml"
    assert case.find("failure").get("message") == "unknown key '<x>' & \"y\" \\x00\\x1b[31m"


# --- GitHub -----------------------------------------------------------------------------


def test_github_annotations_and_readable_lines_exactly(project):
    out = render("github", check()).splitlines()
    assert out == [
        "::warning file=specs/nulls.yaml,line=7,col=5,endLine=7,endColumn=10,title=BL010 null-value-dropped::"
        "'title' is null, so the peak CLI drops the key before sending; give it a value or remove the line",
        "specs/nulls.yaml:7:5: BL010 warning 'title' is null, so the peak CLI drops the key before sending; "
        "give it a value or remove the line",
        "::warning file=specs/nulls.yaml,line=15,col=9,endLine=15,endColumn=16,title=BL010 null-value-dropped::"
        "'parents' is null, so the peak CLI drops the key before sending; give it a value or remove the line",
        "specs/nulls.yaml:15:9: BL010 warning 'parents' is null, so the peak CLI drops the key before sending; "
        "give it a value or remove the line",
        "::error file=specs/typo.yaml,line=12,col=5,endLine=12,endColumn=12,title=BL101 unknown-key::"
        "unknown key 'trigers' in config; did you mean 'triggers'?",
        "specs/typo.yaml:12:5: BL101 error unknown key 'trigers' in config; did you mean 'triggers'?",
        "::error file=specs/typo.yaml,line=32,col=9,endLine=32,endColumn=15,title=BL101 unknown-key::"
        "unknown key 'parent' in config.steps.report; did you mean 'parents'?",
        "specs/typo.yaml:32:9: BL101 error unknown key 'parent' in config.steps.report; did you mean 'parents'?",
        "::warning file=specs/typo.yaml,line=34,col=1,endLine=34,endColumn=10,title=BL101 unknown-key::"
        "unknown key 'paramters' in the file's top level; did you mean 'parameters'? The peak CLI drops unknown "
        "top-level keys without a word and sends the rest",
        "specs/typo.yaml:34:1: BL101 warning unknown key 'paramters' in the file's top level; did you mean "
        "'parameters'? The peak CLI drops unknown top-level keys without a word and sends the rest",
        "2 errors, 3 warnings in 3 files",
    ]


def test_github_annotations_only_for_adding_to_text_output(project):
    out = render("github", check(), annotations_only=True).splitlines()
    assert len(out) == 5 and all(line.startswith(("::error ", "::warning ")) for line in out)


def test_github_escapes_as_the_actions_toolkit_does(project):
    odd = Finding(str(project / "dir,a:b" / "50%.yaml"), 3, 1, 4, 2, "BL301", "unknown-parent", "error",
                  "100% wrong:\r\nsee, here")
    out = render("github", [FileResult(odd.file, "block-spec", [odd])]).splitlines()
    assert out[0] == ("::error file=dir%2Ca%3Ab/50%25.yaml,line=3,col=1,endLine=4,endColumn=2,"
                      "title=BL301 unknown-parent::100%25 wrong:%0D%0Asee, here")
    # The readable line shows the line break, so text from a spec cannot start a workflow command.
    assert out[1].endswith("/dir,a:b/50%.yaml:3:1: BL301 error 100% wrong:\\r\\nsee, here")
    assert len(out) == 3


def test_github_text_from_a_spec_cannot_inject_a_workflow_command(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "spec.yaml").write_text(
        'body:\n  version: 1\n  kind: workflow\n  metadata: {name: x}\n'
        '  config:\n    "x\\n::add-mask::secret\\n": 1\n    steps: {}\n')
    out = render("github", check(["spec.yaml"]))
    assert "::add-mask::" in out  # the key is in the message...
    assert not [line for line in out.splitlines() if line.startswith("::add-mask")]  # ...never a command


# --- json-lines -------------------------------------------------------------------------


def test_json_lines_one_object_per_finding_with_the_json_keys(project):
    results = check()
    lines = render("json-lines", results).splitlines()
    parsed = [json.loads(line) for line in lines]
    assert parsed == json.loads(render("json", results))["findings"]
    assert len(parsed) == 5
    assert all(set(item) == {"file", "line", "column", "end_line", "end_column", "rule", "name",
                             "severity", "message"} for item in parsed)


def test_json_lines_is_empty_when_clean(project):
    assert render("json-lines", check(["specs/clean.yaml"])) == ""


# --- through the command line -----------------------------------------------------------


@pytest.mark.parametrize("name", ["sarif", "junit", "github", "json-lines"])
def test_format_through_blocklint_check(run, project, name):
    code, output = run("check", "--select", "BL010,BL101", "--format", name, "specs")
    assert code == 1
    if name == "sarif":
        document = json.loads(output)
        assert not list(jsonschema.Draft7Validator(SARIF_SCHEMA).iter_errors(document))
        assert len(document["runs"][0]["results"]) == 5
    elif name == "junit":
        assert len(ET.fromstring(output).findall("testsuite/testcase")) == 3
    elif name == "github":
        assert output.splitlines()[-1] == "2 errors, 3 warnings in 3 files"
        assert sum(line.startswith("::error file=specs/typo.yaml,") for line in output.splitlines()) == 2
    else:
        assert [json.loads(line)["rule"] for line in output.splitlines()] == ["BL010"] * 2 + ["BL101"] * 3


# --- GitLab Code Quality ----------------------------------------------------------------

# The fields GitLab documents for a Code Quality report (docs.gitlab.com, "Code Quality report
# format"): required ones required, severities and types as listed there.
GITLAB_CODE_QUALITY = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["description", "check_name", "fingerprint", "severity", "location"],
        "properties": {
            "description": {"type": "string", "minLength": 1},
            "check_name": {"type": "string", "minLength": 1},
            "fingerprint": {"type": "string", "minLength": 1},
            "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
            "location": {
                "type": "object",
                "required": ["path", "lines"],
                "properties": {
                    "path": {"type": "string", "minLength": 1, "not": {"pattern": "^/"}},
                    "lines": {"type": "object", "required": ["begin"],
                              "properties": {"begin": {"type": "integer", "minimum": 1},
                                             "end": {"type": "integer", "minimum": 1}}},
                },
            },
        },
    },
}


def test_gitlab_is_valid_against_the_documented_shape(project):
    results = check()
    issues = json.loads(render("gitlab", results))
    jsonschema.Draft7Validator.check_schema(GITLAB_CODE_QUALITY)
    errors = list(jsonschema.Draft7Validator(GITLAB_CODE_QUALITY).iter_errors(issues))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)
    assert [(i["check_name"], i["severity"], i["location"]["path"], i["location"]["lines"]["begin"]) for i in issues] \
        == [("BL010", "minor", "specs/nulls.yaml", 7), ("BL010", "minor", "specs/nulls.yaml", 15),
            ("BL101", "major", "specs/typo.yaml", 12), ("BL101", "major", "specs/typo.yaml", 32),
            ("BL101", "minor", "specs/typo.yaml", 34)]
    assert len({i["fingerprint"] for i in issues}) == len(issues)


def test_gitlab_schema_validation_can_fail():
    bad = [{"description": "x", "check_name": "BL1", "fingerprint": "f", "severity": "error",
            "location": {"path": "/abs.yaml", "lines": {"begin": 0}}}]
    assert len(list(jsonschema.Draft7Validator(GITLAB_CODE_QUALITY).iter_errors(bad))) == 3


def test_gitlab_empty_run_is_an_empty_array(project):
    assert json.loads(render("gitlab", check(["specs/clean.yaml"]))) == []


def test_fingerprints_are_stable_across_runs_and_line_moves(project):
    def fingerprints(name):
        if name == "gitlab":
            return [i["fingerprint"] for i in json.loads(render(name, check()))]
        return [r["partialFingerprints"]["blocklintNodePath/v1"]
                for r in json.loads(render(name, check()))["runs"][0]["results"]]

    before = {name: fingerprints(name) for name in ("gitlab", "sarif")}
    assert before == {name: fingerprints(name) for name in ("gitlab", "sarif")}
    typo = project / "specs" / "typo.yaml"
    typo.write_text("# a comment\n# and another, moving every finding down\n" + typo.read_text())
    lines = [i["location"]["lines"]["begin"] for i in json.loads(render("gitlab", check()))]
    assert lines[2:] == [14, 34, 36]
    assert before == {name: fingerprints(name) for name in ("gitlab", "sarif")}


# --- streaming --------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "expected"), [
    ("concise", "specs/typo.yaml:12:5: BL101 error"), ("github", "::error file=specs/typo.yaml,line=12"),
    ("json-lines", '"line": 12'), ("gitlab", '"check_name": "BL101"')])
def test_line_formats_write_each_file_as_it_is_done(project, name, expected):
    stream = io.StringIO()
    reporter = reporter_class(name)(stream)
    typo = next(r for r in check() if r.path.endswith("typo.yaml"))
    reporter.start()
    reporter.file(typo)
    assert expected in stream.getvalue()


@pytest.mark.parametrize("name", sorted(REPORTERS))
def test_finish_reports_results_that_file_never_saw_and_none_twice(project, name):
    results = check()
    options = {"color": False} if name == "text" else {}
    streamed, stream = render(name, results, **options), io.StringIO()
    reporter_class(name)(stream, **options).finish(results)
    unstreamed = stream.getvalue()
    if name == "junit":  # the elapsed time differs
        streamed, unstreamed = (re.sub(r'time="[^"]*"|timestamp="[^"]*"', "", text) for text in (streamed, unstreamed))
    assert streamed == unstreamed


# --- text: the per-file list, quiet, verbose ----------------------------------------------


def _many(project, count):
    for index in range(count):
        shutil.copy(CASES / "BL101" / "good.yaml", project / "specs" / f"clean{index:02}.yaml")


def test_small_runs_list_each_file_before_the_findings(project):
    lines = render("text", check(), color=False).splitlines()
    assert lines[:3] == ["specs/clean.yaml .", "specs/nulls.yaml W", "specs/typo.yaml E"]
    assert lines[3] == "" and lines[4].startswith("specs/nulls.yaml:7:5: BL010 warning")
    assert lines[-1] == "2 errors, 3 warnings in 3 files"


def test_long_runs_print_findings_only_as_each_file_is_done(project):
    from blocklint.report.text import SMALL_RUN

    _many(project, SMALL_RUN)
    results = check()
    stream = io.StringIO()
    reporter = reporter_class("text")(stream, color=False)
    written = []
    for result in results:
        reporter.file(result)
        written.append(stream.getvalue())
    reporter.finish()
    lines = stream.getvalue().splitlines()
    assert not [line for line in lines if re.fullmatch(r"\S+ [.EW]", line)]
    assert lines[0].startswith("specs/nulls.yaml:7:5: BL010")
    assert lines[-1] == f"2 errors, 3 warnings in {SMALL_RUN + 3} files"
    # typo.yaml comes last: its findings are out before finish() is called.
    assert "specs/typo.yaml:34:1: BL101" in written[-1]


def test_verbose_lists_every_file_of_a_long_run(project):
    from blocklint.report.text import SMALL_RUN

    _many(project, SMALL_RUN)
    lines = render("text", check(), color=False, verbose=True).splitlines()
    assert len([line for line in lines if re.fullmatch(r"\S+ (\[[\w-]+\] )?[.EW]", line)]) == SMALL_RUN + 3
    assert "specs/compose.yaml skipped (not a Press document)" in lines


def test_quiet_prints_findings_and_the_summary_only(project):
    lines = render("text", check(), color=False, quiet=True, verbose=True).splitlines()
    assert lines[0].startswith("specs/nulls.yaml:7:5: BL010 warning")
    assert not [line for line in lines if re.fullmatch(r"\S+( \[[\w-]+\])? [.EW]|\S+ skipped.*", line) or not line]
    assert lines[-1] == "2 errors, 3 warnings in 3 files"


# --- statistics, the rule list, progress ----------------------------------------------------


def test_statistics_counts_per_rule_most_frequent_first(project):
    from blocklint.report.statistics import statistics_lines, write_statistics

    findings = shown(check())
    assert statistics_lines(findings) == ["3  BL101  unknown-key", "2  BL010  null-value-dropped"]
    many = findings[:1] * 12 + findings[3:4]
    stream = io.StringIO()
    write_statistics(many, stream)
    assert stream.getvalue() == "12  BL010  null-value-dropped\n 1  BL101  unknown-key\n"
    assert statistics_lines([]) == []


def test_rules_as_json_lists_every_rule_with_its_documentation_url():
    from blocklint.docs import help_uri
    from blocklint.report.rule_list import rules_json

    rules = collect_rules()
    listed = json.loads(rules_json(rules))
    assert [item["id"] for item in listed] == [r.id for r in rules]
    assert set(listed[0]) == {"id", "name", "severity", "summary", "url"}
    for item, found in zip(listed, rules):
        assert (item["name"], item["severity"], item["summary"], item["url"]) == \
            (found.name, found.severity, found.summary, help_uri(found))
        assert item["url"].endswith("#" + found.id.lower())


def test_progress_draws_on_a_terminal_for_long_runs_only(tmp_path):
    import os

    from blocklint.report.progress import MIN_FILES, progress

    leader, follower = os.openpty()
    os.set_blocking(leader, False)
    terminal = os.fdopen(follower, "w")

    def read():
        try:
            return os.read(leader, 1 << 16).decode()
        except BlockingIOError:
            return ""

    def drawn(total, enabled=True, stream=terminal):
        # Read as it draws: a terminal's input queue holds a few KiB only.
        output = []
        with progress(total, enabled, stream=stream) as tick:
            for _ in range(total):
                tick()
                output.append(read())
            tick.clear()
        return "".join(output) + read()

    try:
        shown_bar = drawn(MIN_FILES)
        assert f"{MIN_FILES}/{MIN_FILES}" in shown_bar and "checking" in shown_bar
        assert "\r\x1b[2K" in shown_bar  # clear() erases the bar's line before output
        assert drawn(MIN_FILES - 1) == ""
        assert drawn(MIN_FILES, enabled=False) == ""
        piped = io.StringIO()
        assert drawn(MIN_FILES, stream=piped) == "" and piped.getvalue() == ""
    finally:
        terminal.close()
        os.close(leader)


def test_progress_eta_comes_from_the_throughput_measured_since_the_first_file():
    """A run whose first result takes 10 s (start-up: finding files, starting workers) and then
    does 20 files a second: with 190 files left after the first 10, the ETA reads 10 s, not the
    ~190 s that counting the start-up as per-file time gives."""
    from blocklint.report.progress import Bar

    now = [0.0]
    bar = Bar(200, io.StringIO(), "checking", clock=lambda: now[0])
    assert bar.eta() is None and bar.line() == "checking  [" + "-" * 36 + "]  0/200"
    now[0] = 10.0
    bar.update()
    assert bar.eta() is None  # one file: nothing measured yet
    for _ in range(9):
        now[0] += 0.05
        bar.update()
    assert bar.done == 10 and abs(bar.eta() - 190 * 0.05) < 1e-6
    assert bar.line() == "checking  [#" + "-" * 35 + "]  10/200  eta 0:10"
    now[0] += 60  # a stall slows the measured throughput, and the ETA grows with it
    bar.update()
    assert bar.line().endswith("11/200  eta 19:03")  # 189 files at (60.45 s / 10)
    bar.done, now[0] = 2, 110.0
    assert bar.line().endswith("2/200  eta 5:30:00")  # 198 files at 100 s each
    bar.done = 200
    assert bar.line() == "checking  [" + "#" * 36 + "]  200/200"  # no ETA once done


def test_machine_formats_are_marked_for_the_progress_decision():
    from blocklint.report import is_machine_format

    assert {name for name in REPORTERS if is_machine_format(name)} == {"json", "json-lines", "sarif", "junit",
                                                                       "gitlab"}
