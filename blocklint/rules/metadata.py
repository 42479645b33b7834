"""BL605, BL611, BL612: who may see a spec (`scope`, `tenants`) and the names of specs and deployments."""

from __future__ import annotations

import re

from blocklint import DOCUMENTED, INFERRED, Key, fixture, is_param_ref, rule

METADATA_NAME = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def _scope_holder(doc):
    """The mapping that carries `scope`/`tenants`: the peak CLI file's top level for a spec
    (keyword arguments of the SDK call), the body of a spec-metadata PATCH."""
    if doc.kind == "spec-metadata":
        return doc.body if isinstance(doc.body, dict) else None
    if doc.kind in ("block-spec", "app-spec") and doc.cli and isinstance(doc.data, dict):
        return doc.data
    return None


@fixture
def scope_settings(r):
    """The mapping holding a spec's `scope` and `tenants` (see `_scope_holder`)."""
    return _scope_holder(r.doc)


@rule("BL605", "tenants-without-shared-scope", evidence=DOCUMENTED)
def tenants_without_shared_scope(scope_settings):
    """`tenants` listed while `scope` is not `shared`.

    `scope` and `tenants` are read from the top level of a peak CLI spec file (they are
    keyword arguments of `create_spec`, not body fields) and from the body of a spec-metadata
    update. `scope` defaults to `private`.

    ## Why is this bad?
    Tenants only take effect for a shared spec: the platform rejects the combination, or the
    spec stays private and the tenants never see it.

    ## Example
    ```yaml
    scope: private
    tenants:
      - tenant1
    ```
    Fixed: `scope: shared`, or remove `tenants`.

    ## Source
    Documented platform rejection: `peak blocks specs create` input file schema: `tenants`: "Given a
    shared scope, specify what other tenants can discover and deploy this spec". Error.
    """
    tenants = scope_settings.get("tenants")
    scope = scope_settings.get("scope", "private")
    if isinstance(tenants, list) and tenants and isinstance(scope, str) and scope != "shared":
        yield (Key("tenants"),), f"`tenants` is set but scope is {scope!r}; tenants apply only with `scope: shared`"


@rule("BL612", "shared-scope-without-tenants", evidence=INFERRED)
def shared_scope_without_tenants(scope_settings):
    """`scope: shared` with no `tenants` to share with.

    Read from the same places as BL605.

    ## Why is this bad?
    A shared spec is shared with the tenants listed; with none, no other tenant sees it.

    ## Example
    ```yaml
    scope: shared
    ```
    Fixed: add `tenants: [tenant1, tenant2]`, or use `scope: private`.

    ## Source
    Inference from `peak blocks specs create`: `tenants` "Given a shared scope, specify what
    other tenants can discover and deploy this spec"; without tenants, sharing shares with no
    one. Warning.
    """
    if scope_settings.get("scope") != "shared":
        return
    tenants = scope_settings.get("tenants")
    if tenants is None or (isinstance(tenants, list) and not tenants):
        yield ("scope",), "`scope: shared` but no `tenants` are listed; no other tenant will see the spec"


@rule("BL611", "metadata-name-not-kebab-case", evidence=INFERRED)
def metadata_name_not_kebab_case(doc, body):
    """A `metadata.name` (or a deployment metadata update's `name`) that is not lowercase kebab-case.

    Checked: lowercase letters, digits and single hyphens (`load-salesforce-objects`).
    The platform's exact rule for names is not published, so this is a warning: every name
    in Peak's own examples follows it.

    ## Why is this bad?
    Names become identifiers on the platform (URLs, resource names); upper case, spaces or
    underscores risk a rejection at deployment time, long after the spec was accepted.

    ## Example
    ```yaml
      metadata:
        name: Load_Salesforce
    ```
    Fixed: `name: load-salesforce`.

    ## Source
    Inference: no source gives a pattern for names ("Must be unique within the tenant" only);
    every SDK sample is kebab-case. Warning.
    """
    if doc.kind == "deployment-metadata":
        holder = body
    else:
        holder = body.get("metadata")
    name = holder.get("name") if isinstance(holder, dict) else None
    if isinstance(name, str) and not is_param_ref(name) and not METADATA_NAME.match(name):
        yield (holder, "name"), f"name {name!r} is not lowercase letters, digits and hyphens (e.g. 'my-block')"
