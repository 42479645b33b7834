"""Choosing rules: `--select`/`--ignore` by id or prefix (the longer match wins, as in ruff) and
pytest's `-k` keyword expressions."""

from __future__ import annotations

import keyword
import re
from collections.abc import Callable

from blocklint.engine.api import Rule, RuleError


def select_rules(rules, *, select=(), ignore=(), keyword_expr: str | None = None) -> list[Rule]:
    """`--select`/`--ignore` take ids or prefixes (`BL3`); the longer match wins, as in ruff."""
    chosen = []
    matcher = compile_keyword(keyword_expr) if keyword_expr else None
    for candidate in rules:
        selected = _longest_prefix(candidate.id, select) if select else 0
        ignored = _longest_prefix(candidate.id, ignore)
        if select and not selected:
            continue
        if ignored and ignored >= selected:
            continue
        if matcher and not matcher(candidate):
            continue
        chosen.append(candidate)
    return chosen


def _longest_prefix(rule_id: str, prefixes) -> int:
    lengths = [len(prefix) for prefix in prefixes if prefix == "ALL" or rule_id.startswith(prefix)]
    return max(lengths, default=0)


_TOKEN = r"\s*(\(|\)|[^\s()]+)"  # compiled on first use (`re` keeps it): only `-k` needs it


def compile_keyword(expression: str) -> Callable[[Rule], bool]:
    """pytest's `-k`: words match rule names and ids by substring; `and`, `or`, `not`, parentheses."""
    tokens = re.findall(_TOKEN, expression)
    position = 0

    def peek():
        return tokens[position] if position < len(tokens) else None

    def take():
        nonlocal position
        position += 1
        return tokens[position - 1]

    def parse_or():
        left = parse_and()
        while peek() == "or":
            take()
            right = parse_and()
            left = (lambda a, b: lambda r: a(r) or b(r))(left, right)
        return left

    def parse_and():
        left = parse_not()
        while peek() == "and":
            take()
            right = parse_not()
            left = (lambda a, b: lambda r: a(r) and b(r))(left, right)
        return left

    def parse_not():
        if peek() == "not":
            take()
            inner = parse_not()
            return lambda r: not inner(r)
        return parse_atom()

    def parse_atom():
        token = peek()
        if token is None or token == ")" or (keyword.iskeyword(token) and token in ("and", "or")):
            raise RuleError(f"-k {expression!r}: expected a word at {' '.join(tokens[position:]) or 'the end'}")
        take()
        if token == "(":
            inner = parse_or()
            if peek() != ")":
                raise RuleError(f"-k {expression!r}: missing ')'")
            take()
            return inner
        word = token.lower()
        return lambda r: word in r.name or word in r.id.lower()

    matcher = parse_or()
    if position != len(tokens):
        raise RuleError(f"-k {expression!r}: unexpected {tokens[position]!r}")
    return matcher


def matches(rule_id: str, codes) -> bool:
    """Whether a code of `codes` (an id, a prefix or ALL) names `rule_id`."""
    return "ALL" in codes or any(code and rule_id.startswith(code) for code in codes)


# What the file being checked cannot silence with its own comments: a rule crashed on it (BL000),
# it hit a resource limit (BL005), its template was refused or failed (BL007). A hostile file
# that could hide these would pass with exit 0 after being refused.
UNSUPPRESSIBLE = frozenset({"BL000", "BL005", "BL007"})


def names_every_rule(code: str) -> bool:
    """Whether `code` (an id, a prefix or ALL) names every built-in rule: `ALL`, `B`, `BL`."""
    return code == "ALL" or bool(code) and "BL".startswith(code)
