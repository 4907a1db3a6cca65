"""Envelope encryption of one attribute value: a fresh KMS data key per write, AES-256-GCM with it.

Each value is bound to its user and attribute twice: the KMS encryption context
{"user_id", "attribute"} (KMS refuses to decrypt the data key under any other context) and the same
context as the AES-GCM associated data (the cipher refuses any other), so a ciphertext copied onto
another user's or attribute's item never decrypts, whatever KMS enforces. The plaintext data key is
used once and never stored; the item keeps the encrypted data key, the 96-bit random nonce and the
ciphertext with its tag.

`cryptography` is imported inside the functions that encrypt and decrypt: only a request that does
pays for its import at cold start.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any, NamedTuple, Protocol

from botocore.exceptions import ClientError

from nudge import clients, config

NONCE_BYTES = 12


class Sealed(NamedTuple):
    encrypted_key: bytes
    nonce: bytes
    ciphertext: bytes


class AttributeUnreadable(RuntimeError):
    """A stored value did not decrypt under its own user and attribute: the item was altered, or copied
    from another, outside Nudge. A fault to investigate, never the caller's doing (a logged 500)."""


class DataKeys(Protocol):
    def generate(self, context: Mapping[str, str]) -> tuple[bytes, bytes]:
        """A new AES-256 key: (plaintext, encrypted under the master key with `context`)."""

    def decrypt(self, encrypted_key: bytes, context: Mapping[str, str]) -> bytes:
        """The plaintext of a key `generate` returned with the same context; AttributeUnreadable otherwise."""


class KmsDataKeys:
    """Data keys from KMS, under the key (or alias) `key_id`."""

    def __init__(self, key_id: str, client: Any) -> None:
        self._key_id = key_id
        self._client = client

    def generate(self, context: Mapping[str, str]) -> tuple[bytes, bytes]:
        response = self._client.generate_data_key(
            KeyId=self._key_id, KeySpec="AES_256", EncryptionContext=dict(context)
        )
        return bytes(response["Plaintext"]), bytes(response["CiphertextBlob"])

    def decrypt(self, encrypted_key: bytes, context: Mapping[str, str]) -> bytes:
        try:
            response = self._client.decrypt(
                KeyId=self._key_id, CiphertextBlob=encrypted_key, EncryptionContext=dict(context)
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "InvalidCiphertextException":
                raise AttributeUnreadable(f"the data key of '{context['attribute']}' does not decrypt") from error
            raise
        return bytes(response["Plaintext"])


def kms_data_keys() -> KmsDataKeys:
    return KmsDataKeys(config.text("SENSITIVE_ATTRIBUTE_KEY"), clients.kms())


def context(user_id: str, name: str) -> dict[str, str]:
    return {"user_id": user_id, "attribute": name}


def _associated_data(bound: Mapping[str, str]) -> bytes:
    return json.dumps(bound, sort_keys=True, separators=(",", ":")).encode()


def seal(keys: DataKeys, user_id: str, name: str, value: str) -> Sealed:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    bound = context(user_id, name)
    data_key, encrypted_key = keys.generate(bound)
    nonce = os.urandom(NONCE_BYTES)
    return Sealed(encrypted_key, nonce, AESGCM(data_key).encrypt(nonce, value.encode(), _associated_data(bound)))


def unseal(keys: DataKeys, user_id: str, name: str, sealed: Sealed) -> str:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    bound = context(user_id, name)
    data_key = keys.decrypt(sealed.encrypted_key, bound)
    try:
        plaintext = AESGCM(data_key).decrypt(sealed.nonce, sealed.ciphertext, _associated_data(bound))
    except (InvalidTag, ValueError) as error:  # ValueError: a nonce of a length AES-GCM refuses
        raise AttributeUnreadable(f"the value of '{name}' fails its integrity check") from error
    return plaintext.decode()
