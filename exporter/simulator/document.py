"""The root fields of a GraphQL document and the arguments each passes, as a server reads them.

One document may ask for several root fields (`defectConnection`, `entityTypeCounts`,
`sloConnection` of one scope in one request); each is answered with its own arguments, taken
from the request's variables (`filter: $sloFilter`) or scalar literals (`first: 10`). Enough of
GraphQL for that: comments, strings, aliases and nested selection sets are skipped correctly;
fragments and object literals as arguments are not read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

_NAME = re.compile(r"[A-Za-z_]\w*")
_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?")
_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')
MAX_ROOT_FIELDS = 16


class DocumentError(Exception):
    pass


@dataclass(frozen=True)
class RootField:
    name: str
    key: str  # where its answer goes in data: the alias, or the name
    # argument -> value (variables resolved); None when the field had no argument list
    arguments: Mapping[str, Any] | None = field(default=None)


def root_fields(query: str, variables: Mapping[str, Any]) -> list[RootField]:
    """The root fields of the document's first operation, in order."""
    reader = _Reader(query)
    reader.skip_to_operation_body()
    fields: list[RootField] = []
    while True:
        reader.space()
        if reader.peek() == "}":
            return fields
        if reader.peek() == "":
            raise DocumentError("unclosed selection set")
        first = reader.name()
        name, key = first, first
        reader.space()
        if reader.peek() == ":":
            reader.advance()
            reader.space()
            name = reader.name()
            reader.space()
        arguments = None
        if reader.peek() == "(":
            arguments = reader.arguments(variables)
            reader.space()
        if reader.peek() == "{":
            reader.skip_block()
        fields.append(RootField(name, key, arguments))
        if len(fields) > MAX_ROOT_FIELDS:
            raise DocumentError(f"more than {MAX_ROOT_FIELDS} root fields")


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0

    def peek(self) -> str:
        return self.text[self.i] if self.i < len(self.text) else ""

    def advance(self) -> None:
        self.i += 1

    def space(self) -> None:
        text = self.text
        while self.i < len(text):
            char = text[self.i]
            if char == "#":
                end = text.find("\n", self.i)
                self.i = len(text) if end < 0 else end + 1
            elif char.isspace() or char == ",":
                self.i += 1
            else:
                return

    def name(self) -> str:
        found = _NAME.match(self.text, self.i)
        if found is None:
            raise DocumentError(f"expected a name at offset {self.i}")
        self.i = found.end()
        return found.group()

    def skip_to_operation_body(self) -> None:
        """Past any fragment definitions, `query name($v: T = default ...)` and its `{`."""
        self.space()
        while self.text.startswith("fragment", self.i):
            self.skip_block()
            self.space()
        depth = 0
        while self.i < len(self.text):
            self.space()
            char = self.peek()
            if char == '"':
                self.string()
                continue
            self.advance()
            if char == "(":
                depth += 1
            elif char == ")":
                depth -= 1
            elif char == "{" and depth == 0:
                return
        raise DocumentError("no selection set")

    def skip_block(self) -> None:
        depth = 0
        while self.i < len(self.text):
            self.space()
            char = self.peek()
            if char == '"':
                self.string()
                continue
            self.advance()
            if char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
                if depth == 0:
                    return
        raise DocumentError("unclosed selection set")

    def string(self) -> str:
        found = _STRING.match(self.text, self.i)
        if found is None:
            raise DocumentError("unterminated string")
        self.i = found.end()
        value: str = json.loads(found.group())
        return value

    def arguments(self, variables: Mapping[str, Any]) -> dict[str, Any]:
        self.advance()  # (
        arguments: dict[str, Any] = {}
        while True:
            self.space()
            if self.peek() == ")":
                self.advance()
                return arguments
            name = self.name()
            self.space()
            if self.peek() != ":":
                raise DocumentError(f"expected ':' after argument {name}")
            self.advance()
            self.space()
            arguments[name] = self.value(variables)

    def value(self, variables: Mapping[str, Any]) -> Any:
        char = self.peek()
        if char == "$":
            self.advance()
            return variables.get(self.name())
        if char == '"':
            return self.string()
        number = _NUMBER.match(self.text, self.i)
        if number is not None:
            self.i = number.end()
            return json.loads(number.group())
        word = self.name()
        if word in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[word]
        raise DocumentError(f"the simulator reads variables and scalars as arguments, not {word}")
