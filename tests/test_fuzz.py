"""Fuzzing: no document, however wrong, makes blocklint crash or point outside the file.

Two generators, both driven by hypothesis:

- **Mutated documents.** Start from the bundled examples (peak CLI files, and their bare bodies),
  apply a few mutations (a node replaced by a value of another type, huge numbers, odd unicode;
  nodes deleted, duplicated, renamed; random keys added; `parents` cycles; bad crons; `@param:`
  references to unknown names; duplicated lines), and write the result as YAML or JSON.
- **Corrupted bytes.** The examples as YAML and JSON bytes, truncated at random offsets and with
  bytes flipped, inserted and deleted (invalid UTF-8 and NUL included).

Each file is checked in-process through the CLI (`check --format json`) with exceptions not
caught, and the run must: raise nothing, exit 0 or 1, report no BL000 (a rule that crashed),
and place every finding inside the file (1 <= line <= lines + 1, column >= 1).

`BLOCKLINT_FUZZ_EXAMPLES` sets the examples (default 1,000 mutated documents and 2,000 corrupted
files, about 45 s on a 2-core machine). Under
`CI=true` the runs are derandomized, so CI is repeatable; locally every run explores anew.
"""

from __future__ import annotations

import copy
import json
import os
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blocklint.cli import cli

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted(p for p in (ROOT / "examples").rglob("*") if p.suffix in (".yaml", ".yml", ".json"))
FUZZ_EXAMPLES = int(os.environ.get("BLOCKLINT_FUZZ_EXAMPLES", "1000"))
FUZZ = settings(max_examples=FUZZ_EXAMPLES, deadline=None, database=None,
                derandomize=bool(os.environ.get("CI")),
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# --- what the mutations are made of --------------------------------------------------------

SEEDS = [yaml.safe_load(path.read_text()) for path in EXAMPLES]
SEEDS = [seed for seed in SEEDS if isinstance(seed, dict)]


def _all_keys(node, found: set) -> set:
    if isinstance(node, dict):
        for key, value in node.items():
            found.add(key)
            _all_keys(value, found)
    elif isinstance(node, list):
        for item in node:
            _all_keys(item, found)
    return found


KNOWN_KEYS = sorted(str(key) for key in _all_keys(SEEDS, set()))
ODD_TEXT = [
    "", " ", "\u202eevil\u202c", "שלום", "مرحبا بالعالم", "🚀🔥💥", "👩‍👩‍👧‍👦", "\u200b", "\ufeff",
    "a\u2028b", "a\u2029b", "\x85", "\t", "\r", "\r\n", "\x1b[31mred", "\x7f", "\x0b\x0c",
    "e\u0301\u0301\u0301", "Ω≈ç√∫", "{{ x }}", "{{", "{% raw %}", "{#", "@param:", "@param:nope",
    "@param:agg_type", "@param:step_1_cmd", "yes", "no", "on", "null", "~", "0x1F", "0o17", "1e400",
    ".inf", ".nan", "&a", "*a", "!!python/object:os.system", "- a", ": b", "# c", "'", '"', "\\",
    "---", "...", "%YAML 1.1", "<<", "=", "step1", "step2", "image1", "example-image", "x" * 5000,
]
BAD_CRONS = ["", "* * * *", "* * * * * * *", "61 * * * *", "*/0 * * * *", "0 0 31 2 *", "@reboot",
             "@yearly", "0 0 * * 8", "a b c d e", "0-99 * * * *", "1,2,,3 * * * *", "*/1 * * * *",
             "0 0 * JAN-FOO *", "5-1 * * * *", "0 0 ? * *", "0 0 L * *", "\u0661 * * * *", "* * * * *"]

weird_text = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=24),
    st.sampled_from(ODD_TEXT),
)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), weird_text, weird_text,
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([10**100, -(10**100), 2**63, 2**64, -(2**63) - 1, 1e308, -0.0, 0, -1, 0.5, 10**4000]),
)
keys = st.one_of(st.sampled_from(KNOWN_KEYS), weird_text, st.integers(min_value=-5, max_value=5),
                 st.booleans(), st.none())
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4)), max_leaves=8)


def _paths(node, path=()):
    yield path
    if isinstance(node, dict):
        for key, value in list(node.items()):
            yield from _paths(value, path + (key,))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _paths(item, path + (index,))


def _get(node, path):
    for step in path:
        node = node[step]
    return node


def _steps(doc):
    body = doc.get("body", doc) if isinstance(doc, dict) else None
    config = body.get("config") if isinstance(body, dict) else None
    steps = config.get("steps") if isinstance(config, dict) else None
    return steps if isinstance(steps, dict) else None


def _config(doc):
    body = doc.get("body", doc) if isinstance(doc, dict) else None
    config = body.get("config") if isinstance(body, dict) else None
    return config if isinstance(config, dict) else None


def mutate(data, doc):
    """Apply one mutation to `doc` in place (or return a replacement root)."""
    operation = data.draw(st.sampled_from(
        ["replace", "replace", "delete", "duplicate", "add_key", "rename", "cycle", "cron", "param"]))
    paths = list(_paths(doc))
    path = data.draw(st.sampled_from(paths))
    if operation == "replace":
        if not path:
            return data.draw(values)
        _get(doc, path[:-1])[path[-1]] = data.draw(values)
    elif operation == "delete" and path:
        parent = _get(doc, path[:-1])
        del parent[path[-1]]
    elif operation == "duplicate" and path:
        parent = _get(doc, path[:-1])
        node = copy.deepcopy(parent[path[-1]])
        if isinstance(parent, list):
            parent.insert(path[-1], node)
        else:
            parent[data.draw(keys)] = node
    elif operation == "add_key":
        target = _get(doc, path)
        if isinstance(target, dict):
            target[data.draw(keys)] = data.draw(values)
        elif isinstance(target, list):
            target.append(data.draw(values))
    elif operation == "rename" and path and isinstance(_get(doc, path[:-1]), dict):
        parent = _get(doc, path[:-1])
        parent[data.draw(keys)] = parent.pop(path[-1])
    elif operation == "cycle" and _steps(doc):
        steps = _steps(doc)
        names = data.draw(st.lists(st.sampled_from(sorted(steps, key=str)), min_size=1, max_size=4))
        for child, parent in zip(names, names[1:] + names[:1]):
            if isinstance(steps[child], dict):
                steps[child]["parents"] = [parent, data.draw(st.sampled_from([parent, "nope", 1, None]))]
    elif operation == "cron" and _config(doc) is not None:
        cron = data.draw(st.one_of(st.sampled_from(BAD_CRONS), weird_text, scalars))
        _config(doc)["triggers"] = data.draw(st.sampled_from([
            [{"cron": cron}], [{"cron": cron}, {"cron": cron}], [{"webhook": True, "cron": cron}], {"cron": cron},
        ]))
    elif operation == "param":
        name = data.draw(st.one_of(weird_text, st.sampled_from(["agg_type", "step_1_cmd", "nope", ""])))
        strings = [p for p in paths if p and isinstance(_get(doc, p), str)]
        if strings:
            where = data.draw(st.sampled_from(strings))
            _get(doc, where[:-1])[where[-1]] = f"@param:{name}"
    return doc


def serialise(data, doc) -> tuple[str, str]:
    """(file name, text): YAML in block or flow style, or JSON."""
    if data.draw(st.booleans()):
        text = json.dumps(doc, ensure_ascii=data.draw(st.booleans()), indent=data.draw(st.sampled_from([None, 2])),
                          default=str)
        return data.draw(st.sampled_from(["spec.json", "fallback.json"])), text
    text = yaml.safe_dump(doc, allow_unicode=data.draw(st.booleans()), sort_keys=False,
                          default_flow_style=data.draw(st.sampled_from([False, None, True])), width=10**6)
    if data.draw(st.integers(0, 4)) == 0:
        # Duplicate a line: duplicate keys, or a broken indentation.
        lines = text.splitlines(keepends=True)
        index = data.draw(st.integers(0, max(len(lines) - 1, 0)))
        lines.insert(index, lines[index] if lines else "")
        text = "".join(lines)
    return data.draw(st.sampled_from(["spec.yaml", "spec.yml", "fallback.yaml"])), text


# --- running and judging -------------------------------------------------------------------


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """A working directory where the examples' relative `artifact.path` resolves."""
    directory = tmp_path_factory.mktemp("fuzz")
    (directory / "examples").symlink_to(ROOT / "examples")
    previous = os.getcwd()
    os.chdir(directory)
    yield directory
    os.chdir(previous)


def check_file(path: Path, raw: bytes) -> dict:
    """Run `blocklint check --format json` on one file and assert the run is sane."""
    result = CliRunner().invoke(cli, ["check", "--format", "json", str(path)], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    report = json.loads(result.output)
    last_line = line_count(raw) + 1  # + 1: the end of the file
    for finding in report["findings"]:
        assert finding["rule"] != "BL000", finding["message"]
        assert 1 <= finding["line"] <= last_line, (finding, last_line)
        assert finding["column"] >= 1, finding
        # A block node that runs to the end of a file without a final newline ends at the start
        # of the virtual line after it (libyaml's mark): one line of slack for the end only.
        assert finding["line"] <= finding["end_line"] <= last_line + 1, (finding, last_line)
    return report


def line_count(raw: bytes) -> int:
    """Line breaks in the file as an editor counts them (CR LF, CR, LF)."""
    return len(re.findall(r"\r\n|\r|\n", raw.decode("utf-8", "replace")))


@pytest.mark.slow
@FUZZ
@given(data=st.data())
def test_mutated_documents_never_crash_and_findings_stay_in_the_file(workdir, data):
    doc = copy.deepcopy(data.draw(st.sampled_from(SEEDS)))
    if data.draw(st.integers(0, 3)) == 0 and isinstance(doc.get("body"), dict):
        doc = doc["body"]  # a bare SDK body
    for _ in range(data.draw(st.integers(1, 4))):
        doc = mutate(data, doc)
    name, text = serialise(data, doc)
    path = workdir / name
    raw = text.encode("utf-8")
    path.write_bytes(raw)
    check_file(path, raw)


def _as_json(path: Path) -> bytes:
    return json.dumps(yaml.safe_load(path.read_text()), indent=2).encode()


BYTE_SEEDS = [(path.name, path.read_bytes()) for path in EXAMPLES] + \
             [(path.stem + ".json", _as_json(path)) for path in EXAMPLES]
ODD_BYTES = [b"\x00", b"\xff", b"\xfe", b"\xc3", b"\xc3\x28", b"\xe2\x82", b"\xed\xa0\x80", b"\xf4\x90\x80\x80",
             b"\xef\xbb\xbf", b"\t", b"\r", b"\n", b"\x85", b":", b"-", b"[", b"{", b"}", b"]", b"'", b'"',
             b"&", b"*", b"!", b"|", b">", b"#", b"%", b"@", b",", b"{{", b"{%", b"\\"]


@pytest.mark.slow
@settings(FUZZ, max_examples=2 * FUZZ_EXAMPLES)  # twice as many: each is about half the cost
@given(data=st.data())
def test_corrupted_bytes_never_crash_and_findings_stay_in_the_file(workdir, data):
    name, raw = data.draw(st.sampled_from(BYTE_SEEDS))
    raw = bytearray(raw)
    for _ in range(data.draw(st.integers(1, 6))):
        operation = data.draw(st.sampled_from(["truncate", "flip", "insert", "insert", "delete"]))
        at = data.draw(st.integers(0, len(raw)))
        if operation == "truncate":
            del raw[at:]
        elif operation == "flip" and at < len(raw):
            raw[at] ^= 1 << data.draw(st.integers(0, 7))
        elif operation == "insert":
            raw[at:at] = data.draw(st.one_of(st.sampled_from(ODD_BYTES), st.binary(min_size=1, max_size=8)))
        elif operation == "delete":
            del raw[at:at + data.draw(st.integers(1, 64))]
    path = workdir / name
    path.write_bytes(bytes(raw))
    check_file(path, bytes(raw))


def test_an_unreadable_path_exits_2_without_a_traceback(workdir):
    result = CliRunner().invoke(cli, ["check", "--format", "json", str(workdir / "missing.yaml")],
                                catch_exceptions=False)
    assert result.exit_code == 2 and "Traceback" not in result.output


# Minimal reproducers of the crashes the fuzzing found, kept as regression tests.
FOUND_CRASHES = [
    pytest.param("spec.yaml", (ROOT / "examples/workflow/workflow-private.yaml").read_text()
                 .replace("path: examples/artifact", "path: /").replace("  ignore_files:\n    - .dockerignore\n", ""),
                 id="artifact-path-root-crashes-BL803-BL804"),
    # Python refuses int() of more than 4,300 digits (ValueError); the loader lets it escape.
    pytest.param("spec.yaml", "body:\n  version: " + "9" * 5000 + "\n  kind: workflow\n",
                 id="int-of-5000-digits-yaml-internal-error"),
    pytest.param("spec.json", '{"body": {"version": ' + "9" * 5000 + ', "kind": "workflow"}}',
                 id="int-of-5000-digits-json-internal-error"),
    # libyaml refuses control characters (and U+FFFE/U+FFFF) with a ReaderError, which is not the
    # MarkedYAMLError that _TreeBuilder.build catches; valid JSON with a raw DEL crashes too.
    pytest.param("spec.yaml", "body:\n  kind: work\x13flow\n", id="control-character-yaml-internal-error"),
    pytest.param("spec.json", '{"body": {"kind": "work\x7fflow"}}', id="raw-DEL-in-valid-json-internal-error"),
    # `<<: [*a]`, the list form of a YAML merge key: TypeError in load._attach (the list under
    # `<<` has no path, and its first item's path is None + (0,)).
    pytest.param("spec.yaml", "body: {}\na: &a {k: 1}\nb:\n  <<: [*a]\n", id="merge-key-list-internal-error"),
]


@pytest.mark.parametrize("name, text", FOUND_CRASHES)
def test_a_crash_the_fuzzing_found_stays_fixed(workdir, name, text):
    path = workdir / name
    path.write_bytes(text.encode())
    check_file(path, text.encode())


def test_a_line_separator_in_a_string_does_not_shift_later_lines(workdir):
    text = 'body:\n  version: 1\n  kind: workflow\n  metadata:\n    name: "a\u2028b"\n  bogus: 1\n'
    path = workdir / "spec.yaml"
    path.write_bytes(text.encode())
    report = check_file(path, text.encode())
    assert [f["line"] for f in report["findings"] if f["rule"] == "BL101"] == [6]
