"""BL701 finds literal credentials and never prints them back, in any output format.

The fake credentials are built here from a seeded random generator, so the repository
holds no literal token that a secret scanner would flag, yet each looks like the real thing.
"""

import base64
import json
import random
import string

import pytest

from blocklint.report import REPORTERS

ALNUM = string.ascii_letters + string.digits
UPPER_DIGITS = string.ascii_uppercase + "234567"
URLSAFE = ALNUM + "_-"


def _random(rng, alphabet, length):
    return "".join(rng.choice(alphabet) for _ in range(length))


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _credentials():
    """(shape, the text written in the spec, the secret part that must never be printed)."""
    rng = random.Random(20240701)
    shapes = []

    def add(shape, text, secret=None):
        shapes.append(pytest.param(text, secret or text, id=shape))

    add("github-classic", "ghp" + "_" + _random(rng, ALNUM, 36))
    add("github-fine-grained", "github" + "_pat_" + _random(rng, ALNUM, 22) + "_" + _random(rng, ALNUM, 59))
    add("aws-access-key-id", "AKI" + "A" + _random(rng, UPPER_DIGITS, 16))
    add("aws-secret-access-key", _random(rng, ALNUM + "+/", 40))
    add("slack-bot-token", "xox" + "b-" + _random(rng, string.digits, 12) + "-" + _random(rng, string.digits, 13)
        + "-" + _random(rng, ALNUM, 24))
    slack_path = "T" + _random(rng, UPPER_DIGITS, 8) + "/B" + _random(rng, UPPER_DIGITS, 10) + "/" + _random(rng, ALNUM, 24)
    add("slack-webhook", "https://hooks.slack" + ".com/services/" + slack_path, slack_path)
    header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = _b64url(json.dumps({"sub": _random(rng, string.digits, 10), "name": "Loader"}).encode())
    add("jwt", f"{header}.{claims}.{_b64url(rng.randbytes(32))}")
    body = base64.b64encode(rng.randbytes(288)).decode()
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    pem = "-----BEGIN RSA " + "PRIVATE KEY-----\n" + "\n".join(lines) + "\n-----END RSA " + "PRIVATE KEY-----\n"
    shapes.append(pytest.param(pem, lines[1], id="pem-private-key"))
    add("stripe-live-key", "sk" + "_live_" + _random(rng, ALNUM, 24))
    add("google-api-key", "AI" + "za" + _random(rng, URLSAFE, 35))
    add("high-entropy-string", _random(rng, ALNUM, 48))
    password = _random(rng, ALNUM, 18)
    add("password-in-url", f"https://deploy:{password}@git.example.com/org/repo.git", password)
    return shapes


SPEC = """\
body:
  version: 1
  kind: workflow
  metadata:
    name: nightly-load
    summary: Loads the sales tables every night
  release:
    version: "1.0.0"
  config:
    steps:
      load:
        type: standard
        imageDetails:
          id: 12
        command: python load.py
        parameters:
          env:
            CHUNK_SIZE: "1000"
            SETTING: {value}
"""


def _spec_with(value: str) -> str:
    if "\n" in value:
        block = "\n".join("              " + line for line in value.rstrip("\n").split("\n"))
        return SPEC.format(value="|\n" + block)
    return SPEC.format(value=json.dumps(value))


@pytest.mark.parametrize(("text", "secret"), _credentials())
def test_credential_is_reported_and_never_printed(run, tmp_path, text, secret):
    (tmp_path / "spec.yaml").write_text(_spec_with(text))
    outputs = {}
    for output_format in ("text", "concise", "json"):
        code, outputs[output_format] = run("check", "--format", output_format, "--select", "BL7", "spec.yaml",
                                           cwd=tmp_path)
        assert code == 1, outputs[output_format]
    findings = json.loads(outputs["json"])["findings"]
    assert [(f["rule"], f["line"]) for f in findings] == [("BL701", 19)]
    assert "chars)" in findings[0]["message"] or "PEM" in findings[0]["message"] or "URL" in findings[0]["message"]
    assert "(…(" not in findings[0]["message"] and "))" not in findings[0]["message"]
    for output_format, output in outputs.items():
        assert secret not in output, f"{output_format} output shows the secret"
        assert text.strip() not in output


@pytest.mark.parametrize("spelling", ["line continuation", "template"])
def test_a_credential_only_its_string_holds_whole_is_found(run, tmp_path, spelling):
    """Written in two halves, joined by a double-quoted line continuation or by the template: the
    source holds no cue of a credential (BL701 judges most files by their source alone), the
    string does."""
    token = "ghp" + "_" + _random(random.Random(3), ALNUM, 36)
    half = len(token) // 2
    if spelling == "template":
        value = f'"{{{{ \'{token[:half]}\' ~ \'{token[half:]}\' }}}}"'
    else:
        value = f'"{token[:half]}\\\n              {token[half:]}"'
    (tmp_path / "spec.yaml").write_text(SPEC.format(value=value))
    code, output = run("check", "--no-cache", "--format", "json", "--select", "BL701", "spec.yaml", cwd=tmp_path)
    assert [(f["rule"], f["line"]) for f in json.loads(output)["findings"]] == [("BL701", 19)], output


def test_text_report_masks_the_secret_in_the_quoted_line(run, tmp_path):
    token = "ghp" + "_" + _random(random.Random(1), ALNUM, 36)
    (tmp_path / "spec.yaml").write_text(_spec_with(token))
    _, output = run("check", "spec.yaml", cwd=tmp_path)
    assert "SETTING: " + "*" * (len(token) + 2) in output
    assert "ghp_…, 40 chars" in output


def test_a_credential_without_a_public_prefix_reads_as_its_length_alone():
    from blocklint.secrets import credentials

    high_entropy = "Zx8" + "Qm2vL9rT4wK7pB1nY6cH3sD5fG0jA8eU"
    aws_secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    assert [found.description for found in credentials(high_entropy)] == \
        ["a high-entropy string that looks like a key or token (35 chars)"]
    assert [found.description for found in credentials(aws_secret)] == ["an AWS-style secret access key (40 chars)"]
    assert [found.description for found in credentials("ghp_" + "a1B2" * 9)] == ["a GitHub token (ghp_…, 40 chars)"]


@pytest.mark.parametrize("value", [
    "0bddb4c6-40c5-45c3-b477-fceb2c051609",
    "1.10.0-rc.1+build.20240701",
    "https://my-block-pics.com/image-0.jpg",
    "@param:" + "npm_token_with_a_rather_long_name_1234",
    "{{ os_env.GITHUB_TOKEN_FOR_THE_NIGHTLY_LOAD_JOB }}",
    "client-secret",
    "random_token",
    "https://user:{{password}}@git.example.com/repo.git",
    "path/to/some/rather/long/directory/structure/file.sql",
    "sha256:" + "0123456789abcdef" * 4,
    "workflow-block-private-spec-name-with-many-words-2024",
])
def test_ordinary_values_are_not_credentials(run, tmp_path, value):
    (tmp_path / "spec.yaml").write_text(_spec_with(value))
    code, output = run("check", "--format", "concise", "--no-template", "--select", "BL701", "spec.yaml", cwd=tmp_path)
    assert code == 0, output


def test_a_detect_secrets_allowlisted_line_is_skipped(run, tmp_path):
    token = "sk" + "_live_" + _random(random.Random(2), ALNUM, 24)
    spec = _spec_with(token).replace(json.dumps(token), json.dumps(token) + "  # pragma: allowlist secret")
    (tmp_path / "spec.yaml").write_text(spec)
    code, output = run("check", "--format", "concise", "--select", "BL701", "spec.yaml", cwd=tmp_path)
    assert code == 0, output


def test_a_secret_name_in_a_secrets_list_is_not_a_credential(run, tmp_path):
    spec = _spec_with("1000").replace("        parameters:\n", "        parameters:\n          secrets:\n"
                                      "            - GITHUB_TOKEN\n            - AWS_SECRET_ACCESS_KEY\n")
    (tmp_path / "spec.yaml").write_text(spec)
    code, output = run("check", "--format", "concise", "--select", "BL7", "spec.yaml", cwd=tmp_path)
    assert code == 0, output


# --- every rule, every format: the one masking layer ----------------------------------------

LEAKY_SPEC = """\
body:
  version: 1
  kind: workflow
  metadata:
    name: nightly-load
  release:
    version: "1.0.0"
  config:
    triggers:
      - cron: {cron}
    images:
      base:
        context: "."
        dockerfile: Dockerfile
        version: "0.0.1"
    steps:
      load:
        type: standard
        imageRef: {image_ref}
        command: python load.py
        resources:
          instanceTypeId: {instance_type}
          storage: {storage}
        parents: [{parent}]
        {key}: 1
"""
HARMLESS = {"cron": '"0 2 * * *"', "image_ref": "base", "instance_type": "21", "storage": "10GB",
            "parent": "", "key": "retries"}


@pytest.mark.parametrize(("field", "rules"), [
    ("key", {"BL101"}), ("parent", {"BL301"}), ("image_ref", {"BL503"}), ("cron", {"BL201"}),
    ("storage", {"BL608"}), ("instance_type", {"BL103", "BL104"})])
def test_a_token_quoted_by_any_rule_is_masked_in_every_format(run, tmp_path, field, rules):
    token = "ghp" + "_" + _random(random.Random(field), ALNUM, 36)
    (tmp_path / "spec.yaml").write_text(LEAKY_SPEC.format(**{**HARMLESS, field: json.dumps(token)}))
    code, output = run("check", "--format", "json", "--ignore", "BL7", "spec.yaml", cwd=tmp_path)
    reported = {f["rule"] for f in json.loads(output)["findings"]}
    assert reported & rules, output  # the rule that quotes the value did fire...
    for output_format in REPORTERS:  # what --format offers
        code, output = run("check", "--format", output_format, "spec.yaml", cwd=tmp_path)
        assert token not in output, f"{output_format} prints the token"  # ...and printed it masked
        assert token[4:20] not in output
    _, output = run("check", "spec.yaml", cwd=tmp_path)
    assert "****" in output
