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

MAX_FACTS = 4096
_store: dict | None = None


class run_store:  # noqa: N801 - used as a function (`with run_store(store):`)
    """Answer `once_per_run` calls from `store` (a dict the run keeps) while the `with` block runs.
    A class rather than a `contextlib.contextmanager`: a run answered from the result cache
    imports no `contextlib` (~3 M instructions at every start)."""

    def __init__(self, store: dict):
        self._store = store
        self._outer = None

    def __enter__(self) -> dict:
        global _store
        self._outer, _store = _store, self._store
        return self._store

    def __exit__(self, *exception):
        global _store
        _store = self._outer


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
