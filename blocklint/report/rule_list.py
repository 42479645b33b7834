"""`blocklint rules --format json`: the rules as data, for editors, dashboards and scripts.

    [{"id": "BL101", "name": "unknown-key", "severity": "error",
      "summary": "A key the Press API does not define...", "url": "https://…/docs/rules.md#bl101"}]

`url` is null for a rule without documentation (a plugin or `--rules-dir` rule).
"""

from __future__ import annotations

import json


def rules_data(rules) -> list[dict]:
    from blocklint.docs import help_uri

    return [{"id": found.id, "name": found.name, "severity": found.severity, "summary": found.summary,
             "url": help_uri(found)} for found in rules]


def rules_json(rules) -> str:
    return json.dumps(rules_data(rules), indent=2) + "\n"
