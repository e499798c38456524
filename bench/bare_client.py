"""The floor of the collection benchmark: the same walk by the barest client, in the same run.

    python -m bench.bare_client URL CONCURRENCY PAGE_SIZE [explained]   (run by bench.collection)

The simulator and the exporter share the machine's two cores, so the simulator's own work
(building and sending each page) and the client's (reading and parsing it) stretch every
page past the configured latency. This walks the same pages with nothing but a requests
session and json.loads on `concurrency` threads, one scope at a time each, and prints its
wall time and the bytes of the defect pages (with `explained`, pages with impacts and
symptoms, as the exporter asks for them then): what any client gets from this rig. The
exporter's figure against this one is what the exporter itself adds.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections import deque
from typing import Any

import requests

from bench.common import sim_env
from exporter.sources.causely.defects import DEFECTS_EXPLAINED_QUERY, DEFECTS_QUERY
from exporter.sources.causely.scopes import SCOPES_QUERY


def _post(session: requests.Session, url: str, operation: str, query: str, variables: Any) -> Any:
    return _post_sized(session, url, operation, query, variables)[0]


def _post_sized(
    session: requests.Session, url: str, operation: str, query: str, variables: Any
) -> tuple[Any, int]:
    body = {"operationName": operation, "query": query, "variables": variables}
    response = session.post(url, json=body, timeout=60)
    response.raise_for_status()
    return json.loads(response.content)["data"][operation], len(response.content)


def _scope_filters(session: requests.Session, url: str, page_size: int) -> list[Any]:
    found: list[Any] = []
    variables: dict[str, Any] = {"filter": {"nameExpr": ""}, "first": page_size}
    while True:
        page = _post(session, url, "getUserScopes", SCOPES_QUERY, variables)
        found += [edge["node"]["scopes"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return found
        variables["after"] = page["pageInfo"]["endCursor"]


def _walk(
    session: requests.Session, url: str, filters: Any, page_size: int, query: str
) -> tuple[int, int]:
    variables: dict[str, Any] = {
        "defectFilter": {"state": "ACTIVE", "scopesFilter": {"scopes": filters}},
        "groupRecurring": True,
        "first": page_size,
    }
    nodes = size = 0
    while True:
        page, length = _post_sized(session, url, "defectConnection", query, variables)
        nodes += len(page["edges"])
        size += length
        if not page["pageInfo"]["hasNextPage"]:
            return nodes, size
        variables["after"] = page["pageInfo"]["endCursor"]


def run(url: str, concurrency: int, page_size: int, explained: bool) -> dict[str, Any]:
    env = sim_env(url)
    started = time.perf_counter()
    token_answer = requests.post(
        env["CAUSELY_AUTH_URL"],
        json={"clientId": env["CAUSELY_CLIENT_ID"], "secret": env["CAUSELY_CLIENT_SECRET"]},
        timeout=60,
    ).json()
    token = token_answer.get("accessToken") or token_answer.get("access_token")
    headers = {"Authorization": f"Bearer {token}"}
    api_url = env["CAUSELY_API_URL"]
    first = requests.Session()
    first.headers.update(headers)
    pending = deque(_scope_filters(first, api_url, page_size))
    lock = threading.Lock()
    nodes = [0, 0]  # defects, page bytes
    query = DEFECTS_EXPLAINED_QUERY if explained else DEFECTS_QUERY

    def worker() -> None:
        session = requests.Session()
        session.headers.update(headers)
        while True:
            with lock:
                if not pending:
                    return
                filters = pending.popleft()
            walked, size = _walk(session, api_url, filters, page_size, query)
            with lock:
                nodes[0] += walked
                nodes[1] += size

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    return {"wall_seconds": wall, "defects": nodes[0], "page_bytes": nodes[1]}


if __name__ == "__main__":
    explained = sys.argv[4:] == ["explained"]
    print(json.dumps(run(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), explained)))
