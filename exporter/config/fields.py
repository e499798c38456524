"""The typed field reader every section parser uses, and how their errors are collected.

Kept apart from the sections so that each section (here and in `exporter.config.alertmanager`) reads
its values the same way: one wording per kind of mistake, every error named after its field,
unknown keys caught, and no error hiding another (each `Section` records them and `finish()`
raises them together; `Errors` gathers the sections').
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Collection, Mapping
from typing import Any, TypeVar

from exporter.config.file import ConfigError, brief, brief_url
from exporter.config.lines import MAX_KEY_CHARS, key_text

# Longer than any sane interval or timeout, short enough for every wait() on every platform.
MAX_DURATION_SECONDS = 365 * 86400.0
MAX_ERROR_LINES = 20
# How alike a mistyped word and a known one must be to suggest it (difflib's ratio): close
# enough for 'scope' -> 'scopes' or 'intervall' -> 'interval', not for unrelated words.
SUGGESTION_CUTOFF = 0.75
# Suggestions a section looks for: each compares a word with every known one, and a hostile
# file may hold a million unknown keys; past this many the errors come without a hint.
MAX_SUGGESTIONS = 20
T = TypeVar("T")

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def parse_duration(value: object, name: str) -> float:
    """Seconds from a number or a Prometheus-style duration such as 90s, 5m or 1h30m."""
    if isinstance(value, bool):
        raise ConfigError(f"{name}: expected a duration such as 60s, got {brief(value)}")
    if isinstance(value, int | float):
        try:
            seconds = float(value)
        except OverflowError:  # an int too large for a float
            seconds = math.inf
    elif isinstance(value, str) and value and _DURATION_PART.sub("", value.strip()) == "":
        seconds = sum(float(n) * _UNIT_SECONDS[u] for n, u in _DURATION_PART.findall(value.strip()))
    else:
        raise ConfigError(f"{name}: expected a duration such as 60s, got {brief(value)}")
    if not math.isfinite(seconds):
        raise ConfigError(f"{name}: must be a finite duration, got {brief(value)}")
    if seconds < 0:
        raise ConfigError(f"{name}: must not be negative, got {brief(value)}")
    if seconds > MAX_DURATION_SECONDS:
        raise ConfigError(f"{name}: must be at most 365d, got {brief(value)}")
    return seconds


def did_you_mean(word: object, known: Collection[str]) -> str:
    """`; did you mean 'x'?` naming the known word closest to a mistyped one, or ""."""
    if not isinstance(word, str) or len(word) > MAX_KEY_CHARS:
        return ""
    close = difflib.get_close_matches(word, sorted(known), n=1, cutoff=SUGGESTION_CUTOFF)
    return f"; did you mean {brief(close[0])}?" if close else ""


def error_lines(errors: list[str]) -> str:
    """The message of a ConfigError holding several errors: one per line, at most a screenful."""
    shown = errors[:MAX_ERROR_LINES]
    if len(errors) > MAX_ERROR_LINES:
        shown.append(f"config.file: {len(errors) - MAX_ERROR_LINES} more errors not shown")
    return "\n".join(shown)


class Errors:
    """The errors of a whole configuration, gathered section by section."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, message: str) -> None:
        self.lines.append(message)

    def gather(self, build: Callable[..., T], *args: Any) -> T | None:
        """build(*args), or None with its errors recorded."""
        try:
            return build(*args)
        except ConfigError as exc:
            self.lines.extend(str(exc).splitlines())
            return None

    def raise_any(self) -> None:
        if self.lines:
            raise ConfigError(error_lines(self.lines))


class Section:
    """Reads typed values from one mapping and rejects keys nobody asked for."""

    def __init__(self, raw: object, prefix: str) -> None:
        # Field errors are collected and raised together by finish().
        self.errors: list[str] = []
        if raw is None:
            raw = {}
        if not isinstance(raw, Mapping):
            where = prefix or "config.file"
            self.errors.append(f"{where}: expected a mapping, got {type(raw).__name__}")
            raw = {}
        self.raw: Mapping[str, Any] = raw
        self.prefix = prefix
        self.read: set[str] = set()
        self._suggestions = MAX_SUGGESTIONS

    def suggest(self, word: object, known: Collection[str]) -> str:
        """did_you_mean(), while this section's budget of suggestions lasts."""
        if self._suggestions <= 0:
            return ""
        self._suggestions -= 1
        return did_you_mean(word, known)

    def nested(self, build: Callable[[Section], T], default: T) -> T:
        """build(self) for a part of this section with checks of its own (a sub-section):
        its errors are recorded with this section's instead of hiding them."""
        try:
            return build(self)
        except ConfigError as exc:
            self.errors.extend(str(exc).splitlines())
            return default

    def invalid(self, key: str, problem: str, default: T) -> T:
        """Record that `key` is wrong and go on with `default`."""
        self.errors.append(f"{self.name(key)}: {problem}")
        return default

    def name(self, key: str) -> str:
        return f"{self.prefix}.{key}" if self.prefix else key

    def get(self, key: str) -> Any:
        self.read.add(key)
        return self.raw.get(key)

    def boolean(self, key: str, default: bool) -> bool:
        value = self.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            return self.invalid(key, f"expected true or false, got {brief(value)}", default)
        return value

    def integer(self, key: str, default: int, minimum: int = 0, maximum: int | None = None) -> int:
        value = self.get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            return self.invalid(key, f"expected an integer, got {brief(value)}", default)
        if value < minimum or (maximum is not None and value > maximum):
            bound = f"between {minimum} and {maximum}" if maximum is not None else f">= {minimum}"
            return self.invalid(key, f"must be {bound}, got {brief(value)}", default)
        return value

    def number(self, key: str, default: float) -> float:
        value = self.get(key)
        if value is None:
            return default
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or value < 0
        ):
            problem = f"expected a finite non-negative number, got {brief(value)}"
            return self.invalid(key, problem, default)
        return float(value)

    def duration(self, key: str, default: float, *, positive: bool = False) -> float:
        value = self.get(key)
        if value is None:
            return default
        try:
            seconds = parse_duration(value, self.name(key))
        except ConfigError as exc:
            self.errors.append(str(exc))
            return default
        if positive and seconds <= 0:
            return self.invalid(key, f"must be greater than 0, got {brief(value)}", default)
        return seconds

    def string(self, key: str, default: str | None) -> str | None:
        value = self.get(key)
        if value is None:
            return default
        if not isinstance(value, str) or not value.strip():
            return self.invalid(key, f"expected a non-empty string, got {brief(value)}", default)
        return value.strip()

    def url(self, key: str, default: str, env: Mapping[str, str], env_name: str) -> str:
        """A URL from `env_name` if set, else from `key`; an error names where it came from."""
        from_env = env.get(env_name)
        if from_env:  # the variable wins: the file's value is not used, so not checked
            self.read.add(key)
            value, name = from_env, env_name
        else:
            value, name = self.string(key, default) or default, self.name(key)
        if not re.match(r"^https?://[^/\s]+", value):
            self.errors.append(f"{name}: expected an http(s) URL, got {brief_url(value)}")
            return default
        return value

    def strings(self, key: str, allowed: tuple[str, ...] | None = None) -> tuple[str, ...]:
        """A list of non-empty strings (each one of `allowed`, if given), without repeats;
        every bad entry is an error of its own that names its index."""
        value = self.get(key)
        if value is None:
            return ()
        if not isinstance(value, list):
            return self.invalid(key, f"expected a list of strings, got {brief(value)}", ())
        errors_before = len(self.errors)
        for index, item in enumerate(value):
            entry = f"{key}[{index}]"
            if not isinstance(item, str) or not item:
                self.invalid(entry, f"expected a non-empty string, got {brief(item)}", None)
            elif allowed is not None and item not in allowed:
                hint = self.suggest(item, allowed)
                expected = ", ".join(allowed)
                problem = f"unknown value {brief(item)}, expected one of {expected}{hint}"
                self.invalid(entry, problem, None)
        if len(self.errors) > errors_before:
            return ()
        return tuple(dict.fromkeys(value))

    def finish(self) -> None:
        """Raise every error of this section at once, unknown keys included."""
        for key in sorted(set(self.raw) - self.read, key=str):
            hint = self.suggest(key, self.read)
            self.errors.append(f"{self.name(key_text(key))}: unknown key{hint}")
        if self.errors:  # build_config cuts the whole list to a screenful
            raise ConfigError("\n".join(self.errors))
