"""Command-line conventions shared by every command of the program (exporter, simulator)."""

from __future__ import annotations

import argparse

from exporter.logs import LOG_FORMATS, LOG_LEVELS

PROGRAM = "causely-exporter"


class HelpFormatter(argparse.HelpFormatter):
    """Shows each flag's default after its help, when there is one worth showing."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        help_text = action.help or ""
        default = action.default
        if (
            "%(default)" in help_text
            or not action.option_strings
            or default is None
            or default is False
            or default == argparse.SUPPRESS
        ):
            return action.help
        return f"{help_text} (default: %(default)s)"


def add_log_flags(parser: argparse.ArgumentParser) -> None:
    """--log.level and --log.format, spelled the same in every command."""
    parser.add_argument(
        "--log.level",
        dest="log_level",
        choices=list(LOG_LEVELS),
        default="info",
        help="only log messages of this level or above",
    )
    parser.add_argument(
        "--log.format",
        dest="log_format",
        choices=list(LOG_FORMATS),
        default="logfmt",
        help="output format of the log lines",
    )
