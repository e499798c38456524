"""Reading files a person wrote (config, web config, secrets) without trusting them.

Every file is read only if it is a regular file (a FIFO would hang the read), only up to a
size limit, as UTF-8 with an error that names the file; YAML is parsed with a bounded number
of aliases, and values quoted in error messages are cut short, so a hostile file can neither
hang the process nor blow its memory up through the message that rejects it. Its mappings and
lists remember their lines (`LinedDict`, `LinedList`), for the errors `lines.locate` places.
"""

from __future__ import annotations

import os
import re
import reprlib
import stat
from collections.abc import Iterator
from typing import Any

import yaml

MAX_CONFIG_BYTES = 1024 * 1024
MAX_SECRET_BYTES = 64 * 1024
MAX_YAML_ALIASES = 100
_BRIEF_CHARS = 80


class ConfigError(Exception):
    """A configuration problem; the message starts with the dotted name of the field."""


class _BriefRepr(reprlib.Repr):
    """reprlib picks a method by type name: a file's mappings and lists are dicts and lists."""

    def repr_LinedDict(self, value: dict[Any, Any], level: int) -> str:
        return self.repr_dict(value, level)

    def repr_LinedList(self, value: list[Any], level: int) -> str:
        return self.repr_list(value, level)


_repr = _BriefRepr()
_repr.maxlevel = 2
_repr.maxstring = _BRIEF_CHARS
_repr.maxother = _BRIEF_CHARS
_repr.maxlist = _repr.maxtuple = _repr.maxdict = _repr.maxset = 4
_repr.maxlong = 40


def brief(value: object) -> str:
    """A repr of `value` for an error message: bounded whatever the value holds."""
    text = _repr.repr(value)
    return text if len(text) <= 2 * _BRIEF_CHARS else text[: 2 * _BRIEF_CHARS] + "..."


# What a URL may carry that is a secret: the user:password@ before its host, its query.
_URL_USERINFO = re.compile(r"^((?:[A-Za-z][A-Za-z0-9+.-]*:)?//)?[^/?#]*@")
_URL_QUERY = re.compile(r"[?#].*", re.DOTALL)


def brief_url(value: object) -> str:
    """brief() of a URL a person wrote, with any credentials and query hidden: a URL that is
    rejected may still hold a password (`admin:pw@host`) or a token (`?token=`)."""
    if not isinstance(value, str):
        return brief(value)
    text = _URL_USERINFO.sub(lambda m: (m.group(1) or "") + "***@", value, count=1)
    return brief(_URL_QUERY.sub("?***", text, count=1))


def read_text_file(path: str, field: str, max_bytes: int = MAX_CONFIG_BYTES) -> str:
    """The UTF-8 text of a regular file of at most `max_bytes`; ConfigError naming `field`."""
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; the type check then refuses it.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise ConfigError(f"{field}: cannot read {brief(path)}: {exc.strerror}") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ConfigError(f"{field}: {brief(path)} is not a regular file")
        chunks: list[bytes] = []
        size = 0
        while size <= max_bytes:
            chunk = os.read(fd, min(65536, max_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise ConfigError(f"{field}: cannot read {brief(path)}: {exc.strerror}") from None
    finally:
        os.close(fd)
    if size > max_bytes:
        raise ConfigError(f"{field}: {brief(path)} is larger than {max_bytes} bytes")
    data = b"".join(chunks)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{field}: {brief(path)} is not valid UTF-8 (byte {exc.start})") from None


class LinedDict(dict[Any, Any]):
    """A YAML mapping with the 1-based line of each of its keys."""

    key_lines: dict[Any, int]


class LinedList(list[Any]):
    """A YAML sequence with the 1-based line of each of its items."""

    item_lines: list[int]


def construct_lined_map(loader: yaml.SafeLoader, node: yaml.MappingNode) -> Iterator[LinedDict]:
    data = LinedDict()
    data.key_lines = {}
    yield data  # first, so that an alias inside the mapping can refer to it
    data.update(loader.construct_mapping(node))
    # construct_mapping has folded merge keys (<<) into node.value; the keys are cached.
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        data.key_lines[key] = key_node.start_mark.line + 1


def construct_lined_list(loader: yaml.SafeLoader, node: yaml.SequenceNode) -> Iterator[LinedList]:
    data = LinedList()
    data.item_lines = [item.start_mark.line + 1 for item in node.value]
    yield data
    data.extend(loader.construct_sequence(node))


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader that refuses documents with more than MAX_YAML_ALIASES aliases."""

    aliases = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_YAML_ALIASES:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise yaml.YAMLError(
                    f"more than {MAX_YAML_ALIASES} aliases at line {mark.line + 1}"
                )
        return super().compose_node(parent, index)


_BoundedLoader.add_constructor("tag:yaml.org,2002:map", construct_lined_map)
_BoundedLoader.add_constructor("tag:yaml.org,2002:seq", construct_lined_list)


def parse_yaml(text: str, field: str, path: str) -> object:
    """One YAML document from `text`; ConfigError naming `field` and the line on bad YAML."""
    loader = _BoundedLoader(text)
    try:
        return loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        detail = "" if mark is not None else f": {brief(str(exc))}"
        raise ConfigError(f"{field}: {brief(path)} is not valid YAML{where}{detail}") from None
    except RecursionError:
        raise ConfigError(f"{field}: {brief(path)} is nested too deeply") from None
    finally:
        loader.dispose()


def load_yaml_file(path: str, field: str, max_bytes: int = MAX_CONFIG_BYTES) -> object:
    """Read and parse a bounded YAML file; every failure is a ConfigError naming `field`."""
    return parse_yaml(read_text_file(path, field, max_bytes), field, path)
