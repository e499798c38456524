"""Causely GraphQL, one module per query: scopes, defects, health (entityTypeCounts), SLOs;
`source` walks the defects of every scope, `parts` runs health and SLOs as units of their own,
`graphql` reads every answer the same way."""
