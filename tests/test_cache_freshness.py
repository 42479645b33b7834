"""What the result cache must not replay: an answer that depends on the clock (BL200's next runs
of a cron), and an answer computed by a `--rules-dir` rule whose helper module has changed."""

from __future__ import annotations

import datetime
import sys

from blocklint import cache_key
from blocklint.cache import ResultCache
from blocklint.rules import triggers
from test_cache import findings_of, lint, project, rendered, stored, three_runs  # noqa: F401 (project: a fixture)


def _at(monkeypatch, hour: int):
    moment = datetime.datetime(2030, 1, 7, hour, 1, tzinfo=datetime.timezone.utc)
    monkeypatch.setattr(triggers, "_utcnow", lambda: moment)


def test_next_runs_are_never_replayed_once_past(project, monkeypatch):
    """BL200's result is not kept: the key cannot hold the clock, and runs past would be shown
    as next. The cache stays for what does not depend on it (the same file without --verbose)."""
    spec = project / "spec.yaml"
    _at(monkeypatch, 9)
    first, _ = lint([spec], cache=ResultCache(), verbose=True)
    assert any("runs next (UTC): Mon 2030-01-07 09:05" in f[2] for f in findings_of(first))
    _at(monkeypatch, 13)
    later = ResultCache()
    results, plan = lint([spec], cache=later, verbose=True)
    uncached, _ = lint([spec], verbose=True)
    assert later.hits == 0 and rendered(results, plan) == rendered(uncached, plan)
    assert any("runs next (UTC): Mon 2030-01-07 13:05" in f[2] for f in findings_of(results))
    lint([spec], cache=ResultCache())
    quiet = ResultCache()
    lint([spec], cache=quiet)
    assert quiet.hits == 1  # without --verbose BL200 does not run: the result is kept


HELPER_RULE = '''\
from blocklint.engine import rule

import team_wording


@rule("TEAM002", "team-wording", severity="warning")
def team_wording_rule(spec):
    """A team rule whose message lives in a helper module."""
    yield ("metadata",), team_wording.MESSAGE
'''


def test_an_edit_to_a_helper_module_of_a_rules_dir_invalidates(project):
    rules = project / "rules"
    rules.mkdir()
    (rules / "team_helper_rule.py").write_text(HELPER_RULE)
    (rules / "team_wording.py").write_text('MESSAGE = "first wording"\n')  # defines no rule
    options = {"rules_dir": (str(rules),), "select": ("TEAM",)}

    def edit():
        (rules / "team_wording.py").write_text('MESSAGE = "second wording"\n')
        sys.modules.pop("team_wording", None)

    try:
        before, after, output, uncached = three_runs([project / "spec.yaml"], edit, **options)
    finally:
        sys.modules.pop("team_wording", None)
    assert "first wording" in findings_of(before)[0][2]
    assert after.misses == 1 and output == uncached and "second wording" in output


def test_rules_dirs_too_large_to_fingerprint_turn_the_cache_off(project, monkeypatch):
    rules = project / "rules"
    rules.mkdir()
    for n in range(3):
        (rules / f"team_empty_{n}.py").write_text("")
    monkeypatch.setattr(cache_key, "MAX_RULES_DIR_FILES", 2)
    cache = ResultCache()
    lint([project / "spec.yaml"], cache=cache, rules_dir=(str(rules),))
    assert (cache.hits, cache.misses) == (0, 0) and not stored(project)
