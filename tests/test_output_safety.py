"""Output can neither leak a secret nor be forged, in any format.

Two properties, driven by hypothesis over the bundled example specs:

- **Secrets never echoed.** One secret value planted anywhere in a spec (a key, a value, a list
  item, a comment line or a trailing comment) and given to the reporters as an
  environment-derived secret appears in no output of any format, code frames included.
- **No forged lines.** Keys and values made of line breaks, control, bidi and ANSI characters
  and fragments of CI commands (`::error file=…::`, `##[error]`, `##vso[…]`) never produce an
  output line that starts with a CI command (other than the github format's own annotations,
  one per finding) or contains a raw control character (other than the line breaks and tabs
  of the format itself).

Findings come from the real runner and every rule, on real files; every registered format
renders them. `BLOCKLINT_FUZZ_EXAMPLES` scales the examples (a tenth of it for each property:
each example renders every format).
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import string
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blocklint.plan import Overrides, build_plan
from blocklint.report import REPORTERS, reporter_class
from blocklint.report.escape import UNSAFE, UNSAFE_BUT_LINE_BREAKS, escape_text, starts_command
from blocklint.runner import check_target
from blocklint.walk import discover

ROOT = Path(__file__).resolve().parent.parent
SEED_FILES = sorted(p for d in ("workflow", "service") for p in (ROOT / "examples" / d).glob("*.yaml"))
SEEDS = [(path.name, yaml.safe_load(path.read_text())) for path in SEED_FILES]
EXAMPLES = max(10, int(os.environ.get("BLOCKLINT_FUZZ_EXAMPLES", "1000")) // 10)
PROPERTY = settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=bool(os.environ.get("CI")),
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                           HealthCheck.data_too_large])
PLAN = build_plan(Overrides(template=False, isolated=True, registry=False))
# Raw control characters no format may print: C0 but tab and line feed, DEL, C1, bidi controls,
# the Unicode line and paragraph separators.
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def render_all(results, **options) -> dict[str, str]:
    """Every registered format's output for the same results (text without colour)."""
    outputs = {}
    for name in REPORTERS:
        stream = io.StringIO()
        extra = {"color": False} if name == "text" else {}
        reporter = reporter_class(name)(stream, verbose=True, **extra, **options)
        reporter.start()
        for result in results:
            reporter.file(result)
        reporter.finish()
        outputs[name] = stream.getvalue()
    return outputs


def check_file(path: Path):
    return [check_target(target, PLAN) for target in discover([str(path)], PLAN)]


def _containers(node, found):
    """Every mapping and list in a document."""
    if isinstance(node, dict):
        found.append(node)
        for value in node.values():
            _containers(value, found)
    elif isinstance(node, list):
        found.append(node)
        for item in node:
            _containers(item, found)
    return found


@st.composite
def planted(draw, text_strategy):
    """(file name, file text, the planted text): a bundled spec with `text` put somewhere in it."""
    name, seed = draw(st.sampled_from(SEEDS))
    document = json.loads(json.dumps(seed))  # a fresh deep copy
    text = draw(text_strategy)
    where = draw(st.sampled_from(["key", "value", "item", "comment", "trailing-comment"]))
    containers = _containers(document, [])
    if where in ("key", "value"):
        mappings = [c for c in containers if isinstance(c, dict) and c]
        mapping = draw(st.sampled_from(mappings))
        key = draw(st.sampled_from(sorted(mapping, key=str)))
        if where == "key":
            mapping[text] = mapping.pop(key)
        else:
            mapping[key] = text
    elif where == "item":
        lists = [c for c in containers if isinstance(c, list)] or [document.setdefault("tags", [])]
        draw(st.sampled_from(lists)).append(text)
    dumped = yaml.safe_dump(document, sort_keys=False, allow_unicode=False, width=10**6)
    if where in ("comment", "trailing-comment"):
        lines = dumped.splitlines()
        at = draw(st.integers(0, len(lines) - 1))
        comment = "# " + text.replace("\n", " ").replace("\r", " ")
        if where == "comment":
            lines.insert(at, comment)
        else:
            lines[at] += "  " + comment
        dumped = "\n".join(lines) + "\n"
    return name, dumped, text


SECRET_ALPHABET = string.ascii_letters + string.digits + "-_.+/=@"
# Mixed case and digits, as real secrets are, so that no word of the rules' own documentation
# (which SARIF embeds) is drawn as "the secret".
secrets = st.text(SECRET_ALPHABET, min_size=10, max_size=48).filter(
    lambda s: any(c.isupper() for c in s) and any(c.islower() for c in s) and any(c.isdigit() for c in s))


@pytest.mark.slow
@PROPERTY
@given(case=planted(secrets))
def test_a_planted_secret_appears_in_no_output_of_any_format(tmp_path_factory, case):
    name, text, secret = case
    path = tmp_path_factory.mktemp("spec") / name
    path.write_text(text)
    results = check_file(path)
    outputs = render_all(results, secrets=frozenset({secret}))
    for format_name, output in outputs.items():
        assert secret not in output, f"{format_name} prints the secret"
        assert json.dumps(secret)[1:-1] not in output, f"{format_name} prints the secret, JSON-escaped"
        assert secret[:12] not in output, f"{format_name} prints the start of the secret"


def test_the_secret_property_can_fail(tmp_path, monkeypatch):
    """Without the secret given, a key that is a plain value is quoted by BL101: the masking is what
    keeps it out."""
    monkeypatch.chdir(tmp_path)
    secret = "Zq7-corp-prod-deploy-9x"
    (tmp_path / "spec.yaml").write_text((ROOT / "examples" / "workflow" / "workflow-private.yaml").read_text()
                                        .replace("body:\n", f"{secret}: 1\nbody:\n", 1))
    results = check_file(tmp_path / "spec.yaml")
    assert all(secret in output for output in render_all(results).values())
    assert not any(secret in output for output in render_all(results, secrets={secret}).values())


def _shaped(prefix: str, secret, suffix: str = ""):
    """(text planted, the secret part no output may show)."""
    return secret.map(lambda value: (prefix + value + suffix, value))


_BASE64 = string.ascii_letters + string.digits + "+/"
_URLSAFE = string.ascii_letters + string.digits + "_-"
_MIXED = st.text(string.ascii_letters + string.digits, min_size=12, max_size=24).filter(
    lambda s: any(c.isupper() for c in s) and any(c.islower() for c in s) and any(c.isdigit() for c in s))
# The credential shapes data teams leak most, none of them given to the reporters: the detector
# alone must find and hide each, in every format.
credential_shapes = st.one_of(
    _shaped("DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=",
            st.binary(min_size=64, max_size=64).map(lambda raw: base64.b64encode(raw).decode())
            .filter(lambda key: any(c.isdigit() for c in key)), ";EndpointSuffix=core.windows.net"),
    _shaped("https://acme.blob.core.windows.net/raw?sv=2022-11-02&sp=rl&sig=",
            st.text(string.ascii_letters + string.digits, min_size=40, max_size=43), "%3D"),
    _shaped('{"type": "service_account", "private_key_id": "', st.text("0123456789abcdef", min_size=40, max_size=40)
            .filter(lambda key: len(set(key)) > 8), '"}'),
    _shaped("dapi", st.text("0123456789abcdef", min_size=32, max_size=32).filter(lambda key: len(set(key)) > 6)),
    _shaped("sk-proj-", st.text(_URLSAFE, min_size=48, max_size=80).filter(lambda key: len(set(key)) > 10)),
    _shaped("hf_", st.text(string.ascii_letters, min_size=34, max_size=34).filter(lambda key: len(set(key)) > 10)),
    _shaped("ver:1-hint:4816-", st.text(string.ascii_letters + string.digits, min_size=40, max_size=60)
            .filter(lambda key: len(set(key)) > 10)),
    _shaped("jdbc:snowflake://acme.snowflakecomputing.com/?user=loader&password=", _MIXED, "&warehouse=WH"),
    st.tuples(st.text(_URLSAFE, min_size=10, max_size=30), st.text(_URLSAFE, min_size=10, max_size=30),
              st.text(_URLSAFE, min_size=20, max_size=43).filter(lambda s: len(set(s)) > 8))
    .map(lambda parts: (f"eyJ{parts[0]}.eyJ{parts[1]}.{parts[2]}", f"{parts[1]}.{parts[2]}")),
)


@PROPERTY
@given(data=st.data())
def test_a_planted_credential_of_every_shape_appears_in_no_output(tmp_path_factory, data):
    credential, secret = data.draw(credential_shapes)
    name, text, _ = data.draw(planted(st.just(credential)))
    path = tmp_path_factory.mktemp("spec") / name
    path.write_text(text)
    for format_name, output in render_all(check_file(path)).items():
        assert secret not in output, f"{format_name} prints the credential"


FRAGMENTS = ["\n", "\r", "\r\n", "\t", "\x00", "\x07", "\x1b[31m", "\x1b]8;;https://x.example/\x07", "\x1b[2J",
             "\x7f", "\x85", "\x9b", "\u202e", "\u202a", "\u2066", "\u2069", "\u200f", "\u2028", "\u2029",
             "\ufeff", "::", "::error file=README.md,line=1::forged", "::stop-commands::x",
             "::add-mask::x", "##[error]forged", "##vso[task.complete result=Succeeded]", "%0A", "%25",
             "a", "key", " ", ":", ",", "'", '"', "\\"]
hostile_text = st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=8).map("".join)


def _assert_no_forged_line(format_name: str, output: str, findings: int):
    lines = output.split("\n")
    commands = [line for line in lines if starts_command(line)]
    if format_name == "github":
        assert len(commands) == findings and all(re.match(r"::(error|warning|notice) file=", c) for c in commands)
    else:
        assert not commands, f"{format_name}: {commands[0]!r}"
    for line in lines:
        assert not RAW_CONTROL.search(line), f"{format_name} prints a raw control character: {line!r}"


@pytest.mark.slow
@PROPERTY
@given(case=planted(hostile_text))
def test_hostile_keys_and_values_never_forge_an_output_line(tmp_path_factory, case):
    name, text, _ = case
    path = tmp_path_factory.mktemp("spec") / name
    path.write_text(text)
    results = check_file(path)
    findings = sum(len(result.findings) for result in results)
    for format_name, output in render_all(results).items():
        _assert_no_forged_line(format_name, output, findings)


def test_a_forging_key_reaches_the_messages_escaped(tmp_path, monkeypatch):
    """The property's premise: the hostile key is in the output, shown, not obeyed."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "spec.yaml").write_text(
        'body:\n  version: 1\n  kind: workflow\n  metadata: {name: x}\n'
        '  config:\n    "x\\n::error file=README.md,line=1::forged\\u202e\\e[31m": 1\n    steps: {}\n')
    results = check_file(tmp_path / "spec.yaml")
    outputs = render_all(results)
    for format_name, output in outputs.items():
        _assert_no_forged_line(format_name, output, sum(len(r.findings) for r in results))
    assert "x\\n::error file=README.md,line=1::forged\\u202e\\x1b[31m" in outputs["concise"]
    assert "x%0A::error file=README.md,line=1::forged\\u202e\\x1b[31m" in outputs["github"]
    assert "\\\\n::error" in outputs["json"]  # JSON-escaped backslash: the message holds `\n`, not a break


def test_a_file_name_that_forges_commands_is_shown_escaped(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "specs"
    folder.mkdir()
    bad_name = "::error file=a::x\n::warning ::\u202eb.yaml"
    (folder / bad_name).write_text("body:\n  version: 1\n  kind: workflow\n  metadata: {name: x}\n"
                                   "  config:\n    trigers: []\n    steps: {}\n")
    direct = tmp_path / "::notice ::named.yaml"
    direct.write_text((folder / bad_name).read_text())
    results = [check_target(target, PLAN) for target in discover(["specs", direct.name], PLAN)]
    assert all(result.findings for result in results)
    findings = sum(len(r.findings) for r in results)
    outputs = render_all(results)
    for format_name, output in outputs.items():
        _assert_no_forged_line(format_name, output, findings)
    assert "./::notice ::named.yaml:6:5: BL101 error" in outputs["concise"]
    assert "specs/::error file=a::x\\n::warning ::\\u202eb.yaml:6:5:" in outputs["concise"]


@pytest.mark.parametrize("name", sorted(REPORTERS))
def test_every_format_masks_given_secrets_and_detected_credentials(tmp_path, monkeypatch, name):
    """A GitHub-shaped token pasted as a parent and an environment value used as a key: both
    masked in the format, the finding still reported."""
    monkeypatch.chdir(tmp_path)
    token = "gh" + "p_" + "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5"
    environment_value = "s3cr3t-from-the-environment"
    (tmp_path / "spec.yaml").write_text(
        "body:\n  version: 1\n  kind: workflow\n  metadata: {name: x}\n  config:\n"
        f"    {environment_value}: 1\n    steps:\n      a:\n        type: standard\n"
        "        imageDetails: {id: 1}\n        command: run\n"
        f"        parents: [{token}]\n")
    results = check_file(tmp_path / "spec.yaml")
    rules = {finding.rule for result in results for finding in result.findings}
    assert {"BL101", "BL301"} <= rules
    stream = io.StringIO()
    reporter = reporter_class(name)(stream, secrets=frozenset({environment_value}),
                                    **({"color": False} if name == "text" else {}))
    reporter.finish(results)
    output = stream.getvalue()
    assert token not in output and environment_value not in output
    assert "****" in output


def test_code_frames_read_only_regular_files_and_only_so_much(tmp_path):
    """A finding's file is read again for its code frame: a FIFO (which would block) or a
    device (which would never end) gets no frame, and a long line is cut around the finding."""
    from blocklint.findings import Finding
    from blocklint.report.text import FRAME_WIDTH, code_frame, source_lines

    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    assert source_lines(str(fifo)) == [] and source_lines("/dev/zero") == []
    assert source_lines(str(tmp_path / "missing.yaml")) == []
    line = '{"body": {' + '"x": 1, ' * 500 + '"trigers": [], ' + '"y": 2, ' * 500 + "}}"
    (tmp_path / "one-line.json").write_text(line)
    column = line.index('"trigers"') + 1
    finding = Finding(str(tmp_path / "one-line.json"), 1, column, 1, column + 9, "BL101", "unknown-key", "error", "m")
    shown, carets = code_frame(source_lines(finding.file), finding)
    assert len(shown) < FRAME_WIDTH + 20
    assert shown[carets.index("^"):].startswith('"trigers"') and carets.endswith("^" * 9)


def test_the_text_formats_remembered_masks_mask_as_the_masker_does_and_hold_only_so_many(monkeypatch):
    """The text format masks each distinct message or quoted line once (they repeat from file to
    file): a text seen again is masked the same, with and without keeping its length, also once
    the texts it remembers were dropped to keep memory flat; a long text is not held."""
    from blocklint.report.text import RememberedMasks
    from blocklint.secrets import Masker

    monkeypatch.setattr(RememberedMasks, "REMEMBERED", 3)
    secret = "s3cr3t-from-the-environment"
    token = "gh" + "p_" + "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5"
    masker = Masker({secret})
    remembered = RememberedMasks(masker)
    texts = [f"key {secret}: 1", f"parents: [{token}]", "a plain line", *(f"line {n}" for n in range(5)),
             f"a long line {secret} " + "x" * RememberedMasks.REMEMBERED_LENGTH]
    for text in [*texts, *texts]:
        for keep_length in (False, True):
            assert remembered.mask(text, keep_length=keep_length) == masker.mask(text, keep_length=keep_length)
    assert remembered.mask(f"key {secret}: 1", keep_length=True) == "key " + "*" * len(secret) + ": 1"
    assert all(len(masked) <= 3 for masked in remembered.masked)
    assert not any(len(text) > RememberedMasks.REMEMBERED_LENGTH for masked in remembered.masked for text in masked)


def test_a_secret_cut_short_by_a_message_is_hidden_too():
    from blocklint.secrets import Masker

    secret = "Xy7" + "q" * 20 + "Zz9" + "w" * 30
    masker = Masker({secret})
    assert masker.mask(f"default '{secret[:36]}... is not an option") == "default '****... is not an option"
    assert masker.mask(f"value {secret[:10]}… and {secret}") == "value ****… and ****"
    assert masker.mask("an ordinary message... with dots") == "an ordinary message... with dots"


def test_every_character_escaped_is_unprintable_so_printable_text_needs_no_pattern():
    """`escape_text` returns text `str.isprintable` passes as it is: sound only while no character
    the escapes cover is printable to Python's Unicode database."""
    for pattern in (UNSAFE, UNSAFE_BUT_LINE_BREAKS):
        compiled = re.compile(pattern)
        covered = [chr(code) for code in range(0x110000) if compiled.match(chr(code))]
        assert len(covered) > 100 and not [c for c in covered if c.isprintable()]
    assert escape_text("spec-00844.yaml") == "spec-00844.yaml" and escape_text("a\u202eb") == "a\\u202eb"
