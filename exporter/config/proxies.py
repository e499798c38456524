"""Proxy variables: read from the environment once, and resolved per API base URL.

Apart from the sections because two consumers (the HTTP sessions and the bridge's sender) ask
`proxies_for` at run time, while the environment itself is read only while loading the config.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from requests.utils import should_bypass_proxies

PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


def proxy_env(env: Mapping[str, str]) -> dict[str, str]:
    """The proxy variables, lower case first, as requests and urllib read them."""
    found: dict[str, str] = {}
    for name in PROXY_VARIABLES:
        value = env.get(name) or env.get(name.upper())
        if value:
            found[name.removesuffix("_proxy")] = value
    return found


def proxies_for(url: str, proxy_env: Mapping[str, str]) -> dict[str, str]:
    """The proxies for requests to `url`: none when NO_PROXY covers its host."""
    no_proxy = proxy_env.get("no")
    if no_proxy and urlsplit(url).hostname and should_bypass_proxies(url, no_proxy=no_proxy):
        return {}
    return {scheme: proxy for scheme, proxy in proxy_env.items() if scheme != "no"}
