"""The credential patterns' needles (`blocklint.secrets`): a text holding none of a shape's
needles is not searched with its pattern, so every text the pattern matches must hold one; a
wrong needle would hide a secret. Held with texts generated from each pattern."""

import os
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from blocklint import secrets

EXAMPLES = max(50, int(os.environ.get("BLOCKLINT_FUZZ_EXAMPLES", "1000")) // 5)
SHAPES = [(shape.what, shape.pattern, shape.flags, shape.needles) for shape in secrets.TOKEN_SHAPES] + [
    ("PEM private key", secrets.PRIVATE_KEY, re.S, (secrets.PRIVATE_KEY_NEEDLE,)),
    ("password in a URL", secrets.URL_PASSWORD, re.I, (secrets.URL_PASSWORD_NEEDLE,)),
]


@settings(max_examples=EXAMPLES, deadline=None, database=None)
@given(st.data())
def test_every_text_a_shape_matches_holds_one_of_its_needles(data):
    for what, pattern, flags, needles in SHAPES:
        text = data.draw(st.from_regex(re.compile(pattern, flags)), label=what)
        assert any(needle in text for needle in needles), (what, text)


@settings(max_examples=EXAMPLES, deadline=None, database=None)
@given(st.data())
def test_every_text_a_credential_pattern_matches_may_hold_credentials(data):
    """BL701 skips a file whose source `may_hold_credentials` clears: a cue or run it misses
    would hide every secret of such a file."""
    patterns = [(what, pattern, flags) for what, pattern, flags, _ in SHAPES] + [
        ("AWS secret access key", secrets.AWS_SECRET, 0), ("high-entropy string", secrets.HIGH_ENTROPY, 0)]
    for what, pattern, flags in patterns:
        text = data.draw(st.from_regex(re.compile(pattern, flags)), label=what)
        assert secrets.may_hold_credentials(text), (what, text)


def test_ordinary_spec_text_holds_no_cue_of_a_credential():
    assert not secrets.may_hold_credentials(
        "body:\n  metadata:\n    name: nightly-load\n    descriptionContentType: text/markdown\n"
        "    imageUrl: https://example.com/a.png\n  watchers:\n    - user: owner@example.com\n")


def test_needles_of_case_blind_patterns_are_not_letters():
    """`ſ` matches `s` and the Kelvin sign `k` in a case-blind pattern: a needle with a letter
    could be missing from a text the pattern matches."""
    for what, _pattern, flags, needles in SHAPES:
        if flags & re.I:
            assert not any(character.isalpha() for needle in needles for character in needle), what


def test_a_credential_of_every_shape_is_still_found():
    found = secrets.find_credentials(
        "ghp_" + "a1B2" * 9 + " xoxb-1234567890-abc AKIAABCDEFGHIJKLMNOP "
        "jdbc:snowflake://x?PaSsWoRd=hunter2hunter2 postgres://u:s3cr3tpass@db/x "
        "-----BEGIN RSA PRIVATE KEY-----\nMIIabc\n-----END RSA PRIVATE KEY-----")
    assert [description.split(" (")[0] for description in found] == [
        "a GitHub token", "an AWS access key id", "a Slack token", "a password in a connection string",
        "a PEM private key block", "a password in a URL"]
