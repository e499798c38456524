"""One failed token exchange per collection cycle (issue 28, item 5): a whole `--once` run of
the exporter against an auth endpoint that answers 503 to everything."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO, write_config
from tests.receiver import Receiver


def test_once_with_the_auth_endpoint_down_makes_at_most_max_attempts_token_attempts(
    tmp_path: Path,
) -> None:
    # The default config but the back-off (5 attempts, health and SLOs on): 15 before.
    config = write_config(tmp_path, "http:\n  backoff_initial: 10ms\n  backoff_max: 50ms\n")
    with Receiver(status=503) as auth_server:
        result = subprocess.run(
            [sys.executable, "-m", "exporter", "--once", "--config.file", config],
            capture_output=True,
            text=True,
            timeout=60,
            env={
                "PATH": "/usr/bin:/bin",
                "CAUSELY_CLIENT_ID": "id",
                "CAUSELY_CLIENT_SECRET": "s3cr3t",
                "CAUSELY_AUTH_URL": auth_server.url + "/token",
                "CAUSELY_API_URL": "http://127.0.0.1:9/query/",
            },
            cwd=REPO,
        )
        attempts = len(auth_server.received())
    print(f"\ntoken attempts in one --once cycle with the auth endpoint down: {attempts}")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "s3cr3t" not in result.stderr
    assert 1 <= attempts <= 5  # http.max_attempts by default
    assert result.stderr.count("event=token_exchange_given_up") == 1
