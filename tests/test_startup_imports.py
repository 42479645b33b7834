"""What `blocklint check` of one clean file imports: a pre-commit hook starts it thousands of
times a day, so a module only some files need is imported by those files alone. Read from
`sys.modules` in a new process after the command ran (no timing)."""

import os
import subprocess
import sys
import textwrap

# Each needed by some files only: networkx explains a cycle of steps, croniter a cron that crosses
# midnight, jinja2 renders `.j2` templates, python-jsonschema explains schema errors (jsonschema-rs
# answers valid documents), PyYAML is the fallback parser, httpx is `submit`'s, importlib.metadata
# looks for rule plugins only when a distribution declares some, multiprocessing checks many
# files, pygls serves editors; importlib.resources is not needed to read the packaged schema.
NOT_FOR_ONE_CLEAN_FILE = ("networkx", "croniter", "jinja2", "jsonschema", "yaml", "httpx", "importlib.metadata",
                          "importlib.resources", "multiprocessing", "pygls", "lsprotocol", "click.shell_completion")

SPEC = textwrap.dedent("""\
    body:
      version: 1
      kind: workflow
      metadata: {name: orders, summary: Loads orders.}
      release: {version: "1.0.0"}
      config:
        steps:
          extract: {type: standard, command: python extract.py, imageDetails: {id: 1}}
          load: {type: standard, command: python load.py, imageDetails: {id: 1}, parents: [extract]}
    """)


# A small artifact's size is told from its files' stamps: nothing is zipped (BL804).
NOT_FOR_A_SMALL_ARTIFACT = ("zipfile", "tempfile")


def _imported_by_check(directory) -> set:
    # Read at exit: a finished check leaves through os._exit, after the atexit functions.
    code = ("import atexit, sys\nsys.argv = ['blocklint', 'check', '--no-cache', '--isolated', 'spec.yaml']\n"
            "atexit.register(lambda: print(' '.join(sorted(sys.modules)), file=sys.stderr))\n"
            "from blocklint.entry import main\nmain()\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=directory, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 errors, 0 warnings in 1 file" in done.stdout
    imported = set(done.stderr.split())
    assert "blocklint.rules.dag" in imported and "jsonschema_rs" in imported  # the check did run
    return imported


def test_a_check_of_one_clean_spec_imports_only_what_it_needs(tmp_path):
    (tmp_path / "spec.yaml").write_text(SPEC, encoding="utf-8")
    imported = _imported_by_check(tmp_path)
    assert [name for name in NOT_FOR_ONE_CLEAN_FILE if name in imported] == []


def test_a_spec_with_a_small_artifact_zips_nothing(tmp_path):
    artifact = tmp_path / "block"
    (artifact / "sql").mkdir(parents=True)
    (artifact / "Dockerfile").write_text("FROM python:3.11-slim\nCOPY . /app\n")
    (artifact / "main.py").write_text("print('hello')\n")
    (artifact / "sql" / "query.sql").write_text("select 1;\n")
    (artifact / ".dockerignore").write_text("*.pyc\n")
    (tmp_path / "spec.yaml").write_text(SPEC + "artifact: {path: block, ignore_files: [.dockerignore]}\n",
                                        encoding="utf-8")
    imported = _imported_by_check(tmp_path)
    assert "blocklint.artifact" in imported and "pathspec" in imported  # the artifact was listed
    assert [name for name in NOT_FOR_A_SMALL_ARTIFACT if name in imported] == []


def _imported_by_cold_and_warm_checks(directory, arguments: list, forget: tuple = ()) -> tuple:
    """What `blocklint check ARGUMENTS` of the clean spec in `directory` imports, run twice: the
    first run fills the result cache, the second is answered from it. `forget`: modules taken out
    of `sys.modules` first, so that one imported before the check (by an editable install's
    import hook, say) is seen again if the check imports it."""
    (directory / "spec.yaml").write_text(SPEC, encoding="utf-8")
    code = (f"import atexit, sys\nsys.argv = ['blocklint', 'check', *{arguments!r}]\n"
            f"for name in {forget!r}:\n    sys.modules.pop(name, None)\n"
            "atexit.register(lambda: print(' '.join(sorted(sys.modules)), file=sys.stderr))\n"
            "from blocklint.entry import main\nmain()\n")
    env = {**os.environ, "XDG_CACHE_HOME": str(directory / "user-cache")}
    env.pop("BLOCKLINT_NO_CACHE", None)
    runs = [subprocess.run([sys.executable, "-c", code], cwd=directory, capture_output=True, text=True, timeout=60,
                           env=env) for _ in range(2)]
    for done in runs:
        assert done.returncode == 0, done.stdout + done.stderr
        assert "0 errors, 0 warnings in 1 file" in done.stdout
    cold, warm = (set(done.stderr.split()) for done in runs)
    assert {"blocklint.load.loader", "blocklint.engine.run"} <= cold  # the first run did check the file
    assert "blocklint.cache" in warm
    return cold, warm


def test_a_check_answered_from_the_cache_parses_nothing(tmp_path):
    """A warm run: every file's result comes from the result cache, so neither the loader's
    parser nor the engine that runs rules is imported (`blocklint.load`, `blocklint.engine`
    name their parts on first use)."""
    _, warm = _imported_by_cold_and_warm_checks(tmp_path, ["--isolated", "spec.yaml"])
    assert [name for name in ("blocklint.load.loader", "blocklint.load.tree", "blocklint.engine.run")
            if name in warm] == []


def test_a_plain_check_answered_from_the_cache_imports_no_typing(tmp_path):
    """`typing` is ~2 ms of CPU at every start, ~4 % of a warm check of 1,000 files: blocklint's
    records are `collections.namedtuple`s (not `typing.NamedTuple`s) and its annotations, never
    evaluated, need no import. The plain form `check PATH` (click, which imports `typing`, reads
    any other), in a folder with no configuration file (`tomllib` imports it) and no
    `.gitignore` (nor does pathspec's `typing_extensions` spare it)."""
    _, warm = _imported_by_cold_and_warm_checks(tmp_path, ["spec.yaml"])
    assert "blocklint.cli" not in warm  # the plain form, as a pre-commit hook runs it
    assert "typing" not in warm


def test_a_check_answered_from_the_cache_imports_no_loading_or_kinds(tmp_path):
    """A warm run plans (`LoadSettings`, the related specs, the project) but reads no file: the
    table of kinds (`blocklint.kinds`), the classes of what loading produces
    (`blocklint.load.document`), `copy` (a plan's settings copied with `--kind` undone), `math`
    (a secret's entropy) and `contextlib` (three context managers) are ~13 M instructions at
    every start that such a run never uses."""
    unused = ("blocklint.kinds", "blocklint.load.document", "copy", "math", "contextlib")
    _, warm = _imported_by_cold_and_warm_checks(tmp_path, ["spec.yaml"], forget=unused)
    assert "blocklint.specs" in warm and "blocklint.project" in warm  # the plan was built
    assert [name for name in unused if name in warm] == []
