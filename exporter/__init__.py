"""causely-exporter: Prometheus exporter and alert bridge for Causely and CauseFlow."""

from __future__ import annotations

__version__ = "0.1.0"
