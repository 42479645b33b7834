"""The loader: data as the peak CLI sees it, and a position for every node."""


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


def test_json_scalars_follow_json():
    doc = load_text('{"a": 1e5, "b": "yes", "c": null, "d": true}', "x.json")
    assert doc.data == {"a": 100000.0, "b": "yes", "c": None, "d": True}


def test_merge_keys_merge_without_overriding():
    doc = load_text("base: &b {x: 1, y: 2}\nstep:\n  <<: *b\n  y: 3\n", "x.yaml")
    assert doc.data["step"] == {"x": 1, "y": 3}


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
