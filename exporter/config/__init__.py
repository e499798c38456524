"""Configuration: YAML file plus environment, validated into frozen dataclasses.

This package is the only code that reads the environment. Every error names the field it is
about, and a file is checked whole, so one run lists all the lines a person has to fix.
One module per concern; callers import from `exporter.config`, which re-exports them:

- `model`: the frozen dataclasses and the constants (defaults, severities, statuses).
- `fields`: the typed reader `_Section`, durations, and how errors are collected and shown.
- `secrets`: `Secret`, secrets from the environment or a file, and missing credentials.
- `proxies`: the proxy variables, read once, and the proxies for a URL.
- `sections`: one parser per section (causely, causeflow, http, collection).
- `loader`: `build_config` and `load_config`, which gather every section's errors.
"""

from __future__ import annotations

from exporter.config.fields import MAX_DURATION_SECONDS as MAX_DURATION_SECONDS
from exporter.config.fields import MAX_ERROR_LINES as MAX_ERROR_LINES
from exporter.config.fields import _Section as _Section
from exporter.config.fields import error_lines as error_lines
from exporter.config.fields import key_text as key_text
from exporter.config.fields import parse_duration as parse_duration
from exporter.config.loader import build_config as build_config
from exporter.config.loader import load_config as load_config
from exporter.config.model import CAUSEFLOW_OPEN_STATUSES as CAUSEFLOW_OPEN_STATUSES
from exporter.config.model import CAUSEFLOW_SEVERITIES as CAUSEFLOW_SEVERITIES
from exporter.config.model import CAUSEFLOW_STATUSES as CAUSEFLOW_STATUSES
from exporter.config.model import CAUSELY_SEVERITIES as CAUSELY_SEVERITIES
from exporter.config.model import DEFAULT_API_URL as DEFAULT_API_URL
from exporter.config.model import DEFAULT_AUTH_URL as DEFAULT_AUTH_URL
from exporter.config.model import DEFAULT_CAUSEFLOW_URL as DEFAULT_CAUSEFLOW_URL
from exporter.config.model import DISCOVER as DISCOVER
from exporter.config.model import CauseFlowConfig as CauseFlowConfig
from exporter.config.model import CauselyConfig as CauselyConfig
from exporter.config.model import CauselyParts as CauselyParts
from exporter.config.model import CollectionConfig as CollectionConfig
from exporter.config.model import Config as Config
from exporter.config.model import HttpConfig as HttpConfig
from exporter.config.proxies import PROXY_VARIABLES as PROXY_VARIABLES
from exporter.config.proxies import proxies_for as proxies_for
from exporter.config.secrets import Secret as Secret
from exporter.config.secrets import _read_secret_file as _read_secret_file
from exporter.config.secrets import missing_credentials as missing_credentials
from exporter.config.sections import MIN_REQUESTS_PER_SECOND as MIN_REQUESTS_PER_SECOND
from exporter.configfile import ConfigError as ConfigError
