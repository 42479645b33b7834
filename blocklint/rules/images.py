"""BL5xx: where a step's or a service's image comes from."""

from __future__ import annotations

from blocklint import (DOCUMENTED, INFERRED, Key, Named, Suggestion, closest, did_you_mean, fanout, is_param_ref,
                       rule)

IMAGE_SOURCES = ("image", "imageRef", "imageDetails")
NON_STANDARD = ("http", "sql", "export")




@fanout("workload_name")
def workload(r):
    """Each thing that runs an image: a standard step (`type` absent or `standard`), or a service's config."""
    steps = r.get("steps") or {}
    base = r.doc.path_of(steps)
    for name, step in steps.items():
        if isinstance(step, dict) and step.get("type", "standard") == "standard":
            yield base + (name,), step, {"workload_name": f"step '{name}'"}
    service = r.get("service")
    if service is not None:
        yield r.doc.path_of(service), service, {"workload_name": "the service"}


@rule("BL501", "image-source-conflict", evidence=INFERRED)
def image_source_conflict(workload, workload_name):
    """A standard step or a service names more than one image source.

    Sources: `image` (built from the artifact), `imageRef` (a key of `config.images`),
    `imageDetails` (an existing image). A service takes `image` or `imageDetails`.

    ## Why is this bad?
    With two sources the platform must pick one (or reject the spec), and the image that runs
    may not be the one you meant.

    ## Example
    ```yaml
          load:
            imageRef: base
            imageDetails: {id: 12}
            command: python load.py
    ```
    Fixed: keep one of them.

    ## Source
    Inference: `peak blocks specs create` says of a service "One of \"image\" or
    \"imageDetails\" is required" (at least one) and lists `image`, `imageDetails` and `imageRef`
    as optional keys of a standard step; which source wins when several are given is not
    stated. Warning.
    """
    given = [key for key in IMAGE_SOURCES if key in workload]
    if len(given) > 1:
        yield (Key(given[1]),), f"{workload_name} sets both '{given[0]}' and '{given[1]}'; keep one image source"


@rule("BL502", "missing-image-source", evidence=DOCUMENTED, follows={"BL101": IMAGE_SOURCES})
def missing_image_source(workload, workload_name):
    """A standard step or a service has no image source.

    ## Why is this bad?
    Nothing says which container to run: the platform rejects the spec.

    ## Example
    ```yaml
          load:
            type: standard
            command: python load.py
    ```
    Fixed: add `imageRef: base` (a key of `config.images`), an inline `image`, or `imageDetails`.

    ## Source
    Documented platform rejection: `peak blocks specs create` input file schema, service config:
    "One of \"image\" or \"imageDetails\" is required"; a standard step runs `command` in a
    container, so it needs one of its image sources. Error.
    """
    if not any(key in workload for key in IMAGE_SOURCES):
        choices = "'image' or 'imageDetails'" if workload_name == "the service" else \
            "'imageRef' (a key of config.images), 'image' or 'imageDetails'"
        yield (), f"{workload_name} has no image; add {choices}"


@rule("BL503", "unknown-image-ref", evidence=DOCUMENTED)
def unknown_image_ref(step, step_name, workflow):
    """`imageRef` names no entry of `config.images`.

    ## Why is this bad?
    The step refers to an image that is never built: the platform rejects the spec.

    ## Example
    ```yaml
        images:
          base: {context: ".", dockerfile: Dockerfile, version: "0.0.1"}
        steps:
          load: {imageRef: bsae, command: python load.py}
    ```
    Fixed: `imageRef: base`.

    ## Source
    Documented platform rejection: `peak blocks specs create` input file schema: `imageRef
    (string)`: "Name of the image defined above" (in `config.images`). Error.
    """
    ref = step.get("imageRef")
    if not isinstance(ref, str) or is_param_ref(ref):
        return
    images = workflow.get("images")
    names = list(images) if isinstance(images, dict) else []
    if ref not in names:
        where = did_you_mean(ref, names) or (f" (images: {', '.join(map(str, names))})" if names
                                             else "; config.images defines no image")
        yield ("imageRef",), f"imageRef '{ref}' names no image in config.images{where}", Suggestion(closest(ref, names))


@rule("BL504", "unused-image", evidence=INFERRED, follows={"BL503": Named("imageRef"), "BL101": Named("imageRef")})
def unused_image(images, workflow):
    """A `config.images` entry that no step refers to with `imageRef`.

    ## Why is this bad?
    The platform still builds it on every release, which costs time; often a step's
    `imageRef` was meant to name it.

    ## Example
    ```yaml
        images:
          base: {...}
          legacy: {...}
        steps:
          load: {imageRef: base, ...}
    ```
    Fixed: remove `legacy`, or use it.

    ## Source
    Inference: an image nobody uses is built for nothing. Warning.
    """
    steps = workflow.get("steps")
    refs = [step.get("imageRef") for step in (steps.values() if isinstance(steps, dict) else ())
            if isinstance(step, dict)]
    if any(is_param_ref(ref) for ref in refs):
        return  # an imageRef chosen at deployment may name any image
    for name in images:
        if name not in refs:
            yield (Key(name),), f"image '{name}' is not used by any step's imageRef; remove it or refer to it"


@rule("BL505", "image-details-needs-private-scope", evidence=DOCUMENTED)
def image_details_needs_private_scope(workload, workload_name, doc):
    """`imageDetails` (an existing image) in a spec whose `scope` is not `private`.

    Only checked in peak CLI files, where `scope:` sits next to `body:` (private is the default).

    ## Why is this bad?
    The SDK guide says "the block's scope should be private when using existing image
    details": an existing image belongs to one tenant, so a shared or public spec that uses it
    cannot be deployed elsewhere.

    ## Example
    ```yaml
    body:
      config:
        steps:
          load: {imageDetails: {id: 12}, command: python load.py}
    scope: shared
    ```
    Fixed: `scope: private`, or build the image from the artifact with `image`/`imageRef`.

    ## Source
    Documented platform rejection: docs.peak.ai SDK guide for blocks: "the block's scope should be
    private when using existing image details". Error: the source states it.
    """
    if not doc.cli or "imageDetails" not in workload:
        return
    scope = doc.data.get("scope")
    if isinstance(scope, str) and scope != "private" and not is_param_ref(scope):
        yield (Key("imageDetails"),), (f"{workload_name} uses imageDetails (an existing image), which needs "
                                       f"'scope: private', not '{scope}'; build the image with 'image' "
                                       f"or 'imageRef' instead, or make the spec private")


@rule("BL506", "image-on-non-standard-step", evidence=DOCUMENTED)
def image_on_non_standard_step(step, step_name):
    """An `http`, `sql` or `export` step with an image source.

    ## Why is this bad?
    These steps run on the platform's own runners and take no image; the key is rejected,
    or ignored, and was probably meant for another step.

    ## Example
    ```yaml
          fetch:
            type: http
            imageRef: base
            method: get
            url: https://example.com
    ```
    Fixed: remove `imageRef`.

    ## Source
    Documented platform rejection: `peak blocks specs create` input file schema lists `image`,
    `imageRef` and `imageDetails` under the standard step only; http, sql and export steps take no
    image. Error.
    """
    kind = step.get("type")
    if kind not in NON_STANDARD:
        return
    for key in IMAGE_SOURCES:
        if key in step:
            yield (Key(key),), f"{kind} step '{step_name}' takes no image; remove '{key}'"
