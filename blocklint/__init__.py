"""blocklint: a pytest-style linter and validator for Peak Press documents.

The rule author's API is one import::

    from blocklint import rule, fixture, fanout, Key, ERROR, WARNING, INFO

the evidence a rule's findings rest on (`DOCUMENTED`, `INFERRED`, ...; `blocklint.findings`),

plus the helpers rules commonly need: `did_you_mean` and `closest` (with `Suggestion`, the name
a finding proposes, as data its fixer reads, and `Related`, the other places it is about),
`is_param_ref`, `PARAM_PREFIX` and `image_definitions`. The names are loaded on first use, so
`import blocklint` stays free.
"""

__version__ = "0.1.0"

# name -> module that defines it
_API = {
    "rule": "blocklint.engine.api", "fixture": "blocklint.engine.api", "fanout": "blocklint.engine.api",
    "Key": "blocklint.engine.api", "Named": "blocklint.engine.api", "Suggestion": "blocklint.engine.api", "RuleError": "blocklint.engine.api",
    "Related": "blocklint.engine.api",
    "ERROR": "blocklint.findings", "WARNING": "blocklint.findings", "INFO": "blocklint.findings",
    "Finding": "blocklint.findings",
    **dict.fromkeys(("DOCUMENTED", "SDK_FAILS", "CERTAIN_HARM", "UNCHECKED", "AS_WRITTEN", "INFERRED",
                     "OWN_DIRECTIVE", "REPORT"), "blocklint.findings"),
    "did_you_mean": "blocklint.words", "closest": "blocklint.words",
    "is_param_ref": "blocklint.fixtures", "PARAM_PREFIX": "blocklint.fixtures",
    "image_definitions": "blocklint.fixtures",
}

__all__ = ["__version__", *_API]


def __getattr__(name):
    if name in _API:
        from importlib import import_module

        value = getattr(import_module(_API[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'blocklint' has no attribute {name!r}")
