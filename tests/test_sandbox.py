"""Templates are untrusted: they render in a bounded sandbox, see only the environment they are
given, include only regular files under the include root, and every error is a BL007 finding at
the template line, never an exception out of the loader."""

from __future__ import annotations

import os
import time

import pytest

from blocklint.load import LoadSettings, load_path, load_text
from blocklint.load import sandbox

SPEC = "body:\n  kind: workflow\n  metadata:\n    name: x\n    title: {expression}\n  version: 1\n"


def render_error(expression: str, tmp_path, **settings):
    path = tmp_path / "spec.yaml.j2"
    path.write_text(SPEC.format(expression=expression))
    doc = load_path(path, LoadSettings(**settings))
    return doc, [problem for problem in doc.problems if problem.rule == "BL007"]


@pytest.mark.parametrize("expression, words", [
    ("{{ cycler.__init__.__globals__.os.popen('id').read() }}", "unsafe"),
    ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "unsafe"),
    ("{{ joiner.__init__.__globals__ }}", "unsafe"),
    ("{{ self.__init__ }}", "unsafe"),
    ('{{ "x" * 2000000000 }}', "2,000,000,000 characters"),
    ("{{ [1] * 2000000000 }}", "characters"),
    ("{{ 2 ** 100000000 }}", "digits"),
    ("{{ 1.5 ** 10000 }}", "OverflowError"),
    ("{{ 1/0 }}", "ZeroDivisionError"),
    ("{{ 'abc'|truncate(-5) }}", "AssertionError"),
    ("{{ '{0}{1}'.format(1) }}", "IndexError"),
    ("{{ 'x'|center(2000000000) }}", "filter 'center'"),
    ("{{ ('\\n' * 100000)|indent(100000) }}", "filter 'indent'"),
    ("{{ ('a' * 1000000)|replace('a', 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb') }}", "filter 'replace'"),
    ("{{ range(100000)|join('x' * 1000) }}", "filter 'join'"),
    ("{{ 'x'.ljust(2000000000) }}", "ljust"),
    ("{{ '{:>999999999}'.format(1) }}", "format width"),
    ("{{ '%999999999d' % 1 }}", "format width"),
    ("{% set a = 'x' * 1000000 %}{{ a ~ a ~ a ~ a ~ a ~ a ~ a ~ a ~ a ~ a ~ a }}", "'~'"),
    ("{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}", "RecursionError"),
    ("{{ lipsum(10000000) }}", "'lipsum' is undefined"),
    ("{{ [].pop() }}", "unsafe"),
    ("{% if %}", "syntax error"),
])
def test_hostile_expressions_are_a_template_error_at_their_line(tmp_path, expression, words):
    started = time.process_time()
    doc, errors = render_error(expression, tmp_path)
    assert time.process_time() - started < 10  # refused before the work: milliseconds of CPU
    assert len(errors) == 1, doc.problems
    assert words in errors[0].message
    assert errors[0].span.line == 4 and errors[0].span.column == len("    title: ")
    assert doc.data is None


def test_the_rendered_text_is_capped(tmp_path):
    doc, errors = render_error("{% for i in range(1000) %}{{ 'x' * 100000 }}{% endfor %}", tmp_path)
    assert len(errors) == 1 and "rendered text passes" in errors[0].message


@pytest.mark.parametrize("template", [
    "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
    "{% set r = range(100000)|list %}{% for i in r %}{% for j in r if false %}{% endfor %}{% endfor %}",
    "{% for i in range(100000) %}{{ range(100000)|map('abs')|map('abs')|sum }}{% endfor %}",
    "{% for i in range(100000) %}" + "{{ i.real }}" * 2000 + "{% endfor %}",
    "{% set s = 'x' * 4000000 %}{% for i in range(100000) %}{{ s.replace('x', 'y')|length }}{% endfor %}",
    "{% macro m() %}" + "{{ 1 if x else 2 }}" * 2000 + "{% endmacro %}{% for i in range(100000) %}{{ m() }}{% endfor %}",
    "{% for i in range(100000) recursive %}{{ loop(range(100000)) }}{% endfor %}",
])
def test_rendering_is_bounded_by_the_work_it_does_not_by_the_clock(tmp_path, monkeypatch, template):
    """Each shape of work is counted (at the real limit, each of these stops after 1-4 s of CPU
    on a 2-core machine; a lower one keeps the test quick)."""
    monkeypatch.setattr(sandbox, "MAX_RENDER_STEPS", 300_000)
    doc, errors = render_error(template, tmp_path)
    assert len(errors) == 1 and "passed 300,000 steps of work" in errors[0].message
    assert errors[0].span.line == 4
    assert render_error(template, tmp_path)[1][0].message == errors[0].message  # the same, always


def test_a_limit_reached_while_jinja_folds_constants_stays_reached(tmp_path, monkeypatch):
    """jinja2 swallows every exception raised while it folds constant expressions at compile
    time (the 3 s timer of 0.1 fired there and was never re-armed: the template then looped for
    ever). The count stays exhausted, so the loop that follows is stopped at its first step."""
    from jinja2 import nodes

    monkeypatch.setattr(sandbox, "MAX_RENDER_STEPS", 1_000)
    folded = []
    as_const = nodes.BinExpr.as_const

    def recording_as_const(self, eval_ctx=None):
        try:
            return as_const(self, eval_ctx)
        except nodes.Impossible:
            folded.append(self)
            raise

    monkeypatch.setattr(nodes.BinExpr, "as_const", recording_as_const)
    template = "{% set big = 'ab' * 100000 %}{% for i in range(10) %}{{ i }}{% endfor %}"
    doc, errors = render_error(template, tmp_path)
    assert folded  # the limit was passed during folding, and jinja2 gave up folding quietly
    assert len(errors) == 1 and "steps of work" in errors[0].message


def test_a_templated_spec_of_thousands_of_steps_uses_a_small_part_of_the_budget(monkeypatch):
    from blocklint.load.template import render

    steps = []
    charge = sandbox.BoundedSandbox.charge
    monkeypatch.setattr(sandbox.BoundedSandbox, "charge", lambda self, n: (charge(self, n), steps.append(self.steps)))
    source = ("body:\n  config:\n    steps:\n{% for i in range(10000) %}      s{{ i }}:\n        command: run {{ i }} "
              "{{ name|upper }}\n        parents: [{% if i %}s{{ i - 1 }}{% endif %}]\n{% endfor %}")
    rendered = render(source, None, {"name": "x"})
    assert rendered.error is None
    assert steps[-1] < sandbox.MAX_RENDER_STEPS / 20


def test_the_environment_is_only_what_the_settings_allow(tmp_path, monkeypatch):
    monkeypatch.setenv("BLOCKLINT_SANDBOX_SECRET", "s3cr3t-value")
    path = tmp_path / "spec.yaml.j2"
    path.write_text("body:\n  a: \"{{ os_env | string }}\"\n  b: '{{ os_env.BLOCKLINT_SANDBOX_SECRET }}'\n"
                    "  c: '{{ os_env.ALLOWED }}'\n")
    doc = load_path(path, LoadSettings(env={"ALLOWED": "yes please"}))
    assert doc.data["body"] == {"a": "{'ALLOWED': 'yes please'}", "b": "", "c": "yes please"}
    assert "s3cr3t-value" not in repr(doc.data) + repr(doc.problems)


def test_the_environment_cannot_be_changed_by_a_template(tmp_path):
    doc, errors = render_error("{{ os_env.update({'A': 'b'}) }}", tmp_path, env={"X": "y"})
    assert errors and "unsafe" in errors[0].message


# --- includes -------------------------------------------------------------------------------


def write_including(tmp_path, name: str, directory=None):
    directory = directory or tmp_path
    path = directory / "spec.yaml.j2"
    path.write_text("body:\n  kind: workflow\n  config:\n    watchers:\n      {% include '" + name + "' %}\n")
    return path


@pytest.mark.parametrize("name, words", [
    ("/etc/passwd", "outside"),
    ("../outside.yaml", "outside"),
    ("/proc/self/mem", "outside"),
    ("x" * 5000, "5,000 characters"),
    ("link-out.yaml", "outside"),
])
def test_includes_outside_the_root_are_refused(tmp_path, name, words):
    project = tmp_path / "project"
    project.mkdir()
    (tmp_path / "outside.yaml").write_text("- user: a@example.com\n")
    (project / "link-out.yaml").symlink_to(tmp_path / "outside.yaml")
    doc = load_path(write_including(tmp_path, name, project))
    errors = [problem for problem in doc.problems if problem.rule == "BL007"]
    assert len(errors) == 1 and words in errors[0].message, doc.problems
    assert errors[0].span.line == 4
    assert "a@example.com" not in repr(doc.problems)


def test_includes_of_devices_fifos_and_large_files_are_refused(tmp_path):
    (tmp_path / "zero.yaml").symlink_to("/dev/zero")
    os.mkfifo(tmp_path / "fifo.yaml")
    with open(tmp_path / "large.yaml", "wb") as sparse:
        sparse.seek(20 * 2**20)
        sparse.write(b"x")
    for name, root, words in [("zero.yaml", None, "outside"), ("zero.yaml", "/", "character device"),
                              ("fifo.yaml", None, "FIFO"), ("large.yaml", None, "20.0 MiB")]:
        started = time.perf_counter()
        doc = load_path(write_including(tmp_path, name), LoadSettings(include_root=root))
        assert time.perf_counter() - started < 2
        assert [problem.rule for problem in doc.problems] == ["BL007"], doc.problems
        assert words in doc.problems[0].message


def test_the_include_root_may_be_set_to_the_project(tmp_path):
    project = tmp_path
    (project / "shared").mkdir()
    (project / "shared" / "watchers.yaml").write_text("- user: a@example.com\n  events: {fail: true}\n")
    (project / "specs").mkdir()
    path = write_including(tmp_path, "../shared/watchers.yaml", project / "specs")
    assert [problem.rule for problem in load_path(path).problems] == ["BL007"]
    doc = load_path(path, LoadSettings(include_root=str(project)))
    assert not doc.problems
    assert doc.data["body"]["config"]["watchers"][0]["user"] == "a@example.com"


def test_an_error_inside_an_included_file_is_reported_at_the_include(tmp_path):
    (tmp_path / "part.yaml").write_text("- {{ 1/0 }}\n")
    doc = load_path(write_including(tmp_path, "part.yaml"))
    assert [(problem.rule, problem.span.line) for problem in doc.problems] == [("BL007", 4)]


# --- positions ------------------------------------------------------------------------------


def test_a_node_after_a_substitution_points_at_its_own_token():
    text = "body:\n  config:\n    steps:\n      s:\n        parents: [{{ first_parent }}, nope]\n"
    doc = load_text(text, "spec.yaml", LoadSettings(params={"first_parent": "a-much-longer-parent-name"}))
    parents = ("body", "config", "steps", "s", "parents")
    line = text.splitlines()[4]
    first, second = doc.span_of(parents + (0,)), doc.span_of(parents + (1,))
    assert line[first.column:first.end_column] == "{{ first_parent }}"
    assert line[second.column:second.end_column] == "nope"


def test_positions_never_run_past_the_end_of_a_source_line():
    text = "body:\n  metadata: {name: {{ name }}, title: t}\n"
    doc = load_text(text, "spec.yaml", LoadSettings(params={"name": "n" * 200}))
    span = doc.span_of(("body", "metadata", "title"))
    assert span.end_column <= len(text.splitlines()[1])
    assert text.splitlines()[1][span.column:span.end_column] == "t"


def test_undefined_variables_are_exposed_with_their_place_and_node():
    text = "body:\n  kind: workflow\n  metadata:\n    name: {{ block_name }}\n    title: x\n"
    doc = load_text(text, "spec.yaml")
    assert [(use.name, use.path) for use in doc.undefined] == [("block_name", ("body", "metadata", "name"))]
    span = doc.undefined[0].span
    assert text.splitlines()[3][span.column:span.end_column] == "block_name"
    # One finding for the one mistake: the key it emptied is not reported again as null (BL010).
    assert [problem.rule for problem in doc.problems] == ["BL008"]


def test_a_null_key_without_a_template_is_still_reported():
    doc = load_text("body:\n  kind: workflow\n  metadata:\n    name:\n    title: '{{ x | default(1) }}'\n",
                    "spec.yaml")
    assert [problem.rule for problem in doc.problems] == ["BL010"]


@pytest.fixture(params=["difflib", "greedy"])
def line_matching(request, monkeypatch):
    """Both ways rendered lines are matched to source lines (small and large middles)."""
    from blocklint.load import source_map

    if request.param == "greedy":
        monkeypatch.setattr(source_map, "_DIFFLIB_LINE_PAIRS", 0)
    return request.param


def test_lines_map_back_through_includes_loops_and_substitutions(tmp_path, line_matching):
    (tmp_path / "watchers.yaml").write_text("- user: a@example.com\n  events: {fail: true}\n")
    path = tmp_path / "spec.yaml.j2"
    source = ("body:\n  metadata:\n    name: {{ name }}\n  config:\n    watchers:\n      {% include 'watchers.yaml' %}\n"
              "    triggers:\n{% for n in range(3) %}\n      - cron: '{{ n }} * * * *'\n{% endfor %}\n"
              "    steps:\n      s:\n        command: go\n")
    path.write_text(source)
    doc = load_path(path, LoadSettings(params={"name": "a-long-name"}))
    lines = source.splitlines()
    assert doc.span_of(("body", "config", "watchers", 0, "user")).line == 5
    for index in range(3):  # the loop's body, or (matching large files greedily) its `{% for %}`
        assert doc.span_of(("body", "config", "triggers", index, "cron")).line in ((8,) if line_matching == "difflib"
                                                                                   else (7, 8))
    command = doc.span_of(("body", "config", "steps", "s", "command"))
    assert lines[command.line][command.column:command.end_column] == "go"
    name = doc.span_of(("body", "metadata", "name"))
    assert lines[name.line][name.column:name.end_column] == "{{ name }}"


def test_a_large_templated_file_maps_back_in_bounded_time():
    """Thousands of near-identical lines made difflib take minutes (0.1.0: 200 s for 3.6 MiB)."""
    steps = "".join(f"      step{n}:\n        type: standard\n        command: run {n}\n" for n in range(20_000))
    text = "body:\n  metadata:\n    name: {{ name }}\n  config:\n    steps:\n" + steps + "    bogus: {{ name }}\n"
    started = time.perf_counter()
    doc = load_text(text, "spec.yaml", LoadSettings(params={"name": "n"}))
    assert time.perf_counter() - started < 10
    lines = text.splitlines()
    span = doc.span_of(("body", "config", "steps", "step19999", "command"))
    assert lines[span.line][span.column:span.end_column] == "run 19999"
    span = doc.span_of(("body", "config", "bogus"))
    assert lines[span.line][span.column:span.end_column] == "{{ name }}"


def test_an_outer_alarm_timer_survives_rendering(tmp_path):
    import signal

    fired = []
    previous = signal.signal(signal.SIGALRM, lambda signum, frame: fired.append(signum))
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.5)
        render_error("{{ 1/0 }}", tmp_path)
        assert signal.getitimer(signal.ITIMER_REAL)[0] > 0  # still armed, with what was left
        time.sleep(0.7)
        assert fired == [signal.SIGALRM]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


TOKEN = "Zq7-corp-prod-9x"


@pytest.mark.parametrize("expression", [
    "{{ os_env.TOKEN | reverse }}", "{{ os_env.TOKEN | upper }}", "{{ os_env.TOKEN[::-1] }}", "{{ os_env.TOKEN[3:] }}",
    "{{ os_env.TOKEN | join(' ') }}", "{{ os_env.TOKEN | urlencode }}", "{{ ('x' ~ os_env.TOKEN) | reverse }}",
    "{{ (os_env.TOKEN + 'x') | title }}", "{{ [os_env.TOKEN] | join | lower }}", "{{ '%.5s' % os_env.TOKEN }}",
    "{{ '{:.5}'.format(os_env.TOKEN) }}", "{{ os_env.TOKEN.replace('-', '+') }}",
    "{% set x %}{{ os_env.TOKEN }}{% endset %}{{ x | reverse }}",
    "{% macro m() %}{{ os_env.TOKEN }}{% endmacro %}{{ m() | upper }}",
    "{% filter upper %}{{ os_env.TOKEN }}{% endfilter %}",
    "{% for c in os_env.TOKEN %}{{ c }},{% endfor %}",
    "{{ 'Z' in os_env.TOKEN }}", "{{ os_env.TOKEN < 'm' }}", "{{ os_env.TOKEN is lower }}",
])
def test_a_template_env_value_is_never_printed_transformed(run, tmp_path, monkeypatch, expression):
    """A mask knows the value's own spellings only: a transformed value is refused (BL007), and no
    output shows the value, reversed, cased or cut."""
    monkeypatch.setenv("TOKEN", TOKEN)
    (tmp_path / "spec.yaml").write_text(
        "body:\n  version: 1\n  kind: workflow\n  metadata:\n    name: x\n"
        f"    summary: \"{expression}\"\n  config:\n    steps: {{}}\n")
    code, output = run("check", "--isolated", "--template-env", "TOKEN", "--format", "concise", "spec.yaml",
                       cwd=tmp_path)
    assert code == 1 and " BL007 error " in output and "refused" in output, output
    shown = output.lower().replace("\\", "")
    for form in (TOKEN, TOKEN[::-1], TOKEN[3:], TOKEN[:5], " ".join(TOKEN), TOKEN.replace("-", "+")):
        assert form.lower() not in shown, output


@pytest.mark.parametrize("expression, rendered", [
    ("{{ os_env.TOKEN }}", TOKEN), ("{{ 'prefix-' ~ os_env.TOKEN }}", f"prefix-{TOKEN}"),
    ("{{ [os_env.TOKEN, 'b'] | join('-') }}", f"{TOKEN}-b"), ("{{ os_env.TOKEN | length }}", 16),
    ("{{ os_env.MISSING | default('d') }}", "d"), ("{{ os_env.TOKEN == 'x' }}", False),
    ("{% macro m(v) %}<{{ v }}>{% endmacro %}{{ m(os_env.TOKEN) }}", f"<{TOKEN}>"),
])
def test_a_template_env_value_used_whole_renders(tmp_path, expression, rendered):
    doc, errors = render_error(expression, tmp_path, env={"TOKEN": TOKEN})
    assert errors == [] and doc.data["body"]["metadata"]["title"] == rendered
