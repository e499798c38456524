"""Causely GraphQL, one module per query: scopes, defects, entity_health (entityTypeCounts),
slos; `source` walks the defects of every scope, `health_and_slos` runs service health and SLOs
as units of their own, `graphql` reads every answer the same way."""
