"""Credentials: the `Secret` wrapper, where a secret is read from, and what is missing.

One module so that every path a secret takes (environment, `<key>_file`, inline) is in one
place to audit: a secret is wrapped as soon as it is read and never appears in a repr, a log
line or an error. Missing credentials are reported apart from the other checks so that a file
can be validated (`--check-config`) where no secret is available.
"""

from __future__ import annotations

from collections.abc import Mapping

from exporter.config.fields import Section
from exporter.config.file import MAX_SECRET_BYTES, ConfigError, brief, read_text_file


class Secret:
    """A string that never shows itself in a repr, a log line or an error."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def read_secret_file(path_value: str, name: str) -> Secret:
    # A regular file of bounded size only: a FIFO or a device would hang or flood the read.
    text = read_text_file(path_value, name, MAX_SECRET_BYTES).strip()
    if not text:
        raise ConfigError(f"{name}: {brief(path_value)} is empty")
    return Secret(text)


def secret_field(
    section: Section, key: str, env: Mapping[str, str], env_name: str, *, inline: bool
) -> Secret | None:
    """A secret from the environment, else from `<key>_file`, else (if allowed) inline."""
    file_value = section.string(f"{key}_file", None)
    inline_value = section.string(key, None) if inline else None
    if not inline and key in section.raw:
        # Say where the secret belongs instead of a bare "unknown key"; the value is not read.
        section.get(key)
        section.invalid(
            key,
            f"secrets are not read from the config file; put it in a file named by "
            f"{section.name(key + '_file')}, or set {env_name}",
            None,
        )
    if env.get(env_name):
        if not env[env_name].strip():  # named by the variable: the file is not where to look
            section.errors.append(f"{env_name}: set but blank")
            return None
        return Secret(env[env_name].strip())
    if file_value:
        try:
            return read_secret_file(file_value, section.name(f"{key}_file"))
        except ConfigError as exc:
            section.errors.append(str(exc))
    if inline_value:
        return Secret(inline_value)
    return None
