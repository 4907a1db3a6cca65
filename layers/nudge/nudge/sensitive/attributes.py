"""Setting, reading and deleting a user's sensitive attributes: by that user only, admins included.

Consent is part of every write (the request model refuses one without `consent: true`), and a value
is sealed before it reaches the table. Reading decrypts each value under its own user and name; one
that does not decrypt fails the whole read (AttributeUnreadable, a logged 500) rather than being
skipped, so a tampered table is noticed instead of silently answering less.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from nudge.errors import NotFound
from nudge.sensitive.attribute_models import (
    AttributeName,
    SensitiveAttribute,
    SensitiveAttributeRecord,
    SensitiveAttributeRequest,
)
from nudge.sensitive.envelope import DataKeys, seal, unseal

if TYPE_CHECKING:
    from collections.abc import Callable

    from nudge.sensitive.sensitive_table import SensitiveAttributeTable
    from nudge.users.actor import Actor


def set_attribute(
    table: SensitiveAttributeTable,
    keys: DataKeys,
    actor: Actor,
    user_id: str,
    name: AttributeName,
    request: SensitiveAttributeRequest,
    now: datetime,
) -> SensitiveAttributeRecord:
    """Store the value, replacing any before it; the answer names it without repeating the value."""
    actor.ensure_owner(user_id)
    return table.put(user_id, name, seal(keys, user_id, name, request.value), now)


def reveal_for_owner(
    table: SensitiveAttributeTable, keys: Callable[[], DataKeys], actor: Actor, user_id: str
) -> list[SensitiveAttribute]:
    """Every attribute of the user with its value decrypted, for the user themselves only (Forbidden for
    anyone else, admins included). The data export offers the values to their owner through this. `keys`
    is called only when there is something to decrypt: a KMS client costs a cold start tens of ms."""
    actor.ensure_owner(user_id)
    stored_attributes = table.attributes(user_id)
    if not stored_attributes:
        return []
    data_keys = keys()
    return [
        SensitiveAttribute(
            **stored.record.model_dump(), value=unseal(data_keys, user_id, stored.record.name, stored.sealed)
        )
        for stored in stored_attributes
    ]


def delete_attribute(
    table: SensitiveAttributeTable, actor: Actor, user_id: str, name: AttributeName
) -> SensitiveAttributeRecord:
    """Withdraw the consent: the item goes, and with it the only encrypted copy of its data key."""
    actor.ensure_owner(user_id)
    deleted = table.delete(user_id, name)
    if deleted is None:
        raise NotFound(f"no sensitive attribute '{name}' is stored", field="name")
    return deleted
