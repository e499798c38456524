"""Each request written out as requests' HTTP adapter sends it, without a requests.Session.

A Session re-merges its settings, cookie jar and hooks on every call, about a third of the
client's CPU per page; the API client wants none of them (no cookies, no redirects, its
settings fixed once), so it writes the request here and hands it to the adapter itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import msgspec
import requests
from requests.structures import CaseInsensitiveDict

# msgspec writes the same JSON values as json.dumps (keys in order), compact and as UTF-8
# rather than with spaces and \u escapes, in C and without building an encoder per call;
# no float of ours is NaN or infinite.
JSON_ENCODER = msgspec.json.Encoder()
# The URLs of one API are a handful; a cap keeps a bug from growing the cache without end.
MAX_CACHED_URLS = 64


class RequestWriter:
    """Writes requests with fixed headers (requests' defaults and the User-Agent)."""

    def __init__(self, user_agent: str) -> None:
        self._headers = {**requests.utils.default_headers(), "User-Agent": user_agent}
        self._urls: dict[str, str] = {}

    def prepare(
        self,
        method: str,
        url: str,
        params: Mapping[str, str | int] | None,
        json_body: Any,
        headers: Mapping[str, str],
    ) -> requests.PreparedRequest:
        """The request: the URL as requests writes it (quoted, the parameters encoded), the
        headers (the credentials' last), the JSON body (Content-Type and Content-Length set).

        Raises what requests raises for a URL it cannot send to (a RequestException)."""
        prepared = requests.PreparedRequest()
        prepared.method = method
        prepared.url = self._url(url, params)
        written = {**self._headers, **headers}
        if json_body is not None:
            body = JSON_ENCODER.encode(json_body)
            written["Content-Type"] = "application/json"
            written["Content-Length"] = str(len(body))
            prepared.body = body
        elif method not in ("GET", "HEAD"):
            written["Content-Length"] = "0"
        # A plain dict (the adapter and urllib3 read any mapping): a CaseInsensitiveDict
        # would copy it key by key in Python on every call.
        prepared.headers = cast(CaseInsensitiveDict[str], written)
        return prepared

    def _url(self, url: str, params: Mapping[str, str | int] | None) -> str:
        if params:
            return _written_url(url, params)
        known = self._urls.get(url)
        if known is None:
            known = _written_url(url, None)
            if len(self._urls) < MAX_CACHED_URLS:
                self._urls[url] = known
        return known


def _written_url(url: str, params: Mapping[str, str | int] | None) -> str:
    prepared = requests.PreparedRequest()
    prepared.prepare_url(url, dict(params) if params else None)
    return str(prepared.url)
