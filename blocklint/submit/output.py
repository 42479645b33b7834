"""Every line `submit` writes goes through here, so that no secret reaches the terminal or a log:
the submit token(s) and the values of the environment variables templates may read
(`--template-env`) are replaced by `****`, in findings, progress lines, dry-run request bodies,
server messages and the summary alike."""

from __future__ import annotations

import json

import click

MASK = "****"


def _spellings(secret: str) -> set[str]:
    """The ways a value can appear in output: as itself, and escaped inside a JSON string."""
    return {secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}


class Output:
    def __init__(self, secrets=()):
        spellings = {spelling for secret in secrets if secret for spelling in _spellings(secret)}
        self._secrets = sorted((s for s in spellings if s), key=len, reverse=True)  # longest first

    def mask(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return text

    def line(self, text: str = "", *, err: bool = False):
        click.echo(self.mask(text), err=err)

    def stream(self, stream) -> MaskedStream:
        """`stream` for a reporter, masking what it writes."""
        return MaskedStream(stream, self)


class MaskedStream:
    """A text stream that masks each write; everything else is the wrapped stream's."""

    def __init__(self, stream, output: Output):
        self._stream = stream
        self._output = output

    def write(self, text: str) -> int:
        self._stream.write(self._output.mask(text))
        return len(text)

    def __getattr__(self, name):
        return getattr(self._stream, name)
