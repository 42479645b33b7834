"""How files are read (`LoadSettings`), apart from what reading them produces
(`blocklint.load.document`): every plan makes one, and a run answered from the result cache
reads no file, so it imports no document's classes."""

from __future__ import annotations

from blocklint.load.read import MAX_FILE_BYTES


class LoadSettings:
    """How files are read: template parameters and environment, limits, a forced kind, the kinds
    the configuration claims (`kinds.Claims`).

    `env` is what templates see as `os_env` (nothing by default: the environment is not the
    template's to read). `include_root` confines `{% include %}` (default: the directory of the
    file being rendered).
    """

    def __init__(self, *, params=None, template=True, kind=None, max_bytes=MAX_FILE_BYTES, env=None,
                 include_root: str | None = None, claims=None):
        self.params = dict(params or {})
        self.template = template
        self.kind = kind
        self.max_bytes = max_bytes
        self.env: dict[str, str] = dict(env or {})
        self.include_root = include_root
        self.claims = claims

    def with_kind(self, kind) -> LoadSettings:
        """A copy of these settings forcing `kind` (None: each file's own), sharing the rest."""
        changed = object.__new__(type(self))
        changed.__dict__.update(self.__dict__)
        changed.kind = kind
        return changed
