"""The native tree builder (`blocklint.load._native`) gives what the pure-Python loader gives: the
same data, spans, key spans, id -> path table, load problems and findings of every rule, on the
benchmark corpus, the bundled examples, every file of the golden cases and test data, and the
hostile generator's files (tests/test_hostile.py), as YAML, JSON and templates.

Without the extension (no compiler where blocklint was installed) these tests skip, unless
`BLOCKLINT_REQUIRE_NATIVE` is set, as CI sets it (.ci/run): there a build that silently fell back
to the pure-Python loader fails them."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import test_hostile
from test_load import id_table_paths
from blocklint.load import native
from blocklint.plan import Overrides, build_plan
from blocklint.runner import Target, check_document, load_target

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import corpus  # noqa: E402 - benchmarks/corpus.py, the benchmark's generator

CORPUS_FILES = 60
FILES = sorted(path for folder in ("examples", "tests/cases", "tests/data")
               for path in (ROOT / folder).rglob("*") if path.is_file())
PARITY = settings(max_examples=2 * int(os.environ.get("BLOCKLINT_FUZZ_EXAMPLES", "100")), deadline=None,
                  database=None, derandomize=bool(os.environ.get("CI")),
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
NATIVE = native.builder


@pytest.fixture(scope="module", autouse=True)
def native_builder():
    if NATIVE is None:
        if os.environ.get("BLOCKLINT_REQUIRE_NATIVE"):
            pytest.fail(f"the native tree builder is required here and missing: {native.description}")
        pytest.skip(f"no native tree builder to compare: {native.description}")


def test_the_version_names_the_native_loader(run):
    code, output = run("--version")
    assert code == 0 and "(loader: native)" in output


@pytest.fixture(scope="module")
def plan():
    return build_plan(Overrides(isolated=True, registry=False))


@contextlib.contextmanager
def pure_python():
    native.builder = None
    try:
        yield
    finally:
        native.builder = NATIVE


def reading(path: Path, plan) -> str:
    """Everything the loader and the rules make of one file, ids as the paths of their nodes; as
    text, which also compares the order of every table and NaN (never equal to itself) as written."""
    doc = load_target(Target(str(path), True), plan.load)
    loaded = (doc.data, doc.spans, doc.key_spans, doc.problems, doc.kind, doc.cli, doc.disabled, doc.undefined,
              id_table_paths(doc))
    return repr((loaded, check_document(doc, plan).findings))


def assert_same_reading(path: Path, plan) -> None:
    with pure_python():
        expected = reading(path, plan)
    assert reading(path, plan) == expected, path


def built_natively(text: str):
    from blocklint.load.document import Span
    from blocklint.load.scalars import yaml_plain
    from blocklint.load.tree import MAX_DEPTH, MAX_EXPANDED_CHARS, MAX_NODES

    return native.build(text, yaml_plain, Span, (MAX_DEPTH, MAX_NODES, MAX_EXPANDED_CHARS))


def test_the_native_builder_reads_the_common_case_and_declines_the_rest():
    """It reads the bundled examples itself (a fallback on every file would make parity empty)."""
    from blocklint.load.document import Span

    text = (ROOT / "examples" / "workflow" / "workflow-private.yaml").read_text(encoding="utf-8")
    built = built_natively(text)
    assert built is not None and built[0]["body"]
    assert all(type(span) is Span for span in built[1].values())
    assert native.build(text, str, Span, (100, 10, 10**6)) is None  # over the node limit
    for declined in ("a: &x 1\nb: *x\n", "a: !!str 1\n", "a: 1\na: 2\n", "[a]: 1\n", "1: a\n", "a: .nan\n",
                     "<<: {a: 1}\n", "a: [\n", "a\n---\nb\n", "[" * 101 + "]" * 101, "a:\tb\n"):
        assert built_natively(declined) is None, declined


def test_the_span_tables_are_made_when_first_read_and_read_as_the_python_builders_dicts():
    """The native builder keeps spans compactly (`document.SpanTable`): a file no rule asks
    about never makes them; once read, both tables are the pure-Python builder's, in its order."""
    from blocklint.load.tree import TreeBuilder

    text = "a: {b: [1, x, {c: d}]}\ne: f\n"
    _, spans, key_spans, _, _ = built_natively(text)
    assert spans._made is None and key_spans._made is None
    with pure_python():
        expected = TreeBuilder()
        expected.build(text)
    assert repr(key_spans) == repr(expected.key_spans) and key_spans._made is not None
    assert spans._made is None  # each table is made when it is read
    assert list(spans.items()) == list(expected.spans.items()) and spans == expected.spans
    assert ("a", "b", 2, "c") in spans and spans.get(("a", "x")) is None and len(spans) == len(expected.spans)


def test_the_native_builder_says_whether_a_mapping_holds_a_null_value():
    """Without one, the loader does not walk a CLI file's data for null keys to drop."""
    for text, nulls in (("a: {b: null}\n", True), ("a:\n", True), ("a: [{b: ~}]\n", True), ("a: [null]\n", False),
                        ("- ~\n", False), ("a: 1\nb: [x, {c: d}]\n", False)):
        assert built_natively(text)[4] is nulls, text


@settings(max_examples=int(os.environ.get("BLOCKLINT_FUZZ_EXAMPLES", "100")), deadline=None, database=None,
          derandomize=bool(os.environ.get("CI")))
@given(word=st.sampled_from("yYnNtTfFoO").flatmap(lambda first: st.text(max_size=8).map(lambda rest: first + rest)))
def test_a_plain_word_is_typed_only_when_it_is_a_typed_word(word):
    """What the native builder assumes to skip yaml_plain for words like `name` and `type`."""
    from blocklint.load.scalars import TYPED_WORDS, yaml_plain

    assert word in TYPED_WORDS or yaml_plain(word) == word
    for typed in TYPED_WORDS:
        assert yaml_plain(typed) != typed


@settings(max_examples=int(os.environ.get("BLOCKLINT_FUZZ_EXAMPLES", "100")), deadline=None, database=None,
          derandomize=bool(os.environ.get("CI")))
@given(scalar=st.sampled_from("-+0123456789.~<=yYnNtTfFoO").flatmap(
    lambda first: st.text("0123456789_+-.:eEiInNfFaAxXbBoOtTzZ GB~<=é", max_size=12).map(lambda rest: first + rest)))
def test_plain_scalars_the_native_builder_types_itself_are_typed_as_yaml_plain_types_them(scalar):
    """Words, decimal integers and number-like strings (`10GB`) are typed without calling
    `yaml_plain`: what it would have given, or the text declined as a whole."""
    text = f"a: {scalar}\n"
    with pure_python():
        expected = tree(text)
    assert tree(text) == expected


def test_the_benchmark_corpus_reads_the_same(plan, tmp_path):
    for path in corpus.corpus(tmp_path, CORPUS_FILES):
        assert built_natively(path.read_text(encoding="utf-8")) is not None, path
        assert_same_reading(path, plan)


@pytest.mark.parametrize("folder", ["examples", "tests/cases", "tests/data"])
def test_every_example_case_and_data_file_reads_the_same(plan, folder, monkeypatch):
    monkeypatch.chdir(ROOT)  # the golden cases' relative artifact paths
    files = [path for path in FILES if path.is_relative_to(ROOT / folder)]
    assert files
    for path in files:
        assert_same_reading(path, plan)


def python_walk(root, needle: str) -> list:
    found: list = []
    native._strings_in(root, (), needle, found)
    return found


NESTED = st.recursive(st.one_of(st.text("@ab:", max_size=6), st.integers(), st.booleans(), st.none()),
                      lambda children: st.one_of(st.lists(children, max_size=4),
                                                 st.dictionaries(st.text("ab", max_size=3), children, max_size=4)),
                      max_leaves=30)


@settings(max_examples=int(os.environ.get("BLOCKLINT_FUZZ_EXAMPLES", "100")), deadline=None, database=None,
          derandomize=bool(os.environ.get("CI")))
@given(root=st.one_of(st.lists(NESTED, max_size=4), st.dictionaries(st.text("ab", max_size=3), NESTED, max_size=4)),
       needle=st.sampled_from(["@", "a:", "", "b@"]))
def test_the_native_string_walk_finds_what_the_python_walk_finds_in_its_order(root, needle):
    """`native.strings_holding` (param_refs' walk of `config`): the same (container, key, string,
    path) entries, the containers the very objects."""
    found = native.strings_holding(root, needle)
    expected = python_walk(root, needle)
    assert repr(found) == repr(expected)
    assert all(a[0] is b[0] and a[2] is b[2] for a, b in zip(found, expected))


@settings(max_examples=int(os.environ.get("BLOCKLINT_FUZZ_EXAMPLES", "100")), deadline=None, database=None,
          derandomize=bool(os.environ.get("CI")))
@given(text=st.text("ab-:é\udc00x", max_size=12), needles=st.lists(st.text("ab-:éx", max_size=3), max_size=4))
def test_the_native_needle_search_finds_what_a_search_per_needle_finds(text, needles):
    """`native.holds_any` (BL701's cues): a needle found in the text's UTF-8 bytes is one in the
    text; a text with a lone surrogate is left to the caller (None)."""
    from blocklint import secrets

    found = native.holds_any(text, tuple(needles))
    if "\udc00" in text:
        assert found is None
    else:
        assert found is secrets.holds_any(text, tuple(needles)) is any(needle in text for needle in needles)


@settings(max_examples=int(os.environ.get("BLOCKLINT_FUZZ_EXAMPLES", "100")), deadline=None, database=None,
          derandomize=bool(os.environ.get("CI")))
@given(text=st.text("ab -é\udc00", max_size=12), length=st.integers(0, 5))
def test_the_native_token_run_finds_what_the_translated_bytes_hold(text, length):
    """`native.token_run` (BL701's long-token cue): a run of token characters in the text's
    UTF-8 bytes, as `secrets.may_hold_credentials` finds one in its translated bytes."""
    from blocklint import secrets

    found = native.token_run(text, "ab-", length)
    if "\udc00" in text:
        assert found is None
    else:
        assert found is (b"a" * length in text.encode().translate(bytes(0x61 if byte in b"ab-" else 0x20
                                                                        for byte in range(256))))
    assert secrets.may_hold_credentials(text, native) is secrets.may_hold_credentials(text)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("parity")
    (directory / "examples").symlink_to(ROOT / "examples")
    return directory


@pytest.mark.slow  # a property test: 2 x BLOCKLINT_FUZZ_EXAMPLES files, each loaded and checked twice
@PARITY
@given(data=st.data())
def test_hostile_files_read_the_same(plan, workdir, data):
    """The generator of tests/test_hostile.py: what the native builder declines (most spliced
    features) falls back; what it takes must read the same."""
    text, name = test_hostile.spliced_document(data)
    path = workdir / name
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    with contextlib.chdir(workdir):
        assert_same_reading(path, plan)


YAML_PIECES = [*"ab01.-+:?[]{},'\"|>&*!#%@ \n\r\t~<=\\", "true", "null", "1.5", "- ", ": ", "  ", "\u2028", "é", "𝄞",
               "---", "...", "<<", "!!str", "0x1F", "2024-01-01", ".nan"]


def tree(text: str) -> str:
    """What the tree step builds (or raises) for one text, as text."""
    from blocklint.load.tree import TreeBuilder

    builder = TreeBuilder()
    try:
        builder.build(text)
    except Exception as error:  # noqa: BLE001 - the loader turns it into a finding; both paths must agree
        return f"raised {type(error).__name__}: {error}"
    paths = sorted(map(repr, builder.ids.values()))
    return repr((builder.root, builder.spans, builder.key_spans, builder.problems, builder.failed, paths))


@pytest.mark.slow  # a property test: 10 x BLOCKLINT_FUZZ_EXAMPLES texts, each built twice (no rules)
@settings(PARITY, max_examples=10 * int(os.environ.get("BLOCKLINT_FUZZ_EXAMPLES", "100")))
@given(text=st.lists(st.sampled_from(YAML_PIECES), max_size=60).map("".join))
def test_random_yaml_texts_build_the_same(text):
    """Texts of YAML's punctuation, words and odd characters, most of them broken: whatever the
    native builder takes or declines, the tree step's output is the pure-Python one."""
    with pure_python():
        expected = tree(text)
    assert tree(text) == expected

