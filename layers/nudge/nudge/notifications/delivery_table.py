"""The delivery table: each delivery of a campaign to a user, which is at once the send ledger, the user's
notification list and the frequency caps' record.

Item shape (nothing outside this module builds these keys):
- delivery: pk=USER#<user_id>, sk=DELIVERY#<campaign_id>#<channel>; `status` (scheduled, sending, sent,
  failed, cancelled), `at` (the send moment, UTC text), `reason`, `notification_id`, `provider_message_id`,
  `failure`, `fallback` (sent as a fallback), `updated_at`; from the provider's feedback, one marker per
  event type (`delivered_at`, `opened_at`, `clicked_at`, `bounced_at`, `complained_at`, `undelivered_at`),
  each set once with `attribute_not_exists`, so a duplicated or late event changes nothing twice.
  It is written with `attribute_not_exists` before a provider is called, so a (campaign, user,
  channel) is handed to a provider at most once, whatever the queue redelivers. A scheduled delivery
  also has `due_shard` ("0".."15") and `due_at` (its minute, UTC text): the keys of the sparse
  DueDeliveries index the minute sweep reads; taking a delivery removes them in the same
  conditional update that moves it from scheduled to sending.
- Global index DeliveriesByNotification (notification_id, keys only): the delivery a provider's event
  or a click names.
- Local index DeliveriesByTime (pk, at): the user's deliveries by time, for the frequency caps (one
  Query of the last 7 days) and the user's notification list (newest first).

Personal data: every item is in the user's partition, so `export_user` is one Query and `erase_user`
deletes what it returns.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from pydantic import Field

from nudge import clients, config
from nudge.item_codec import (
    delete_all,
    encode_cursor,
    from_item,
    partition_items,
    to_item,
    utc_text,
    write_transaction,
)
from nudge.models import NudgeModel
from nudge.notifications.outgoing import Channel
from nudge.users.personal_data import ExportSection

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from nudge.users.personal_data import Erasure

FeedbackKind = Literal["delivered", "opened", "clicked", "bounced", "complained", "undelivered"]
DeliveryStatus = Literal["scheduled", "sending", "sent", "failed", "cancelled"]
DUE_SHARDS = 16
# Deliveries that count for the frequency caps: what was sent or is on its way.
COUNTED = frozenset({"scheduled", "sending", "sent"})
_SK_PREFIX = "DELIVERY#"


class DeliveryRecord(NudgeModel):
    user_id: str
    campaign_id: str
    channel: Channel
    status: DeliveryStatus
    at: datetime = Field(description="When it is (or was) to be sent")
    reason: str = Field(description="Why the user received it")
    notification_id: str
    campaign_name: str
    fallback: bool = Field(default=False, description="Sent on this channel after the first channel failed")
    provider_message_id: str | None = None
    failure: str | None = None
    updated_at: datetime
    delivered_at: datetime | None = None
    opened_at: datetime | None = None
    clicked_at: datetime | None = None
    bounced_at: datetime | None = None
    complained_at: datetime | None = None
    undelivered_at: datetime | None = Field(
        default=None, description="When the provider reported it could not deliver what it had accepted (WhatsApp)"
    )


class DeliveryKey(NamedTuple):
    user_id: str
    campaign_id: str
    channel: str


class DeliveryExport(ExportSection):
    deliveries: list[DeliveryRecord] = Field(description="Every delivery of a campaign to the user")


class DeliveryPage(NamedTuple):
    deliveries: list[DeliveryRecord]
    next_cursor: str | None


def _user_pk(user_id: str) -> str:
    return f"USER#{user_id}"


def _key(user_id: str, campaign_id: str, channel: str) -> dict[str, Any]:
    return {"pk": {"S": _user_pk(user_id)}, "sk": {"S": f"{_SK_PREFIX}{campaign_id}#{channel}"}}


def due_shard(user_id: str) -> str:
    return str(int.from_bytes(hashlib.sha256(user_id.encode()).digest()[:4], "big") % DUE_SHARDS)


def due_shards() -> list[str]:
    return [str(shard) for shard in range(DUE_SHARDS)]


def _minute(moment: datetime) -> str:
    return utc_text(moment.replace(second=0, microsecond=0))


def _record(item: dict[str, Any]) -> DeliveryRecord:
    return DeliveryRecord.model_validate(from_item(item, drop=("pk", "sk", "due_shard", "due_at")))


class DeliveryTable:
    def __init__(self, table_name: str, client: DynamoDBClient) -> None:
        self._table = table_name
        self._client = client

    def claim(self, record: DeliveryRecord) -> DeliveryRecord | None:
        """Write the delivery unless one exists for its (campaign, user, channel); None when written, else
        the existing one (a redelivered message, a duplicate): the caller then sends nothing."""
        from botocore.exceptions import ClientError

        item = to_item(record.model_dump(mode="json")) | _key(record.user_id, record.campaign_id, record.channel)
        if record.status == "scheduled":
            item |= {"due_shard": {"S": due_shard(record.user_id)}, "due_at": {"S": _minute(record.at)}}
        try:
            self._client.put_item(
                TableName=self._table,
                Item=item,
                ConditionExpression="attribute_not_exists(pk)",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            return _record(error.response["Item"])  # type: ignore[typeddict-item]
        return None

    def take_due(self, record: DeliveryRecord, now: datetime) -> bool:
        """Move a scheduled delivery to sending (out of the due index); False when another sweep took it."""
        from nudge.item_codec import conditional

        return conditional(
            self._client.update_item,
            TableName=self._table,
            Key=_key(record.user_id, record.campaign_id, record.channel),
            UpdateExpression="SET #status = :sending, updated_at = :now REMOVE due_shard, due_at",
            ConditionExpression="#status = :scheduled",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={
                ":sending": {"S": "sending"},
                ":scheduled": {"S": "scheduled"},
                ":now": {"S": now.isoformat()},
            },
        )

    def finish(self, record: DeliveryRecord, now: datetime, also: dict[str, Any] | None = None) -> None:
        """Record the outcome (sent, failed, cancelled) of a delivery this worker holds, with `also` (the
        campaign's counters, another table's transaction element) in the same transaction."""
        values: dict[str, Any] = {":status": {"S": record.status}, ":now": {"S": now.isoformat()}}
        clauses = ["#status = :status", "updated_at = :now"]
        for name in ("provider_message_id", "failure"):
            value = getattr(record, name)
            if value is not None:
                clauses.append(f"{name} = :{name}")
                values[f":{name}"] = {"S": value}
        update: dict[str, Any] = {
            "TableName": self._table,
            "Key": _key(record.user_id, record.campaign_id, record.channel),
            "UpdateExpression": f"SET {', '.join(clauses)} REMOVE due_shard, due_at",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": values,
        }
        if also is None:
            self._client.update_item(**update)
        else:
            write_transaction(self._client, [{"Update": update}, also])

    def find(self, notification_id: str) -> DeliveryKey | None:
        """The delivery a notification id names (one Query of DeliveriesByNotification), None when unknown."""
        response = self._client.query(
            TableName=self._table,
            IndexName="DeliveriesByNotification",
            KeyConditionExpression="notification_id = :id",
            ExpressionAttributeValues={":id": {"S": notification_id}},
            Limit=1,
        )
        if not response["Items"]:
            return None
        item = response["Items"][0]
        campaign_id, channel = item["sk"]["S"].removeprefix(_SK_PREFIX).rsplit("#", 1)
        return DeliveryKey(item["pk"]["S"].removeprefix("USER#"), campaign_id, channel)

    def user_delivery(self, user_id: str, notification_id: str) -> DeliveryRecord | None:
        """The user's delivery a notification id names (one Query, one GetItem); None when unknown or when it
        is another user's, so a user cannot tell another's notification from a missing one."""
        key = self.find(notification_id)
        if key is None or key.user_id != user_id:
            return None
        item = self._client.get_item(TableName=self._table, Key=_key(key.user_id, key.campaign_id, key.channel)).get(
            "Item"
        )
        return _record(item) if item else None

    def mark(self, key: DeliveryKey, kind: FeedbackKind, at: datetime, also: dict[str, Any]) -> bool:
        """Set the delivery's `<kind>_at` marker with `also` (the campaign's counter) in one transaction; False,
        nothing written, when the marker was set already (a duplicated or late event)."""
        marker = {
            "Update": {
                "TableName": self._table,
                "Key": _key(key.user_id, key.campaign_id, key.channel),
                "UpdateExpression": "SET #marker = :at",
                "ConditionExpression": "attribute_exists(pk) AND attribute_not_exists(#marker)",
                "ExpressionAttributeNames": {"#marker": f"{kind}_at"},
                "ExpressionAttributeValues": {":at": {"S": at.isoformat()}},
            }
        }
        # Many events of one campaign add to its one counters item at once: a conflict is sent again.
        return write_transaction(self._client, [marker, also], conflict_attempts=5)

    def recent(self, user_id: str, moment: datetime, campaign_id: str) -> list[datetime]:
        """When the user's counted deliveries of other campaigns are, from 7 days before `moment` to a day
        after it (one Query). The campaign's own are left out: a redelivered message finds its own claims."""
        from nudge.item_codec import query_all

        items = query_all(
            self._client,
            TableName=self._table,
            IndexName="DeliveriesByTime",
            KeyConditionExpression="pk = :pk AND #at BETWEEN :low AND :high",
            ExpressionAttributeNames={"#at": "at", "#status": "status"},
            ExpressionAttributeValues={
                ":pk": {"S": _user_pk(user_id)},
                ":low": {"S": utc_text(moment - timedelta(days=7))},
                ":high": {"S": utc_text(moment + timedelta(days=1))},
            },
            ProjectionExpression="#at, #status, campaign_id",
        )
        return [
            datetime.fromisoformat(item["at"]["S"])
            for item in items
            if item["status"]["S"] in COUNTED and item["campaign_id"]["S"] != campaign_id
        ]

    def due(self, shard: str, now: datetime, limit: int) -> list[DeliveryRecord]:
        """Up to `limit` scheduled deliveries of `shard` whose minute has come, oldest first."""
        response = self._client.query(
            TableName=self._table,
            IndexName="DueDeliveries",
            KeyConditionExpression="due_shard = :shard AND due_at <= :now",
            ExpressionAttributeValues={":shard": {"S": shard}, ":now": {"S": _minute(now)}},
            Limit=limit,
        )
        return [_record(item) for item in response["Items"]]

    def user_page(self, user_id: str, limit: int, cursor: str | None) -> DeliveryPage:
        """The user's deliveries, newest first, a page at a time."""
        from nudge.item_codec import decode_cursor

        arguments: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": "DeliveriesByTime",
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": _user_pk(user_id)}},
            "ScanIndexForward": False,
            "Limit": limit,
        }
        start = decode_cursor(cursor, _user_pk(user_id), index_attribute="at")
        if start is not None:
            arguments["ExclusiveStartKey"] = start
        response = self._client.query(**arguments)
        return DeliveryPage(
            [_record(item) for item in response["Items"]], encode_cursor(response.get("LastEvaluatedKey"))
        )

    def export_user(self, user_id: str) -> DeliveryExport:
        items = partition_items(self._client, self._table, _user_pk(user_id))
        return DeliveryExport(deliveries=[_record(item) for item in items])

    def erase_user(self, user_id: str) -> Erasure:
        from nudge.users.personal_data import Erasure

        keys = [
            {"pk": item["pk"], "sk": item["sk"]}
            for item in partition_items(self._client, self._table, _user_pk(user_id), keys_only=True)
        ]
        delete_all(self._client, self._table, keys)
        return Erasure(deleted={"deliveries": len(keys)})


def delivery_table() -> DeliveryTable:
    return DeliveryTable(config.text("DELIVERY_TABLE_NAME"), clients.dynamodb())
