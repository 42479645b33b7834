"""Configuration: `.blocklint.toml`, or `[tool.blocklint]` in `pyproject.toml`.

Found by walking up from each checked file's directory (the working directory for what is not
a file); the first directory holding either file wins
(`.blocklint.toml` before `pyproject.toml`, and a `pyproject.toml` counts only if it has a
`[tool.blocklint]` table). Paths in it are relative to the file's directory.

Command-line options win over the file: `--select` replaces `select`; `--ignore`,
`--extend-select`, `--rules-dir` and `--exclude` add to the file's lists; `--params-file`,
`--strict`, `--baseline` replace theirs. Paths must lie inside the file's folder, and a
`rules-dir` (Python code) is loaded only when trusted (`--trust-rules-dir`): a configuration
file may come from a pull request. Which environment variables templates may read is for the
command line alone (`--template-env`), never for a file in the checkout.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from blocklint.findings import SEVERITIES
from blocklint.globs import Globs
from blocklint.records import Record, field, record
from blocklint.words import did_you_mean, relative_path

FILE_NAMES = (".blocklint.toml", "pyproject.toml")
# A configuration is written by hand: these bound one that is not (a 3.6 MB file of 100,000 globs
# cost ~30 s a file), and each is far past any real project's.
MAX_CONFIG_BYTES = 1 << 20
MAX_GLOBS = 1_000  # per table: `exclude`, `per-file-ignores`, `kinds`


class ConfigError(Exception):
    """A configuration file blocklint cannot use; the message says where and why."""


@record
class Config(Record):
    """A configuration file's settings (`[tool.blocklint]` or `.blocklint.toml`), or the defaults."""

    path: Path | None = None
    select: list = field(default_factory=list)
    extend_select: list = field(default_factory=list)
    ignore: list = field(default_factory=list)
    per_file_ignores: dict = field(default_factory=dict)
    severity: dict = field(default_factory=dict)
    rules_dir: list = field(default_factory=list)
    exclude: list = field(default_factory=list)
    params_file: str | None = None
    options: dict = field(default_factory=dict)
    strict: bool = False
    baseline: str | None = None
    respect_gitignore: bool = True
    kinds: dict = field(default_factory=dict)  # glob -> the kind it claims, in the file's order

    @property
    def root(self) -> Path:
        return self.path.parent if self.path else Path.cwd()

    def ignored_for(self, file: str) -> list[str]:
        """Rule codes that `per-file-ignores` turns off for a file."""
        relative, name = relative_path(file, self.root), Path(file).name
        return [code for globs, codes in self._per_file_globs if globs.matches(relative, name) for code in codes]

    @cached_property
    def _per_file_globs(self) -> list[tuple[Globs, tuple]]:
        """`per-file-ignores` compiled once: the globs that turn off the same codes, together."""
        by_codes: dict[tuple, list] = {}
        for pattern, codes in self.per_file_ignores.items():
            by_codes.setdefault(tuple(codes), []).append(pattern)
        return [(Globs(patterns), codes) for codes, patterns in by_codes.items()]


def find_config(start: Path | None = None) -> Path | None:
    directory = (start or Path.cwd()).resolve()
    for candidate_dir in (directory, *directory.parents):
        dotfile = candidate_dir / ".blocklint.toml"
        if dotfile.is_file():
            return dotfile
        pyproject = candidate_dir / "pyproject.toml"
        if pyproject.is_file() and "[tool.blocklint" in _read(pyproject, errors="replace"):
            return pyproject
    return None


def _read(path: Path, *, errors: str = "strict", limit: int | None = None) -> str:
    """A configuration file's text: a regular file, read no further than the size limit (a
    `pyproject.toml` that is a FIFO or a device is a usage error, never a hang)."""
    from blocklint.load import MAX_FILE_BYTES, FileTooLarge, UnreadableFile, read_bounded

    try:
        return read_bounded(path, limit or MAX_FILE_BYTES, what="configuration file").decode("utf-8", errors)
    except FileTooLarge as error:
        raise ConfigError(f"{path}: {error}; a configuration is written by hand, and blocklint reads one of at "
                          f"most {MAX_CONFIG_BYTES >> 20} MiB") from error
    except UnreadableFile as error:
        raise ConfigError(f"{path}: {error}") from error


def load_config(path: Path | None) -> Config:
    if path is None:
        return Config()
    import tomllib

    try:
        document = tomllib.loads(_read(path, limit=MAX_CONFIG_BYTES))
    except RecursionError:
        raise ConfigError(f"{path}: nested too deeply to be a configuration file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read: {error}") from error
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from error
    table = document.get("tool", {}).get("blocklint", {}) if path.name == "pyproject.toml" else document
    where = "[tool.blocklint]" if path.name == "pyproject.toml" else path.name
    return _parse(table, path, where)


_KEYS = {
    "select": "codes", "extend-select": "codes", "ignore": "codes", "per-file-ignores": "per-file",
    "severity": "severity", "rules-dir": "paths", "exclude": "globs", "params-file": "path",
    "options": "options", "strict": "bool", "baseline": "path", "respect-gitignore": "bool",
    "kinds": "kinds",
}


def _parse(table: dict, path: Path, where: str) -> Config:
    config = Config(path=path)
    for key, value in table.items():
        if key not in _KEYS:
            raise ConfigError(f"{path}: unknown key '{key}' in {where}{did_you_mean(key, _KEYS)} "
                              f"(known keys: {', '.join(_KEYS)})")
        expected = _KEYS[key]
        attribute = key.replace("-", "_")
        if expected in ("globs", "per-file", "kinds") and isinstance(value, (list, dict)) and len(value) > MAX_GLOBS:
            raise ConfigError(f"{path}: '{key}' holds {len(value):,} globs; blocklint reads at most {MAX_GLOBS:,} "
                              "(a configuration is written by hand: match a folder, or a name with a wildcard)")
        if expected == "codes":
            setattr(config, attribute, _codes(value, key, path))
        elif expected == "paths":
            config.rules_dir = [_inside(path, item, key) for item in _strings(value, key, path)]
        elif expected == "globs":
            config.exclude = _strings(value, key, path)
        elif expected == "path":
            if not isinstance(value, str):
                raise ConfigError(f"{path}: '{key}' must be a path (a string)")
            setattr(config, attribute, _inside(path, value, key))
        elif expected == "bool":
            if not isinstance(value, bool):
                raise ConfigError(f"{path}: '{key}' must be true or false")
            setattr(config, attribute, value)
        elif expected == "per-file":
            if not isinstance(value, dict):
                raise ConfigError(f"{path}: 'per-file-ignores' must be a table of glob = [codes]")
            config.per_file_ignores = {glob: _codes(codes, f"per-file-ignores.{glob}", path)
                                       for glob, codes in value.items()}
        elif expected == "severity":
            if not isinstance(value, dict) or any(level not in SEVERITIES for level in value.values()):
                raise ConfigError(f"{path}: 'severity' must be a table of RULE = \"error\" | \"warning\" | \"info\"")
            config.severity = {code.upper(): level for code, level in value.items()}
        elif expected == "kinds":
            config.kinds = _kinds(value, path, where)
        elif expected == "options":
            if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
                raise ConfigError(f"{path}: 'options' must hold one table per rule, e.g. [tool.blocklint.options.BL204]")
            config.options = {code.upper(): _options(code, opts, path) for code, opts in value.items()}
    return config


def _kinds(value, path: Path, where: str) -> dict:
    """`[tool.blocklint.kinds]`: glob = kind name, each name a kind's."""
    from blocklint.kinds import KINDS_BY_NAME, unknown_kind_message

    if not isinstance(value, dict) or not all(isinstance(kind, str) for kind in value.values()):
        raise ConfigError(f'{path}: \'kinds\' must be a table of "glob" = "kind", e.g. "deploy/*.yaml" = '
                          '"block-deployment"')
    for glob, kind in value.items():
        if kind not in KINDS_BY_NAME:
            raise ConfigError(f"{path}: {unknown_kind_message(kind, f'{where} kinds {glob!r}')}")
    return dict(value)


def _inside(path: Path, value: str, key: str) -> str:
    """A path the configuration names, which must lie inside the configuration's folder: a file
    from a checkout must not make blocklint read elsewhere on the machine."""
    folder = path.parent.resolve()
    target = (path.parent / value).resolve()
    if not target.is_relative_to(folder):
        raise ConfigError(f"{path}: '{key}' = {value!r} lies outside {folder}; name a path inside the project")
    return str(path.parent / value)


def _options(code: str, options: dict, path: Path) -> dict:
    """A rule's options. Numbers must be finite and not negative: every option blocklint's rules
    read is a count or an interval, and `inf`/`nan` would quietly turn a rule off."""
    import math

    for name, value in options.items():
        if isinstance(value, (int, float)) and not isinstance(value, bool) \
                and (not math.isfinite(value) or value < 0):
            raise ConfigError(f"{path}: options.{code}.{name} = {value} is out of range; "
                              "give a finite number, 0 or more")
    return dict(options)


def _codes(value, key: str, path: Path) -> list[str]:
    """Rule codes; an empty one would match every rule, so it is an error, not "all rules off"."""
    if isinstance(value, list) and any(isinstance(item, str) and not item.strip() for item in value):
        raise ConfigError(f"{path}: '{key}' holds an empty rule code, which would match every rule; remove it")
    return [code.strip().upper() for code in _strings(value, key, path)]


def _strings(value, key: str, path: Path) -> list[str]:
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{path}: '{key}' must be a list of strings")
    return value
