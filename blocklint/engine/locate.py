"""Where a finding points: a rule's location, turned into a span of the user's file.

A location is a path into the document: a tuple of keys and indexes, relative to the node
the rule fanned out over, or else to the rule's first fixture when that is a node of the
document (a rule taking `config` yields `("steps", name)`), or else to the root. When the first
element is a dict or list taken from the document, the path starts there instead, so
`yield (step, "imageRef"), "..."` and `yield (config["images"], Key(name)), "..."` both
work. `Key(name)` as the last element points at the key instead of its value. A loader
`Span` is taken as it is. A path that runs past the document (a missing key) resolves to the
nearest node that exists: the mapping that lacks the key.
"""

from __future__ import annotations

from blocklint.engine.api import Key
from blocklint.findings import Finding
from blocklint.load import Document, Span


def locate(doc: Document, location, anchor: tuple) -> tuple[Span, tuple]:
    """Turn a rule's location into a span in the user's file, and the node path it names."""
    if isinstance(location, Span):
        return location, ()
    if location is None:
        location = ()
    if isinstance(location, (dict, list, str)):
        location = (location,)
    location = tuple(location)
    base = anchor
    if location and isinstance(location[0], (dict, list)):
        found = doc.path_of(location[0])
        base = found if found is not None else anchor
        location = location[1:]
    path = base + location
    is_key = bool(location) and isinstance(location[-1], Key)
    return doc.span_of(path, key=is_key), path


_PLAIN = (str, int, float, bool, type(None), Key)


def make_finding(doc: Document, span: Span, rule_id: str, name: str, severity: str, message: str,
                 path, evidence: str = "", suggestion: str = "", related: tuple = ()) -> Finding:
    """A finding of plain data only: findings travel back from worker processes pickled, and a
    rule's own `str` subclass (a message that carries its rule, a plugin's class) may not unpickle."""
    return Finding(doc.path, span.line + 1, span.column + 1, span.end_line + 1, span.end_column + 1,
                   rule_id, name, severity, str.__str__(message) if isinstance(message, str) else str(message),
                   _plain_path(path), str(evidence), str.__str__(suggestion), None,
                   tuple(_plain_path(place) for place in related))


def _plain_path(path) -> tuple:
    return tuple(part if type(part) in _PLAIN else str(part) for part in path)


def related_paths(doc: Document, locations, anchor: tuple) -> tuple:
    """The node paths of a finding's `Related` locations."""
    return tuple(locate(doc, location, anchor)[1] for location in locations)
