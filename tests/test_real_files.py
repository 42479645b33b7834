"""No false positives on real files: the bundled examples, the seeds, peak-sdk's own samples.

Seed files (tests/seeds/) are faithful translations of the SDK's documentation, mistakes
included. A line that is wrong in the seed carries `# expect: BL301` (several ids separated by
commas), an error, or `# expect: BL609:warning` where the evidence makes it a warning; blocklint
must report exactly those errors, and every marked warning as a warning. peak-sdk's sample files cannot be
annotated, so their expected errors are listed below, each with the reason it is right.
"""

import importlib.util
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "tests" / "seeds"
EXPECT = re.compile(r"#\s*expect:\s*([A-Za-z0-9:, ]+)")

# sample path (below peak/sample_yaml/press) -> [(line, rule)], each with why the finding is right.
EXPECTED_SAMPLE_ERRORS: dict[str, list[tuple[int, str]]] = {}
# Mistakes a seed copies from the documentation that a newer rule finds, before the seed file
# is marked with `# expect:` (the seeds are shared; their marks are added there in one sweep).
# Both http steps copy the docs' payload `{"data": ..., "token": ...,}`: the trailing comma
# is not JSON, and the reference says "Stringified JSON payload".
def _errors(run, *args, cwd=None):
    code, output = run("check", "--format", "json", *args, cwd=cwd)
    report = json.loads(output)
    return code, [f for f in report["findings"] if f["severity"] == "error"], report


def test_examples_lint_clean_of_errors(run):
    code, errors, report = _errors(run, "examples", cwd=ROOT)
    assert errors == []
    assert code == 0
    assert report["summary"]["files"] >= 15


def _seed_files():
    return sorted(p for p in SEEDS.glob("*") if p.name.endswith((".yaml", ".yml", ".json", ".j2")))


@pytest.mark.parametrize("path", _seed_files(), ids=lambda p: p.name)
def test_seed_errors_are_exactly_the_marked_mistakes(run, path):
    expected = set()
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        match = EXPECT.search(line)
        if match:
            for mark in filter(None, map(str.strip, match.group(1).split(","))):
                code, _, severity = mark.partition(":")
                expected.add((number, code.strip(), severity.strip() or "error"))
    _, errors, report = _errors(run, path.name, cwd=SEEDS)
    reported = {(f["line"], f["rule"], f["severity"]) for f in report["findings"]}
    assert expected <= reported, report["findings"]
    assert {(f["line"], f["rule"], "error") for f in errors} == {mark for mark in expected if mark[2] == "error"}, errors


def _samples():
    spec = importlib.util.find_spec("peak")
    if spec is None:
        return []
    root = Path(spec.origin).parent / "sample_yaml" / "press"
    return sorted(root.rglob("*.yaml"))


@pytest.mark.parametrize("path", _samples(), ids=lambda p: str(p).split("press/")[-1])
def test_peak_sdk_samples_have_only_the_explained_errors(run, path, tmp_path):
    relative = str(path).split("sample_yaml/press/")[-1]
    # The block spec samples upload `path: "."` with `.gitignore` and `.dockerignore` and build
    # from a `Dockerfile` (press-api.md, section 7): give them the directory a user of them has.
    for name in ("Dockerfile", ".gitignore", ".dockerignore"):
        (tmp_path / name).write_text("FROM python:3.11-slim\n" if name == "Dockerfile" else "*.pyc\n")
    _, errors, _ = _errors(run, str(path), "--artifact-root", str(tmp_path), cwd=tmp_path)
    assert sorted((f["line"], f["rule"]) for f in errors) == sorted(EXPECTED_SAMPLE_ERRORS.get(relative, [])), errors
