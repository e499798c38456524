"""Which credentials an enabled source needs and the config lacks: a check of the whole
config, run last by the loader (and shown by `--check-config`, which needs no secret)."""

from __future__ import annotations

from exporter.config.model import Config


def missing_credentials(config: Config) -> list[str]:
    """One line per credential an enabled source needs and does not have, saying where from."""
    missing: list[str] = []
    if config.causely.enabled and config.causely.client_id is None:
        missing.append(
            "causely.client_id: missing; set CAUSELY_CLIENT_ID, or causely.client_id or "
            "causely.client_id_file in the config file"
        )
    if config.causely.enabled and config.causely.client_secret is None:
        missing.append(
            "causely.client_secret: missing; set CAUSELY_CLIENT_SECRET, or "
            "causely.client_secret_file in the config file"
        )
    if config.causeflow.enabled and config.causeflow.token is None:
        missing.append(
            "causeflow.token: missing; set CAUSEFLOW_TOKEN, or causeflow.token_file in the "
            "config file"
        )
    return missing
