"""What a dry run prints for each request it would send: method, path, and a summary of the body
(kind, name, release and config shape of a spec, its artifact's files; a JSON excerpt of others).
Secrets are masked where everything is written (`blocklint.submit.output`)."""

from __future__ import annotations

import json

from blocklint.submit.compare import run_and_build_parameters
from blocklint.submit.items import release_version

BODY_EXCERPT = 300  # characters of a JSON body shown
ARTIFACT_ENTRIES = 20  # artifact files listed


def request_lines(method: str, path: str, details: list[str]) -> list[str]:
    return [f"  would {method} {path}", *(f"    {line}" for line in details)]


def spec_details(item, body: dict, artifact_entries, what="spec") -> list[str]:
    """A spec or release request: what it is, its extras, its artifact files."""
    lines = []
    config = body.get("config")
    shape = ", ".join(sorted(config)) if isinstance(config, dict) else f"{len(config or [])} blocks"
    kind = body.get("kind", item.kind.replace("-", " "))
    lines.append(f"{what}: {kind} {item.name or ''} release {release_version(body)} (config: {shape})"
                 .replace("  ", " "))
    extras = [f"{key}={json.dumps(item.cli[key])}" for key in ("featured", "scope", "tenants", "autoRunOnDeploy")
              if key in item.cli]
    params = run_and_build_parameters(item.cli.get("parameters"))
    if params:
        extras.append("parameters: " + ", ".join(f"{group} x{len(value)}" for group, value in params.items()))
    if extras:
        lines.append(" ".join(extras))
    if artifact_entries:
        shown = ", ".join(artifact_entries[:ARTIFACT_ENTRIES]) + (" ..." if len(artifact_entries) > ARTIFACT_ENTRIES
                                                                  else "")
        lines.append(f"artifact {item.cli['artifact']['path']} -> artifact.zip "
                     f"({len(artifact_entries)} entries): {shown}")
    return lines


def body_details(body: dict) -> list[str]:
    """Any other request: the start of its JSON body."""
    text = json.dumps(body, sort_keys=True)
    return [f"body: {text[:BODY_EXCERPT]}{' ...' if len(text) > BODY_EXCERPT else ''}"]
