"""The behavior table: per-user signal aggregates and the raw events behind them.

Item shapes (nothing outside this module builds these keys):
- aggregates: pk=USER#<user_id>, sk=SIGNALS, one attribute per SignalAggregates field.
- raw event:  pk=USER#<user_id>, sk=EVENT#<event_id>, the event's fields and `expires_at`
  (epoch seconds, the table's TTL attribute) so history is kept for recomputation, not forever.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError
from pydantic import TypeAdapter

from nudge import clients
from nudge.behavior.events import BehavioralEvent, DateChangeRequestAnswered, DateChangeRequestCreated
from nudge.behavior.signals import SignalAggregates
from nudge.behavior.store import BatchRejected
from nudge.config import require, settings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

SIGNALS_SK = "SIGNALS"
_serializer = TypeSerializer()
_deserializer = TypeDeserializer()
_EVENT_FIELDS = set(DateChangeRequestCreated.model_fields) | set(DateChangeRequestAnswered.model_fields)


@cache
def _event_adapter() -> TypeAdapter[BehavioralEvent]:
    return TypeAdapter(BehavioralEvent)


class StoredEvent(NamedTuple):
    event: BehavioralEvent
    expires_at: datetime


def _user_pk(user_id: str) -> str:
    return f"USER#{user_id}"


def _event_sk(event_id: str) -> str:
    return f"EVENT#{event_id}"


def _plain(value: Any) -> Any:
    """Python values as DynamoDB stores them: datetimes as ISO strings, maps recursively."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _plain(inner) for key, inner in value.items()}
    return value


def _to_item(attributes: Mapping[str, Any]) -> dict[str, Any]:
    return {key: _serializer.serialize(_plain(value)) for key, value in attributes.items() if value is not None}


def _from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    return {key: _deserializer.deserialize(value) for key, value in item.items()}


class BehaviorTable:
    """DynamoDB adapter for the BehaviorStore port."""

    def __init__(self, table_name: str, client: DynamoDBClient, retention: timedelta) -> None:
        self._table = table_name
        self._client = client
        self._retention = retention

    def get_signals(self, user_id: str) -> SignalAggregates | None:
        response = self._client.get_item(
            TableName=self._table,
            Key={"pk": {"S": _user_pk(user_id)}, "sk": {"S": SIGNALS_SK}},
            ConsistentRead=True,
        )
        if "Item" not in response:
            return None
        attributes = _from_item(response["Item"])
        for key in ("pk", "sk"):
            attributes.pop(key)
        return SignalAggregates.model_validate(attributes)

    def raw_events(self, user_id: str) -> list[StoredEvent]:
        """Every retained raw event of the user, for recomputing their aggregates from scratch."""
        paginator = self._client.get_paginator("query")
        pages = paginator.paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues={":pk": {"S": _user_pk(user_id)}, ":prefix": {"S": _event_sk("")}},
        )
        stored = []
        for page in pages:
            for item in page["Items"]:
                attributes = _from_item(item)
                stored.append(
                    StoredEvent(
                        event=_event_adapter().validate_python(
                            {k: v for k, v in attributes.items() if k in _EVENT_FIELDS}
                        ),
                        expires_at=datetime.fromtimestamp(int(attributes["expires_at"]), UTC),
                    )
                )
        return stored

    def save_batch(
        self,
        user_id: str,
        events: Sequence[BehavioralEvent],
        previous_version: int,
        aggregates: SignalAggregates,
    ) -> None:
        items: list[Any] = [self._aggregates_put(user_id, previous_version, aggregates)]
        items += [self._event_put(user_id, event, aggregates.updated_at) for event in events]
        try:
            self._client.transact_write_items(TransactItems=items)
        except ClientError as error:
            if error.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            raise self._rejection(error, events) from error

    def _aggregates_put(self, user_id: str, previous_version: int, aggregates: SignalAggregates) -> dict[str, Any]:
        item = _to_item({"pk": _user_pk(user_id), "sk": SIGNALS_SK, **aggregates.model_dump()})
        put: dict[str, Any] = {"TableName": self._table, "Item": item}
        if previous_version == 0:
            put["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            put["ConditionExpression"] = "version = :previous"
            put["ExpressionAttributeValues"] = {":previous": {"N": str(previous_version)}}
        return {"Put": put}

    def _event_put(self, user_id: str, event: BehavioralEvent, ingested_at: datetime | None) -> dict[str, Any]:
        expires_at = int((event.occurred_at + self._retention).timestamp())
        attributes = {
            "pk": _user_pk(user_id),
            "sk": _event_sk(event.event_id),
            **event.model_dump(),
            "ingested_at": ingested_at,
            "expires_at": Decimal(expires_at),
        }
        return {
            "Put": {
                "TableName": self._table,
                "Item": _to_item(attributes),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }

    @staticmethod
    def _rejection(error: ClientError, events: Sequence[BehavioralEvent]) -> BatchRejected:
        reasons = error.response.get("CancellationReasons", [])
        failed = [index for index, reason in enumerate(reasons) if reason.get("Code") == "ConditionalCheckFailed"]
        if not failed:
            # Cancelled by a concurrent transaction on the same items: worth another attempt.
            return BatchRejected(duplicate_event_ids=frozenset(), stale=True)
        duplicates = frozenset(events[index - 1].event_id for index in failed if index > 0)
        return BatchRejected(duplicate_event_ids=duplicates, stale=0 in failed)


def behavior_table() -> BehaviorTable:
    """The adapter for this function's configured table and client."""
    config = settings()
    return BehaviorTable(
        table_name=require(config.behavior_table_name, "BEHAVIOR_TABLE_NAME"),
        client=clients.dynamodb(),
        retention=timedelta(days=config.event_retention_days),
    )
