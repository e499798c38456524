"""What the server serves: one snapshot of rendered bytes per cycle, and readiness facts."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol

from exporter.view import View


class Rendered(Protocol):
    """What a render of the view gives: the exposition in both formats, plain and gzip.

    A render may build each of the four on its first ask (once, then the same bytes): it
    renders every family into one of them when made, so a family that cannot be rendered
    fails the render, not a scrape; the others are the same families written again.
    """

    @property
    def openmetrics(self) -> bool:
        """Whether it holds the OpenMetrics format (not before the first render)."""
        ...

    @property
    def body(self) -> bytes: ...

    @property
    def gzip_body(self) -> bytes: ...

    @property
    def openmetrics_body(self) -> bytes: ...

    @property
    def openmetrics_gzip_body(self) -> bytes: ...


@dataclass(frozen=True)
class FixedBytes:
    """Bytes given whole: the empty exposition before the first render."""

    body: bytes = b""  # the Prometheus text format
    gzip_body: bytes = b""
    openmetrics_body: bytes = b""
    openmetrics_gzip_body: bytes = b""

    @property
    def openmetrics(self) -> bool:
        return bool(self.openmetrics_body)


@dataclass(frozen=True)
class Snapshot:
    """What the server serves: bytes rendered once, and the facts readiness needs."""

    exposition: Rendered
    created_at: float
    # End of the last cycle in which at least one unit brought fresh data.
    data_time: float | None
    ok: bool
    # time.monotonic() past which no newer snapshot means the collector is stuck or dead.
    live_until: float = math.inf
    render_failed: bool = False  # the last cycle's render failed; these bytes are older

    @property
    def body(self) -> bytes:
        """The Prometheus text format."""
        return self.exposition.body

    @property
    def gzip_body(self) -> bytes:
        return self.exposition.gzip_body

    @property
    def openmetrics_body(self) -> bytes:
        return self.exposition.openmetrics_body

    @property
    def openmetrics_gzip_body(self) -> bytes:
        return self.exposition.openmetrics_gzip_body


# The renderer is handed in (app/ passes metrics' render): collect/ knows the view, not its
# exposition, so the metrics stay a consumer of the view like the bridge.
Render = Callable[[View], Rendered]


def with_exposition(snapshot: Snapshot, exposition: Rendered) -> Snapshot:
    return replace(snapshot, exposition=exposition)
