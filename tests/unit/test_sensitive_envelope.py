"""Envelope encryption of a sensitive value: bound to its user and attribute by the AES-GCM associated
data, whatever the key service enforces, and mapped onto the KMS API as the table's functions call it."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import pytest
from botocore.exceptions import ClientError

from nudge.sensitive.envelope import NONCE_BYTES, AttributeUnreadable, KmsDataKeys, Sealed, seal, unseal

VALUE = "Jain, practising"


class CarelessKeys:
    """A key service that records the context it is given and ignores it on decrypt: what remains to bind a
    value to its user and attribute is the associated data alone."""

    def __init__(self) -> None:
        self.contexts: list[dict[str, str]] = []
        self._keys: dict[bytes, bytes] = {}

    def generate(self, context: Mapping[str, str]) -> tuple[bytes, bytes]:
        self.contexts.append(dict(context))
        plaintext, handle = os.urandom(32), os.urandom(16)
        self._keys[handle] = plaintext
        return plaintext, handle

    def decrypt(self, encrypted_key: bytes, context: Mapping[str, str]) -> bytes:
        return self._keys[encrypted_key]


def test_a_value_opens_under_its_own_user_and_attribute() -> None:
    keys = CarelessKeys()
    sealed = seal(keys, "alice", "religion", VALUE)

    assert unseal(keys, "alice", "religion", sealed) == VALUE
    assert keys.contexts == [{"user_id": "alice", "attribute": "religion"}]
    assert len(sealed.nonce) == NONCE_BYTES == 12
    assert VALUE.encode() not in sealed.ciphertext
    assert len(sealed.ciphertext) == len(VALUE.encode()) + 16  # the text and the GCM tag, nothing else


@pytest.mark.parametrize(("user", "name"), [("bob", "religion"), ("alice", "health"), ("alicereligion", "")])
def test_a_value_moved_to_another_user_or_attribute_does_not_open(user: str, name: str) -> None:
    keys = CarelessKeys()
    sealed = seal(keys, "alice", "religion", VALUE)

    with pytest.raises(AttributeUnreadable) as error:
        unseal(keys, user, name, sealed)

    assert "integrity check" in str(error.value)
    assert VALUE not in str(error.value)


def test_an_altered_ciphertext_or_nonce_does_not_open() -> None:
    keys = CarelessKeys()
    sealed = seal(keys, "alice", "religion", VALUE)
    flipped = bytes([sealed.ciphertext[0] ^ 1]) + sealed.ciphertext[1:]

    for altered in (
        sealed._replace(ciphertext=flipped),
        sealed._replace(nonce=os.urandom(12)),
        sealed._replace(nonce=b""),
    ):
        with pytest.raises(AttributeUnreadable):
            unseal(keys, "alice", "religion", altered)


def test_every_write_has_a_data_key_and_a_nonce_of_its_own() -> None:
    keys = CarelessKeys()
    first, second = seal(keys, "alice", "religion", VALUE), seal(keys, "alice", "religion", VALUE)

    assert first.encrypted_key != second.encrypted_key
    assert first.nonce != second.nonce
    assert first.ciphertext != second.ciphertext


class KmsStub:
    """The two KMS operations, answered as KMS answers them; `refuse` makes Decrypt fail with that code."""

    def __init__(self, refuse: str | None = None) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self._refuse = refuse

    def generate_data_key(self, **arguments: Any) -> dict[str, Any]:
        self.calls.append(("GenerateDataKey", arguments))
        return {"Plaintext": b"k" * 32, "CiphertextBlob": b"wrapped", "KeyId": "arn:aws:kms:...:key/1"}

    def decrypt(self, **arguments: Any) -> dict[str, Any]:
        self.calls.append(("Decrypt", arguments))
        if self._refuse:
            raise ClientError({"Error": {"Code": self._refuse, "Message": ""}}, "Decrypt")
        return {"Plaintext": b"k" * 32}


def test_kms_is_asked_for_an_aes_256_key_under_the_context_and_alias() -> None:
    kms = KmsStub()
    keys = KmsDataKeys("alias/stack/sensitive-attributes", kms)

    sealed = seal(keys, "alice", "health", VALUE)
    assert unseal(keys, "alice", "health", sealed) == VALUE

    context = {"user_id": "alice", "attribute": "health"}
    alias = "alias/stack/sensitive-attributes"
    assert kms.calls == [
        ("GenerateDataKey", {"KeyId": alias, "KeySpec": "AES_256", "EncryptionContext": context}),
        ("Decrypt", {"KeyId": alias, "CiphertextBlob": b"wrapped", "EncryptionContext": context}),
    ]


def test_a_data_key_kms_refuses_to_decrypt_is_unreadable_and_other_failures_stay_what_they_are() -> None:
    sealed = Sealed(b"wrapped", os.urandom(12), b"x" * 20)

    with pytest.raises(AttributeUnreadable, match="data key of 'health'"):
        unseal(KmsDataKeys("alias/k", KmsStub(refuse="InvalidCiphertextException")), "alice", "health", sealed)
    with pytest.raises(ClientError, match="ThrottlingException"):
        unseal(KmsDataKeys("alias/k", KmsStub(refuse="ThrottlingException")), "alice", "health", sealed)
