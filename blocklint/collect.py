"""Collecting a run's rules: the built-in fixtures and rules, `--rules-dir` modules, and the
`blocklint.rules` entry points, into one checked `RuleSet`.

This sits above `blocklint.rules` (it imports them); the engine below knows nothing of where
rules come from.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

from blocklint.catalogue import ENTRY_POINT_GROUP, some_distribution_declares
from blocklint.engine import RuleError, RuleSet, RuleSetBuilder


def collect_rules(rules_dirs=(), *, plugins: bool = True) -> RuleSet:
    """Built-in fixtures and rules, then `--rules-dir` modules, then the entry-point plugins.

    A fixture or rule id defined twice is a `RuleError` naming both places.
    """
    from blocklint import fixtures
    import blocklint.rules as builtin

    builder = RuleSetBuilder()
    builder.add_module(fixtures, fixtures.__name__)
    # Import every module before reading any rule: a module may use fixtures another declares.
    names = sorted({name[:-3] for directory in builtin.__path__ for name in os.listdir(directory)
                    if name.endswith(".py") and not name.startswith("_")})
    for module in [importlib.import_module(f"blocklint.rules.{name}") for name in names]:
        builder.add_module(module, module.__name__)
    for directory in rules_dirs:
        _add_directory(builder, Path(directory))
    if plugins:
        _add_entry_points(builder)
    return builder.build()


def _add_directory(builder: RuleSetBuilder, directory: Path):
    """Every `*.py` of a local rules directory. The directory is importable while its modules
    load, so a rule module may import a sibling helper module (`import helpers`)."""
    if not directory.is_dir():
        raise RuleError(f"--rules-dir {directory}: not a directory")
    import importlib.util

    sys.path.insert(0, str(directory))
    try:
        for path in sorted(directory.glob("*.py")):
            module_name = f"blocklint_local_rules.{path.stem}"
            spec = importlib.util.spec_from_file_location(module_name, path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[module_name] = module
            try:
                spec.loader.exec_module(module)
            except RuleError:
                raise
            except Exception as error:  # a user's rule file: report, don't crash
                raise RuleError(f"cannot load rules from {path}: {type(error).__name__}: {error}") from error
            builder.add_module(module, str(path))
    finally:
        sys.path.remove(str(directory))


def _add_entry_points(builder: RuleSetBuilder):
    if not some_distribution_declares(ENTRY_POINT_GROUP):
        return
    from importlib.metadata import entry_points

    for entry in entry_points(group=ENTRY_POINT_GROUP):
        try:
            loaded = entry.load()
        except Exception as error:
            raise RuleError(f"cannot load rule plugin {entry.name} ({entry.value}): {error}") from error
        if hasattr(loaded, "__blocklint_rule__"):
            builder.add(loaded, f"plugin {entry.name}")
        else:
            builder.add_module(loaded, f"plugin {entry.name}")


def ruleset_of(*funcs, origin: str = "test") -> RuleSet:
    """Only these rule functions, with the built-in fixtures (and those of the built-in rule
    modules): for testing a rule on its own."""
    builder = RuleSetBuilder()
    for found in collect_rules(plugins=False).fixtures.values():
        builder.add(found, "blocklint")
    for name, (func, _extras) in collect_rules(plugins=False).fanouts.items():
        builder.add(func, "blocklint")
    for func in funcs:
        builder.add(func, origin)
    return builder.build()
