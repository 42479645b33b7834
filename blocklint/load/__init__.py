"""File → Document: bounded reads, sandboxed templates, a tree with a span for every node, kinds.

One job per module: `read` (bounded reads), `template` and `sandbox` (rendering), `source_map`
(positions in rendered text, back to the source), `json_syntax` and `tree` (parsing), `scalars`
(YAML 1.1 typing as the peak CLI sees it), `settings` (how files are read), `document` (what
loading produces) and `loader` (the steps, in order). This package imports nothing above it.
"""

# Names are imported on first use (PEP 562): a plan needs `LoadSettings` alone, and a run whose
# files all come from the result cache parses nothing.
_HOMES = {
    **dict.fromkeys(("FILE_START", "Document", "Problem", "Span", "UndefinedUse"), "document"),
    "LoadSettings": "settings",
    **dict.fromkeys(("load_bytes", "load_path", "load_stream", "load_text"), "loader"),
    **dict.fromkeys(("MAX_FILE_BYTES", "FileTooLarge", "UnreadableFile", "read_bounded", "read_bounded_stream"),
                    "read"),
    **dict.fromkeys(("MAX_DEPTH", "MAX_EXPANDED_CHARS", "MAX_NODES"), "tree"),
}

__all__ = sorted([*_HOMES, "split_lines"])


def __getattr__(name: str):
    if name == "split_lines":  # re-exported for modules that still import it from here
        from blocklint.words import split_lines as value
    elif name in _HOMES:
        from importlib import import_module

        value = getattr(import_module(f"{__name__}.{_HOMES[name]}"), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__():
    return sorted({*globals(), *__all__})
