"""The delivery table: each delivery of a campaign to a user, which is at once the send ledger, the user's
notification list and the frequency caps' record.

Item shape (nothing outside this module builds these keys):
- delivery: pk=USER#<user_id>, sk=DELIVERY#<campaign_id>#<channel>; `status` (scheduled, digest_pending,
  sending, sent, failed, cancelled), `at` (the send moment, UTC text), `reason`, `notification_id`,
  `provider_message_id`, `failure`, `fallback` (sent as a fallback), `updated_at`, `digest_id`; from the
  provider's feedback, one marker per event type (`delivered_at`, `opened_at`, `clicked_at`,
  `bounced_at`, `complained_at`, `undelivered_at`), each set once with `attribute_not_exists`, so a
  duplicated or late event changes nothing twice. A sent delivery of a survey invite that counts in the
  survey's funnel (the recipient shares analytics) has `funnel_survey_id`, so its first open is counted
  there too (not part of the record: it is the campaign's survey, nothing of the user's).
  It is written with `attribute_not_exists` before a provider is called, so a (campaign, user,
  channel) is handed to a provider at most once, whatever the queue redelivers. A scheduled delivery
  also has `due_shard` ("0".."15") and `due_at` (its minute, UTC text): the keys of the sparse
  DueDeliveries index the minute sweep reads; taking a delivery removes them in the same
  conditional update that moves it from scheduled to sending.
- digest item: a delivery whose email waits for the user's digest (nudge.notifications.digests):
  `digest_pending`, out of the due index and of the frequency caps, `at` the digest it was queued
  for; once a digest takes it (conditional on still pending, so no item is in two digests) `sending`
  then the digest's outcome, with `digest_id` (the digest's notification id) and the digest's `at`.
- digest: pk=USER#<user_id>, sk=DELIVERY#_digest-<period>#email (`_` opens no campaign id), written
  `scheduled` for its moment like any delivery (DueDeliveries), put only if absent: one per period.
  It is what the frequency caps count of a digest.
- Global index DeliveriesByNotification (notification_id, keys only): the delivery a provider's event
  or a click names.
- Local index DeliveriesByTime (pk, at): the user's deliveries by time, for the frequency caps (one
  Query of the last 7 days) and the user's notification list (newest first).
- survey reminder: pk=USER#<user_id>, sk=REMINDER#<survey_id>; `survey_id`, `started_at` (the first tracked
  survey_start's time), and while pending `reminder_shard` ("0".."15") and `reminder_started_at` (the same
  time): the keys of the sparse SurveyRemindersDue index the reminder job reads by start time. Closing it
  removes them and sets `outcome` and `decided_at`; the item stays, so a survey is reminded of at most once
  (nudge/notifications/survey_reminders.py). Written by event ingestion's transaction as an update that
  cannot fail (`if_not_exists`), so a second start moves nothing. It has no `at`, so it is never in
  DeliveriesByTime (the caps, the user's list).

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
from nudge.notifications.channel_names import Channel

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from nudge.notifications.delivery_export import DeliveryExport
    from nudge.users.personal_data import Erasure

FeedbackKind = Literal["delivered", "opened", "clicked", "bounced", "complained", "undelivered"]
DeliveryStatus = Literal["scheduled", "digest_pending", "sending", "sent", "failed", "cancelled"]
DUE_SHARDS = 16
# Deliveries that count for the frequency caps: what was sent or is on its way.
COUNTED = frozenset({"scheduled", "sending", "sent"})
_SK_PREFIX = "DELIVERY#"
_DIGEST_PREFIX = "_digest-"
# How far back a digest looks for its pending items (a period and the rolls of a long backlog).
DIGEST_LOOKBACK = timedelta(days=35)
FUNNEL_SURVEY = "funnel_survey_id"
_REMINDER_PREFIX = "REMINDER#"
_REMINDER_INDEX_KEYS = ("reminder_shard", "reminder_started_at")


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
    digest_id: str | None = Field(default=None, description="The notification id of the digest that carried it")
    undelivered_at: datetime | None = Field(
        default=None, description="When the provider reported it could not deliver what it had accepted (WhatsApp)"
    )


class SurveyReminder(NudgeModel):
    user_id: str
    survey_id: str
    started_at: datetime | None = Field(
        default=None,
        description="When the user started the survey (the first start tracked); none for a completion tracked "
        "without a start",
    )
    outcome: str | None = Field(default=None, description="What the reminder job decided; none while pending")
    decided_at: datetime | None = None


class DeliveryKey(NamedTuple):
    user_id: str
    campaign_id: str
    channel: str


class DeliveryPage(NamedTuple):
    deliveries: list[DeliveryRecord]
    next_cursor: str | None


def _user_pk(user_id: str) -> str:
    return f"USER#{user_id}"


def _key(user_id: str, campaign_id: str, channel: str) -> dict[str, Any]:
    return {"pk": {"S": _user_pk(user_id)}, "sk": {"S": f"{_SK_PREFIX}{campaign_id}#{channel}"}}


def digest_campaign_id(period: str) -> str:
    """The ledger's campaign id of a period's digest."""
    return f"{_DIGEST_PREFIX}{period}"


def digest_period(record: DeliveryRecord) -> str | None:
    """The period of a digest delivery, None for a campaign's delivery."""
    return record.campaign_id.removeprefix(_DIGEST_PREFIX) if record.campaign_id.startswith(_DIGEST_PREFIX) else None


def due_shard(user_id: str) -> str:
    return str(int.from_bytes(hashlib.sha256(user_id.encode()).digest()[:4], "big") % DUE_SHARDS)


def due_shards() -> list[str]:
    return [str(shard) for shard in range(DUE_SHARDS)]


def _minute(moment: datetime) -> str:
    return utc_text(moment.replace(second=0, microsecond=0))


def _reminder_key(user_id: str, survey_id: str) -> dict[str, Any]:
    return {"pk": {"S": _user_pk(user_id)}, "sk": {"S": f"{_REMINDER_PREFIX}{survey_id}"}}


def _reminder(item: dict[str, Any]) -> SurveyReminder:
    values = from_item(item, drop=("sk", *_REMINDER_INDEX_KEYS))
    return SurveyReminder.model_validate(values | {"user_id": values.pop("pk").removeprefix("USER#")})


def _record(item: dict[str, Any]) -> DeliveryRecord:
    return DeliveryRecord.model_validate(from_item(item, drop=("pk", "sk", "due_shard", "due_at", FUNNEL_SURVEY)))


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

    def finish(
        self,
        record: DeliveryRecord,
        now: datetime,
        also: list[dict[str, Any]] | None = None,
        funnel_survey_id: str | None = None,
    ) -> None:
        """Record the outcome (sent, failed, cancelled) of a delivery this worker holds, with `also` (the
        campaign's counters, the survey funnel's: other tables' transaction elements) in the same transaction;
        `funnel_survey_id`: the survey whose funnel counts the delivery (and later its first open)."""
        update = self._outcome(record, now, stored_too={FUNNEL_SURVEY: funnel_survey_id})
        if not also:
            self._client.update_item(**update)
        else:
            write_transaction(self._client, [{"Update": update}, *also])

    def _outcome(
        self, record: DeliveryRecord, now: datetime, *also_set: str, stored_too: dict[str, str | None] | None = None
    ) -> dict[str, Any]:
        """The UpdateItem of a delivery's outcome: its status, each other named field that has a value, and each
        attribute of `stored_too` (not a record field) that has one."""
        values: dict[str, Any] = {":status": {"S": record.status}, ":now": {"S": now.isoformat()}}
        names = {"#status": "status"}
        clauses = ["#status = :status", "updated_at = :now"]
        stored = record.model_dump(mode="json") | (stored_too or {})  # `at` as `claim` writes it
        for name in ("provider_message_id", "failure", *also_set, *(stored_too or {})):
            if stored[name] is not None:
                clauses.append(f"#{name} = :{name}")
                names[f"#{name}"] = name
                values[f":{name}"] = {"S": stored[name]}
        return {
            "TableName": self._table,
            "Key": _key(record.user_id, record.campaign_id, record.channel),
            "UpdateExpression": f"SET {', '.join(clauses)} REMOVE due_shard, due_at",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }

    def pending_digest_items(self, user_id: str, until: datetime, limit: int) -> list[DeliveryRecord]:
        """Up to `limit` of the user's digest items queued for a digest at or before `until`, oldest first (a
        consistent Query of DeliveriesByTime, filtered to `digest_pending`)."""
        from nudge.item_codec import query_all

        items = query_all(
            self._client,
            TableName=self._table,
            IndexName="DeliveriesByTime",
            KeyConditionExpression="pk = :pk AND #at BETWEEN :low AND :high",
            FilterExpression="#status = :pending",
            ExpressionAttributeNames={"#at": "at", "#status": "status"},
            ExpressionAttributeValues={
                ":pk": {"S": _user_pk(user_id)},
                ":low": {"S": utc_text(until - DIGEST_LOOKBACK)},
                # A stored `at` is pydantic's text (no fraction at a whole second), which sorts after utc_text of
                # the same second: the bound is the next second (digest moments are whole minutes).
                ":high": {"S": utc_text(until + timedelta(seconds=1))},
                ":pending": {"S": "digest_pending"},
            },
            ConsistentRead=True,
        )
        return [_record(item) for item in items[:limit]]

    def hold_for_digest(self, item: DeliveryRecord, digest_id: str, now: datetime) -> bool:
        """Move a pending digest item to sending for the digest `digest_id`; False when it is no longer pending
        (another digest holds it): an item is never in two digests."""
        from nudge.item_codec import conditional

        return conditional(
            self._client.update_item,
            TableName=self._table,
            Key=_key(item.user_id, item.campaign_id, item.channel),
            UpdateExpression="SET #status = :sending, digest_id = :digest, updated_at = :now",
            ConditionExpression="#status = :pending",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={
                ":sending": {"S": "sending"},
                ":pending": {"S": "digest_pending"},
                ":digest": {"S": digest_id},
                ":now": {"S": now.isoformat()},
            },
        )

    def cancel_digest_item(self, item: DeliveryRecord, now: datetime, also: dict[str, Any] | None) -> bool:
        """Cancel a pending digest item (`item` carries the failure), with `also` in the same transaction; False,
        nothing written, when it is no longer pending."""
        update = self._outcome(item, now) | {"ConditionExpression": "#status = :pending"}
        update["ExpressionAttributeValues"][":pending"] = {"S": "digest_pending"}
        return write_transaction(self._client, [{"Update": update}, *([also] if also else [])])

    def finish_digest(
        self, digest: DeliveryRecord, items: list[DeliveryRecord], now: datetime, also: list[dict[str, Any]]
    ) -> None:
        """The outcome of a digest and of each item it held (their status, the digest's `at` and provider message
        id), with `also` (the campaigns' counters), in one transaction."""
        updates = [{"Update": self._outcome(digest, now)}]
        updates += [{"Update": self._outcome(item, now, "at", "digest_id")} for item in items]
        write_transaction(self._client, [*updates, *also])

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

    def funnel_survey(self, key: DeliveryKey) -> str | None:
        """The survey whose funnel counts the delivery (set when it was sent), None for most (one GetItem)."""
        item = self._client.get_item(
            TableName=self._table,
            Key=_key(key.user_id, key.campaign_id, key.channel),
            ProjectionExpression=FUNNEL_SURVEY,
        ).get("Item")
        return item[FUNNEL_SURVEY]["S"] if item and FUNNEL_SURVEY in item else None

    def mark(self, key: DeliveryKey, kind: FeedbackKind, at: datetime, also: list[dict[str, Any]]) -> bool:
        """Set the delivery's `<kind>_at` marker with `also` (the campaign's counter, the survey funnel's) in one
        transaction; False, nothing written, when the marker was set already (a duplicated or late event)."""
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
        return write_transaction(self._client, [marker, *also], conflict_attempts=5)

    def recent(self, user_id: str, moment: datetime, campaign_id: str) -> list[datetime]:
        """When the user's counted deliveries of other campaigns are, from 7 days before `moment` to a day
        after it (one Query). The campaign's own are left out: a redelivered message finds its own claims.
        A digest counts once: its items (pending, or carried with `digest_id`) do not count."""
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
            ProjectionExpression="#at, #status, campaign_id, digest_id",
        )
        # A digest's items are counted by the digest alone.
        return [
            datetime.fromisoformat(item["at"]["S"])
            for item in items
            if item["status"]["S"] in COUNTED and item["campaign_id"]["S"] != campaign_id and "digest_id" not in item
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

    def reminder_started(self, user_id: str, survey_id: str, started_at: datetime) -> dict[str, Any]:
        """A TransactWriteItems update making the survey's reminder pending from `started_at`, unless the user has
        one for the survey already (pending or closed: nothing of it moves). It has no condition, so it never
        cancels the transaction it is in."""
        return self._reminder_update(
            user_id,
            survey_id,
            "SET survey_id = :survey, started_at = if_not_exists(started_at, :start), "
            "reminder_shard = if_not_exists(reminder_shard, :shard), "
            "reminder_started_at = if_not_exists(reminder_started_at, :start)",
            {":start": {"S": utc_text(started_at)}, ":shard": {"S": due_shard(user_id)}},
        )

    def reminder_completed(self, user_id: str, survey_id: str, now: datetime) -> dict[str, Any]:
        """A TransactWriteItems update closing the survey's reminder as `completed` (written even without a
        start: a start tracked later then reminds of nothing). No condition, as for a start."""
        return self._reminder_update(
            user_id,
            survey_id,
            "SET survey_id = :survey, outcome = if_not_exists(outcome, :completed), "
            "decided_at = if_not_exists(decided_at, :now) REMOVE reminder_shard, reminder_started_at",
            {":completed": {"S": "completed"}, ":now": {"S": now.isoformat()}},
        )

    def _reminder_update(self, user_id: str, survey_id: str, expression: str, values: dict[str, Any]) -> dict[str, Any]:
        return {
            "Update": {
                "TableName": self._table,
                "Key": _reminder_key(user_id, survey_id),
                "UpdateExpression": expression,
                "ExpressionAttributeValues": {":survey": {"S": survey_id}, **values},
            }
        }

    def due_reminders(
        self, shard: str, started_by: datetime, limit: int, start_key: dict[str, Any] | None
    ) -> tuple[list[SurveyReminder], dict[str, Any] | None]:
        """A page of the shard's pending reminders of surveys started at `started_by` or before, oldest first,
        and the key to continue after (None on the last page)."""
        arguments: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": "SurveyRemindersDue",
            "KeyConditionExpression": "reminder_shard = :shard AND reminder_started_at <= :by",
            "ExpressionAttributeValues": {":shard": {"S": shard}, ":by": {"S": utc_text(started_by)}},
            "Limit": limit,
        }
        if start_key is not None:
            arguments["ExclusiveStartKey"] = start_key
        response = self._client.query(**arguments)
        return [_reminder(item) for item in response["Items"]], response.get("LastEvaluatedKey")

    def close_reminder(
        self, reminder: SurveyReminder, outcome: str, now: datetime, also: dict[str, Any] | None = None
    ) -> bool:
        """Take the reminder out of the due index with its outcome (an outcome and time set before stay), with
        `also` (the campaign's counts) in the same transaction; False when another run closed it first."""
        update: dict[str, Any] = {
            "TableName": self._table,
            "Key": _reminder_key(reminder.user_id, reminder.survey_id),
            "UpdateExpression": "SET outcome = if_not_exists(outcome, :outcome), "
            "decided_at = if_not_exists(decided_at, :now) REMOVE reminder_shard, reminder_started_at",
            "ConditionExpression": "attribute_exists(reminder_shard)",
            "ExpressionAttributeValues": {":outcome": {"S": outcome}, ":now": {"S": now.isoformat()}},
        }
        if also is None:
            from nudge.item_codec import conditional

            return conditional(self._client.update_item, **update)
        return write_transaction(self._client, [{"Update": update}, also], conflict_attempts=5)

    def export_user(self, user_id: str) -> DeliveryExport:
        from nudge.notifications.delivery_export import DeliveryExport

        items = partition_items(self._client, self._table, _user_pk(user_id))
        return DeliveryExport(
            deliveries=[_record(item) for item in items if item["sk"]["S"].startswith(_SK_PREFIX)],
            survey_reminders=[_reminder(item) for item in items if item["sk"]["S"].startswith(_REMINDER_PREFIX)],
        )

    def erase_user(self, user_id: str) -> Erasure:
        from nudge.users.personal_data import Erasure

        keys = [
            {"pk": item["pk"], "sk": item["sk"]}
            for item in partition_items(self._client, self._table, _user_pk(user_id), keys_only=True)
        ]
        delete_all(self._client, self._table, keys)
        reminders = sum(key["sk"]["S"].startswith(_REMINDER_PREFIX) for key in keys)
        deleted = {"deliveries": len(keys) - reminders} | ({"survey_reminders": reminders} if reminders else {})
        return Erasure(deleted=deleted)


def delivery_table() -> DeliveryTable:
    return DeliveryTable(config.text("DELIVERY_TABLE_NAME"), clients.dynamodb())
