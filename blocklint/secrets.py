"""Credentials: the detector BL701 reports with, and the masker every output format runs.

Two jobs, one definition of "a secret":

- `find_credentials(text)` (and `credentials(text)`, with positions) recognises token shapes
  (GitHub, AWS, Slack, JSON Web Tokens, PEM private keys, Stripe, Google), passwords in URLs and
  long high-entropy strings. Rule BL701 reports what it finds in a spec.
- `Masker(secrets)` hides, in any text about to be printed (a message, a quoted source line),
  everything the detector calls a credential plus every value it was given (values that came
  from the environment, the submit token). Reporters mask at the one boundary where findings
  become output, so no rule has to remember to: a token pasted into `parents` or used as a key
  is hidden in BL301's or BL101's message exactly as in BL701's.

A leaf: it imports nothing of blocklint.
"""

from __future__ import annotations

import json
import re
from collections import Counter, namedtuple
from functools import cache, lru_cache

# Patterns are compiled on first use (`_compiled`): compiling them all cost ~5 ms at every start,
# and most texts need few of them.
UUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
PLACEHOLDER_PASSWORD = r"^(?:\{\{.*\}\}|\$\{.*\}|\$[A-Z_][A-Z0-9_]*|<[^>]*>|%[sd]|\*+|x+|\.\.\.|@param:.*)$"


class TokenShape(namedtuple("TokenShape", ["what", "pattern", "needles", "flags"], defaults=(0,))):
    """A credential shape: what it is, its pattern (the group holding the public prefix shown in
    the message first), and `needles`, texts one of which every match holds: a text with none
    cannot match, and its pattern is neither compiled nor run (tests/test_secret_needles.py
    holds every needle to its pattern). Letters would not do as needles of a case-blind pattern
    (`ſ` matches `s` there), so those have signs."""

    __slots__ = ()


TOKEN_SHAPES = (
    TokenShape("GitHub token", r"(?<![A-Za-z0-9_])(gh[pousr]_)[A-Za-z0-9]{36,255}(?![A-Za-z0-9_])", ("gh",)),
    TokenShape("GitHub fine-grained token", r"(?<![A-Za-z0-9_])(github_pat_)[A-Za-z0-9_]{22,255}", ("github_pat_",)),
    TokenShape("AWS access key id", r"(?<![A-Z0-9])((?:AKIA|ASIA|ABIA|ACCA))[A-Z0-9]{16}(?![A-Z0-9])",
               ("AKIA", "ASIA", "ABIA", "ACCA")),
    TokenShape("Slack token", r"(?<![A-Za-z0-9])(xox[abposr]-)[A-Za-z0-9-]{10,}", ("xox",)),
    TokenShape("Slack webhook URL", r"(https://hooks\.slack\.com/services/)T[A-Za-z0-9]+/B[A-Za-z0-9]+/[A-Za-z0-9]+",
               ("https://hooks.slack.com/services/",)),
    TokenShape("JSON Web Token", r"(?<![A-Za-z0-9_-])(eyJ)[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}",
               ("eyJ",)),
    TokenShape("Stripe live key", r"(?<![A-Za-z0-9])((?:sk|rk)_live_)[0-9A-Za-z]{20,}", ("_live_",)),
    TokenShape("Google API key", r"(?<![A-Za-z0-9_-])(AIza)[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])", ("AIza",)),
    # A shape with a `secret` group shows its first group (a public name) and hides the secret only.
    TokenShape("Azure storage account key",
               r"(?<![A-Za-z0-9_])((?:AccountKey|SharedAccessKey)=)(?P<secret>[A-Za-z0-9+/]{40,}={0,2})",
               ("AccountKey=", "SharedAccessKey=")),
    TokenShape("Azure SAS token signature", r"(?<![A-Za-z0-9_])(sig=)(?P<secret>[A-Za-z0-9%+/]{30,}(?:%3[Dd]|=){0,2})",
               ("sig=",)),
    TokenShape("Google service account key id",
               r"(private_key_id)[\"']?\s{0,8}[:=]\s{0,8}[\"']?(?P<secret>[0-9a-f]{40})(?![0-9a-fA-F])",
               ("private_key_id",)),
    TokenShape("Databricks token", r"(?<![A-Za-z0-9_])(dapi)[0-9a-f]{32}(?:-[0-9]+)?(?![A-Za-z0-9_])", ("dapi",)),
    TokenShape("OpenAI API key", r"(?<![A-Za-z0-9_-])(sk-(?:proj|svcacct|admin)-)[A-Za-z0-9_-]{40,}", ("sk-",)),
    TokenShape("OpenAI API key", r"(?<![A-Za-z0-9_-])(sk-)[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}(?![A-Za-z0-9])",
               ("T3BlbkFJ",)),
    TokenShape("Hugging Face token", r"(?<![A-Za-z0-9_])(hf_|api_org_)[A-Za-z0-9]{34}(?![A-Za-z0-9_])",
               ("hf_", "api_org_")),
    TokenShape("Snowflake OAuth token", r"(?<![A-Za-z0-9_])(ver:[0-9]{1,4}-hint:)[0-9]{1,12}-[A-Za-z0-9+/=_-]{20,}",
               ("-hint:",)),
    # JDBC/ODBC/ADO connection strings (Snowflake, Databricks SQL, Azure SQL) name the password as
    # a parameter; `${VAR}`, `{{ }}` and other placeholders are skipped like URL passwords.
    TokenShape("password in a connection string", r"(?<![A-Za-z0-9_])((?:password|pwd)=)(?P<secret>[^&;\s'\"]{4,})",
               ("=",), re.I),
)
# The whole block, to its END line (or the end of the text), so its body is not reported again.
PRIVATE_KEY = (r"-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY(?: BLOCK)?-----"
               r"(?:.*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|.*\Z)")
PRIVATE_KEY_NEEDLE = "-----BEGIN"
_PRIVATE_KEY_END = r"-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----\Z"
URL_PASSWORD = r"\b([a-z][a-z0-9+.-]*://)([^/\s:@]+):([^/\s@]+)@([^/\s?#]+)"
URL_PASSWORD_NEEDLE = "://"
AWS_SECRET = r"(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])"
HIGH_ENTROPY = r"[A-Za-z0-9+/=_-]{32,}"
HEX = r"^[0-9a-fA-F]+$"
# Every credential shape above needs one of these; most strings in a spec have none.
CANDIDATE = re.compile(r"[A-Za-z0-9+/=_-]{16}|-----BEGIN|://[^\s/]*@")

# What `may_hold_credentials` looks for in a whole text. Every credential `credentials()` finds
# holds, unbroken by whitespace, a run of TOKEN_RUN token characters (the long token shapes, AWS
# secret keys, high-entropy strings), one of SHORT_SHAPE_NEEDLES (plain text) or a match of one of
# SHORT_SHAPE_CUES (the shapes with shorter runs): `(character, pattern)`, the character one
# every match holds, looked for first (a text without it is not searched).
# tests/test_secret_needles.py holds every shape to them.
TOKEN_RUN = 32
TOKEN_CHARACTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=_-"
SHORT_SHAPE_NEEDLES = ("AKIA", "ASIA", "ABIA", "ACCA", "xox", "eyJ", "_live_", "sig=", "-hint:",
                       "hooks.slack.com/services/", PRIVATE_KEY_NEEDLE)
SHORT_SHAPE_CUES = (
    ("@", r"://[^\s/]*@"),
    # `(?i:password|pwd)=`, written to start at the `=`: a search skips to each `=` at once
    ("=", r"=(?:(?<=(?i:password)=)|(?<=(?i:pwd)=))"),
)


@cache
def _compiled(pattern: str, flags: int = 0) -> re.Pattern:
    return re.compile(pattern, flags)


# Name parts that make a key look like it holds a secret; `key` alone does not (`key1`, `sort_key`).
SECRET_WORDS = frozenset({"token", "tokens", "password", "passwords", "passwd", "pwd", "secret", "secrets",
                          "credential", "credentials", "passphrase", "apikey", "privatekey", "accesskey"})
KEY_QUALIFIERS = frozenset({"api", "access", "private", "secret", "signing", "encryption", "ssh", "auth", "master",
                            "client"})


def entropy(text: str) -> float:
    """Shannon entropy in bits per character."""
    import math  # here: a run answered from the result cache masks, and judges no value

    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def mask(prefix: str, secret: str) -> str:
    """A masked form for messages, to go in parentheses: the public prefix only, and the length
    (`ghp_…, 40 chars`; `40 chars` when no part of it is public)."""
    return f"{prefix}…, {len(secret)} chars" if prefix else f"{len(secret)} chars"


def _mixed(text: str) -> bool:
    return any(c.isupper() for c in text) and any(c.islower() for c in text) and any(c.isdigit() for c in text)


def name_words(name: str) -> list[str]:
    """`npmToken`, `NPM_TOKEN`, `npm-token` -> ['npm', 'token']."""
    spaced = _compiled(r"([a-z0-9])([A-Z])").sub(r"\1 \2", name)
    return [word.lower() for word in _compiled(r"[^A-Za-z0-9]+").split(spaced) if word]


# The names of a run's files repeat (`NPM_TOKEN`, `PART` in every spec): each is judged once.
# Longer ones are judged afresh, so the cache never keeps a hostile file's huge keys alive.
MAX_CACHED_NAME = 80


def looks_secret(name) -> bool:
    """Whether a key names a secret: token, password, secret, credential, api key, ..."""
    if not isinstance(name, str):
        return False
    return _secret_name(name) if len(name) <= MAX_CACHED_NAME else _secret_name.__wrapped__(name)


@lru_cache(maxsize=4096)
def _secret_name(name: str) -> bool:
    words = name_words(name)
    if any(word in SECRET_WORDS for word in words):
        return True
    return any(word == "key" and index and words[index - 1] in KEY_QUALIFIERS for index, word in enumerate(words))


class Credential(namedtuple("Credential", [
    "description",
    "start",  # the secret part: the whole token, a URL's password, a PEM block's body
    "end",
])):
    """A credential found in a text: what it is (masked, for a message) and where its secret part is."""

    __slots__ = ()


def credentials(text: str, *, secret_key: bool = False) -> list[Credential]:
    """The credentials in `text`, in the order BL701 reports them.

    `secret_key`: the text is the value of a key named like a secret (`password:`), which makes
    long hexadecimal strings count too.
    """
    found: list[Credential] = []
    taken: list[tuple[int, int]] = []

    def add(match, description, span=None):
        taken.append(match.span())
        start, end = span or match.span()
        found.append(Credential(description, start, end))

    for what, source, needles, flags in TOKEN_SHAPES:
        if not any(needle in text for needle in needles):
            continue
        pattern = _compiled(source, flags)
        article = "an" if what[0] in "AEIOU" else "a"
        hidden = "secret" if "secret" in pattern.groupindex else 0
        for match in pattern.finditer(text):
            if hidden and _compiled(PLACEHOLDER_PASSWORD, re.I).match(match.group(hidden)):
                continue
            add(match, f"{article} {what} ({mask(match.group(1), match.group(hidden))})", match.span(hidden))
    for match in _compiled(PRIVATE_KEY, re.S).finditer(text) if PRIVATE_KEY_NEEDLE in text else ():
        # The BEGIN line is public and says what the block is; the body (to the END line) is the key.
        end_line = _compiled(_PRIVATE_KEY_END).search(match.group(0))
        body_end = match.start() + end_line.start() if end_line else match.end()
        # Named without its dashes: the masker would read `-----BEGIN …` in the message as a block.
        add(match, f"a PEM private key block (BEGIN {match.group(1)}PRIVATE KEY)",
            (match.start() + match.group(0).index("-----", 5) + 5, body_end))
    for match in _compiled(URL_PASSWORD, re.I).finditer(text) if URL_PASSWORD_NEEDLE in text else ():
        password = match.group(3)
        if not _compiled(PLACEHOLDER_PASSWORD, re.I).match(password):
            add(match, f"a password in a URL ({match.group(1)}{match.group(2)}:…@{match.group(4)})", match.span(3))

    def free(match):
        start, end = match.span()
        return not any(start < other_end and other_start < end for other_start, other_end in taken)

    for match in _compiled(AWS_SECRET).finditer(text):
        candidate = match.group(0)
        if free(match) and _mixed(candidate) and entropy(candidate) >= 4.2:
            add(match, f"an AWS-style secret access key ({mask('', candidate)})")
    for match in _compiled(HIGH_ENTROPY).finditer(text):
        candidate = match.group(0).strip("-_=")
        if not free(match) or _compiled(UUID, re.I).match(candidate) or len(candidate) < 32:
            continue
        if _compiled(HEX).match(candidate):
            suspicious = secret_key and entropy(candidate) >= 3.0
        else:
            suspicious = _mixed(candidate) and entropy(candidate) >= 4.3
        if suspicious:
            start = match.start() + len(match.group(0)) - len(match.group(0).lstrip("-_="))
            add(match, f"a high-entropy string that looks like a key or token ({mask('', candidate)})",
                (start, start + len(candidate)))
    return found


@cache
def _token_bytes() -> bytes:
    """A `bytes.translate` table: token characters to `a`, any other byte to a space (so the
    bytes of a non-ASCII character are no token characters)."""
    token = TOKEN_CHARACTERS.encode()
    return bytes(0x61 if byte in token else 0x20 for byte in range(256))


def holds_any(text: str, needles: tuple) -> bool:
    """Whether `text` holds one of `needles`: a search each (a regular expression of plain text
    searches faster than `in` does for needles this short)."""
    return any(_compiled(re.escape(needle)).search(text) for needle in needles)


def may_hold_credentials(text: str, native=None) -> bool:
    """False only when `credentials()` finds nothing in `text`, nor in any text made of pieces of
    it joined by whitespace (the strings a YAML or JSON file written without escapes holds), so a
    whole file is judged in one pass of its source: ~20 µs for 5 KB, where walking its strings
    costs ~80 µs. `native`: the loader's native searches (`blocklint.load.native`: `holds_any`
    and `token_run`, BL701 passes them), which answer None where they cannot: then this module
    searches."""
    found = native.holds_any(text, SHORT_SHAPE_NEEDLES) if native is not None else None
    if found or found is None and holds_any(text, SHORT_SHAPE_NEEDLES):
        return True
    for character, cue in SHORT_SHAPE_CUES:
        if character in text and _compiled(cue).search(text):
            return True
    found = native.token_run(text, TOKEN_CHARACTERS, TOKEN_RUN) if native is not None else None
    if found is not None:
        return found
    return b"a" * TOKEN_RUN in text.encode("utf-8", "surrogatepass").translate(_token_bytes())


def find_credentials(text: str, *, secret_key: bool = False) -> list[str]:
    """Descriptions (with the value masked) of the credentials in `text`."""
    return [credential.description for credential in credentials(text, secret_key=secret_key)]


# Shorter given values are not masked: hiding every `1`, `yes` or `dev` in the output would make
# it unreadable, and a value that short is a setting, not a credential.
MIN_SECRET_LENGTH = 4
MASK = "****"
# `password: ...`, `"api_key" = ...`: a name before a colon or equals sign; a text naming a secret
# this way gets hexadecimal strings masked too, as BL701 reports them under such keys.
# A message that shortens a long value (`'abcdefgh...'`) shows the start of a secret: that start is
# hidden too, from this many characters on.
MIN_TRUNCATED = 6
_TRUNCATION = r"\.\.\.|…"
# BL701's own masked forms (`postgres://loader:…@host`) and masks already applied: nothing to hide.
_ALREADY_MASKED = r"[*…]*\Z"
# A name and its `:`/`=`, found only from the start of a run of name characters and without
# backtracking, so the search is linear (from every position it was quadratic: 100 KB, 120 s).
_NAME_BEFORE_VALUE = r"""(?<![A-Za-z0-9_.-])[0-9_.-]*+([A-Za-z][A-Za-z0-9_.-]*+)["']?\s*+[:=]"""


def _forms(value: str) -> set[str]:
    """The ways a value can appear in a message: as is, quoted by repr() or JSON, line by line."""
    forms = {value, repr(value)[1:-1], json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]}
    forms.update(line.strip() for line in re.split(r"\r\n|\r|\n", value))
    return {form for form in forms if len(form) >= MIN_SECRET_LENGTH}


class Masker:
    """Hides credentials and given secret values in text about to be printed.

    `secrets`: values that must never be printed (environment-derived template values, the
    submit token); each is hidden wherever it appears, and so is anything `credentials()` finds.
    """

    def __init__(self, secrets=frozenset()):
        forms = set()
        for secret in secrets or ():
            if secret is not None:
                forms |= _forms(str(secret))
        # Longest first, so a secret that contains another is hidden whole.
        self._forms = sorted(forms, key=lambda f: (-len(f), f))
        self._given = re.compile("|".join(re.escape(form) for form in self._forms)) if forms else None

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Where the secrets in `text` are, merged, in order."""
        found = [match.span() for match in self._given.finditer(text)] if self._given else []
        if self._given and ("..." in text or "…" in text):
            found += self._truncated(text)
        if len(text) >= 16 and CANDIDATE.search(text):
            secret_key = any(looks_secret(name) for name in _compiled(_NAME_BEFORE_VALUE).findall(text))
            found += [(c.start, c.end) for c in credentials(text, secret_key=secret_key)
                      if not _compiled(_ALREADY_MASKED).match(text, c.start, c.end)]
        merged: list[list[int]] = []
        for start, end in sorted(found):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        return [(start, end) for start, end in merged]

    def _truncated(self, text: str) -> list[tuple[int, int]]:
        """Given secrets cut short by a message (`'abcdefgh...`): the shown start of each."""
        spans = []
        for mark in _compiled(_TRUNCATION).finditer(text):
            end = mark.start()
            for form in self._forms:
                shown = next((k for k in range(min(len(form) - 1, end), MIN_TRUNCATED - 1, -1)
                              if text.startswith(form[:k], end - k)), 0)
                if shown:
                    spans.append((end - shown, end))
        return spans

    def mask(self, text: str, *, keep_length: bool = False) -> str:
        """`text` with every secret replaced by `****` (or, with `keep_length`, by as many `*` as
        it had characters, so that columns in a quoted source line stay where they were)."""
        spans = self.spans(text)
        if not spans:
            return text
        parts, position = [], 0
        for start, end in spans:
            parts += [text[position:start], "*" * (end - start) if keep_length else MASK]
            position = end
        parts.append(text[position:])
        return "".join(parts)


DETECTOR_ONLY = Masker()
