"""BL3xx: workflow steps and the graph their `parents` draw."""

from __future__ import annotations

import functools
import operator
from collections import deque

from blocklint import DOCUMENTED, INFERRED, Key, Related, Suggestion, closest, did_you_mean, fixture, is_param_ref, rule

NON_STANDARD = ("http", "sql", "export")


def parent_names(step) -> list | None:
    """A step's `parents` when it is a list (items of any type), else None."""
    parents = step.get("parents") if isinstance(step, dict) else None
    return parents if isinstance(parents, list) else None


@fixture
def step_cycles(r):
    """The cycles of the step graph: one `[s, ..., s]` path per strongly connected component.

    Acyclic workflows (nearly all of them) are settled by one linear pass (Kahn's topological
    sort, standard library only). When steps are left over, networkx is imported and finds the
    strongly connected components among those leftovers only: the steps on a cycle or behind
    one, which is a handful even in a 10,000-step workflow.
    """
    steps = r.get("steps")
    if steps is None:
        return None
    parents_of = {name: list(dict.fromkeys(p for p in parent_names(step) or ()
                                           if isinstance(p, str) and p in steps and p != name))
                  for name, step in steps.items()}
    children_of: dict = {name: [] for name in steps}
    waiting = {}
    for name, parents in parents_of.items():
        waiting[name] = len(parents)
        for parent in parents:
            children_of[parent].append(name)
    ready = [name for name, count in waiting.items() if count == 0]
    while ready:
        for child in children_of[ready.pop()]:
            waiting[child] -= 1
            if waiting[child] == 0:
                ready.append(child)
    left = [name for name, count in waiting.items() if count > 0]
    if not left:
        return []
    import networkx

    graph = networkx.DiGraph()
    graph.add_nodes_from(left)  # document order, so successors come in document order too
    left_set = set(left)
    graph.add_edges_from((parent, name) for name in left for parent in parents_of[name] if parent in left_set)
    order = {name: index for index, name in enumerate(steps)}
    cycles = []
    for component in networkx.strongly_connected_components(graph):
        if len(component) > 1:
            start = min(component, key=order.__getitem__)
            cycles.append(_shortest_cycle(graph, component, start))
    return sorted(cycles, key=lambda cycle: order[cycle[0]])


def _shortest_cycle(graph, component, start) -> list:
    """The shortest path start → ... → start inside one component, children in document order."""
    came_from = {start: None}
    queue = deque([start])
    while queue:
        current = queue.popleft()
        for child in graph.successors(current):
            if child == start:
                path = [current]
                while came_from[path[-1]] is not None:
                    path.append(came_from[path[-1]])
                return [*reversed(path), start]
            if child in component and child not in came_from:
                came_from[child] = current
                queue.append(child)
    raise AssertionError("a strongly connected component always has a cycle")  # pragma: no cover


@rule("BL301", "unknown-parent", evidence=DOCUMENTED)
def unknown_parent(step, step_name, steps):
    """A `parents` entry names no step of the workflow.

    ## Why is this bad?
    The platform rejects the spec, or the step waits for a step that never runs.

    ## Example
    ```yaml
        steps:
          export:
            type: export
            parents: [stepName3]
    ```
    Fixed: name an existing step, `parents: [step3]`.

    ## Source
    Documented platform rejection: `peak blocks specs create` input file schema: `parents
    (list(str))`: "List containing names of steps on which this step is dependent on": each entry
    names a step. Error.
    """
    for index, parent in enumerate(parent_names(step) or ()):
        if isinstance(parent, str) and parent not in steps and not is_param_ref(parent):
            others = [name for name in steps if name != step_name]
            yield (("parents", index), f"parent '{parent}' names no step{did_you_mean(parent, others)}",
                   Suggestion(closest(parent, others)))


@rule("BL302", "step-cycle", evidence=DOCUMENTED)
def step_cycle(steps, step_cycles):
    """Steps whose `parents` form a cycle, so none of them can start.

    Reported once per cycle (per strongly connected group of steps), as a path from the
    step that comes first in the file, at the `parents` entry that closes the loop.

    ## Why is this bad?
    Each step waits for the one before it in the loop: the platform rejects the workflow.

    ## Example
    ```yaml
        steps:
          step1: {..., parents: [step4]}
          step3: {..., parents: [step1]}
          step4: {..., parents: [step3]}
    ```
    `steps form a cycle: step1 → step3 → step4 → step1`. Fixed: drop `step4` from the
    parents of `step1`.

    ## Source
    Documented platform rejection: `peak blocks specs create` input file schema: `parents` are the
    steps a step "is dependent on"; steps that depend on each other in a loop can never start.
    Error: a logical consequence of the stated meaning.
    """
    for cycle in step_cycles:
        start, closing = cycle[0], cycle[-2]
        parents = parent_names(steps[start])
        path = " → ".join(cycle)
        yield (parents, parents.index(closing)), (
            f"steps form a cycle: {path}; remove '{closing}' from the parents of '{start}' "
            "or another link of the loop"), Related(*((steps, name) for name in dict.fromkeys(cycle)))


@rule("BL303", "self-parent", evidence=DOCUMENTED)
def self_parent(step, step_name):
    """A step lists itself as a parent.

    ## Why is this bad?
    A step cannot wait for itself, so it never starts.

    ## Example
    ```yaml
        steps:
          report:
            parents: [load, report]
    ```
    Fixed: `parents: [load]`.

    ## Source
    Documented platform rejection: `peak blocks specs create` input file schema: `parents` lists the
    steps a step "is dependent on"; a step depending on itself can never start (the shortest cycle,
    as BL302). Error: a logical consequence of the stated meaning.
    """
    for index, parent in enumerate(parent_names(step) or ()):
        if parent == step_name:
            yield ("parents", index), f"step '{step_name}' lists itself as a parent; remove it"


@rule("BL309", "duplicate-parent", evidence=INFERRED)
def duplicate_parent(step, step_name):
    """A step lists the same parent twice.

    ## Why is this bad?
    The step waits for that parent once either way; the repeat is a slip that often hides
    the parent that was meant (`[load, load]` for `[load, clean]`).

    ## Example
    ```yaml
        steps:
          report:
            parents: [load, load]
    ```
    Fixed: `parents: [load]` (or name the step that was meant).

    ## Source
    Inference: the reference does not say what a repeated parent does; a set of dependencies
    with a repeat means the same set. Warning.
    """
    first: dict = {}
    for index, parent in enumerate(parent_names(step) or ()):
        if not isinstance(parent, str) or parent == step_name:
            continue
        if parent in first:
            yield ("parents", index), f"parent '{parent}' is listed twice; remove this one", \
                Related(("parents", first[parent]))
        first.setdefault(parent, index)


def _execution_items(step, key) -> list:
    """`(index, item)` of the mappings listed under `executionParameters.<key>` (a list: most
    steps have none, and no generator is made for them)."""
    execution = step.get("executionParameters")
    items = execution.get(key) if isinstance(execution, dict) else None
    if not isinstance(items, list):
        return []
    return [(index, item) for index, item in enumerate(items) if isinstance(item, dict)]


@rule("BL304", "parent-status-not-a-parent", evidence=DOCUMENTED, follows={"BL101": ("parents",)})
def parent_status_not_a_parent(step, step_name):
    """`executionParameters.parentStatus[].parents` names a step that is not a parent of the step.

    ## Why is this bad?
    A status condition can only look at the step's own parents: a step that is not one may
    not have finished (or even started) when this step is decided.

    ## Example
    ```yaml
          report:
            parents: [load]
            executionParameters:
              parentStatus:
                - {condition: all-of, parents: [clean], status: [success]}
    ```
    Fixed: add `clean` to `parents`, or name `load` in the condition.

    ## Source
    Documented platform rejection: `peak blocks specs create` input file schema:
    `parentStatus[].parents (list(str))`: "List of parent step names": conditions on "the status of
    the parent steps". Error.
    """
    items = _execution_items(step, "parentStatus")
    if not items:
        return  # most steps have no status conditions
    parents = parent_names(step) if "parents" in step else []
    if parents is None:
        return  # an @param: placeholder: unknown until deployment
    declared = [p for p in parents if isinstance(p, str)]
    for index, item in items:
        named = item.get("parents")
        for position, name in enumerate(named if isinstance(named, list) else ()):
            if isinstance(name, str) and name not in declared and not is_param_ref(name):
                close = closest(name, declared)
                where = ("executionParameters", "parentStatus", index, "parents", position)
                if close:
                    yield where, f"'{name}' is not a parent of step '{step_name}'; did you mean '{close}'?", \
                        Suggestion(close)
                    continue
                listed = f" (its parents: {', '.join(declared)})" if declared else ""
                yield where, (f"'{name}' is not a parent of step '{step_name}'{listed}; "
                              "add it to the step's parents or remove it here")


@fixture
def conditional_ancestors(r):
    """For each step with `executionParameters.conditional`, which of the steps those conditions
    name run before it (a set); None for a step whose ancestors cannot be known: a step on the
    way has `parents` that is not a list (an `@param:` placeholder, say), and blocklint does not
    guess what the platform substitutes.

    One pass over the whole graph, not a search per step (10,000 conditional steps took 60 s):
    strongly connected components in dependency order (Tarjan, iteratively), each step's
    ancestors among the named steps as the bits of one integer, the union of its parents'. A
    step with one parent shares its parent's integer; an integer is dropped once the steps that
    need it are done.
    """
    steps = r.get("steps")
    if not isinstance(steps, dict):
        return None
    asked = {name: [item.get("stepName") for _, item in _execution_items(step, "conditional")]
             for name, step in steps.items() if isinstance(step, dict)}
    asked = {name: [target for target in targets if isinstance(target, str) and target in steps]
             for name, targets in asked.items() if targets}
    if not asked:
        return {}
    bit = {target: 1 << index for index, target in enumerate(dict.fromkeys(t for ts in asked.values() for t in ts))}
    parents_of, unknowable = {}, set()
    for name, step in steps.items():
        if isinstance(step, dict) and "parents" in step:
            listed = parent_names(step)
            if listed is None:
                unknowable.add(name)
            parents_of[name] = list(dict.fromkeys(p for p in listed or () if isinstance(p, str) and p in steps))
        else:
            parents_of[name] = []
    answers = {}
    for component, mask, unknown in _ancestor_masks(steps, parents_of, unknowable, bit):
        for name in component:
            if name in asked:
                answers[name] = None if unknown else {t for t in asked[name] if mask & bit[t]}
    return answers


def _ancestor_masks(steps, parents_of, unknowable, bit):
    """(component, mask, unknown) per strongly connected component of the `parents` graph, parents'
    components first: `mask` holds the bits of the named steps among the component's ancestors,
    `unknown` whether a step on the way has `parents` that is not a list."""
    index_of, low, on_stack, stack = {}, {}, set(), []
    component_of, masks, unknown_of, needed = {}, {}, {}, {}
    children = dict.fromkeys(steps, 0)
    for parents in parents_of.values():
        for parent in parents:
            children[parent] += 1
    counter = 0
    for root in steps:
        if root in index_of:
            continue
        index_of[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        work = [(root, iter(parents_of[root]))]
        while work:
            name, parents = work[-1]
            for parent in parents:
                if parent not in index_of:
                    index_of[parent] = low[parent] = counter
                    counter += 1
                    stack.append(parent)
                    on_stack.add(parent)
                    work.append((parent, iter(parents_of[parent])))
                    break
                if parent in on_stack:
                    low[name] = min(low[name], index_of[parent])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[name])
                if low[name] == index_of[name]:
                    yield _component(name, stack, on_stack, parents_of, unknowable, bit,
                                     component_of, masks, unknown_of, needed, children)


def _component(name, stack, on_stack, parents_of, unknowable, bit, component_of, masks, unknown_of, needed,
               children):
    """Pop one finished component off Tarjan's stack and work out its ancestor mask from its
    parents' (a single contribution is shared, not copied); drop parents' masks no longer needed."""
    component = []
    while True:
        member = stack.pop()
        on_stack.discard(member)
        component_of[member] = name
        component.append(member)
        if member == name:
            break
    contributions, unknown = [], any(member in unknowable for member in component)
    needed[name] = sum(children[member] for member in component)
    for member in component:
        for parent in parents_of[member]:
            other = component_of[parent]
            if other == name:
                contributions.append(bit.get(parent, 0))
            else:
                unknown = unknown or unknown_of[other]
                contributions.append(masks[other] | bit[parent] if parent in bit else masks[other])
            needed[other] -= 1
            if needed[other] == 0 and other != name:
                del masks[other], needed[other]
    mask = contributions[0] if len(contributions) == 1 else functools.reduce(operator.or_, contributions, 0)
    if needed[name]:
        masks[name] = mask
    else:  # no step below it: nothing will read its mask again
        del needed[name]
    unknown_of[name] = unknown
    return component, mask, unknown


@rule("BL305", "conditional-on-non-ancestor", evidence=DOCUMENTED, follows={"BL101": ("parents",)})
def conditional_on_non_ancestor(step, step_name, steps, conditional_ancestors):
    """`executionParameters.conditional[].stepName` is not a step that runs before this one.

    A step can only branch on the output of a step that has already run: a parent, or a
    parent's ancestor.

    ## Why is this bad?
    The condition reads an output parameter that does not exist yet when the step is decided.

    ## Example
    ```yaml
          notify:
            parents: [load]
            executionParameters:
              conditional:
                - {condition: equals, paramName: STATUS, stepName: report, value: ok}
    ```
    Fixed: make `report` a parent of `notify` (or an ancestor).

    ## Source
    Documented platform rejection: `peak blocks specs create` input file schema: `conditional`:
    "List of conditions to be evaluated based on the output params of the parent steps"; blocklint
    also accepts ancestors further up. Error.
    """
    items = _execution_items(step, "conditional")
    if not items or conditional_ancestors is None:
        return
    before = conditional_ancestors.get(step_name)
    if before is None:
        return
    for index, item in items:
        name = item.get("stepName")
        if not isinstance(name, str) or is_param_ref(name) or name in before:
            continue
        where = ("executionParameters", "conditional", index, "stepName")
        if name == step_name:
            yield where, f"step '{step_name}' cannot branch on its own output; name one of its ancestors"
        elif name not in steps:
            others = [s for s in steps if s != step_name]
            yield (where, f"stepName '{name}' names no step{did_you_mean(name, others)}",
                   Suggestion(closest(name, others)))
        else:
            yield where, (f"'{name}' does not run before step '{step_name}'; "
                          f"make it a parent (or an ancestor) of '{step_name}'")


@rule("BL306", "http-output-not-response-file", evidence=DOCUMENTED)
def http_output_not_response_file(step):
    """An http step's `outputParameters` value is not `response.txt`.

    ## Why is this bad?
    An http step's only output is its response body, which the platform stores as
    `response.txt`; any other file name is rejected.

    ## Example
    ```yaml
          fetch:
            type: http
            outputParameters:
              RESULT: output.json
    ```
    Fixed: `RESULT: response.txt`.

    ## Source
    Documented platform rejection: `peak blocks specs create` input file schema, http step
    `outputParameters`: "in case of HTTP step, value should always be \"response.txt\", otherwise
    this parameter would be rejected". Error.
    """
    outputs = step.get("outputParameters")
    if step.get("type") != "http" or not isinstance(outputs, dict):
        return
    for name, value in outputs.items():
        if isinstance(value, str) and value != "response.txt" and not is_param_ref(value):
            yield ("outputParameters", name), (f"output parameter '{name}' of an http step must be "
                                               f"'response.txt', not {value!r}")


@rule("BL307", "sql-source-conflict", evidence=DOCUMENTED)
def sql_source_conflict(step, step_name):
    """A sql step has both or neither of `sqlQueryPath` and `repository`.

    ## Why is this bad?
    The query comes from one place: a file in the artifact (`sqlQueryPath`) or a file in a
    git repository (`repository`). With neither the step has nothing to run; with both the
    platform rejects it.

    ## Example
    ```yaml
          query:
            type: sql
            sqlQueryPath: sql/query.sql
            repository: {url: "https://github.com/org/repo", branch: main, filePath: q.sql}
    ```
    Fixed: keep one of the two.

    ## Source
    Documented platform rejection: `peak blocks specs create` input file schema, sql step: "One of
    the 'sqlQueryPath' or 'repository' is required". Error.
    """
    if step.get("type") != "sql":
        return
    given = [key for key in ("sqlQueryPath", "repository") if key in step]
    if len(given) == 2:
        yield (Key("repository"),), f"sql step '{step_name}' sets both 'sqlQueryPath' and 'repository'; keep one"
    elif not given:
        yield (), f"sql step '{step_name}' needs 'sqlQueryPath' (a file in the artifact) or 'repository'"


@rule("BL308", "no-steps", evidence=INFERRED)
def no_steps(workflow):
    """A workflow with no steps (`steps` missing or empty).

    ## Why is this bad?
    A workflow block runs its steps; with none there is nothing to run.

    ## Example
    ```yaml
      config:
        triggers:
          - cron: "0 0 * * *"
    ```
    Fixed: add `steps:` with at least one step.

    ## Source
    Inference: `peak blocks specs create` marks `steps (map | required: false)`, so a workflow
    without steps matches the reference, but it runs nothing. Warning.
    """
    if "steps" not in workflow:
        yield (), "the workflow has no 'steps'; add at least one step"
    elif workflow["steps"] in ({}, None):
        yield (Key("steps"),), "'steps' is empty; add at least one step"
