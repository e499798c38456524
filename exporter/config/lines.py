"""Where in a file an error is: field names walked back to the line that holds the field.

A file's errors are worded from dotted field names (`causely.page_size`, `alertmanager.urls[1]`)
by code that knows nothing of the file; `locate` walks such a name back through the parsed
document (whose mappings and lists know their lines, see `file.LinedDict`) and puts the line
in front, so every error from a file says where to look, and one from the environment does not.
"""

from __future__ import annotations

from typing import Any

from exporter.config.file import LinedDict, LinedList, brief

MAX_PATH_CHARS = 200
MAX_KEY_CHARS = 80


def key_text(key: object) -> str:
    """A mapping key as it appears in a field name: itself when short and printable."""
    if isinstance(key, str) and len(key) <= MAX_KEY_CHARS and key.isprintable():
        return key
    return brief(key)


def line_of(document: object, message: str) -> int | None:
    """The line of the field an error message starts with (`a.b[2].c: problem`); None when
    the file does not hold that field (a value from the environment, a key never written)."""
    node, rest, line = document, message, None
    while True:
        if isinstance(node, LinedDict):
            key = _key_at(node, rest)
            if key is None:
                return None
            line = node.key_lines.get(key)
            rest = rest[len(key_text(key)) :]
            node = node[key]
        elif isinstance(node, LinedList) and rest.startswith("["):
            index_text, closed, after = rest[1:].partition("]")
            if not closed or not index_text.isdigit() or int(index_text) >= len(node):
                return None
            line = node.item_lines[int(index_text)]
            node, rest = node[int(index_text)], after
        else:
            return None
        if rest.startswith(":") or not rest:
            return line
        if rest.startswith("."):
            rest = rest[1:]


def _key_at(node: LinedDict, rest: str) -> Any:
    """The longest key of `node` that `rest` starts with, followed by `.`, `[` or `:`.

    Never an empty key: each step must eat part of the name, or an alias that holds itself
    would walk forever."""
    best: Any = None
    best_length = 0
    for key in node:
        text = key_text(key)
        if len(text) > best_length and rest.startswith(text) and rest[len(text) :][:1] in ".[:":
            best, best_length = key, len(text)
    return best


def file_name(path: str) -> str:
    """A path as the prefix of an error line: itself when short and printable."""
    if len(path) <= MAX_PATH_CHARS and path.isprintable():
        return path
    return repr(path[:MAX_PATH_CHARS]) + "..."


def locate(message: str, document: object, path: str) -> str:
    """Each line of `message` with `path:line: ` in front when its field is in the file."""
    shown = file_name(path)
    located = []
    for text in message.splitlines():
        line = line_of(document, text)
        located.append(f"{shown}:{line}: {text}" if line is not None else text)
    return "\n".join(located)
