"""API sources: each turns pages into plain records and knows nothing of metrics.

`base` holds what every source shares, `values` the readers of untrusted fields, `pagination`
the one cursor walker; `causely/` holds every Causely query, `causeflow` the REST source.
"""
