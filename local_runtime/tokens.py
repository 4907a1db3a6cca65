"""Local stand-in for the identity provider: RS256 tokens, verified like the HTTP API JWT authorizer.

The signing key is created once and kept in .nudge-local/, so `make token` and `make run`
(started in any order) agree on it.
"""

from __future__ import annotations

import time
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from local_runtime.template import ROOT, Template

ISSUER = "https://nudge.local/issuer"
AUDIENCE = "nudge-local-client"
KEY_ID = "nudge-local-1"
KEY_PATH = ROOT / ".nudge-local" / "jwt-signing-key.pem"
TOKEN_LIFETIME_SECONDS = 12 * 3600


class TokenRejected(Exception):
    """The authorizer refuses the request (HTTP 401)."""


def _private_key() -> rsa.RSAPrivateKey:
    path = KEY_PATH
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        path.write_bytes(pem)
        path.chmod(0o600)
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    assert isinstance(loaded, rsa.RSAPrivateKey)
    return loaded


def issue_token(
    user_id: str, admin: bool = False, lifetime: int = TOKEN_LIFETIME_SECONDS, brand: str | None = None
) -> str:
    """A token for the user; `brand` puts them in the brand group, acting for that brand."""
    now = int(time.time())
    template = Template.load()
    groups = [template.parameter("AdminGroupName")] if admin else []
    groups += [template.parameter("BrandGroupName")] if brand else []
    claims: dict[str, Any] = {
        "sub": user_id,
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + lifetime,
        "token_use": "id",
        "cognito:groups": groups,
    }
    if brand:
        claims["custom:brand_id"] = brand
    return jwt.encode(claims, _private_key(), algorithm="RS256", headers={"kid": KEY_ID})


def verify_authorization(header: str | None) -> dict[str, Any]:
    """Claims of a valid bearer token, checked as API Gateway's JWT authorizer does: signature, kid,
    issuer, audience (`aud`, a string or a list holding it, or Cognito's client_id), expiry,
    not-before, and a subject that is not empty."""
    if not header:
        raise TokenRejected("missing Authorization header")
    token = header.removeprefix("Bearer ").strip()
    try:
        if jwt.get_unverified_header(token).get("kid") != KEY_ID:
            raise TokenRejected("unknown signing key")
        claims: dict[str, Any] = jwt.decode(
            token,
            _private_key().public_key(),
            algorithms=["RS256"],
            issuer=ISSUER,
            options={"require": ["exp", "iss", "sub"], "verify_aud": False},
        )
    except jwt.PyJWTError as error:
        raise TokenRejected(str(error)) from error
    audiences = claims.get("aud")
    if AUDIENCE not in [*(audiences if isinstance(audiences, list) else [audiences]), claims.get("client_id")]:
        raise TokenRejected("token is not for this audience")
    if not isinstance(claims["sub"], str) or not claims["sub"]:
        raise TokenRejected("token has no subject")
    return claims


def as_gateway_claims(claims: dict[str, Any]) -> dict[str, str]:
    """Claims as payload 2.0 carries them: every value a string, lists as "[a b]"."""
    return {
        key: "[" + " ".join(map(str, value)) + "]" if isinstance(value, list) else str(value)
        for key, value in claims.items()
    }
