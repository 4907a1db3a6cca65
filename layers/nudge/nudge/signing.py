"""HMAC-SHA256 with the stack's signing key (SigningKeySecret in template.yaml): ids derived from
what a client knows, and page cursors, so neither can be computed or altered from outside.

The key is read from Secrets Manager on first use and kept for the life of the function instance.
Each use names its purpose, so a signature made for one can never pass as another's. A capability
whose key must be rotated on its own (the unsubscribe links' UnsubscribeKeySecret) reads it with
`key(variable)`, the variable naming its secret's ARN.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import cache

from nudge import clients, config

STACK_KEY = "SIGNING_KEY_SECRET_ARN"


@cache
def key(variable: str) -> bytes:
    """The secret whose ARN is in the environment variable `variable`, read once per function instance."""
    secret = clients.secretsmanager().get_secret_value(SecretId=config.text(variable))
    return secret["SecretString"].encode()


def digest(purpose: str, message: str) -> bytes:
    return hmac.new(key(STACK_KEY), f"{purpose}\n{message}".encode(), hashlib.sha256).digest()


def signature(purpose: str, message: str) -> str:
    return base64.urlsafe_b64encode(digest(purpose, message)).decode().rstrip("=")


def is_signed(purpose: str, message: str, candidate: str) -> bool:
    # As bytes: compare_digest refuses str with characters outside ASCII, which a forged candidate may hold.
    return hmac.compare_digest(signature(purpose, message).encode(), candidate.encode("utf-8", "replace"))


def forget_key() -> None:
    """Drop the cached keys, so the next use reads the current environment's secrets (local runtime, tests)."""
    key.cache_clear()
