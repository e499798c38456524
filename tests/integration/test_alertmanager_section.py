"""The `alertmanager:` section through the real CLI: field-named errors, no token printed."""

from __future__ import annotations

from pathlib import Path

from tests.integration.test_config import run_cli
from tests.unit.config.test_config import CREDS


def test_cli_exits_2_naming_a_clashing_entity_label(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("causely:\n  entity_labels:\n    k8s.namespace.name: defect_id\n")
    result = run_cli("--config.file", str(path), "--check-config", env=CREDS)
    assert result.returncode == 2
    assert "causely.entity_labels.k8s.namespace.name" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_never_prints_the_bearer_token(tmp_path: Path) -> None:
    (tmp_path / "token").write_text("tok-very-secret\n")
    path = tmp_path / "c.yaml"
    path.write_text(
        "alertmanager:\n  urls: ['http://u:tok-very-secret@am:9093']\n"
        f"  bearer_token_file: {tmp_path / 'token'}\n"
    )
    result = run_cli("--config.file", str(path), "--check-config", env=CREDS)
    assert result.returncode == 2
    assert "tok-very-secret" not in result.stderr + result.stdout
