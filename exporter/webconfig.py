"""--web.config.file in the Prometheus exporter-toolkit format: TLS and basic auth.

Supported: tls_server_config (cert_file, key_file, client_auth_type, client_ca_file,
min_version, max_version; cipher_suites, curve_preferences and prefer_server_cipher_suites are
accepted and left to OpenSSL's defaults), http_server_config.headers, basic_auth_users with
bcrypt hashes. Errors name the field, like config errors.
"""

from __future__ import annotations

import hashlib
import ssl
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bcrypt

from exporter.config import ConfigError, key_text
from exporter.configfile import brief, load_yaml_file

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
# A bcrypt hash to compare against for unknown users, so timing does not reveal user names.
_DUMMY_HASH = bcrypt.hashpw(b"causely-exporter", bcrypt.gensalt(rounds=10))


@dataclass(frozen=True)
class WebConfig:
    ssl_context: ssl.SSLContext | None = None
    users: Mapping[str, bytes] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)


def _mapping(raw: object, name: str) -> Mapping[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{name}: expected a mapping")
    return raw


def _file(raw: Mapping[str, Any], key: str, base: Path) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value:
        raise ConfigError(f"tls_server_config.{key}: expected a file path")
    path = base / value
    if not path.is_file():
        raise ConfigError(f"tls_server_config.{key}: no such file: {value}")
    return str(path)


def _ssl_context(raw: Mapping[str, Any], base: Path) -> ssl.SSLContext:
    unknown = sorted(set(raw) - TLS_KEYS, key=str)
    if unknown:
        raise ConfigError(f"tls_server_config.{unknown[0]}: unknown key")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(_file(raw, "cert_file", base), _file(raw, "key_file", base))
    except ssl.SSLError as exc:
        raise ConfigError(f"tls_server_config.cert_file: cannot load: {exc.reason}") from None
    auth_type = raw.get("client_auth_type", "NoClientCert")
    if auth_type not in CLIENT_AUTH:
        raise ConfigError(
            f"tls_server_config.client_auth_type: unknown value {brief(auth_type)}, "
            "expected one of " + ", ".join(CLIENT_AUTH)
        )
    context.verify_mode = CLIENT_AUTH[auth_type]
    if raw.get("client_ca_file"):
        try:
            context.load_verify_locations(_file(raw, "client_ca_file", base))
        except ssl.SSLError as exc:
            raise ConfigError(
                f"tls_server_config.client_ca_file: cannot load: {exc.reason}"
            ) from None
    elif auth_type in ("VerifyClientCertIfGiven", "RequireAndVerifyClientCert"):
        raise ConfigError(f"tls_server_config.client_ca_file: required by {auth_type}")
    for key, attribute in (("min_version", "minimum_version"), ("max_version", "maximum_version")):
        if key in raw:
            if raw[key] not in TLS_VERSIONS:
                raise ConfigError(
                    f"tls_server_config.{key}: unknown value {brief(raw[key])}, expected one of "
                    + ", ".join(TLS_VERSIONS)
                )
            setattr(context, attribute, TLS_VERSIONS[raw[key]])
    return context


def _users(raw: Mapping[str, Any]) -> dict[str, bytes]:
    users: dict[str, bytes] = {}
    for user, hashed in raw.items():
        if not isinstance(hashed, str) or not hashed.startswith(("$2a$", "$2b$", "$2y$")):
            raise ConfigError(f"basic_auth_users.{key_text(user)}: expected a bcrypt hash")
        users[str(user)] = hashed.encode()
    return users


def _headers(raw: Mapping[str, Any]) -> dict[str, str]:
    for name, value in raw.items():
        if not isinstance(name, str) or not isinstance(value, str):
            raise ConfigError(
                f"http_server_config.headers: expected header names and values as strings, "
                f"got {brief(name)}: {brief(value)}"
            )
    return dict(raw)


def load_web_config(path: str) -> WebConfig:
    raw = load_yaml_file(path, "web.config.file")
    top = _mapping(raw, "web.config.file")
    unknown = sorted(
        set(top) - {"tls_server_config", "http_server_config", "basic_auth_users"}, key=str
    )
    if unknown:
        raise ConfigError(f"{key_text(unknown[0])}: unknown key")
    base = Path(path).resolve().parent
    tls = _mapping(top.get("tls_server_config"), "tls_server_config")
    http_server = _mapping(top.get("http_server_config"), "http_server_config")
    headers = _mapping(http_server.get("headers"), "http_server_config.headers")
    return WebConfig(
        ssl_context=_ssl_context(tls, base) if tls else None,
        users=_users(_mapping(top.get("basic_auth_users"), "basic_auth_users")),
        headers=_headers(headers),
    )


class BasicAuthChecker:
    """Checks credentials against bcrypt hashes, caching successes so scrapes stay cheap."""

    def __init__(self, users: Mapping[str, bytes], cache_size: int = 256) -> None:
        self._users = dict(users)
        self._cache: dict[bytes, bool] = {}
        self._lock = threading.Lock()
        self._cache_size = cache_size

    def check(self, user: str, password: str) -> bool:
        hashed = self._users.get(user)
        # The cache key is keyed by the stored hash, so a changed hash never matches old entries.
        digest = hashlib.sha256(b"\0".join([user.encode(), password.encode(), hashed or b""]))
        digest_bytes = digest.digest()
        with self._lock:
            if self._cache.get(digest_bytes):
                return True
        ok = bcrypt.checkpw(password.encode(), hashed or _DUMMY_HASH) and hashed is not None
        if ok:
            with self._lock:
                if len(self._cache) >= self._cache_size:
                    self._cache.clear()
                self._cache[digest_bytes] = True
        return ok
