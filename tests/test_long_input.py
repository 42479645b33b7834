"""Long lines, long names and long template strings cost time linear in their length.

Quadratic regular expressions turned single long lines into hangs: the output masker's search for
a name before a value (a 100 KB line: over 120 s, in every format) and the template check for
huge format widths (a 20 KB string: 22 s). Each case here is 100 KB; a linear search takes
milliseconds, so the generous CPU-time bound (not wall time: a busy machine does not change it)
only fails on the quadratic behaviour, which would take minutes.
"""

from __future__ import annotations

import io
import time

import pytest

from blocklint.plan import Overrides, build_plan
from blocklint.report import REPORTERS, reporter_class
from blocklint.runner import Target, check_target

LONG = 100_000
CPU_SECONDS = 20
SPEC = "body:\n  kind: workflow\n  metadata:\n    name: x\n  config:\n    steps:\n      s:\n        command: {}\n"


def _checked_in_every_format(tmp_path, text: str) -> dict[str, str]:
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    plan = build_plan(Overrides(template=False, isolated=True, registry=False))
    result = check_target(Target(str(path), True), plan)
    assert result.findings
    outputs = {}
    for name in REPORTERS:
        stream = io.StringIO()
        reporter = reporter_class(name)(stream, verbose=True, **({"color": False} if name == "text" else {}))
        reporter.start()
        reporter.file(result)
        reporter.finish()
        outputs[name] = stream.getvalue()
    return outputs


@pytest.mark.parametrize("text", [
    pytest.param(SPEC.format("a" * LONG) + "        bogus_key: 1\n", id="long value"),
    pytest.param(SPEC.format("run") + f"        {'k' * LONG}: 1\n", id="long key"),
    pytest.param(SPEC.format("run") + f"        {'a_' * (LONG // 2)}: token-{'x' * 40}\n", id="long name before a value"),
    pytest.param(SPEC.format("'" + "a " * (LONG // 2) + "'") + "        bogus_key: 1\n", id="long line of words"),
])
def test_a_long_line_is_checked_and_printed_in_linear_time(tmp_path, text):
    started = time.process_time()
    outputs = _checked_in_every_format(tmp_path, text)
    assert time.process_time() - started < CPU_SECONDS
    assert all(outputs.values())


@pytest.mark.parametrize("text", ["a" * LONG, "a_" * (LONG // 2), "1" + "a" * LONG + " " * LONG, "x" * LONG + "=" * LONG])
def test_the_masker_finds_names_in_linear_time(text):
    from blocklint.secrets import DETECTOR_ONLY

    started = time.process_time()
    DETECTOR_ONLY.mask(text + " password: hunter2-hunter2-hunter2")
    assert time.process_time() - started < CPU_SECONDS


@pytest.mark.parametrize("text", [
    "{:" + ":" * LONG, "%" + "1" * 6 + "." * LONG, "{" + "a" * LONG, "%" * LONG, "{:1.2.3.4.5.6" * (LONG // 12)])
def test_the_template_format_check_runs_in_linear_time(tmp_path, text):
    from blocklint.load import LoadSettings, load_path

    path = tmp_path / "spec.yaml.j2"
    path.write_text("body:\n  metadata:\n    title: '{{ " + repr(text) + "|upper|length }}'\n")
    started = time.process_time()
    doc = load_path(path, LoadSettings())
    assert time.process_time() - started < CPU_SECONDS
    assert not doc.problems, doc.problems


@pytest.mark.parametrize("spec, huge", [
    ("{:>9999999}", True), ("%9999999d", True), ("%5.12345678f", True), ("{0:1234567}", True),
    ("{:>999999}", False), ("%999999d", False), ("{:x}1234567", False), ("{a:b}", False), ("100%", False),
])
def test_the_format_check_still_finds_huge_widths(spec, huge):
    from blocklint.load.sandbox import _HUGE_FORMAT_WIDTH

    assert bool(_HUGE_FORMAT_WIDTH.search(spec)) is huge
