"""Generate docs/rules.md from the rules and their test cases.

    python -m blocklint.docs > docs/rules.md     # or: python -m blocklint.docs --write

Every built-in rule gets a section, `### BL301` (so `docs/rules.md#bl301` links to it, as the
SARIF help URIs do), with its name, severity and docstring, then its failing example: the
first `tests/cases/<ID>/bad*` file and the exact findings its `.out` file expects, as ruff and
actionlint document their rules. tests/test_docs.py fails when the file is stale.
"""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path

DOCS_URL = "https://github.com/blocklint/blocklint/blob/main/docs/rules.md"
ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "cases"
OUTPUT = ROOT / "docs" / "rules.md"
REGENERATE = "python -m blocklint.docs --write"
SUFFIXES = (".yaml", ".yml", ".json", ".j2")
LANGUAGES = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".j2": "jinja"}
MAX_LINES = 40
MAX_WIDTH = 120

FAMILIES = {
    "BL0": "Reading the file: YAML/JSON syntax, encoding, duplicate keys, limits, templates",
    "BL1": "The JSON Schema of each document kind: unknown keys, required keys, types, enums",
    "BL2": "Triggers: cron expressions, trigger shape, duplicates",
    "BL3": "Steps and the step DAG: unknown parents, cycles, execution conditions",
    "BL4": "Parameters and `@param:` references",
    "BL5": "Image sources: `image` / `imageRef` / `imageDetails`",
    "BL6": "Services, watchers, scope, metadata, releases",
    "BL7": "Security: literal credentials",
    "BL8": "Artifacts",
}


def is_builtin(found) -> bool:
    return found.origin.startswith("blocklint.rules")


def docstring_section(doc: str, heading: str) -> str:
    """The text under `## heading` in a rule's docstring, up to the next `## ` heading ("" if absent)."""
    lines = (doc or "").splitlines()
    try:
        start = next(index for index, line in enumerate(lines) if line.strip() == f"## {heading}")
    except StopIteration:
        return ""
    body = []
    for line in lines[start + 1:]:
        if line.startswith("## "):
            break
        body.append(line)
    return "\n".join(body).strip()


def rule_source(found) -> str:
    """What a rule rests on: its docstring's `## Source` section, one paragraph of plain text.

    For SARIF (`rules[].properties.source`) and any other format that carries rule metadata;
    "" for a rule (a plugin's) that has none.
    """
    return " ".join(docstring_section(found.doc, "Source").split())


def anchor(rule_id: str) -> str:
    return rule_id.lower()


def help_uri(found) -> str | None:
    """Where a built-in rule is documented; None for local and plugin rules."""
    return f"{DOCS_URL}#{anchor(found.id)}" if is_builtin(found) else None


def _family(rule_id: str) -> str:
    return rule_id[:3] if rule_id.startswith("BL") else "other"


def _fence(text: str) -> str:
    longest = max((len(run) for run in re.findall(r"`{3,}", text)), default=2)
    return "`" * max(3, longest + 1)


def _demote(doc: str) -> str:
    """The docstring's `## Why is this bad?` headings sit below the rule's `###` heading."""
    out = []
    fence = None
    for line in doc.splitlines():
        stripped = line.lstrip()
        match = re.match(r"(`{3,}|~{3,})", stripped)
        if match:
            marker = match.group(1)
            if fence is None:
                fence = marker
            elif marker.startswith(fence) and not stripped[len(marker):].strip():
                fence = None
        elif fence is None and re.match(r"#{1,4} ", line):
            line = "##" + line
        out.append(line)
    return "\n".join(out).strip()


def failing_example(rule_id: str, cases: Path = CASES):
    """(bad file, its expected output lines, extra args) of a rule's first failing case, or None."""
    directory = cases / rule_id
    if not directory.is_dir():
        return None
    bad = sorted(path for path in directory.iterdir() if path.name.startswith("bad") and path.name.endswith(SUFFIXES))
    if not bad:
        return None
    path = bad[0]
    expected = path.with_name(path.name + ".out") if path.suffix == ".j2" else path.with_suffix(".out")
    lines = expected.read_text(encoding="utf-8").splitlines() if expected.exists() else []
    args_file = directory / "args"
    args = shlex.split(args_file.read_text(encoding="utf-8")) if args_file.exists() else []
    return path, lines, args


def _source_block(path: Path) -> list[str]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
        note = None
    except UnicodeDecodeError:
        text = raw.decode("utf-8", errors="replace")
        note = "(not valid UTF-8; undecodable bytes shown as `\ufffd`)"
    lines = text.splitlines()
    shown = []
    for line in lines[:MAX_LINES]:
        shown.append(line if len(line) <= MAX_WIDTH else line[:MAX_WIDTH] + " …")
    if len(lines) > MAX_LINES:
        shown.append(f"… ({len(lines) - MAX_LINES} more lines)")
    elif any(len(line) > MAX_WIDTH for line in lines):
        pass
    body = "\n".join(shown)
    fence = _fence(body)
    block = [f"`{path.name}`" + (f" {note}" if note else "") + ":", "",
             f"{fence}{LANGUAGES.get(path.suffix, '')}", body, fence]
    return block


def severity_and_evidence(found) -> str:
    """`error (documented platform rejection); warning (sent as written)`: each severity a rule's
    findings take, with the evidence behind it; the bare severity for a rule that names none."""
    if found.evidence is None:
        return found.severity
    return "; ".join(f"{evidence.severity} ({_in_a_sentence(evidence.label)})"
                     for evidence in (found.evidence, *found.also))


def _in_a_sentence(label: str) -> str:
    """`Sent as written` -> `sent as written`; `SDK code` stays."""
    return label[0].lower() + label[1:] if label[1:2].islower() else label


def rule_section(found, cases: Path = CASES) -> list[str]:
    lines = [f"### {found.id}", "", f"**{found.name}** · {severity_and_evidence(found)}", ""]
    lines += [_demote(found.doc) or "(no documentation)", ""]
    example = failing_example(found.id, cases)
    lines += ["#### Failing example", ""]
    if example is None:
        lines += ["(no failing example in `tests/cases` yet)", ""]
        return lines
    path, output, args = example
    lines += _source_block(path) + [""]
    command = shlex.join(["blocklint", "check", *args, "--select", found.id, path.name])
    lines += [f"`{command}` reports:", "", "```text", *output, "```", ""]
    return lines


def generate(rules=None, cases: Path = CASES) -> str:
    if rules is None:
        from blocklint.collect import collect_rules

        rules = collect_rules(plugins=False)
    rules = sorted((found for found in rules if is_builtin(found)), key=lambda found: found.id)
    lines = [
        "# Rules",
        "",
        f"<!-- Generated by `{REGENERATE}` from the rules' docstrings and tests/cases. Do not edit. -->",
        "",
        "Every built-in rule: what it checks, why it matters, and a failing example with the exact",
        "findings blocklint reports for it (from the rule's golden test in `tests/cases/<ID>/`).",
        "`blocklint rules` lists them; `blocklint explain BL301` prints one; `--select` and `--ignore`",
        "take ids or prefixes (`BL3`).",
        "",
        "| id | name | severity | checks |",
        "|---|---|---|---|",
    ]
    for found in rules:
        summary = found.summary.replace("|", "\\|")
        lines.append(f"| [{found.id}](#{anchor(found.id)}) | {found.name} | {found.severity} | {summary} |")
    lines.append("")
    family = None
    for found in rules:
        if _family(found.id) != family:
            family = _family(found.id)
            title = FAMILIES.get(family, "Other rules")
            lines += [f"## {family}xx: {title}" if family != "other" else f"## {title}", ""]
        lines += rule_section(found, cases)
    return "\n".join(lines).rstrip() + "\n"


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    text = generate()
    if argv == ["--write"]:
        OUTPUT.parent.mkdir(parents=True, exist_ok=True)
        OUTPUT.write_text(text, encoding="utf-8")
        print(f"wrote {OUTPUT.relative_to(ROOT)}", file=sys.stderr)
        return 0
    if argv:
        print("usage: python -m blocklint.docs [--write]", file=sys.stderr)
        return 2
    sys.stdout.buffer.write(text.encode("utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
