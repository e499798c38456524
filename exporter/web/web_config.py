"""--web.config.file in the Prometheus exporter-toolkit format: TLS, basic auth, headers.

Supported: tls_server_config (cert_file, key_file, client_auth_type, client_ca_file,
min_version, max_version; cipher_suites, curve_preferences and prefer_server_cipher_suites are
type-checked and left to OpenSSL's defaults), http_server_config.headers (http2 is accepted
and ignored), basic_auth_users with bcrypt hashes, and rate_limit (interval, burst), which here
limits failed basic-auth attempts. Every wrong type or value is a ConfigError that names the
field and quotes the value briefly.
"""

from __future__ import annotations

import math
import re
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from exporter.config.fields import did_you_mean, parse_duration
from exporter.config.file import ConfigError, brief, load_yaml_file
from exporter.config.lines import locate
from exporter.web.basic_auth import RateLimit, bcrypt_cost

CLIENT_AUTH = {
    "NoClientCert": ssl.CERT_NONE,
    "RequestClientCert": ssl.CERT_OPTIONAL,
    "RequireAnyClientCert": ssl.CERT_REQUIRED,
    "VerifyClientCertIfGiven": ssl.CERT_OPTIONAL,
    "RequireAndVerifyClientCert": ssl.CERT_REQUIRED,
}
TLS_VERSIONS = {
    "TLS10": ssl.TLSVersion.TLSv1,
    "TLS11": ssl.TLSVersion.TLSv1_1,
    "TLS12": ssl.TLSVersion.TLSv1_2,
    "TLS13": ssl.TLSVersion.TLSv1_3,
}
TLS_KEYS = {
    "cert_file",
    "key_file",
    "client_auth_type",
    "client_ca_file",
    "min_version",
    "max_version",
    "cipher_suites",
    "curve_preferences",
    "prefer_server_cipher_suites",
}
TOP_KEYS = {"tls_server_config", "http_server_config", "basic_auth_users", "rate_limit"}
# Headers the server itself owns: a configured value would corrupt the framing of answers.
RESERVED_HEADERS = {
    "connection",
    "content-encoding",
    "content-length",
    "content-type",
    "date",
    "server",
    "transfer-encoding",
    "vary",
    "www-authenticate",
}
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_HEADER_VALUE = re.compile(r"[\t\x20-\x7e]*")
MAX_BCRYPT_COST = 16  # ~4 s a check on today's CPUs: anything above is a mistake


@dataclass(frozen=True)
class WebConfig:
    ssl_context: ssl.SSLContext | None = None
    users: Mapping[str, bytes] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    rate_limit: RateLimit = field(default_factory=RateLimit)


def _mapping(raw: object, name: str) -> Mapping[Any, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{name}: expected a mapping, got {brief(raw)}")
    return raw


def _name(key: object) -> str:
    """A key as it may appear in a field path: plain when short and printable, else brief."""
    if isinstance(key, str) and len(key) <= 64 and key.isprintable():
        return key
    return brief(key)


def _known_keys(raw: Mapping[Any, Any], allowed: set[str], prefix: str) -> None:
    for key in raw:
        if not isinstance(key, str) or key not in allowed:
            raise ConfigError(f"{prefix}{_name(key)}: unknown key{did_you_mean(key, allowed)}")


def _choice(raw: Mapping[str, Any], key: str, choices: Mapping[str, Any], default: str) -> Any:
    value = raw.get(key, default)
    if not isinstance(value, str) or value not in choices:
        raise ConfigError(
            f"tls_server_config.{key}: unknown value {brief(value)}, expected one of "
            + ", ".join(choices)
        )
    return choices[value]


def _file(raw: Mapping[str, Any], key: str, base: Path) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value:
        raise ConfigError(f"tls_server_config.{key}: expected a file path, got {brief(value)}")
    path = base / value
    if not path.is_file():
        raise ConfigError(f"tls_server_config.{key}: no such file: {brief(value)}")
    return str(path)


def _string_list(raw: Mapping[str, Any], key: str) -> None:
    value = raw.get(key)
    if value is not None and (
        not isinstance(value, list) or not all(isinstance(v, str) for v in value)
    ):
        raise ConfigError(f"tls_server_config.{key}: expected a list of names, got {brief(value)}")


def _ssl_context(raw: Mapping[str, Any], base: Path) -> ssl.SSLContext:
    _known_keys(raw, TLS_KEYS, "tls_server_config.")
    _string_list(raw, "cipher_suites")
    _string_list(raw, "curve_preferences")
    prefer = raw.get("prefer_server_cipher_suites")
    if prefer is not None and not isinstance(prefer, bool):
        raise ConfigError(
            f"tls_server_config.prefer_server_cipher_suites: expected true or false, "
            f"got {brief(prefer)}"
        )
    auth_type = raw.get("client_auth_type", "NoClientCert")
    verify_mode = _choice(raw, "client_auth_type", CLIENT_AUTH, "NoClientCert")
    versions = {
        key: _choice(raw, key, TLS_VERSIONS, default)
        for key, default in (("min_version", "TLS12"), ("max_version", "TLS13"))
    }
    for key in ("cert_file", "key_file", "client_ca_file"):
        value = raw.get(key)
        if (key != "client_ca_file" or value is not None) and (
            not isinstance(value, str) or not value
        ):
            raise ConfigError(f"tls_server_config.{key}: expected a file path, got {brief(value)}")
    cert_file, key_file = _file(raw, "cert_file", base), _file(raw, "key_file", base)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.minimum_version = versions["min_version"]
        context.maximum_version = versions["max_version"]
    except (ValueError, OSError) as exc:
        raise ConfigError(f"tls_server_config.min_version: not usable here: {exc}") from None
    try:
        context.load_cert_chain(cert_file, key_file)
    except ssl.SSLError as exc:
        raise ConfigError(f"tls_server_config.cert_file: cannot load: {exc.reason}") from None
    except OSError as exc:
        raise ConfigError(f"tls_server_config.cert_file: cannot load: {exc.strerror}") from None
    context.verify_mode = verify_mode
    if raw.get("client_ca_file") is not None:
        try:
            context.load_verify_locations(_file(raw, "client_ca_file", base))
        except ssl.SSLError as exc:
            raise ConfigError(
                f"tls_server_config.client_ca_file: cannot load: {exc.reason}"
            ) from None
        except OSError as exc:
            raise ConfigError(
                f"tls_server_config.client_ca_file: cannot load: {exc.strerror}"
            ) from None
    elif auth_type in ("VerifyClientCertIfGiven", "RequireAndVerifyClientCert"):
        raise ConfigError(f"tls_server_config.client_ca_file: required by {auth_type}")
    return context


def _users(raw: Mapping[Any, Any]) -> dict[str, bytes]:
    users: dict[str, bytes] = {}
    for user, hashed in raw.items():
        if not isinstance(user, str) or not user or ":" in user:
            raise ConfigError(
                f"basic_auth_users: user names must be non-empty strings without ':', "
                f"got {brief(user)}"
            )
        cost = bcrypt_cost(hashed) if isinstance(hashed, str) else None
        if cost is None:
            raise ConfigError(f"basic_auth_users.{_name(user)}: expected a bcrypt hash")
        if not 4 <= cost <= MAX_BCRYPT_COST:
            raise ConfigError(
                f"basic_auth_users.{_name(user)}: bcrypt cost {cost} "
                f"is outside 4..{MAX_BCRYPT_COST}"
            )
        users[user] = hashed.encode("ascii")
    return users


def _headers(raw: Mapping[Any, Any]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in raw.items():
        if not isinstance(name, str) or not _TOKEN.fullmatch(name):
            raise ConfigError(f"http_server_config.headers: invalid header name {brief(name)}")
        if name.lower() in RESERVED_HEADERS:
            raise ConfigError(f"http_server_config.headers.{_name(name)}: set by the server itself")
        if not isinstance(value, str) or not _HEADER_VALUE.fullmatch(value):
            raise ConfigError(
                f"http_server_config.headers.{_name(name)}: expected a string of printable ASCII, "
                f"got {brief(value)}"
            )
        headers[name] = value
    return headers


def _rate_limit(raw: Mapping[Any, Any]) -> RateLimit:
    _known_keys(raw, {"interval", "burst"}, "rate_limit.")
    default = RateLimit()
    interval = parse_duration(raw.get("interval", default.interval), "rate_limit.interval")
    if not math.isfinite(interval):
        raise ConfigError(f"rate_limit.interval: must be finite, got {brief(raw['interval'])}")
    burst = raw.get("burst", default.burst)
    if isinstance(burst, bool) or not isinstance(burst, int) or not 1 <= burst <= 10_000:
        raise ConfigError(f"rate_limit.burst: expected an integer 1..10000, got {brief(burst)}")
    return RateLimit(interval=interval, burst=burst)


def load_web_config(path: str) -> WebConfig:
    """The web config file; a ConfigError names the field, and its line when in the file."""
    raw = load_yaml_file(path, "web.config.file")
    try:
        return _web_config(raw, Path(path).resolve().parent)
    except ConfigError as exc:
        raise ConfigError(locate(str(exc), raw, path)) from None


def _web_config(raw: object, base: Path) -> WebConfig:
    top = _mapping(raw, "web.config.file")
    _known_keys(top, TOP_KEYS, "")
    tls = _mapping(top.get("tls_server_config"), "tls_server_config")
    http_server = _mapping(top.get("http_server_config"), "http_server_config")
    _known_keys(http_server, {"headers", "http2"}, "http_server_config.")
    if not isinstance(http_server.get("http2", True), bool):
        raise ConfigError(
            f"http_server_config.http2: expected true or false, got {brief(http_server['http2'])}"
        )
    return WebConfig(
        ssl_context=_ssl_context(tls, base) if tls else None,
        users=_users(_mapping(top.get("basic_auth_users"), "basic_auth_users")),
        headers=_headers(_mapping(http_server.get("headers"), "http_server_config.headers")),
        rate_limit=_rate_limit(_mapping(top.get("rate_limit"), "rate_limit")),
    )
