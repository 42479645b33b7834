"""`blocklint graph FILE`: the step graph of a workflow as Mermaid (default) or DOT; given a
folder or several files, the project (`blocklint.project_graph`).

Steps are labelled with their type; an edge runs from a parent to the step that waits for it.
Edges from `executionParameters` (a `conditional` on a step's output, a `parentStatus`
condition) are dotted and labelled with their condition. The edges of a cycle and parents that
name no step are drawn in red. The document is read through the same plan as `check` (the
closest configuration, templates rendered), and the steps, cycles and parents come from the
rules' own fixtures.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import click

from blocklint.commandline import fail, overrides_of, template_options
from blocklint.project_graph import KIND_LABELS
from blocklint.report.escape import escape_text

UNKNOWN_STYLE = "fill:#fdecea,stroke:#c62828,stroke-dasharray:4 3,color:#c62828"
CYCLE_COLOR = "#c62828"


@dataclass
class Edge:
    parent: str
    child: str
    label: str = ""
    condition: bool = False  # from executionParameters (dotted)
    cycle: bool = False


@dataclass
class StepGraph:
    steps: dict = field(default_factory=dict)  # name -> type
    unknown: list = field(default_factory=list)  # parent names that name no step
    edges: list = field(default_factory=list)


def step_graph(doc, plan) -> StepGraph | None:
    """The graph of a loaded workflow document, or None if it has no steps."""
    from blocklint.engine.run import Resolver
    from blocklint.fixtures import is_param_ref

    resolver = Resolver(doc, plan.settings, plan.available.loaded())
    steps = resolver.get("steps")
    if not steps:
        return None
    cycles = resolver.get("step_cycles") or []
    cycle_links = {(cycle[i], cycle[i + 1]) for cycle in cycles for i in range(len(cycle) - 1)}
    graph = StepGraph(steps={name: (step.get("type") if isinstance(step, dict) else None) or "standard"
                             for name, step in steps.items()})
    graph.steps = {name: kind if isinstance(kind, str) else "standard" for name, kind in graph.steps.items()}

    def link(parent, child, **extra):
        if not isinstance(parent, str) or is_param_ref(parent):
            return
        if parent not in steps and parent not in graph.unknown:
            graph.unknown.append(parent)
        graph.edges.append(Edge(parent, child, cycle=(parent, child) in cycle_links, **extra))

    for name, step in steps.items():
        if not isinstance(step, dict):
            continue
        parents = step.get("parents")
        for parent in dict.fromkeys(p for p in (parents if isinstance(parents, list) else ()) if isinstance(p, str)):
            link(parent, name)
        execution = step.get("executionParameters")
        execution = execution if isinstance(execution, dict) else {}
        for item in _dicts(execution.get("conditional")):
            text = " ".join(str(item[key]) for key in ("condition", "paramName", "value") if key in item)
            link(item.get("stepName"), name, label=text or "conditional", condition=True)
        for item in _dicts(execution.get("parentStatus")):
            status = item.get("status")
            status = ", ".join(map(str, status)) if isinstance(status, list) else str(status or "")
            label = f"{item.get('condition', 'status')}: {status}".strip(": ")
            for parent in item.get("parents") if isinstance(item.get("parents"), list) else ():
                link(parent, name, label=label, condition=True)
    return graph


def _dicts(value) -> list:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


# --- Mermaid -------------------------------------------------------------------------------------

def _mermaid_text(text: str) -> str:
    """Text for a quoted Mermaid label: quotes and markup characters as entity codes.

    `%` and `'` too: Mermaid reads a `%%{init: {'theme': …}}%%` directive anywhere in the text,
    so a step name could otherwise restyle (`themeCSS`) the whole diagram."""
    out = []
    for char in escape_text(text):
        if char in '"#<>&|`%\'':
            out.append(f"#{ord(char)};")
        elif char in "\r\n":
            out.append(" ")
        else:
            out.append(char)
    return "".join(out)


def to_mermaid(graph: StepGraph, shown=str) -> str:
    """`shown(text)`: a name or label as it may be printed (masked)."""
    ids = {name: f"s{index}" for index, name in enumerate(graph.steps)}
    ids.update({name: f"u{index}" for index, name in enumerate(graph.unknown)})
    lines = ["flowchart TD"]
    for name, kind in graph.steps.items():
        lines.append(f'    {ids[name]}["{_mermaid_text(shown(name))}<br/><small>{_mermaid_text(shown(kind))}</small>"]')
    for name in graph.unknown:
        lines.append(f'    {ids[name]}["{_mermaid_text(shown(name))}<br/><small>no such step</small>"]:::unknown')
    red = []
    for number, edge in enumerate(graph.edges):
        arrow = "-.->" if edge.condition else "-->"
        label = f'|"{_mermaid_text(shown(edge.label))}"|' if edge.label else ""
        lines.append(f"    {ids[edge.parent]} {arrow}{label} {ids[edge.child]}")
        if edge.cycle or edge.parent in graph.unknown:
            red.append(str(number))
    if graph.unknown:
        lines.append(f"    classDef unknown {UNKNOWN_STYLE}")
    if red:
        lines.append(f"    linkStyle {','.join(red)} stroke:{CYCLE_COLOR},stroke-width:2px")
    return "\n".join(lines) + "\n"


# --- DOT -----------------------------------------------------------------------------------------

def _dot_text(text: str) -> str:
    return '"' + escape_text(text, keep_line_breaks=True).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "") + '"'


def to_dot(graph: StepGraph, shown=str) -> str:
    """`shown(text)`: a name or label as it may be printed (masked)."""
    lines = ["digraph steps {", "    rankdir=TB;", '    node [shape=box, style=rounded, fontname="Helvetica"];']
    for name, kind in graph.steps.items():
        lines.append(f"    {_dot_text(shown(name))} [label={_dot_text(shown(name) + chr(10) + shown(kind))}];")
    for name in graph.unknown:
        lines.append(f"    {_dot_text(shown(name))} [label={_dot_text(shown(name) + chr(10) + 'no such step')}, "
                     f'style="rounded,dashed", color="{CYCLE_COLOR}", fontcolor="{CYCLE_COLOR}"];')
    for edge in graph.edges:
        attributes = []
        if edge.condition:
            attributes.append("style=dotted")
        if edge.label:
            attributes.append(f"label={_dot_text(shown(edge.label))}")
        if edge.cycle or edge.parent in graph.unknown:
            attributes.append(f'color="{CYCLE_COLOR}", penwidth=2')
        suffix = f" [{', '.join(attributes)}]" if attributes else ""
        lines.append(f"    {_dot_text(shown(edge.parent))} -> {_dot_text(shown(edge.child))}{suffix};")
    lines.append("}")
    return "\n".join(lines) + "\n"


FORMATS = {"mermaid": to_mermaid, "dot": to_dot}


# --- a project: its documents and the references between them ------------------------------------

PLATFORM_STYLE = "fill:#f5f5f5,stroke:#757575,stroke-dasharray:4 3,color:#616161"


def _project_ids(graph) -> dict:
    """Node ids made by blocklint, never from the files: n0.. documents, m0.. references to
    nothing found, p0.. platform ids."""
    prefixes = {"not found": "m", "platform id": "p"}
    counts: dict = {}
    ids = {}
    for key, node in graph.nodes.items():
        prefix = prefixes.get(node.kind, "n") if not node.resolved else "n"
        ids[key] = f"{prefix}{counts.setdefault(prefix, 0)}"
        counts[prefix] += 1
    return ids


def project_to_mermaid(graph, shown=str) -> str:
    """`shown(text)`: a name or label as it may be printed (masked)."""
    ids = _project_ids(graph)
    lines = ["flowchart LR"]
    for key, node in graph.nodes.items():
        detail = f"{node.kind} · {node.path}" if node.resolved else node.kind
        style = "" if node.resolved else (":::missing" if node.kind == "not found" else ":::platform")
        lines.append(f'    {ids[key]}["{_mermaid_text(shown(node.name))}<br/><small>{_mermaid_text(shown(detail))}'
                     f'</small>"]{style}')
    red = []
    for number, (source, target, label) in enumerate(graph.edges):
        lines.append(f'    {ids[source]} -->|"{_mermaid_text(label)}"| {ids[target]}')
        if graph.nodes[source].kind == "not found" or graph.nodes[target].kind == "not found":
            red.append(str(number))
    kinds = {node.kind for node in graph.nodes.values()}
    if "not found" in kinds:
        lines.append(f"    classDef missing {UNKNOWN_STYLE}")
    if "platform id" in kinds:
        lines.append(f"    classDef platform {PLATFORM_STYLE}")
    if red:
        lines.append(f"    linkStyle {','.join(red)} stroke:{CYCLE_COLOR},stroke-width:2px")
    return "\n".join(lines) + "\n"


def project_to_dot(graph, shown=str) -> str:
    """`shown(text)`: a name or label as it may be printed (masked)."""
    ids = _project_ids(graph)
    lines = ["digraph project {", "    rankdir=LR;", '    node [shape=box, style=rounded, fontname="Helvetica"];']
    for key, node in graph.nodes.items():
        label = _dot_text("\n".join(shown(part) for part in (node.name, node.kind, node.path) if part))
        extra = ""
        if node.kind == "not found":
            extra = f', style="rounded,dashed", color="{CYCLE_COLOR}", fontcolor="{CYCLE_COLOR}"'
        elif node.kind == "platform id":
            extra = ', style="rounded,dashed", color="#757575", fontcolor="#616161"'
        lines.append(f"    {ids[key]} [label={label}{extra}];")
    for source, target, label in graph.edges:
        missing = "not found" in (graph.nodes[source].kind, graph.nodes[target].kind)
        red = f', color="{CYCLE_COLOR}", penwidth=2' if missing else ""
        lines.append(f"    {ids[source]} -> {ids[target]} [label={_dot_text(label)}{red}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


PROJECT_FORMATS = {"mermaid": project_to_mermaid, "dot": project_to_dot}


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--format", "output_format", type=click.Choice(sorted(FORMATS)), default="mermaid", show_default=True,
              help="Mermaid renders in GitHub markdown; DOT is for Graphviz (`dot -Tsvg`).")
@template_options
def graph(paths, output_format, params_file, params, no_template, template_env, config_file, isolated,
          trust_rules_dir):
    """Draw the step graph of a workflow FILE: steps with their types, parents, conditions,
    cycles and unknown parents. Given a folder, several files, or one file that is no block
    spec, draw the project: app specs -> blocks -> deployments -> revisions, an edge for each
    reference between them."""
    from blocklint.plan import PlanError, Planner
    from blocklint.registry import with_spec_lookup
    from blocklint.secrets import Masker

    try:
        overrides = overrides_of(click.get_current_context().params)
        plan = Planner(with_spec_lookup(overrides)).for_path(paths[0])
    except PlanError as error:
        fail(str(error))
    # Names and labels may hold --template-env values or credentials: masked as in every report.
    shown = Masker(plan.secrets).mask
    if len(paths) == 1 and os.path.isfile(paths[0]):
        doc = _load_one(paths[0], plan)
        if doc.kind not in KIND_LABELS or doc.kind == "block-spec":
            found = step_graph(doc, plan)
            if found is None:
                fail(f"{paths[0]}: not a workflow with steps; `blocklint graph` draws a workflow's step graph, "
                     "or, given a folder or several files, the project")
            click.echo(FORMATS[output_format](found, shown), nl=False)
            return
    click.echo(PROJECT_FORMATS[output_format](_project_graph(paths, plan), shown), nl=False)


def _load_one(path, plan):
    from blocklint.load import load_path

    try:
        doc = load_path(path, plan.load)
    except OSError as error:
        fail(str(error))
    if doc.problems and doc.data is None:
        problem = doc.problems[0]
        fail(f"{path}:{problem.span.line + 1}: {problem.message}")
    return doc


def _project_graph(paths, plan):
    """The project graph of the documents found under `paths` (walked as `check` walks them)."""
    from blocklint.project_graph import project_graph
    from blocklint.walk import UnreadablePath, iter_targets

    project = plan.project
    if project is None:
        fail("references are not followed in this run; `blocklint graph` needs them to draw a project")
    try:
        targets = list(iter_targets(list(paths), plan))
    except UnreadablePath as error:
        fail(str(error))
    docs = [doc for doc in (project.load(target.path) for target in targets) if doc is not None]
    return project_graph(docs, project)
