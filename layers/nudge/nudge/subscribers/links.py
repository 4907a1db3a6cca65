"""Signed links in Nudge's emails (one-click unsubscribe, the click redirect): compact, URL-safe tokens
that carry what the link does and until when, so their routes need no login and no stored state.

A token is `<claims>.<signature>`: the claims as compact JSON, base64url without padding, and the
first 16 bytes (128 bits) of HMAC-SHA256 over the purpose and the encoded claims, base64url. Anything
else (an altered character, another key's or purpose's signature, claims that do not parse) is
refused as not signed by Nudge; a signed token past its expiry is refused as expired. The signature
is checked first, so expiry is never reported for a forged token.
"""

import base64
import binascii
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple, Protocol

from pydantic import BaseModel, Field, ValidationError

from nudge.errors import Forbidden, Gone
from nudge.models import NudgeModel

SIGNATURE_BYTES = 16
# A path segment API Gateway and every mail client carry unchanged; a longer token is no link of Nudge's.
MAX_TOKEN_LENGTH = 4096


class TokenPath(NudgeModel):
    token: str = Field(
        min_length=1, max_length=MAX_TOKEN_LENGTH, pattern=r"^[A-Za-z0-9_.-]+$", description="The link's signed token"
    )


class LinkKey(Protocol):
    def digest(self, purpose: str, message: str) -> bytes:
        """HMAC-SHA256 of the purpose and message."""


class HmacKey(NamedTuple):
    secret: bytes

    def digest(self, purpose: str, message: str) -> bytes:
        return hmac.new(self.secret, f"{purpose}\n{message}".encode(), hashlib.sha256).digest()


def secret_key(variable: str) -> HmacKey:
    """The key in the secret whose ARN the environment variable names (read once per function instance)."""
    from nudge import signing

    return HmacKey(signing.key(variable))


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(key: LinkKey, purpose: str, claims: dict[str, Any], expires_at: datetime) -> str:
    payload = _encode(json.dumps(claims | {"exp": int(expires_at.timestamp())}, separators=(",", ":")).encode())
    return f"{payload}.{_encode(key.digest(purpose, payload)[:SIGNATURE_BYTES])}"


def _refused() -> Forbidden:
    return Forbidden("this link was altered or was not made by Nudge", field="token")


def verify(key: LinkKey, purpose: str, token: str, now: datetime) -> dict[str, Any]:
    """The token's claims (without `exp`) when Nudge signed it for `purpose` and it has not expired at `now`."""
    payload, dot, signature = token.partition(".")
    if not dot or len(token) > MAX_TOKEN_LENGTH:
        raise _refused()
    expected = _encode(key.digest(purpose, payload)[:SIGNATURE_BYTES])
    # As bytes: compare_digest refuses str with characters outside ASCII, which a forged token may hold.
    if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
        raise _refused()
    try:
        claims = json.loads(_decode(payload))
    except (binascii.Error, ValueError) as error:  # only a key holder could sign such a payload: still refused
        raise _refused() from error
    expires = claims.pop("exp", None) if isinstance(claims, dict) else None
    if not isinstance(expires, int):
        raise _refused()
    if now >= datetime.fromtimestamp(expires, UTC):
        raise Gone(f"this link expired on {datetime.fromtimestamp(expires, UTC):%Y-%m-%d}", field="token")
    return dict(claims)


def read_claims[Claims: BaseModel](
    key: LinkKey, purpose: str, token: str, now: datetime, model: type[Claims]
) -> Claims:
    """`verify`'s claims as the link's model; claims of another shape are refused like a forged token (only a
    key holder could sign them)."""
    claims = verify(key, purpose, token, now)
    try:
        return model.model_validate(claims, strict=True)
    except ValidationError as error:
        raise _refused() from error


def expiry(now: datetime, days: int) -> datetime:
    return now + timedelta(days=days)
