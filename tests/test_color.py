"""Colour follows the conventions (NO_COLOR, FORCE_COLOR, CLICOLOR_FORCE, a terminal or not) and
the `color` choice beats them; the text format colours paths, carets and each summary count by
its own severity. Terminals are real pseudo-terminals (`os.openpty`)."""

from __future__ import annotations

import io
import os
import re

import pytest

from blocklint.findings import Finding
from blocklint.report import reporter_class
from blocklint.report.color import use_color
from blocklint.runner import FileResult

ANSI = re.compile(r"\x1b\[[0-9;]*m")
RED, YELLOW, BOLD = "\x1b[31m", "\x1b[33m", "\x1b[1m"


@pytest.fixture
def terminal():
    """A stream that is a real terminal (the slave side of a pseudo-terminal)."""
    leader, follower = os.openpty()
    stream = os.fdopen(follower, "w")
    yield stream
    stream.close()
    os.close(leader)


@pytest.mark.parametrize(("environ", "on_terminal", "in_pipe"), [
    ({}, True, False),
    ({"NO_COLOR": "1"}, False, False),
    ({"NO_COLOR": ""}, True, False),  # empty means unset, as no-color.org says
    ({"FORCE_COLOR": "1"}, True, True),
    ({"FORCE_COLOR": ""}, True, False),
    ({"CLICOLOR_FORCE": "1"}, True, True),
    ({"CLICOLOR_FORCE": "0"}, True, False),
    ({"NO_COLOR": "1", "FORCE_COLOR": "1"}, False, False),
    ({"TERM": "dumb"}, False, False),
    ({"CLICOLOR": "0"}, False, False),
    ({"TERM": "dumb", "FORCE_COLOR": "3"}, True, True),
])
def test_auto_follows_the_environment_conventions(terminal, environ, on_terminal, in_pipe):
    assert use_color(terminal, "auto", environ) is on_terminal
    assert use_color(io.StringIO(), "auto", environ) is in_pipe


@pytest.mark.parametrize("environ", [{}, {"NO_COLOR": "1"}, {"FORCE_COLOR": "1"}, {"CLICOLOR_FORCE": "1"}])
def test_the_choice_beats_the_environment(terminal, environ):
    for stream in (terminal, io.StringIO()):
        assert use_color(stream, "always", environ) is True
        assert use_color(stream, "never", environ) is False


def test_an_unknown_choice_is_refused():
    with pytest.raises(ValueError, match="auto, always, never"):
        use_color(io.StringIO(), "sometimes", {})


def test_a_closed_stream_or_one_without_isatty_gets_no_colour():
    closed = io.StringIO()
    closed.close()
    assert use_color(closed, "auto", {}) is False
    assert use_color(object(), "auto", {}) is False


def test_the_text_reporter_reads_the_environment_when_not_told(monkeypatch):
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert reporter_class("text")(io.StringIO()).color is True
    monkeypatch.setenv("NO_COLOR", "1")
    assert reporter_class("text")(io.StringIO()).color is False
    assert reporter_class("text")(io.StringIO(), color="always").color is True


def _render(results, **options):
    stream = io.StringIO()
    reporter_class("text")(stream, **options).finish(results)
    return stream.getvalue()


@pytest.fixture
def spec(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.yaml").write_text("body:\n  config:\n    trigers: []\n")
    return "a.yaml"


def test_path_rule_and_caret_are_coloured_by_severity(spec):
    error = Finding(spec, 3, 5, 3, 12, "BL101", "unknown-key", "error", "unknown key 'trigers'")
    out = _render([FileResult(spec, "block-spec", [error])], color=True).splitlines()
    finding = next(line for line in out if "BL101" in line)
    assert finding.startswith(f"{BOLD}{spec}")
    assert f"{RED}BL101" in finding and f"{RED}error" in finding
    caret = next(line for line in out if "^" in line)
    assert f"{RED}^^^^^^^" in caret
    assert ANSI.sub("", caret) == "      |     ^^^^^^^"


def test_summary_paints_each_count_in_its_own_colour_and_zero_plain(spec):
    error = Finding(spec, 3, 5, 3, 12, "BL101", "unknown-key", "error", "unknown key 'trigers'")
    summary = _render([FileResult(spec, "block-spec", [error])], color=True).splitlines()[-1]
    assert ANSI.sub("", summary) == "1 error, 0 warnings in 1 file"
    assert f"{RED}1 error" in summary
    assert "0 warnings" in summary and not re.search(r"\x1b\[3\dm0 warnings", summary)
    warning = error._replace(severity="warning")
    summary = _render([FileResult(spec, "block-spec", [warning])], color=True).splitlines()[-1]
    assert f"{YELLOW}1 warning" in summary and not re.search(r"\x1b\[3\dm0 errors", summary)


def test_no_colour_means_no_escape_at_all(spec):
    error = Finding(spec, 3, 5, 3, 12, "BL101", "unknown-key", "error", "unknown key 'trigers'")
    assert "\x1b" not in _render([FileResult(spec, "block-spec", [error])], color=False)
    assert "\x1b" not in _render([FileResult(spec, "block-spec", [error])], color="never")
