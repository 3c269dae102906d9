"""Secrets never reach a log line."""

from __future__ import annotations

import pytest

from syncer import log


def test_registered_secrets_are_masked_in_every_value(capsys: pytest.CaptureFixture[str]) -> None:
    log.configure("json")
    token = log.secret("ghp_supersecret123")
    log.get().info("request", url=f"https://x/?access_token={token}", error=ValueError(token))
    line = capsys.readouterr().err
    assert token not in line and line.count(log.MASK) == 2
