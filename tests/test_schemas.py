"""The packaged Press JSON Schema: well-formed, accepts every known-good document, rejects mistakes.

Self-contained on purpose (PyYAML + jsonschema only): the schema is read from its file, not through
blocklint, so these tests pin the schema itself.
"""

from __future__ import annotations

import copy
import importlib.util
import json
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

SCHEMA_PATH = Path(__file__).parent.parent / "blocklint/schemas/press.json"
SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def _load_seed_bodies():
    # Loaded by path so the test works whatever the import mode or package layout of tests/.
    spec = importlib.util.spec_from_file_location("_seed_bodies", Path(__file__).parent / "seed_bodies.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_SEEDS = _load_seed_bodies()
SEED_BODIES, SEED_FRAGMENTS, SEED_KNOWN_WRONG = _SEEDS.SEED_BODIES, _SEEDS.SEED_FRAGMENTS, _SEEDS.SEED_KNOWN_WRONG

KINDS = [
    "block-spec", "block-spec-release", "spec-metadata", "block-deployment",
    "block-deployment-revision", "deployment-metadata", "parameters-patch", "app-spec",
    "app-spec-release", "app-deployment", "app-deployment-revision", "fallback-parameters",
]

# Every file peak-sdk ships under peak/sample_yaml/press/ (what `--generate` prints), and its kind.
SAMPLE_KINDS = {
    "apps/deployments/create_app_deployment.yaml": "app-deployment",
    "apps/deployments/create_app_deployment_revision.yaml": "app-deployment-revision",
    "apps/deployments/update_app_deployment_metadata.yaml": "deployment-metadata",
    "apps/specs/create_app_spec.yaml": "app-spec",
    "apps/specs/create_app_spec_release.yaml": "app-spec-release",
    "apps/specs/update_app_spec_metadata.yaml": "spec-metadata",
    "blocks/deployments/create_block_deployment.yaml": "block-deployment",
    "blocks/deployments/create_block_deployment_revision.yaml": "block-deployment-revision",
    "blocks/deployments/patch_block_parameters.yaml": "parameters-patch",
    "blocks/deployments/update_block_deployment_metadata.yaml": "deployment-metadata",
    "blocks/specs/service/api/create_block_spec.yaml": "block-spec",
    "blocks/specs/service/api/create_block_spec_release.yaml": "block-spec-release",
    "blocks/specs/service/webapp/create_block_spec.yaml": "block-spec",
    "blocks/specs/service/webapp/create_block_spec_release.yaml": "block-spec-release",
    "blocks/specs/update_block_spec_metadata.yaml": "spec-metadata",
    "blocks/specs/workflow/create_block_spec.yaml": "block-spec",
    "blocks/specs/workflow/create_block_spec_release.yaml": "block-spec-release",
    "deployments/patch_app_parameters_v2.yaml": "parameters-patch",
    "deployments/patch_block_parameters_v2.yaml": "parameters-patch",
    "patch_parameters.yaml": "parameters-patch",
}

PARAM_HELPERS = {"#/$defs/integer-or-param", "#/$defs/number-or-param", "#/$defs/boolean-or-param"}


def validator(def_name: str) -> Draft202012Validator:
    return Draft202012Validator({**SCHEMA, "$ref": f"#/$defs/{def_name}"})


def errors(def_name: str, instance) -> list:
    return sorted(validator(def_name).iter_errors(instance), key=lambda e: list(e.absolute_path))


def describe(errs: list) -> str:
    return "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errs)


def sample_dir() -> Path:
    pytest.importorskip("peak")
    spec = importlib.util.find_spec("peak")
    return Path(spec.submodule_search_locations[0]) / "sample_yaml" / "press"


# A small, valid workflow spec that the negative cases below break one thing at a time.
WORKFLOW_SPEC = yaml.safe_load(
    """
version: 1
kind: workflow
metadata:
  name: nightly-load
  summary: Loads the nightly extract.
release:
  version: 1.0.0
config:
  images:
    base:
      dockerfile: Dockerfile
      context: "."
      version: 0.0.1
  steps:
    extract:
      type: standard
      imageRef: base
      command: python extract.py
      resources:
        instanceTypeId: 21
        storage: 10GB
    notify:
      type: http
      parents: [extract]
      method: post
      url: https://example.com/hook
      auth:
        type: no-auth
  triggers:
    - cron: "0 2 * * *"
"""
)


def workflow_spec() -> dict:
    return copy.deepcopy(WORKFLOW_SPEC)


# ---------------------------------------------------------------- the schema document itself

def test_schema_is_valid_draft_2020_12():
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert SCHEMA["$id"] == "https://blocklint.dev/schemas/press.json"
    Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_has_a_titled_body_and_file_definition(kind):
    for suffix in ("body", "file"):
        definition = SCHEMA["$defs"][f"{kind}-{suffix}"]
        assert definition.get("title"), f"{kind}-{suffix} has no title"


@pytest.mark.parametrize("kind", [k for k in KINDS if k != "fallback-parameters"])
def test_every_cli_file_requires_body_and_rejects_unknown_top_level_keys(kind):
    top_level = [e for e in errors(f"{kind}-file", {"body": {}, "unknownTop": 1}) if not e.absolute_path]
    assert [e.validator for e in top_level] == ["additionalProperties"]
    assert "'unknownTop'" in top_level[0].message
    assert [(e.validator, e.message) for e in errors(f"{kind}-file", {})] == [
        ("required", "'body' is a required property")
    ]


def test_every_property_has_a_description():
    missing = []
    for path, node in _walk(SCHEMA):
        if "if" in path:  # the dispatch conditions are not shown to users
            continue
        for prop, sub in (node.get("properties") or {}).items():
            if isinstance(sub, dict) and not sub.get("description"):
                missing.append(f"{'/'.join(map(str, path))}/properties/{prop}")
    assert missing == []


def _walk(schema, path=()):
    """Yield (path, subschema) for every subschema; maps of names (properties, $defs) are not schemas."""
    if isinstance(schema, list):
        for index, value in enumerate(schema):
            yield from _walk(value, (*path, index))
        return
    if not isinstance(schema, dict):
        return
    yield path, schema
    for key, value in schema.items():
        if key in ("properties", "$defs") and isinstance(value, dict):
            for name, sub in value.items():
                yield from _walk(sub, (*path, key, name))
        elif key not in ("enum", "const", "required", "type"):
            yield from _walk(value, (*path, key))


def _config_defs() -> set[str]:
    """Names of the $defs reachable from the three kinds of `config`."""
    seen, todo = set(), ["workflow-config", "service-config", "app-config-item"]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for _, node in _walk(SCHEMA["$defs"][name]):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/") and ref not in PARAM_HELPERS and ref != "#/$defs/param-ref":
                todo.append(ref.removeprefix("#/$defs/"))
    return seen


def test_every_non_string_scalar_in_config_goes_through_a_param_helper():
    # A later rule builds its "field -> type" table from these $refs; a bare integer/number/boolean
    # type inside config would be missing from it (and would reject "@param:NAME").
    offenders = []
    for name in _config_defs():
        for path, node in _walk(SCHEMA["$defs"][name]):
            for prop, sub in (node.get("properties") or {}).items():
                if isinstance(sub, dict) and sub.get("type") in ("integer", "number", "boolean"):
                    offenders.append(f"{name}{list(path)}.{prop}")
    assert offenders == []


def test_param_helpers_are_referenced_for_the_documented_fields():
    referenced = {
        prop
        for _, node in _walk(SCHEMA)
        for prop, sub in (node.get("properties") or {}).items()
        if isinstance(sub, dict) and sub.get("$ref") in PARAM_HELPERS
    }
    expected = {
        "instanceTypeId", "stepTimeout", "minInstances", "runtimeExceeded", "useCache",
        "clearImageCache", "sessionStickiness", "scaleToZero", "success", "fail", "compression",
        "webhook", "skip", "skipDAG", "duration", "numberOfRetries", "exponentialBackoff", "id",
        "versionId",
    }
    assert expected <= referenced


# ---------------------------------------------------------------- peak-sdk's own samples

def test_the_sample_table_lists_every_sample_file():
    shipped = {p.relative_to(sample_dir()).as_posix() for p in sample_dir().rglob("*.yaml")}
    assert shipped == set(SAMPLE_KINDS)


@pytest.mark.parametrize("relpath", sorted(SAMPLE_KINDS))
def test_peak_sdk_sample_validates_against_its_file_definition(relpath):
    document = yaml.safe_load((sample_dir() / relpath).read_text(encoding="utf-8"))
    errs = errors(f"{SAMPLE_KINDS[relpath]}-file", document)
    assert errs == [], describe(errs)


# ---------------------------------------------------------------- the seeds

@pytest.mark.parametrize("source,kind,body", SEED_BODIES, ids=[s for s, _, _ in SEED_BODIES])
def test_seed_body_validates_against_its_body_definition(source, kind, body):
    errs = errors(f"{kind}-body", body)
    assert errs == [], describe(errs)


@pytest.mark.parametrize("source,target,value", SEED_FRAGMENTS, ids=[s for s, _, _ in SEED_FRAGMENTS])
def test_seed_fragment_validates_against_its_definition(source, target, value):
    errs = errors(target.removeprefix("def:"), value)
    assert errs == [], describe(errs)


@pytest.mark.parametrize(
    "source,target,value,path", SEED_KNOWN_WRONG, ids=[s for s, _, _, _ in SEED_KNOWN_WRONG]
)
def test_seed_email_recipients_as_a_plain_list_is_rejected_at_recipients(source, target, value, path):
    name = target.removeprefix("def:") if target.startswith("def:") else f"{target}-body"
    errs = errors(name, value)
    assert [list(e.absolute_path) for e in errs] == [path], describe(errs)
    assert errs[0].validator == "type"


def test_every_seed_kind_is_a_known_kind():
    assert {kind for _, kind, _ in SEED_BODIES} <= set(KINDS)


# ---------------------------------------------------------------- each kind of check fires

def test_the_negative_cases_start_from_a_valid_spec():
    assert errors("block-spec-body", workflow_spec()) == []


def test_parent_instead_of_parents_is_an_unknown_key():
    spec = workflow_spec()
    spec["config"]["steps"]["notify"]["parent"] = spec["config"]["steps"]["notify"].pop("parents")
    errs = errors("block-spec-body", spec)
    assert len(errs) == 1, describe(errs)
    assert errs[0].validator == "additionalProperties"
    assert list(errs[0].absolute_path) == ["config", "steps", "notify"]
    assert "'parent'" in errs[0].message


def test_an_unknown_step_type_is_one_enum_error():
    spec = workflow_spec()
    spec["config"]["steps"]["extract"]["type"] = "python"
    errs = errors("block-spec-body", spec)
    assert len(errs) == 1, describe(errs)
    assert errs[0].validator == "enum"
    assert list(errs[0].absolute_path) == ["config", "steps", "extract", "type"]


@pytest.mark.parametrize("explicit_type", [True, False], ids=["type-standard", "type-absent"])
def test_a_standard_step_without_command_is_missing_a_required_key(explicit_type):
    spec = workflow_spec()
    step = spec["config"]["steps"]["extract"]
    del step["command"]
    if not explicit_type:
        del step["type"]
    errs = errors("block-spec-body", spec)
    assert len(errs) == 1, describe(errs)
    assert errs[0].validator == "required" and "'command'" in errs[0].message
    assert list(errs[0].absolute_path) == ["config", "steps", "extract"]


@pytest.mark.parametrize("version,ok", [(1, True), ("1", True), (2, False), ("2", False)])
def test_spec_version_must_be_1(version, ok):
    spec = workflow_spec()
    spec["version"] = version
    errs = errors("block-spec-body", spec)
    if ok:
        assert errs == [], describe(errs)
    else:
        assert [(e.validator, list(e.absolute_path)) for e in errs] == [("enum", ["version"])]


@pytest.mark.parametrize("value,ok", [(23, True), ("@param:instance_type", True), ("abc", False), ("23", False)])
def test_instance_type_id_takes_an_integer_or_a_param_placeholder(value, ok):
    spec = workflow_spec()
    spec["config"]["steps"]["extract"]["resources"]["instanceTypeId"] = value
    errs = errors("block-spec-body", spec)
    if ok:
        assert errs == [], describe(errs)
    else:
        assert [list(e.absolute_path) for e in errs] == [
            ["config", "steps", "extract", "resources", "instanceTypeId"]
        ]


def test_an_http_step_with_command_has_an_unknown_key():
    spec = workflow_spec()
    spec["config"]["steps"]["notify"]["command"] = "curl https://example.com"
    errs = errors("block-spec-body", spec)
    assert len(errs) == 1, describe(errs)
    assert errs[0].validator == "additionalProperties" and "'command'" in errs[0].message
    assert list(errs[0].absolute_path) == ["config", "steps", "notify"]


@pytest.mark.parametrize("method,ok", [("post", True), ("@param:method", True), ("fetch", False)])
def test_http_method_is_an_enum_that_also_takes_a_param_placeholder(method, ok):
    spec = workflow_spec()
    spec["config"]["steps"]["notify"]["method"] = method
    errs = errors("block-spec-body", spec)
    if ok:
        assert errs == [], describe(errs)
    else:
        assert [(e.validator, list(e.absolute_path)) for e in errs] == [
            ("enum", ["config", "steps", "notify", "method"])
        ]


def test_use_cache_takes_a_boolean_or_a_param_placeholder_but_not_a_string():
    spec = workflow_spec()
    spec["config"]["images"]["base"]["useCache"] = "@param:use_cache"
    assert errors("block-spec-body", spec) == []
    spec["config"]["images"]["base"]["useCache"] = "yes please"
    assert [list(e.absolute_path) for e in errors("block-spec-body", spec)] == [
        ["config", "images", "base", "useCache"]
    ]


def test_a_service_spec_is_checked_against_the_service_config():
    spec = workflow_spec()
    spec["kind"] = "service"
    errs = errors("block-spec-body", spec)
    assert {e.validator for e in errs} == {"additionalProperties"}
    assert all(list(e.absolute_path) == ["config"] for e in errs)


def test_an_unknown_kind_reports_only_the_kind():
    spec = workflow_spec()
    spec["kind"] = "webapp"
    assert [(e.validator, list(e.absolute_path)) for e in errors("block-spec-body", spec)] == [
        ("enum", ["kind"])
    ]


def test_a_trigger_with_an_undocumented_key_is_rejected():
    spec = workflow_spec()
    spec["config"]["triggers"] = [{"webhook": True, "webhookPolicy": "generate"}]
    errs = errors("block-spec-body", spec)
    assert [(e.validator, list(e.absolute_path)) for e in errs] == [
        ("additionalProperties", ["config", "triggers", 0])
    ]


def test_a_release_body_without_kind_is_read_by_the_shape_of_its_config():
    service_release = {
        "release": {"version": "2.0.0"},
        "config": {"serviceType": "api", "image": {"version": "0.0.2"}, "minInstances": 1},
    }
    assert errors("block-spec-release-body", service_release) == []
    workflow_release = {"release": {"version": "2.0.0"}, "config": {"steps": {"s": {"command": "true"}}}}
    assert errors("block-spec-release-body", workflow_release) == []
    mixed = {"release": {"version": "2.0.0"}, "config": {"steps": {}, "serviceType": "api"}}
    assert [e.validator for e in errors("block-spec-release-body", mixed)] == ["additionalProperties"]


def test_the_cli_accepts_auto_run_on_deploy_in_either_case():
    for key in ("autoRunOnDeploy", "auto_run_on_deploy"):
        assert errors("block-spec-file", {"body": workflow_spec(), key: True}) == []
    # `peak apps specs create` has no autoRunOnDeploy (it is set per block in config).
    top_level = [e for e in errors("app-spec-file", {"body": {}, "autoRunOnDeploy": True}) if not e.absolute_path]
    assert [e.validator for e in top_level] == ["additionalProperties"]


def test_a_v2_app_parameters_patch_rejects_unknown_keys_and_v1_stays_open():
    assert errors("parameters-patch-body", {"anything": 1, "goes": [1, 2]}) == []
    assert errors("parameters-patch-body", {"appParameters": {"a": 1}, "parameters": {"blk": {"b": 2}}}) == []
    errs = errors("parameters-patch-body", {"appParameters": {}, "params": {}})
    assert [e.validator for e in errs] == ["additionalProperties"]


def test_fallback_parameters_are_a_flat_mapping():
    assert errors("fallback-parameters-file", {"agg_type": "AVG", "n": 3}) == []
    assert errors("fallback-parameters-file", ["agg_type"]) != []


def test_the_exported_schemas_accept_the_documented_x_blocklint_directive():
    """README: a top-level `"x-blocklint": {"disable": [...]}`; editors must not flag it."""
    from blocklint.schema import schema_for

    directive = {"disable": ["BL504", "BL5"]}
    spec_file = {"body": workflow_spec(), "x-blocklint": directive}
    body = {**workflow_spec(), "x-blocklint": {"disable": "BL504"}}
    assert list(Draft202012Validator(schema_for("block-spec", cli=True)).iter_errors(spec_file)) == []
    assert list(Draft202012Validator(schema_for("block-spec", cli=False)).iter_errors(body)) == []
    for kind in KINDS:
        file_schema = Draft202012Validator(schema_for(kind, cli=True))
        assert not [e for e in file_schema.iter_errors({"body": {}, "x-blocklint": directive})
                    if e.validator == "additionalProperties" and not e.absolute_path], kind
    # Still checked: an empty code, an unknown directive, and the key inside `body` of a CLI file.
    for bad in ({"disable": [""]}, {"disabled": ["BL504"]}, {"disable": [1]}):
        assert list(Draft202012Validator(schema_for("block-spec", cli=True)).iter_errors(
            {"body": workflow_spec(), "x-blocklint": bad})), bad
    nested = {"body": {**workflow_spec(), "x-blocklint": directive}}
    assert list(Draft202012Validator(schema_for("block-spec", cli=True)).iter_errors(nested))


def test_a_release_standard_step_may_inherit_outputs_as_create_release_documents():
    release = {"release": {"version": "1.1.0"}, "config": {"steps": {"load": {
        "imageDetails": {"id": 1}, "command": "run", "parameters": {"inherit": {"ROWS": "row_count"}}}}}}
    assert errors("block-spec-release-body", release) == []
    release["config"]["steps"]["load"]["parameters"]["inherit"] = {"ROWS": 3}
    assert [e.validator for e in errors("block-spec-release-body", release)] == ["type"]


def test_an_enum_error_inside_a_list_names_the_item_and_the_allowed_values():
    from blocklint.schema import validate

    spec = workflow_spec()
    spec["config"]["steps"]["report"] = {"imageDetails": {"id": 1}, "command": "run", "parents": ["load"],
                                         "executionParameters": {"parentStatus": [
                                             {"condition": "all-of", "parents": ["load"], "status": ["failed"]}]}}
    spec["config"]["steps"].setdefault("load", {"imageDetails": {"id": 1}, "command": "run"})
    issues = validate(spec, "block-spec", cli=False)
    assert [(issue.rule, issue.path[-2:], issue.message.split(" is ", 1)[1]) for issue in issues] == [
        ("BL104", ("status", 0), '"failed"; expected "success", "failure"; did you mean \'failure\'?')]


def test_an_email_watcher_needs_its_name_as_the_reference_lists_it():
    spec = workflow_spec()
    spec["config"]["watchers"] = [{"events": {"fail": True}, "email": {"recipients": {"to": ["a@b.co"]}}}]
    errs = errors("block-spec-body", spec)
    assert [(e.validator, list(e.absolute_path), e.message) for e in errs] == [
        ("required", ["config", "watchers", 0, "email"], "'name' is a required property")]
    spec["config"]["watchers"][0]["email"]["name"] = "ops"
    assert errors("block-spec-body", spec) == []
