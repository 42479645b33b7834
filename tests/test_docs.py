"""docs/rules.md is generated from the rules and their golden cases; it must be current, and
every rule must be documented the way ruff documents its rules."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from blocklint import docs
from blocklint.collect import collect_rules

ROOT = Path(__file__).resolve().parent.parent
BUILTIN = [found for found in collect_rules(plugins=False) if docs.is_builtin(found)]


def test_rules_md_is_current():
    current = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8") if (ROOT / "docs" / "rules.md").exists() else ""
    assert current == docs.generate(), f"docs/rules.md is stale: run `{docs.REGENERATE}` and commit it"


@pytest.mark.parametrize("found", BUILTIN, ids=lambda found: found.id)
def test_rule_docstring_has_summary_why_and_example(found):
    doc = found.doc
    assert doc, f"{found.id} has no docstring"
    summary = doc.splitlines()[0]
    assert summary.strip() and not summary.startswith("#"), f"{found.id}: the first line must be a one-line summary"
    assert summary.rstrip().endswith((".", "?", ")", "`")), f"{found.id}: the summary must be a sentence: {summary!r}"
    assert len(doc.splitlines()) < 2 or not doc.splitlines()[1].strip(), \
        f"{found.id}: the summary is one line, followed by a blank line"
    headings = re.findall(r"^## (.+)$", doc, re.M)
    assert "Why is this bad?" in headings, f"{found.id}: no '## Why is this bad?' section"
    assert "Example" in headings, f"{found.id}: no '## Example' section"
    assert headings.index("Why is this bad?") < headings.index("Example")


EVIDENCE = ("peak ", "`peak ", "SDK", "docs.peak.ai", "YAML", "RFC", "blocklint's own", "Inference",
            "Not a check")


@pytest.mark.parametrize("found", BUILTIN, ids=lambda found: found.id)
def test_rule_docstring_names_its_source_and_the_severity_it_justifies(found):
    """Every rule says what it rests on (issue 13): a `## Source` section, last or before
    `## Example`, naming a kind of evidence and ending with the severity decision."""
    headings = re.findall(r"^## (.+)$", found.doc, re.M)
    assert "Source" in headings, f"{found.id}: no '## Source' section"
    source = docs.rule_source(found)
    assert source, f"{found.id}: the '## Source' section is empty"
    assert any(word in source for word in EVIDENCE), f"{found.id}: the Source names no kind of evidence: {source}"
    if source.startswith("Inference"):
        assert found.severity != "error", f"{found.id}: an inferred rule is a warning, not an error"
    assert "## Source" not in source


def test_rule_source_is_the_sections_text_and_empty_without_one():
    from blocklint.collect import ruleset_of
    from blocklint.engine import rule

    @rule("BL998", "made-up-source", severity="warning")
    def with_source(config):
        """Something.

        ## Why is this bad?
        Because.

        ## Source
        Inference: made up
        over two lines.

        ## Example
        none
        """

    @rule("BL997", "made-up-no-source", severity="warning")
    def without_source(config):
        """Something.

        ## Why is this bad?
        Because.
        """

    made = {found.id: found for found in ruleset_of(with_source, without_source, origin="blocklint.rules.x")}
    assert docs.rule_source(made["BL998"]) == "Inference: made up over two lines."
    assert docs.rule_source(made["BL997"]) == ""


def test_rules_md_shows_each_rules_source():
    text = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    for found in BUILTIN:
        section = text[text.index(f"### {found.id}\n"):]
        section = section[:section.index("#### Failing example")]
        assert "#### Source" in section, f"docs/rules.md: {found.id} shows no Source"


@pytest.mark.parametrize("found", BUILTIN, ids=lambda found: found.id)
def test_each_rule_section_has_its_failing_example_and_output(found):
    section = "\n".join(docs.rule_section(found))
    example = docs.failing_example(found.id)
    if example is None:  # tests/test_cases.py fails for a rule without cases; no need to fail twice
        pytest.skip(f"{found.id} has no tests/cases/{found.id}/bad* file yet")
    path, output, _ = example
    assert output, f"{path}.out expects no finding"
    assert f"`{path.name}`" in section
    for line in output:
        assert f"\n{line}\n" in section


def test_help_uri_anchors_are_the_section_headings():
    text = docs.generate()
    assert re.findall(r"^### (\S+)$", text, re.M) == [found.id for found in sorted(BUILTIN, key=lambda f: f.id)]
    for found in BUILTIN:
        assert docs.help_uri(found).endswith(f"/docs/rules.md#{found.id.lower()}")


def test_generator_picks_up_a_new_rule_and_its_case(tmp_path):
    """A rule added with a bad case appears, docstring, example file and output, without edits here."""
    from blocklint.collect import ruleset_of
    from blocklint.engine import rule

    @rule("BL999", "made-up-rule", severity="warning")
    def made_up(config):
        """Something made up.

        ## Why is this bad?
        Because.

        ## Example
        ```yaml
        # a comment, not a heading
        ```
        """

    case = tmp_path / "BL999"
    case.mkdir()
    (case / "bad-thing.yaml").write_text("body:\n  kind: workflow\n")
    (case / "bad-thing.out").write_text("bad-thing.yaml:2:3: BL999 warning made up\n")
    (case / "args").write_text("--kind block-spec\n")
    text = docs.generate([*BUILTIN, *ruleset_of(made_up, origin="blocklint.rules.madeup")], cases=tmp_path)
    section = text[text.index("### BL999"):]
    assert "**made-up-rule** · warning" in section
    assert "#### Why is this bad?" in section and "# a comment, not a heading" in section
    assert "`blocklint check --kind block-spec --select BL999 bad-thing.yaml` reports:" in section
    assert "\nbad-thing.yaml:2:3: BL999 warning made up\n" in section
    assert "| [BL999](#bl999) | made-up-rule | warning | Something made up. |" in text


def test_python_m_blocklint_docs_prints_the_document():
    result = subprocess.run([sys.executable, "-m", "blocklint.docs"], capture_output=True, check=True)
    assert result.stdout.decode("utf-8") == docs.generate()


def test_explain_prints_the_rules_source(run):
    code, output = run("explain", "BL606")
    assert code == 0
    assert "## Source" in output and "A valid semantic release version" in output
