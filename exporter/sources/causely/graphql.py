"""GraphQL answers of the Causely API: the field asked for, or the failure it carries.

Every Causely query (defects, scopes, health, SLOs) reads its answer through here, so a 200
that carries `errors`, a missing field or a body that is not an object fails the same way.
"""

from __future__ import annotations

from typing import Any

from exporter.client.errors import ApiError
from exporter.sources.pagination import Page, relay_page
from exporter.sources.values import clean


def graphql_field(operation: str, field_name: str, document: Any) -> Any:
    """data.<field> of a GraphQL answer; a 200 carrying `errors` is a failure."""
    if not isinstance(document, dict):
        raise ApiError(operation, "malformed_response", "GraphQL response is not an object")
    errors = document.get("errors")
    if errors:
        first = errors[0] if isinstance(errors, list) else errors
        message = first.get("message") if isinstance(first, dict) else first
        raise ApiError(operation, "graphql_error", clean(" ".join(str(message).split()), 300))
    data = document.get("data")
    if not isinstance(data, dict) or field_name not in data:
        raise ApiError(operation, "malformed_response", f"no data.{field_name} in response")
    return data[field_name]


def graphql_connection(operation: str, field_name: str, document: Any) -> Page:
    """The Relay page under data.<field>."""
    return relay_page(operation, graphql_field(operation, field_name, document))
