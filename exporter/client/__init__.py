"""Outbound calls to the vendor APIs: client, body limits, errors, rate-limit gate, tokens."""
