"""File → Document: bounded reads, sandboxed templates, a tree with a span for every node, kinds.

One job per module: `read` (bounded reads), `template` and `sandbox` (rendering), `source_map`
(positions in rendered text, back to the source), `json_syntax` and `tree` (parsing), `scalars`
(YAML 1.1 typing as the peak CLI sees it), `document` (what loading produces) and `loader` (the
steps, in order). This package imports nothing above it.
"""

from blocklint.load.document import FILE_START, Document, LoadSettings, Problem, Span, UndefinedUse
from blocklint.load.loader import load_bytes, load_path, load_stream, load_text
from blocklint.load.read import MAX_FILE_BYTES, FileTooLarge, UnreadableFile, read_bounded, read_bounded_stream
from blocklint.load.tree import MAX_DEPTH, MAX_EXPANDED_CHARS, MAX_NODES
from blocklint.words import split_lines  # re-exported for modules that still import it from here

__all__ = [
    "FILE_START", "MAX_DEPTH", "MAX_EXPANDED_CHARS", "MAX_FILE_BYTES", "MAX_NODES", "Document", "FileTooLarge",
    "LoadSettings", "Problem", "Span", "UndefinedUse", "UnreadableFile", "load_bytes", "load_path", "load_stream",
    "load_text", "read_bounded", "read_bounded_stream", "split_lines",
]
