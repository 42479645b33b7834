"""The loader: data as the peak CLI sees it, and a position for every node."""

import json

from blocklint.load import LoadSettings, load_path, load_text


def test_every_yaml_node_has_its_line_and_column():
    doc = load_text("body:\n  config:\n    steps:\n      load:\n        parents: [a, b]\n", "s.yaml")
    parents = ("body", "config", "steps", "load", "parents")
    assert doc.span_of(parents).line == 4 and doc.span_of(parents).column == 17
    assert doc.span_of(parents + (1,)).column == 21
    assert doc.span_of(parents, key=True).column == 8


def test_json_nodes_have_positions_too():
    text = '{\n  "body": {\n    "config": {\n      "steps": {"load": {"parents": ["a"]}}\n    }\n  }\n}\n'
    doc = load_text(text, "s.json")
    span = doc.span_of(("body", "config", "steps", "load", "parents", 0))
    assert (span.line, span.column) == (3, 37)


def test_a_missing_key_resolves_to_the_mapping_that_lacks_it():
    doc = load_text("body:\n  metadata:\n    name: x\n", "s.yaml")
    assert doc.span_of(("body", "metadata", "summary")) == doc.span_of(("body", "metadata"))


def test_plain_scalars_are_typed_as_pyyaml_safe_load_types_them():
    doc = load_text("a: yes\nb: 0.0.1\nc: 1.0\nd: 017\ne: 1:30\nf: ~\ng: '1'\nh: 10GB\ni: Off\n", "x.yaml")
    assert doc.data == {"a": True, "b": "0.0.1", "c": 1.0, "d": 15, "e": 90, "f": None, "g": "1",
                        "h": "10GB", "i": False}


def test_json_scalars_are_typed_as_the_cli_reads_them_through_yaml():
    text = '{"a": 1e5, "b": "yes", "c": null, "d": true, "e": 1.5}'
    doc = load_text(text, "x.json")
    assert doc.data == yaml.safe_load(text) == {"a": "1e5", "b": "yes", "c": None, "d": True, "e": 1.5}
    assert [(problem.rule, problem.span.column) for problem in doc.problems] == [("BL014", 6)]
    assert "the string '1e5'" in doc.problems[0].message


def test_merge_keys_merge_without_overriding():
    doc = load_text("base: &b {x: 1, y: 2}\nstep:\n  <<: *b\n  y: 3\n", "x.yaml")
    assert doc.data["step"] == {"x": 1, "y": 3}


def id_table_paths(doc) -> list:
    """The id -> path table as paths (sorted, as text), each checked to name the node of that id."""
    for identity, path in doc._ids.items():
        node = doc.data
        for part in path:
            node = node[part]
        assert id(node) == identity, path
    return sorted(map(repr, doc._ids.values()))


def test_a_node_after_a_value_a_duplicate_key_replaced_keeps_its_own_place():
    """The replaced value is freed; a later node may take its id, and must not be placed at the
    replaced key (its findings would point there)."""
    text = "".join(f"k{i}: {{x: {i}}}\nk{i}: {{y: {i}}}\nm{i}: {{z: {i}}}\n" for i in range(200))
    doc = load_text(text + "l: [1, 2]\nl: [3]\n", "spec.yaml")
    assert all(doc.path_of(value) == (key,) for key, value in doc.data.items())
    assert doc.span_of(doc.path_of(doc.data["m7"])).line == 23
    id_table_paths(doc)


def test_the_id_table_holds_after_merges_and_a_taken_out_directive():
    doc = load_text('{"x-blocklint": {"disable": ["BL504"]}, "a": {"<<": {"q": [1]}, "b": [2]}, "c": {}}',
                    "spec.json")
    assert doc.disabled == ("BL504",) and doc.path_of(doc.data["c"]) == ("c",)
    id_table_paths(doc)
    id_table_paths(load_text("base: &b {q: [1]}\na: {<<: [*b, {r: {s: 1}}], t: [1]}\n", "spec.yaml"))


def test_cli_files_are_rendered_with_params_and_the_allowed_environment_only(monkeypatch, tmp_path):
    monkeypatch.setenv("BLOCKLINT_TEST_TITLE", "From env")
    monkeypatch.setenv("BLOCKLINT_TEST_SECRET", "hunter2")
    path = tmp_path / "spec.yaml"
    path.write_text("body:\n  metadata:\n    name: {{ name }}\n    title: {{ os_env.BLOCKLINT_TEST_TITLE }}\n"
                    "    summary: '{{ os_env.BLOCKLINT_TEST_SECRET }}'\n")
    allowed = {"BLOCKLINT_TEST_TITLE": "From env"}
    doc = load_path(path, LoadSettings(params={"name": "loader"}, env=allowed))
    assert doc.data["body"]["metadata"] == {"name": "loader", "title": "From env", "summary": ""}
    assert [problem.rule for problem in doc.problems] == ["BL008"]
    assert "BLOCKLINT_TEST_SECRET" in doc.problems[0].message


def test_the_environment_is_not_readable_by_default(monkeypatch, tmp_path):
    monkeypatch.setenv("BLOCKLINT_TEST_SECRET", "hunter2")
    path = tmp_path / "spec.yaml"
    path.write_text("body:\n  metadata:\n    name: '{{ os_env | string }}{{ os_env.BLOCKLINT_TEST_SECRET }}'\n")
    doc = load_path(path)
    assert "hunter2" not in str(doc.data) and doc.data["body"]["metadata"]["name"] == "{}"


def test_bare_bodies_are_not_rendered():
    doc = load_text('config:\n  steps:\n    s: {type: http, payload: "{{data}}"}\nrelease: {version: "1.0.0"}\n',
                    "release.yaml")
    assert doc.data["config"]["steps"]["s"]["payload"] == "{{data}}"
    assert not doc.problems


def test_includes_are_indented_and_positions_map_back_to_the_file(tmp_path):
    (tmp_path / "watchers.yaml").write_text("- user: a@example.com\n  events: {fail: true}\n")
    path = tmp_path / "spec.yaml.j2"
    path.write_text("body:\n  config:\n    watchers:\n      {% include 'watchers.yaml' %}\n    steps:\n"
                    "      s:\n        command: go\n")
    doc = load_path(path)
    assert doc.data["body"]["config"]["watchers"][0]["user"] == "a@example.com"
    assert doc.span_of(("body", "config", "steps", "s", "command")).line == 6


def test_no_template_skips_rendering(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text("body:\n  metadata:\n    name: '{{ name }}'\n")
    doc = load_path(path, LoadSettings(template=False))
    assert doc.data["body"]["metadata"]["name"] == "{{ name }}" and not doc.problems


def test_kinds_are_recognised_from_their_shape():
    from blocklint.kinds import detect

    assert detect({"body": {"kind": "workflow", "config": {}}}) == "block-spec"
    assert detect({"body": {"release": {}, "config": {"steps": {}}}}) == "block-spec-release"
    assert detect({"body": {"release": {}, "config": []}}) == "app-spec-release"
    assert detect({"body": {"metadata": {}, "spec": {"id": "x"}}}) == "block-deployment"
    assert detect({"body": {"metadata": {}, "spec": {"id": "x"}, "appParameters": {}}}) == "app-deployment"
    assert detect({"body": {"revision": {}, "parameters": {"run": {}}}}) == "block-deployment-revision"
    assert detect({"body": {"blocksConfig": {}}}) == "app-deployment-revision"
    assert detect({"body": {"metadata": {"status": "available"}, "featured": False}}) == "spec-metadata"
    assert detect({"body": {"name": "x", "title": "y"}}) == "deployment-metadata"
    assert detect({"body": {"agg_type": "MAX"}}) == "parameters-patch"
    assert detect({"body": {"parameters": {"agg_type": "MAX"}}}) == "parameters-patch"
    assert detect({"agg_type": "MAX"}, "fallback.yaml") == "fallback-parameters"
    assert detect({"name": "ci", "on": "push", "jobs": {}}, ".github/workflows/ci.yml") is None
    assert detect({"apiVersion": "v1", "kind": "Pod", "metadata": {}, "spec": {}}) is None


# --- bounded reads --------------------------------------------------------------------------

import os  # noqa: E402

import pytest  # noqa: E402
import yaml  # noqa: E402

from blocklint.load import FileTooLarge, UnreadableFile, load_stream, read_bounded, read_bounded_stream  # noqa: E402


def test_read_bounded_reads_a_regular_file_through_a_symlink(tmp_path):
    (tmp_path / "real.yaml").write_bytes(b"body: {}\n")
    (tmp_path / "link.yaml").symlink_to(tmp_path / "real.yaml")
    assert read_bounded(tmp_path / "link.yaml") == b"body: {}\n"


@pytest.mark.parametrize("make, words", [
    (lambda tmp: "/dev/zero", "character device"),
    (lambda tmp: "/dev/null", "character device"),
    (lambda tmp: (tmp / "zero.yaml").symlink_to("/dev/zero") or tmp / "zero.yaml", "a symlink to /dev/zero"),
    (lambda tmp: os.mkfifo(tmp / "fifo.yaml") or tmp / "fifo.yaml", "FIFO"),
    (lambda tmp: tmp, "directory"),
])
def test_read_bounded_refuses_what_is_not_a_regular_file(tmp_path, make, words):
    with pytest.raises(UnreadableFile) as refused:
        read_bounded(make(tmp_path), what="spec")
    assert words in str(refused.value) and not isinstance(refused.value, FileTooLarge)


def test_read_bounded_stops_at_the_limit_whatever_stat_says(tmp_path):
    """Files in /proc say they hold 0 bytes; the read stops one byte past the limit anyway."""
    assert os.stat("/proc/self/status").st_size == 0
    with pytest.raises(FileTooLarge, match="more than"):
        read_bounded("/proc/self/status", limit=10)
    path = tmp_path / "big.yaml"
    path.write_bytes(b"x" * 101)
    with pytest.raises(FileTooLarge, match="the limit"):
        read_bounded(path, limit=100)
    assert read_bounded(path, limit=101) == b"x" * 101


def test_read_bounded_stream_reads_at_most_the_limit():
    with open("/dev/zero", "rb") as endless:
        with pytest.raises(FileTooLarge):
            read_bounded_stream(endless, limit=1000)
    import io

    assert read_bounded_stream(io.BytesIO(b"abc"), limit=3) == b"abc"
    doc = load_stream(io.BytesIO(b"x" * 50), "<stdin>", LoadSettings(max_bytes=10))
    assert [problem.rule for problem in doc.problems] == ["BL005"]


def test_load_path_turns_every_read_failure_into_a_problem(tmp_path):
    os.mkfifo(tmp_path / "fifo.yaml")
    for path, rule in [("/dev/zero", "BL012"), (tmp_path / "fifo.yaml", "BL012"), (tmp_path / "missing.yaml", "BL012"),
                       (tmp_path, "BL012"), ("/proc/self/mem", "BL012")]:
        doc = load_path(path)
        assert [problem.rule for problem in doc.problems] == [rule], (path, doc.problems)


# --- the peak CLI's parser: PyYAML safe_load ------------------------------------------------


@pytest.mark.parametrize("text, words, line", [
    ("body:\n  kind: workflow\n  git_token: { { git_token } }\n", "looks like a broken `{{ git_token }}`", 2),
    ("body:\n  kind: workflow\n  ? [a]\n  : 1\n", "a list used as a key", 2),
    ("body:\n  kind: workflow\n  [a, b]: x\n", "a list used as a key", 2),
    ("body:\n  kind: workflow\n  a: !!python/object/apply:os.system [id]\n", "tag !!python/object/apply:os.system", 2),
    ("body:\n  kind: workflow\n  a: !foo 1\n", "tag !foo", 2),
    ("body:\n  kind: workflow\n  a: {<<: 1}\n", "merge key", 2),
    ("body:\n  kind: workflow\n  a: {<<: [1]}\n", "merge key", 2),
    ("body:\n  kind: workflow\n  config:\n    triggers: [<<]\n", "cannot be a value", 3),
])
def test_what_safe_load_refuses_is_an_error_at_its_line(text, words, line):
    with pytest.raises(yaml.YAMLError):
        yaml.safe_load(text)  # the peak CLI's parser refuses it ...
    doc = load_text(text, "spec.yaml")  # ... and so does blocklint, with a finding
    assert [(problem.rule, problem.span.line) for problem in doc.problems] == [("BL001", line)], doc.problems
    assert words in doc.problems[0].message
    assert "object" not in repr(doc.data)  # no internal sentinel leaks into the data


@pytest.mark.parametrize("text", ["a: !!str 1\n", "a: !!int '7'\n", "a: ! x\n", "base: &b {x: 1}\nc:\n  <<: [*b]\n",
                                  "%FOO bar\n---\na: 1\n", "base: &b {x: 1}\nc:\n  !!merge <<: *b\n",
                                  "a: !!omap [b: 1, c: 2]\n", 'a: "\\ud83d"\n', "a: 1\n\ufeffb: 2\n"])
def test_what_safe_load_accepts_is_accepted_with_its_values(text):
    doc = load_text(text, "x.yaml")
    assert not doc.problems
    assert json.dumps(doc.data) == json.dumps(yaml.safe_load(text))  # as the request carries them


@pytest.mark.parametrize("text, rule, line", [
    ("a: !!seq x\n", "BL001", 0), ("a:\n  b: !!str {x: 1}\n", "BL001", 1), ("a: 2024-13-45\n", "BL001", 0),
    ("a: !!int abc\n", "BL001", 0), ("a: =\n", "BL001", 0), ("a: " + "9" * 5000 + "\n", "BL001", 0),
    ("a: b\t\n", "BL001", 0), ("a:\n  b: !!merge x\n", "BL001", 1),
    ("a:\n  b: 2024-01-01\n", "BL013", 1), ("a: !!binary aGk=\n", "BL013", 0), ("a: !!set {x}\n", "BL013", 0),
    ("a:\n  - 1.0e+400\n", "BL013", 1), ("a: .inf\n", "BL013", 0), ("2024-01-01: x\n", "BL013", 0),
])
def test_where_the_cli_fails_blocklint_reports_an_error_at_the_line(text, rule, line):
    with pytest.raises((yaml.YAMLError, ValueError, TypeError, KeyError)):
        json.dumps(yaml.safe_load(text), allow_nan=False)  # the peak CLI fails, loading or sending
    doc = load_text(text, "x.yaml")
    assert [(problem.rule, problem.span.line) for problem in doc.problems] == [(rule, line)], doc.problems


def test_non_string_keys_are_found_at_their_own_line():
    doc = load_text("body:\n  kind: workflow\n  ~: 1\n  1: 2\n  .nan: 3\n", "spec.yaml")
    for key, line in [("None", 2), ("1", 3), ("nan", 4)]:
        assert doc.span_of(("body", key), key=True).line == line


def test_escaped_surrogate_pairs_are_valid_json_and_positions_stay_exact():
    import json

    text = json.dumps({"body": {"metadata": {"name": "🚀 launch", "title": "x"}}}, indent=1)
    assert "\\ud83d\\ude80" in text
    doc = load_text(text, "spec.json")
    assert not doc.problems and doc.data["body"]["metadata"]["name"] == "🚀 launch"
    line = text.splitlines()[4]
    span = doc.span_of(("body", "metadata", "title"))
    assert (span.line, line[span.column:span.end_column]) == (4, '"x"')
    assert load_text('{"a": "\\ud83d"}', "x.json").data == {"a": "\ud83d"}  # a lone surrogate too


@pytest.mark.parametrize("text, words", [
    ('{"body": {"a": 1,}}', "trailing comma"),
    ('{"body": [1, 2,]}', "trailing comma"),
    ('{"body": {"a": 1, ["b"]: 2}}', "a list used as a key"),
    ('{"body": {"a": 1, {"b": 1}: 2}}', "a mapping used as a key"),
    ("{'body': 1}", "single quotes"),
    ('{"body": True}', "expecting value"),
    ('{"body": 1} {"body": 2}', "did not find expected"),
    ('{"body": "a\tb"}', "invalid control character"),
    ('{"body": 1, // note\n}', "`//` comment"),
    ('{"body": "a', "unexpected end of file"),
    ('{"body": [1, 2', "end of file"),
    ('{\n\t"body": 1}', "tab character"),
])
def test_json_is_read_as_the_cli_reads_it_and_strict_json_differences_are_named(text, words):
    try:
        yaml.safe_load(text)
        expected = "BL014"  # the peak CLI reads it (through YAML): a warning that says what it does
    except yaml.YAMLError:
        expected = "BL001"  # the peak CLI refuses it: an error
    doc = load_text(text, "spec.json")
    assert expected in [problem.rule for problem in doc.problems]
    assert not {"BL001", "BL014"} - {expected} & {problem.rule for problem in doc.problems}
    message = next(problem.message for problem in doc.problems if problem.rule == expected)
    assert words in message, message


def test_a_body_that_is_no_document_is_an_error_and_a_misspelt_kind_a_spec():
    from blocklint.kinds import detect

    assert detect({"body": {}}) is None
    assert [problem.rule for problem in load_text("body: {}\n", "spec.yaml").problems] == ["BL006"]
    assert detect({"body": {"kind": "wrokflow"}}) == "block-spec"
    assert detect({"body": {"kind": "servce"}}) == "block-spec"
    assert detect({"body": {"kind": "ap"}}) == "app-spec"
    assert detect({"kind": "wrokflow", "config": {}, "metadata": {}}) == "block-spec"
    assert detect({"kind": "Pod", "metadata": {}, "spec": {}}) is None


def test_a_file_linking_out_of_the_project_is_refused_however_its_path_is_spelt(tmp_path, monkeypatch):
    """The file's folder's real path is worked out once per run; a link anywhere on the way (the
    file, a folder, a folder reached through `..`) is still followed to where it leads."""
    from blocklint.load import LoadSettings, load_path
    from blocklint.shared import run_store

    project, outside = tmp_path / "project", tmp_path / "outside"
    (project / "specs").mkdir(parents=True)
    outside.mkdir()
    (outside / "spec.yaml").write_text("body: {}\n")
    (project / "specs" / "spec.yaml").write_text("body: {}\n")
    (project / "linked").symlink_to(outside)
    (project / "specs" / "link.yaml").symlink_to(outside / "spec.yaml")
    (project / "specs" / "inner.yaml").symlink_to(project / "specs" / "spec.yaml")
    monkeypatch.chdir(project / "specs")
    settings = LoadSettings(include_root=str(project))
    with run_store({}):
        for _ in range(2):  # the second time, from what the run knows
            for path in ("link.yaml", "../linked/spec.yaml", "../specs/../linked/spec.yaml", str(project / "linked/spec.yaml")):
                problems = load_path(path, settings).problems
                assert [p.rule for p in problems] == ["BL012"] and str(outside) in problems[0].message, path
            for path in ("spec.yaml", "inner.yaml", "../specs/inner.yaml", "./spec.yaml"):
                assert "BL012" not in [p.rule for p in load_path(path, settings).problems], path
