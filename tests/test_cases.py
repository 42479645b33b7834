"""Golden tests: every rule has failing files with their exact findings, and passing files.

tests/cases/<RULE>/bad*.{yaml,yml,json,j2} are checked with `--select RULE`, and their
findings must equal the sibling `.out` file line for line (file:line:col: RULE severity
message). A folder named as the bad file without its suffix is checked with it, and its
findings count as the bad file's (a nested configuration file is reported on itself). good* files must give no finding of that rule and no error at all. An `args` file
adds options. `BLOCKLINT_REGEN=1 pytest tests/test_cases.py` rewrites the .out files: review
the diff like code.
"""

import os
from pathlib import Path

import pytest

from blocklint.collect import collect_rules
from conftest import case_args

CASES = Path(__file__).parent / "cases"
SUFFIXES = (".yaml", ".yml", ".json", ".j2")


def _files(prefix):
    return sorted(
        pytest.param(path, id=f"{path.parent.name}/{path.name}")
        for path in CASES.glob(f"*/{prefix}*")
        if path.name.endswith(SUFFIXES)
    )


def _companions(path: Path) -> list[str]:
    """The folder named like a bad case (`bad-key/` next to `bad-key.yaml`), checked with it: a
    nested configuration whose findings are on its own file."""
    companion = path.name.split(".")[0]
    return [companion] if (path.parent / companion).is_dir() else []


def _findings_of(output: str, path: Path) -> list[str]:
    return [line for line in output.splitlines()
            if line.startswith((path.name + ":", *(f"{name}/" for name in _companions(path))))]


def _expected_path(path: Path) -> Path:
    return path.with_name(path.name + ".out") if path.suffix == ".j2" else path.with_suffix(".out")


@pytest.mark.parametrize("path", _files("bad"))
def test_bad_file_gives_exactly_the_expected_findings(run, path):
    rule_id = path.parent.name
    code, output = run("check", *case_args(path.parent), "--format", "concise", "--select", rule_id, path.name,
                       *_companions(path), cwd=path.parent)
    findings = _findings_of(output, path)
    expected_file = _expected_path(path)
    if os.environ.get("BLOCKLINT_REGEN"):
        expected_file.write_text("\n".join(findings) + "\n")
    expected = expected_file.read_text().splitlines()
    assert findings == expected
    assert findings, f"{path} is a bad example but {rule_id} reports nothing"
    assert all(f" {rule_id} " in line for line in findings)


@pytest.mark.parametrize("path", _files("good"))
def test_good_file_is_clean(run, path):
    rule_id = path.parent.name
    code, output = run("check", *case_args(path.parent), "--format", "concise", path.name, cwd=path.parent)
    findings = [line for line in output.splitlines() if line.startswith(path.name + ":")]
    assert not [line for line in findings if f" {rule_id} " in line or " error " in line], output


def test_every_rule_has_good_and_bad_cases():
    missing = []
    for found in collect_rules():
        directory = CASES / found.id
        has_bad = any(p.name.startswith("bad") and p.name.endswith(SUFFIXES) for p in directory.glob("*"))
        has_good = any(p.name.startswith("good") and p.name.endswith(SUFFIXES) for p in directory.glob("*"))
        if not (has_bad and has_good):
            missing.append(found.id)
    assert not missing, f"rules without tests/cases/<id>/bad* and good* files: {missing}"


def _case_dirs():
    return sorted(pytest.param(directory, id=directory.name) for directory in CASES.iterdir() if directory.is_dir())


@pytest.mark.parametrize("directory", _case_dirs())
def test_every_case_gives_the_same_findings_through_the_worker_pool(run, directory):
    """Findings travel back from worker processes pickled: each rule's cases, checked together
    with `-j 2`, give exactly the findings they give in one process."""
    rule_id = directory.name
    bad = [path for path in _files("bad") if path.values[0].parent == directory]
    good = [path for path in _files("good") if path.values[0].parent == directory]
    names = [param.values[0].name for param in bad + good]
    assert len(names) > 1  # the pool is used from two files
    companions = [name for param in bad for name in _companions(param.values[0])]
    code, output = run("check", *case_args(directory), "-j", "2", "--format", "concise", "--select", rule_id,
                       *names, *companions, cwd=directory)
    assert "internal error" not in output
    for param in bad:
        path = param.values[0]
        assert _findings_of(output, path) == _expected_path(path).read_text().splitlines(), path.name
    for param in good:
        path = param.values[0]
        assert not [line for line in output.splitlines() if line.startswith(path.name + ":") and f" {rule_id} " in line]
