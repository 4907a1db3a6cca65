"""The suppression table: the addresses Nudge emails no more, and the soft bounces counted towards that.

Item shape (nothing outside this module builds these keys): pk=<address hash>, the keyed hash of the
normalized address (`nudge.subscribers.suppression.address_hash`); `soft_bounces`, the soft bounces
in a row; `since` and `reason`, set once the address is suppressed (an address that only bounced
softly has neither). Lifting deletes the item, in one transaction with its audit record.

Personal data: none. No item holds an address or a user id, and the hash cannot be computed without
the stack's signing key, so the list survives an erasure: an erased user's address stays suppressed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from nudge import clients, config
from nudge.item_codec import batch_get, utc_text, write_transaction

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class SuppressionItem(NamedTuple):
    soft_bounces: int
    since: datetime | None
    reason: str | None


def _key(address_hash: str) -> dict[str, Any]:
    return {"pk": {"S": address_hash}}


def _decode(item: dict[str, Any] | None) -> SuppressionItem | None:
    return _item(item) if item else None


def _item(item: dict[str, Any]) -> SuppressionItem:
    since = item.get("since", {}).get("S")
    return SuppressionItem(
        soft_bounces=int(item.get("soft_bounces", {}).get("N", "0")),
        since=datetime.fromisoformat(since).astimezone(UTC) if since else None,
        reason=item.get("reason", {}).get("S"),
    )


class SuppressionTable:
    def __init__(self, table_name: str, client: DynamoDBClient) -> None:
        self._table = table_name
        self._client = client

    def get(self, address_hash: str) -> SuppressionItem | None:
        response = self._client.get_item(TableName=self._table, Key=_key(address_hash), ConsistentRead=True)
        return _decode(response.get("Item"))

    def suppressed_among(self, address_hashes: Sequence[str]) -> set[str]:
        """Which of the hashes are suppressed: one BatchGetItem per 100 (eventually consistent, half the read
        units: a fan-out page's check; the send re-checks one address with `get`)."""
        keys = [_key(address_hash) for address_hash in dict.fromkeys(address_hashes)]
        items = batch_get(self._client, self._table, keys, consistent=False) if keys else []
        return {item["pk"]["S"] for item in items if "since" in item}

    def suppress(self, address_hash: str, reason: str, now: datetime) -> SuppressionItem:
        """Suppressed from `now` for `reason`; an address already suppressed keeps its first time and reason."""
        response = self._client.update_item(
            TableName=self._table,
            Key=_key(address_hash),
            UpdateExpression="SET since = if_not_exists(since, :now), reason = if_not_exists(reason, :reason)",
            ExpressionAttributeValues={":now": {"S": utc_text(now)}, ":reason": {"S": reason}},
            ReturnValues="ALL_NEW",
        )
        return _item(response["Attributes"])

    def add_soft_bounce(self, address_hash: str) -> int:
        """One more soft bounce in a row (atomic); returns the run's length."""
        response = self._client.update_item(
            TableName=self._table,
            Key=_key(address_hash),
            UpdateExpression="ADD soft_bounces :one",
            ExpressionAttributeValues={":one": {"N": "1"}},
            ReturnValues="UPDATED_NEW",
        )
        return int(response["Attributes"]["soft_bounces"]["N"])

    def reset_soft_bounces(self, address_hash: str) -> None:
        """The run ends; no write when there is none (most deliveries), and no item is created."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key=_key(address_hash),
                UpdateExpression="SET soft_bounces = :zero",
                ConditionExpression="soft_bounces > :zero",
                ExpressionAttributeValues={":zero": {"N": "0"}},
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            return

    def lift(self, address_hash: str, audit: dict[str, Any]) -> bool:
        """Deletes the suppression (and its soft-bounce run) with its audit record; False when not suppressed."""
        delete = {
            "Delete": {
                "TableName": self._table,
                "Key": _key(address_hash),
                "ConditionExpression": "attribute_exists(since)",
            }
        }
        return write_transaction(self._client, [delete, audit])


def suppression_table() -> SuppressionTable:
    return SuppressionTable(config.text("SUPPRESSION_TABLE_NAME"), clients.dynamodb())
