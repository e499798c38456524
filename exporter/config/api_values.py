"""The severities and statuses the two APIs define (../shared/reference/api-facts.md).

Plain constants, apart from the model so that every section parser can name them.
"""

from __future__ import annotations

CAUSELY_SEVERITIES = ("Critical", "High", "Medium", "Low", "Hidden")
CAUSEFLOW_SEVERITIES = ("critical", "high", "medium", "low")
CAUSEFLOW_STATUSES = (
    "open",
    "triaging",
    "investigating",
    "awaiting_approval",
    "remediating",
    "resolved",
    "closed",
)
CAUSEFLOW_OPEN_STATUSES = CAUSEFLOW_STATUSES[:5]
