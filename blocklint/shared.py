"""Facts that the files of one run share, worked out once per run rather than once per file.

The specs of a folder usually name the same artifact directory, and the artifact rules ask the
same questions of it for every spec (does it exist, what does it list, how large is it). Within
one `blocklint check` run the folder does not change, so the runner opens a store for the run
(`run_store`) and `once_per_run` answers each question from it after the first file.

Outside a run (the language server analyses one document at a time, as the user edits the
folder), there is no store and every call works the answer out afresh, so an edit is seen at the
next analysis. The store holds at most `MAX_FACTS` answers: a run over many folders does not
grow without bound.
"""

from __future__ import annotations

import functools
from contextlib import contextmanager

MAX_FACTS = 4096
_store: dict | None = None


@contextmanager
def run_store(store: dict):
    """Answer `once_per_run` calls from `store` (a dict the run keeps) while the block runs."""
    global _store
    outer = _store
    _store = store
    try:
        yield store
    finally:
        _store = outer


def once_per_run(func):
    """`func(*args)` (hashable arguments) computed once per run store; an exception it raises
    is not kept, so the next call raises it again."""

    @functools.wraps(func)
    def shared(*args):
        store = _store
        if store is None:
            return func(*args)
        key = (func, args)
        try:
            return store[key]
        except KeyError:
            pass
        if len(store) >= MAX_FACTS:
            store.clear()
        value = store[key] = func(*args)
        return value

    return shared
