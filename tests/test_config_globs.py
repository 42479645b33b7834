"""The configuration's globs (`exclude`, `per-file-ignores`, `kinds`) are compiled once per run,
never per file, and the configuration's size is bounded: a 3.6 MB file of 100,000 globs cost
~30 s a file, its patterns compiled again for every file once past fnmatch's cache."""

from __future__ import annotations

import fnmatch
import functools
import json
import os

import pytest
from hypothesis import given, settings, strategies as st

from blocklint.config import MAX_CONFIG_BYTES, MAX_GLOBS
from blocklint.globs import Globs

GOOD_CASE = os.path.join(os.path.dirname(__file__), "cases", "BL101", "good.yaml")
EXAMPLES = int(os.environ.get("BLOCKLINT_FUZZ_EXAMPLES", "200"))
PATTERN = st.text(alphabet="ab*?[]!/.", max_size=8)


@settings(max_examples=EXAMPLES, deadline=None)
@given(patterns=st.lists(PATTERN, max_size=6), names=st.lists(st.text(alphabet="ab/.[]!", max_size=8), max_size=3))
def test_globs_match_as_fnmatch_does_first_pattern_first(patterns, names):
    expected = min((index for index, pattern in enumerate(patterns)
                    if any(fnmatch.fnmatch(name, pattern) for name in names)), default=None)
    assert Globs(patterns).first(*names) == expected


@pytest.mark.parametrize("table", [
    lambda n: "exclude = [" + ", ".join(f'"d{i}"' for i in range(n)) + "]\n",
    lambda n: "[per-file-ignores]\n" + "".join(f'"d{i}/*.yaml" = ["BL103"]\n' for i in range(n)),
    lambda n: "[kinds]\n" + "".join(f'"d{i}/*.yaml" = "block-spec"\n' for i in range(n)),
], ids=["exclude", "per-file-ignores", "kinds"])
def test_more_globs_than_the_limit_are_a_usage_error_that_says_so(run, tmp_path, table):
    (tmp_path / "a.yaml").write_text(open(GOOD_CASE).read())
    (tmp_path / ".blocklint.toml").write_text(table(MAX_GLOBS))
    assert run("check", "a.yaml", cwd=tmp_path)[0] == 0
    (tmp_path / ".blocklint.toml").write_text(table(MAX_GLOBS + 1))
    code, output = run("check", "a.yaml", cwd=tmp_path)
    assert code == 2 and f"holds {MAX_GLOBS + 1:,} globs; blocklint reads at most {MAX_GLOBS:,}" in output


def test_a_configuration_past_the_size_limit_is_a_usage_error_that_says_so(run, tmp_path):
    (tmp_path / "a.yaml").write_text(open(GOOD_CASE).read())
    (tmp_path / ".blocklint.toml").write_text("# padding\n" * (MAX_CONFIG_BYTES // 10 + 1))
    code, output = run("check", "a.yaml", cwd=tmp_path)
    assert code == 2 and "blocklint reads one of at most 1 MiB" in output


def test_globs_are_compiled_once_per_run_however_many_files(run, tmp_path, monkeypatch):
    """fnmatch's cache made to hold 16 patterns, as 32,768 hold none of 100,000: every glob is
    still translated once per run, not once per file (and per name) as before."""
    translated = []
    translate = fnmatch.translate
    monkeypatch.setattr(fnmatch, "translate", lambda pattern: (translated.append(pattern), translate(pattern))[1])
    monkeypatch.setattr(fnmatch, "_compile_pattern", functools.lru_cache(maxsize=16)(
        fnmatch._compile_pattern.__wrapped__))
    globs = MAX_GLOBS - 1
    lines = ["exclude = [" + ", ".join(f'"x{i}"' for i in range(globs)) + ', "legacy"]',
             "[per-file-ignores]", *(f'"y{i}/*.yaml" = ["BL101"]' for i in range(globs)), '"specs/*.yaml" = ["BL103"]',
             "[kinds]", *(f'"z{i}/*.yaml" = "block-spec"' for i in range(globs)), '"specs/*.yaml" = "block-spec"']
    (tmp_path / ".blocklint.toml").write_text("\n".join(lines) + "\n")
    bad = open(GOOD_CASE).read().replace("instanceTypeId: 21", "instanceTypeId: large").replace(
        "        parents:", "        parent:")  # BL103 and BL101
    for folder in ("specs", "legacy"):
        (tmp_path / folder).mkdir()
        for n in range(10):
            (tmp_path / folder / f"s{n}.yaml").write_text(bad)
    code, output = run("check", "--format", "json", "--no-cache", ".", cwd=tmp_path)
    findings = json.loads(output)["findings"]
    assert {f["file"].split("/")[-2] for f in findings} == {"specs"}  # legacy/ excluded
    assert {f["rule"] for f in findings} == {"BL101"}  # BL103 ignored for specs/*.yaml
    assert len(translated) < 3 * MAX_GLOBS + 100, len(translated)  # each glob once, not per file
