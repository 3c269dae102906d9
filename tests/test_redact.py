"""What counts as a token, and how masking keeps a value's shape."""

from __future__ import annotations

import pytest

from syncer.redact import MASK, looks_like_token, remember, scrub, scrub_value

NAMES = ["GITHUB_TOKEN", "JIRA_API_TOKEN_PROD", "SYNCER_GITHUB_WEBHOOK_SECRET", "OAUTH2_SECRET",
         "S3_BUCKET_2024", "K8S_TOKEN", "AWS_SECRET_ACCESS_KEY", "TOKEN_2024_Q1"]  # fmt: skip
TOKENS = [
    "ghp_" + "a1B2c3D4e5" * 4,
    "GHP_" + "A1B2C3D4E5" * 4,
    "github_pat_11ABCDEFG0" + "x9Y8z7W6v5" * 6,
    "glpat-Xq3rT9vLm2Np8Rv5WsYz",
    "ATATT3xFfGF0" + "Zq7tK9Lm2N" * 4,
    "Q2FLS8XW0PZ3MN7RT5YVK4JD",
    "NDY0NTk0MzYyNDI2OkWjR7vb2JxQ",
]


@pytest.mark.parametrize("name", NAMES)
def test_names_of_variables_are_names(name: str) -> None:
    assert not looks_like_token(name)


@pytest.mark.parametrize("token", TOKENS)
def test_tokens_are_tokens_and_masked_even_unregistered(token: str) -> None:
    assert looks_like_token(token)
    if token[0].islower() or token.startswith("ATATT"):  # the shapes as the trackers issue them
        assert scrub(f"sent {token}.") == f"sent {MASK}."


def test_masking_keeps_the_shape_of_values() -> None:
    secret = remember("pa55-word-of-the-redact-tests")
    value = {"ids": {3, 1}, ("a", 1): secret, 2: [None, True, 1.5, (secret,)]}
    assert scrub_value(value) == {"('a', 1)": MASK, 2: [None, True, 1.5, (MASK,)], "ids": [1, 3]}


def test_short_values_are_not_registered() -> None:
    remember("abc")
    assert scrub("abc abc") == "abc abc"
