"""The top level: a whole file plus the environment in, one validated `Config` out.

Apart from the sections so that the order of the checks lives in one short function: every
section is parsed even when another failed, their errors are gathered into one list, and the
credentials are checked last and only when asked, so `--check-config` needs no secret.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from exporter.config.alertmanager import parse_alertmanager
from exporter.config.credentials import missing_credentials
from exporter.config.fields import Errors, Section
from exporter.config.file import ConfigError, load_yaml_file
from exporter.config.lines import locate
from exporter.config.model import (
    CauseFlowConfig,
    CauselyConfig,
    CollectionConfig,
    Config,
    HttpConfig,
)
from exporter.config.sections import parse_causeflow, parse_causely, parse_collection, parse_http


def build_config(
    raw: object, env: Mapping[str, str], *, require_credentials: bool = True
) -> Config:
    """The validated config; a ConfigError lists every error found, one per line.

    require_credentials=False validates everything but the presence of secrets (a secret file
    that is named must still be readable): see missing_credentials() for what is absent.
    A new section plugs in like the others: `errors.gather(parse_it, top.get("name"), ...)`.
    """
    errors = Errors()
    top = Section(raw, "")
    errors.lines.extend(top.errors)
    causely = errors.gather(parse_causely, top.get("causely"), env)
    causeflow = errors.gather(parse_causeflow, top.get("causeflow"), env)
    http = errors.gather(parse_http, top.get("http"), env)
    collection = errors.gather(parse_collection, top.get("collection"))
    entity_labels = (causely or CauselyConfig()).entity_labels
    alertmanager = errors.gather(parse_alertmanager, top.get("alertmanager"), entity_labels)
    top.errors.clear()
    errors.gather(top.finish)
    if causely and causeflow and not causely.enabled and not causeflow.enabled:
        errors.add("causely.enabled: at least one source (causely, causeflow) must be on")
    # A section that failed stands in disabled, so its credentials are not asked for too.
    config = Config(
        causely=causely or CauselyConfig(enabled=False),
        causeflow=causeflow or CauseFlowConfig(enabled=False),
        http=http or HttpConfig(),
        collection=collection or CollectionConfig(),
        alertmanager=alertmanager,
    )
    errors.lines.extend(_keep_firing_errors(config))
    if require_credentials:
        errors.lines.extend(missing_credentials(config))
    errors.raise_any()
    return config


def load_config(
    path: str | None, env: Mapping[str, str] | None = None, *, require_credentials: bool = True
) -> Config:
    """Load and validate; raises ConfigError with one field-named line per error, led by
    `path:line: ` when the field is in the file (not when its value came from a variable)."""
    environment = os.environ if env is None else env
    if not path:
        return build_config({}, environment, require_credentials=require_credentials)
    raw = load_yaml_file(path, "config.file")
    try:
        return build_config(raw, environment, require_credentials=require_credentials)
    except ConfigError as exc:
        raise ConfigError(locate(str(exc), raw, path)) from None


def _keep_firing_errors(config: Config) -> list[str]:
    """keep_firing_for must outlast the gap between two sends, or alerts flap between them."""
    am = config.alertmanager
    if am is None or am.keep_firing_for == 0:
        return []
    floor = 2 * max(am.resend_interval, config.collection.interval)
    if am.keep_firing_for >= floor:
        return []
    return [
        f"alertmanager.keep_firing_for: must be at least 2 x max(resend_interval, "
        f"collection.interval) = {floor:g}s, got {am.keep_firing_for:g}s"
    ]
