import time
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from local_runtime import tokens


@pytest.fixture(autouse=True)
def _key_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tokens, "KEY_PATH", tmp_path / "key.pem")


def test_a_fresh_token_verifies_with_its_claims() -> None:
    claims = tokens.verify_authorization(f"Bearer {tokens.issue_token('u1', admin=True)}")
    assert claims["sub"] == "u1"
    assert claims["cognito:groups"] == ["admin"]


def test_the_bearer_prefix_is_optional_as_in_api_gateway() -> None:
    assert tokens.verify_authorization(tokens.issue_token("u1"))["sub"] == "u1"


def _foreign_token(**overrides: object) -> str:
    claims = {"sub": "u1", "iss": tokens.ISSUER, "aud": tokens.AUDIENCE, "exp": int(time.time()) + 60, **overrides}
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": tokens.KEY_ID})


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Bearer not-a-jwt",
        "Bearer " + jwt.encode({"sub": "u1"}, "a-shared-secret-of-thirty-two-bytes!", algorithm="HS256"),
    ],
)
def test_malformed_tokens_are_rejected(header: str | None) -> None:
    with pytest.raises(tokens.TokenRejected):
        tokens.verify_authorization(header)


def test_a_token_signed_by_another_key_is_rejected() -> None:
    with pytest.raises(tokens.TokenRejected):
        tokens.verify_authorization(_foreign_token())


def test_expired_tokens_are_rejected() -> None:
    with pytest.raises(tokens.TokenRejected):
        tokens.verify_authorization(tokens.issue_token("u1", lifetime=-10))


@pytest.mark.parametrize("setting", ["AUDIENCE", "ISSUER"])
def test_a_token_for_another_audience_or_issuer_is_rejected(setting: str, monkeypatch: pytest.MonkeyPatch) -> None:
    token = tokens.issue_token("u1")
    monkeypatch.setattr(tokens, setting, "https://elsewhere.invalid")
    with pytest.raises(tokens.TokenRejected, match=r"audience|issuer"):
        tokens.verify_authorization(token)


def test_claims_reach_the_function_as_api_gateway_formats_them() -> None:
    assert tokens.as_gateway_claims({"sub": "u1", "cognito:groups": ["admin", "ops"], "exp": 5}) == {
        "sub": "u1",
        "cognito:groups": "[admin ops]",
        "exp": "5",
    }


def _local_token(**overrides: object) -> str:
    """Signed with the local key, like issue_token, with claims of the test's choosing."""
    now = int(time.time())
    claims = {"sub": "u1", "iss": tokens.ISSUER, "aud": tokens.AUDIENCE, "exp": now + 60, **overrides}
    return jwt.encode(claims, tokens._private_key(), algorithm="RS256", headers={"kid": tokens.KEY_ID})


def test_an_audience_list_holding_the_audience_is_accepted_as_the_jwt_authorizer_does() -> None:
    token = _local_token(aud=["another-client", tokens.AUDIENCE])
    assert tokens.verify_authorization(f"Bearer {token}")["sub"] == "u1"


def test_an_audience_list_without_the_audience_is_rejected() -> None:
    with pytest.raises(tokens.TokenRejected, match="audience"):
        tokens.verify_authorization(_local_token(aud=["another-client"]))


@pytest.mark.parametrize("subject", ["", 42])
def test_an_empty_or_non_text_subject_is_rejected(subject: object) -> None:
    with pytest.raises(tokens.TokenRejected):
        tokens.verify_authorization(_local_token(sub=subject))
