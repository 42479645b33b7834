"""Realistic Press block specs for the benchmarks, generated (never checked in).

Every file is a `peak` CLI block-spec file (`body:` + `artifact:` + `parameters:` + the CLI's
top-level options), 100-300 lines, and valid: `run.py` asserts that blocklint finds no error in
any of them. Workflows have 3-10 steps of all four types with a `parents` DAG, cron triggers,
watchers, images built from the artifact, `@param:` references to build and run parameters and
execution conditions; services are web-apps or APIs with an image build and many parameters.
The generator is seeded, so a run is repeatable.
"""

from __future__ import annotations

import random
from pathlib import Path

ARTIFACT_DIR = "artifact"
INSTANCE_TYPES = (20, 21, 22, 32, 46)
CRONS = ("0 2 * * *", "30 6 * * 1-5", "15 */4 * * *", "0 0 1 * *", "45 23 * * 0", "0 9,17 * * 1-5")
WORDS = ("orders", "customers", "stock", "prices", "forecast", "returns", "margin", "supplier",
         "basket", "churn", "promo", "region", "store", "daily", "weekly", "model", "feature")


def write_artifact(root: Path) -> Path:
    """The directory `artifact.path` names: a Dockerfile and the code the images build."""
    artifact = root / ARTIFACT_DIR
    (artifact / "sql").mkdir(parents=True, exist_ok=True)
    (artifact / "Dockerfile").write_text("FROM python:3.11-slim\nCOPY . /app\nWORKDIR /app\n")
    (artifact / "main.py").write_text("print('hello')\n")
    (artifact / "sql" / "query.sql").write_text("select 1;\n")
    (artifact / ".dockerignore").write_text("*.pyc\n")
    return artifact


def _metadata(lines: list[str], name: str, rng: random.Random, block: str) -> None:
    words = " ".join(rng.sample(WORDS, 3))
    lines += [
        "  metadata:",
        f"    name: {name}",
        f"    title: {words.title()}",
        f"    summary: {block.title()} block for {words}.",
        f"    description: Generated {block} block spec for the blocklint benchmarks ({words}).",
        "    descriptionContentType: text/markdown",
        f"    imageUrl: https://example.com/{name}.png",
        "    tags:",
        f"      - name: {rng.choice(WORDS)}",
        "      - name: benchmark",
        "  release:",
        f'    version: "1.{rng.randint(0, 9)}.{rng.randint(0, 20)}"',
        "    notes: Generated release.",
    ]


def _parameters(lines: list[str], build: list[str], run: list[str], rng: random.Random) -> None:
    lines.append("parameters:")
    for group, names in (("build", build), ("run", run)):
        if not names:
            continue
        lines.append(f"  {group}:")
        for name in names:
            kind = _PARAM_TYPES[name.rsplit("_", 1)[-1]]
            lines += [f"    - name: {name}", f"      title: {name.replace('_', ' ').title()}",
                      f"      description: The {name.replace('_', ' ')} to use.", f"      type: {kind}",
                      f"      required: {'true' if rng.random() < 0.2 else 'false'}"]
            if kind == "number":
                values = rng.sample(INSTANCE_TYPES, 3) if name.endswith("instance") else [1, 5, 10]
                lines.append(f"      defaultValue: {values[0]}")
                lines.append("      options:")
                for value in values:
                    lines += [f"        - title: Option {value}", f"          value: {value}"]
            elif kind == "boolean":
                lines.append("      defaultValue: false")
            elif kind == "string_array":
                lines += ["      defaultValue:", "        - input.csv", "        - output.csv"]
            else:
                default = {"cmd": "python main.py", "storage": "10GB"}.get(name.rsplit("_", 1)[-1], "AVG")
                lines.append(f"      defaultValue: {default}")


_PARAM_TYPES = {"cmd": "string", "storage": "string", "instance": "number", "agg": "string",
                "notify": "boolean", "files": "string_array", "iterations": "number"}


def workflow_spec(index: int, rng: random.Random, *, steps: int | None = None) -> str:
    """A workflow block spec; `steps` fixes the number of steps (else 3-10, for 100-300 lines)."""
    name = f"wf-{index:05d}"
    count = steps if steps is not None else rng.randint(3, 10)
    build = [f"step_{n}_{what}" for n in range(min(count, 2)) for what in ("cmd", "instance", "storage")] + ["build_agg"]
    run = ["run_agg", "run_notify", "run_files", "run_iterations"]
    lines = [f"# Generated workflow {index} ({count} steps).", "body:", "  version: 1", "  kind: workflow"]
    _metadata(lines, name, rng, "workflow")
    lines += ["  config:", "    triggers:", f'      - cron: "{rng.choice(CRONS)}"']
    lines += ["    watchers:", "      - user: owner@example.com", "        events:",
              "          success: false", "          fail: true"]
    images = [f"image{n}" for n in range(1 if steps else rng.randint(1, 3))]
    lines.append("    images:")
    for image in images:
        lines += [f"      {image}:", '        context: "."', "        dockerfile: Dockerfile",
                  f'        version: "0.{rng.randint(0, 9)}.{rng.randint(0, 9)}"', "        buildArguments:",
                  f'          CHUNK_SIZE: "{rng.choice((100, 1000, 5000))}"', "        useCache: true"]
    lines.append("    steps:")
    outputs: list[tuple[str, str]] = []
    for n in range(count):
        step = f"step{n}"
        # Mostly standard steps, the odd http/sql/export one, never as a root that others need.
        kind = "standard" if n < max(2, len(images)) or rng.random() < 0.7 or steps else rng.choice(("http", "sql", "export"))
        parents = sorted(rng.sample(range(max(0, n - 6), n), min(n, rng.randint(1, 2)))) if n else []
        lines += [f"      {step}:", f"        type: {kind}"]
        if parents:
            lines.append("        parents:")
            lines += [f"          - step{p}" for p in parents]
        if kind == "standard":
            lines.append(f"        imageRef: {images[n % len(images)]}")
            if n < 2 and not steps:
                lines += [f'        command: "@param:step_{n}_cmd"', "        resources:",
                          f'          instanceTypeId: "@param:step_{n}_instance"',
                          f'          storage: "@param:step_{n}_storage"']
            else:
                lines += [f"        command: python main.py --part {n}", "        resources:",
                          f"          instanceTypeId: {rng.choice(INSTANCE_TYPES)}",
                          f"          storage: {rng.choice((10, 20, 40))}GB"]
            if not steps and (n == 0 or rng.random() < 0.5):
                lines += ["        parameters:", "          env:", f"            PART: \"{n}\"",
                          "            AGG: \"@param:build_agg\""]
            if not steps and rng.random() < 0.3:
                output = f"OUT_{n}"
                outputs.append((step, output))
                lines += ["        outputParameters:", f"          {output}: out_{n}.txt"]
        elif kind == "http":
            lines += ["        method: post", "        url: https://example.com/hook", "        auth:",
                      "          type: no-auth", f"        payload: '{{\"part\": {n}}}'"]
        elif kind == "sql":
            lines += ["        sqlQueryPath: sql/query.sql", "        parameters:", "          env:",
                      f"            PART: \"{n}\""]
        else:
            lines += ["        schema: publish", f"        table: {rng.choice(WORDS)}_{n}",
                      "        sortBy: id", "        sortOrder: asc", "        compression: false"]
        if parents and not steps and rng.random() < 0.4:
            lines += ["        executionParameters:", "          parentStatus:", "            - condition: all-of",
                      "              parents:"]
            lines += [f"                - step{p}" for p in parents]
            lines += ["              status:", "                - success"]
    lines += ["artifact:", f"  path: {ARTIFACT_DIR}", "  ignore_files:", "    - .dockerignore",
              "featured: false", "scope: private", "autoRunOnDeploy: false"]
    _parameters(lines, build if not steps else [], run, rng)
    return "\n".join(lines) + "\n"


def service_spec(index: int, rng: random.Random) -> str:
    """A service block spec (web-app or api) with an image build and parameters."""
    name = f"svc-{index:05d}"
    lines = [f"# Generated service {index}.", "body:", "  version: 1", "  kind: service"]
    _metadata(lines, name, rng, "service")
    service_type = rng.choice(("web-app", "api"))
    lines += ["  config:", f"    serviceType: {service_type}", "    image:", '      context: "."',
              "      dockerfile: Dockerfile", f'      version: "0.{rng.randint(0, 9)}.{rng.randint(0, 9)}"',
              "      buildArguments:", f'        CHUNK_SIZE: "{rng.choice((100, 1000))}"',
              "    resources:", f"      instanceTypeId: {rng.choice((1, 2, 3))}",
              "    parameters:", "      env:"]
    lines += [f'        ENV_{n}: "value-{n}"' for n in range(rng.randint(4, 20))]
    lines += ["      secrets:", "        - SECRET_1", "        - SECRET_2",
              "    entrypoint: python main.py", "    healthCheckURL: /health", f"    minInstances: {rng.randint(1, 2)}"]
    if service_type == "web-app":
        lines.append(f"    sessionStickiness: {rng.choice(('true', 'false'))}")
    lines += ["artifact:", f"  path: {ARTIFACT_DIR}", "  ignore_files:", "    - .dockerignore",
              "featured: false", "scope: private"]
    run = ["run_agg", "run_notify", "run_files", "run_iterations"] + [f"extra{n}_agg" for n in range(rng.randint(4, 14))]
    _parameters(lines, [], run, rng)
    return "\n".join(lines) + "\n"


def corpus(root: Path, count: int, *, seed: int = 7) -> list[Path]:
    """`count` specs in `root` (3 workflows to 1 service), plus the artifact they name."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    write_artifact(root)
    paths = []
    for index in range(count):
        text = service_spec(index, rng) if index % 4 == 3 else workflow_spec(index, rng)
        path = root / f"spec-{index:05d}.yaml"
        path.write_text(text)
        paths.append(path)
    return paths


def add_fixable_findings(paths: list[Path], *, share: int = 5) -> int:
    """Give one file in `share` a finding `blocklint check --fix` fixes (a warning, so the run
    still passes): a workflow's cron written as the `@daily` alias (BL205). Files may be hard
    links to a corpus: each one changed is written anew, never through the link. Returns how
    many files were changed."""
    workflows = [path for path in paths if "kind: workflow" in path.read_text()]
    wanted = len(paths) // share
    changed = workflows[::max(1, len(workflows) // wanted)][:wanted] if wanted else []
    for path in changed:
        text = path.read_text()
        start = text.index('- cron: "') + len('- cron: "')
        path.unlink()
        path.write_text(text[:start] + "@daily" + text[text.index('"', start):])
    return len(changed)


def big_workflow(root: Path, steps: int = 10_000, *, seed: int = 11) -> Path:
    """One workflow of `steps` standard steps, each with one or two parents among the previous six."""
    root.mkdir(parents=True, exist_ok=True)
    write_artifact(root)
    path = root / f"workflow-{steps}-steps.yaml"
    path.write_text(workflow_spec(0, random.Random(seed), steps=steps))
    return path
