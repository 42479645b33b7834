"""REF → the id of a spec or a deployment.

A REF is a path to the spec (deployment) file, relative to the file that names it; or a
`metadata.name`; or an id. The files of this run are looked at first (a deployment may name a
spec created a moment earlier, or, in a dry run, one that would be created), then the target.
"""

from __future__ import annotations

import copy

from blocklint.project import is_platform_id, looks_like_path
from blocklint.submit.errors import Refused
from blocklint.submit.items import Item, is_placeholder
from blocklint.words import relative_path

DEPLOYMENT_KINDS = ("block-deployment", "app-deployment")


class References:
    def __init__(self, target, items, load_settings):
        self.target = target
        self.items: list[Item] = list(items)
        self.load_settings = load_settings

    def item_at(self, base: Item, ref: str, kinds) -> Item | None:
        """The item of this run at path `ref` (relative to `base`), if it is one of `kinds`."""
        wanted = (base.location.parent / ref).resolve()
        for item in self.items:
            if item.location == wanted and item.kind in kinds:
                return item
        return None

    def file_item(self, base: Item, ref: str, kinds) -> Item:
        """The item at path `ref`: from this run, else read from disk (not submitted)."""
        return self.item_at(base, ref, kinds) or self._load(base, ref)

    def _load(self, base: Item, ref: str) -> Item:
        from blocklint.load import load_path

        path = base.location.parent / ref
        if not path.is_file():
            raise Refused(f"{ref!r} (relative to {base.path}) is not a file")
        doc = load_path(path, self.load_settings)
        if doc.kind is None or doc.problems:
            raise Refused(f"{ref!r} (relative to {base.path}) is not a Press document blocklint can read")
        return Item.of(doc, relative_path(path))

    def spec_id(self, base: Item, ref, family: str) -> str:
        """The id of the spec REF names (a placeholder in a dry run for one not created yet)."""
        if not isinstance(ref, str) or not ref:
            raise Refused("no spec named: add `# blocklint: spec=<spec file, name or id>` or use --spec-id")
        kinds = ("app-spec",) if family == "apps" else ("block-spec",)
        name = ref
        if looks_like_path(ref):
            item = self.file_item(base, ref, kinds)
            if item.kind not in kinds:
                raise Refused(f"{ref!r} is a {item.kind}, not a {kinds[0]}")
            if item.created_id:
                return item.created_id
            name = item.name
        else:
            for item in self.items:
                if item.kind in kinds and item.name == ref and item.created_id:
                    return item.created_id
            if is_platform_id(ref):
                return ref
        found = self.target.find_spec(family, name)
        if found:
            return found["id"]
        raise Refused(f"no {kinds[0].replace('-', ' ')} named {name!r} in this run or on the target")

    def spec_family(self, base: Item, ref) -> str:
        """The family of the spec a spec metadata file names: apps when REF is an app spec file."""
        if isinstance(ref, str) and looks_like_path(ref):
            return self.file_item(base, ref, ("block-spec", "app-spec")).family
        return "blocks"

    def deployment(self, base: Item, ref, family: str | None) -> tuple[str, str, dict | None]:
        """(family, id, description or None in a dry run) of the deployment REF names."""
        if not isinstance(ref, str) or not ref:
            raise Refused("no deployment named: add `# blocklint: deployment=<deployment file, name or id>` "
                          "or use --deployment-id")
        families = [family] if family else ["blocks", "apps"]
        name = ref
        if looks_like_path(ref):
            item = self.file_item(base, ref, DEPLOYMENT_KINDS)
            if item.kind not in DEPLOYMENT_KINDS:
                raise Refused(f"{ref!r} is a {item.kind}, not a deployment")
            families = [item.family]
            if item.created_id:
                return item.family, item.created_id, self.describe_deployment(item.family, item.created_id)
            name = item.name
        elif is_platform_id(ref):
            for candidate in families:
                description = self.describe_deployment(candidate, ref, missing_ok=True)
                if description:
                    return candidate, ref, description
        for candidate in families:
            found = self.target.find_deployment(candidate, name)
            if found:
                return candidate, found["id"], found
        raise Refused(f"no deployment named {name!r} in this run or on the target")

    def describe_deployment(self, family, deployment_id, *, missing_ok=False):
        if is_placeholder(deployment_id):
            return None
        try:
            return self.target.describe_deployment(family, deployment_id)
        except self.target.errors as error:
            if missing_ok and getattr(error, "status", None) == 404:
                return None
            raise

    def resolve_app_config(self, item: Item, config):
        """An app spec's (or release's) `config` with each block REF replaced by its id."""
        resolved = copy.deepcopy(config) if isinstance(config, list) else config
        for entry in resolved or []:
            if isinstance(entry, dict) and isinstance(entry.get("id"), str):
                entry["id"] = self.spec_id(item, entry["id"], "blocks")
        return resolved
