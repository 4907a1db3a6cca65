"""The sensitive attribute table: each user's attributes, sealed (nudge/sensitive/envelope.py).

Item shape (nothing outside this module builds these keys): pk=USER#<user_id>,
sk=ATTRIBUTE#<name>, with `encrypted_key`, `nonce` and `ciphertext` (binary) and `consented_at`,
`updated_at` (ISO times). No item holds a value in plaintext.

The table is its own, so that IAM can say who reads it: only the three sensitive-attribute functions
have any permission on it (and on its KMS key); nothing that targets, recommends or reports does.

Personal data: a user's items are one partition. Export lists names and times without reading the
sealed values; erasure deletes the items, and with them the encrypted data keys, the only copies of
the keys that protect the user's values.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from nudge import clients, config
from nudge.item_codec import delete_all, query_all
from nudge.sensitive.attribute_models import SensitiveAttributeRecord
from nudge.sensitive.envelope import Sealed

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from nudge.sensitive.sensitive_export import SensitiveAttributeExport
    from nudge.users.personal_data import Erasure

USER_PREFIX, ATTRIBUTE_PREFIX = "USER#", "ATTRIBUTE#"
_RECORD_PROJECTION = "sk, consented_at, updated_at"


class StoredAttribute(NamedTuple):
    record: SensitiveAttributeRecord
    sealed: Sealed


def _key(user_id: str, name: str) -> dict[str, Any]:
    return {"pk": {"S": f"{USER_PREFIX}{user_id}"}, "sk": {"S": f"{ATTRIBUTE_PREFIX}{name}"}}


def _record(item: dict[str, Any]) -> SensitiveAttributeRecord:
    return SensitiveAttributeRecord.model_validate(
        {
            "name": item["sk"]["S"].removeprefix(ATTRIBUTE_PREFIX),
            "consented_at": item["consented_at"]["S"],
            "updated_at": item["updated_at"]["S"],
        }
    )


def _sealed(item: dict[str, Any]) -> Sealed:
    return Sealed(item["encrypted_key"]["B"], item["nonce"]["B"], item["ciphertext"]["B"])


class SensitiveAttributeTable:
    def __init__(self, table_name: str, client: DynamoDBClient) -> None:
        self._table = table_name
        self._client = client

    def put(self, user_id: str, name: str, sealed: Sealed, now: datetime) -> SensitiveAttributeRecord:
        """Replace the sealed value; the time of the first consent stays until the attribute is deleted."""
        response = self._client.update_item(
            TableName=self._table,
            Key=_key(user_id, name),
            UpdateExpression=(
                "SET encrypted_key = :key, nonce = :nonce, ciphertext = :ciphertext, updated_at = :now, "
                "consented_at = if_not_exists(consented_at, :now)"
            ),
            ExpressionAttributeValues={
                ":key": {"B": sealed.encrypted_key},
                ":nonce": {"B": sealed.nonce},
                ":ciphertext": {"B": sealed.ciphertext},
                ":now": {"S": now.isoformat()},
            },
            ReturnValues="ALL_NEW",
        )
        return _record(dict(response["Attributes"]))

    def attributes(self, user_id: str) -> list[StoredAttribute]:
        """The user's attributes, sorted by name."""
        return [StoredAttribute(_record(item), _sealed(item)) for item in self._items(user_id)]

    def delete(self, user_id: str, name: str) -> SensitiveAttributeRecord | None:
        """Delete the attribute; what it was, or None when there was none."""
        response = self._client.delete_item(TableName=self._table, Key=_key(user_id, name), ReturnValues="ALL_OLD")
        return _record(dict(response["Attributes"])) if "Attributes" in response else None

    def export_user(self, user_id: str) -> SensitiveAttributeExport:
        """Names and times only: an export may be run for an admin, and the values are the user's alone."""
        from nudge.sensitive.sensitive_export import SensitiveAttributeExport

        items = self._items(user_id, projection=_RECORD_PROJECTION)
        return SensitiveAttributeExport(attributes=[_record(item) for item in items])

    def erase_user(self, user_id: str) -> Erasure:
        """Delete every attribute, and with it the encrypted data key that alone could decrypt its value."""
        from nudge.users.personal_data import Erasure

        keys = [{"pk": item["pk"], "sk": item["sk"]} for item in self._items(user_id, projection="pk, sk")]
        return Erasure(deleted={"attributes": delete_all(self._client, self._table, keys)})

    def _items(self, user_id: str, projection: str | None = None) -> list[dict[str, Any]]:
        arguments: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": f"{USER_PREFIX}{user_id}"}},
            "ConsistentRead": True,
        }
        if projection:
            arguments["ProjectionExpression"] = projection
        return query_all(self._client, **arguments)


def sensitive_attribute_table() -> SensitiveAttributeTable:
    return SensitiveAttributeTable(config.text("SENSITIVE_ATTRIBUTE_TABLE_NAME"), clients.dynamodb())
