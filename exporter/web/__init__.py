"""Inbound HTTP: the server for /metrics, its listener, connections, basic auth, web config."""
