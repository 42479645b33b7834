"""The registry: Press's blocks and apps API as methods over one SQLite file.

Every method answers what the Press API answers (the same dict shapes peak-sdk reads) or
raises a `RegistryError` carrying the HTTP status; `blocklint serve` is a thin HTTP layer over
these methods and `blocklint submit --target local` calls them directly. The documents are
checked by the rule engine before a write's transaction starts; the transaction re-checks what
can change in between (names, versions).

The jobs live apart: `db` (file, tables, transactions, migrations), `listing` (filters, sort,
pages), `specs` (specs, releases, artifacts), `deployments` (deployments, revisions, run
parameters), `values` (what JSON is storable), `hidden` (masking `hideValue` parameters).
"""

from __future__ import annotations

from blocklint.registry.db import Database
from blocklint.registry.deployments import Deployments
from blocklint.registry.errors import Conflict, Invalid, NotFound, RegistryError, TooLarge
from blocklint.registry.hidden import MASK
from blocklint.registry.specs import Specs
from blocklint.semver import semver_key  # callers that sort versions import it from here too

FAMILIES = ("blocks", "apps")


class Registry(Specs, Deployments, Database):
    """Specs, releases, deployments, revisions and run parameters in the SQLite file at `path`."""


__all__ = ["Registry", "RegistryError", "Invalid", "NotFound", "Conflict", "TooLarge", "FAMILIES", "MASK",
           "semver_key"]
