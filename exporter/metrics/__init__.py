"""View -> Prometheus exposition, rendered once per cycle."""
