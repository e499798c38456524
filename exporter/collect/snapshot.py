"""What the server serves: one snapshot of rendered bytes per cycle, and readiness facts."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol

from exporter.view import View


@dataclass(frozen=True)
class Snapshot:
    """What the server serves: bytes rendered once, and the facts readiness needs."""

    body: bytes  # the Prometheus text format
    gzip_body: bytes
    created_at: float
    # End of the last cycle in which at least one unit brought fresh data.
    data_time: float | None
    ok: bool
    # time.monotonic() past which no newer snapshot means the collector is stuck or dead.
    live_until: float = math.inf
    render_failed: bool = False  # the last cycle's render failed; these bytes are older
    # OpenMetrics, rendered beside the text; empty before the first render (serve the text).
    openmetrics_body: bytes = b""
    openmetrics_gzip_body: bytes = b""


class Rendered(Protocol):
    """What a render of the view gives: the exposition in both formats, plain and gzip."""

    @property
    def body(self) -> bytes: ...

    @property
    def gzip_body(self) -> bytes: ...

    @property
    def openmetrics_body(self) -> bytes: ...

    @property
    def openmetrics_gzip_body(self) -> bytes: ...


# The renderer is handed in (app/ passes metrics' render): collect/ knows the view, not its
# exposition, so the metrics stay a consumer of the view like the bridge.
Render = Callable[[View], Rendered]


def with_exposition(snapshot: Snapshot, exposition: Rendered) -> Snapshot:
    return replace(
        snapshot,
        body=exposition.body,
        gzip_body=exposition.gzip_body,
        openmetrics_body=exposition.openmetrics_body,
        openmetrics_gzip_body=exposition.openmetrics_gzip_body,
    )
