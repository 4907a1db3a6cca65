"""The notification table: segments, templates and campaigns with their fan-out's progress.

Item shapes (nothing outside this module builds these keys), one partition per kind, so a list is one
Query paged by sort key:
- segment:  pk=SEGMENT,  sk=<segment_id>,  the Segment as JSON text in `document`, `version`.
- template: pk=TEMPLATE, sk=<template_id>, the NotificationTemplate as JSON text in `document`, `version`.
- campaign: pk=CAMPAIGN, sk=<campaign_id>, the Campaign as JSON text in `document`, `version`.
Admin changes are a few per day: one partition per kind is far below its limits. Every admin write is
conditional on the version it replaces and goes in one transaction with its audit record.
- counts:   pk=CAMPAIGN#<campaign_id>, sk=COUNTS, flat `count_<name>` numbers and `segments_done`, added
  to with ADD by the fan-out's workers and the due-time sweep.
- due campaign: pk=DUE_CAMPAIGN, sk=<send_at UTC>#<campaign_id>, while a campaign is scheduled; the
  minute sweep starts what is due and deletes it.
- segment of a fan-out: pk=CAMPAIGN#<campaign_id>, sk=SEGMENT#<nnnn>, `status` (pending, done) and
  `checkpoint` (the encoded LastEvaluatedKey its scan resumes after; cleared when done).

Personal data: none at rest but a pending segment's checkpoint, which names the profile a page ended
on (as the recalculation's does) and is cleared when the segment completes. Who was sent what is in
the delivery table.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from nudge import clients, config
from nudge.item_codec import (
    batch_get,
    conditional,
    counter_clause,
    query_all,
    query_page,
    utc_text,
    write_transaction,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from nudge.notifications.campaigns import Campaign, CampaignCounts
    from nudge.notifications.segments import Segment
    from nudge.notifications.templates import NotificationTemplate

SEGMENT_PK = "SEGMENT"
TEMPLATE_PK = "TEMPLATE"
CAMPAIGN_PK = "CAMPAIGN"
COUNTS_SK = "COUNTS"
DUE_CAMPAIGN_PK = "DUE_CAMPAIGN"
MAX_TRANSACTION_ITEMS = 100  # DynamoDB's limit per TransactWriteItems


class CampaignPage(NamedTuple):
    campaigns: list[Campaign]
    next_cursor: str | None


class CampaignProgress(NamedTuple):
    counts: CampaignCounts
    segments_done: int


class FanOutSegment(NamedTuple):
    campaign_id: str
    segment: int
    status: str  # pending, done
    checkpoint: str  # "" before the first page


def _campaign_pk(campaign_id: str) -> str:
    return f"{CAMPAIGN_PK}#{campaign_id}"


def _segment_sk(segment: int) -> str:
    return f"SEGMENT#{segment:04d}"


def _counts_update(table: str, campaign_id: str, counts: CampaignCounts, segments_done: int) -> dict[str, Any]:
    numbers = {f"count_{name}": value for name, value in counts.model_dump().items() if value}
    if segments_done:
        numbers["segments_done"] = segments_done
    clause, names, values = counter_clause(numbers)
    return {
        "TableName": table,
        "Key": _key(_campaign_pk(campaign_id), COUNTS_SK),
        "UpdateExpression": clause,
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }


class SegmentPage(NamedTuple):
    segments: list[Segment]
    next_cursor: str | None


class TemplatePage(NamedTuple):
    templates: list[NotificationTemplate]
    next_cursor: str | None


def _key(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


class NotificationTable:
    def __init__(self, table_name: str, client: DynamoDBClient) -> None:
        self._table = table_name
        self._client = client

    def get_segment(self, segment_id: str) -> Segment | None:
        from nudge.notifications.segments import Segment  # each kind's models load where that kind is decoded

        document = self._get(SEGMENT_PK, segment_id)
        return Segment.model_validate_json(document) if document else None

    def get_template(self, template_id: str) -> NotificationTemplate | None:
        from nudge.notifications.templates import NotificationTemplate

        document = self._get(TEMPLATE_PK, template_id)
        return NotificationTemplate.model_validate_json(document) if document else None

    def save_segment(self, segment: Segment, audit: dict[str, Any]) -> bool:
        """The segment with its audit record; False when the stored one is no longer at version - 1."""
        return self._save(SEGMENT_PK, segment.segment_id, segment.model_dump_json(), segment.version, audit)

    def save_template(self, template: NotificationTemplate, audit: dict[str, Any]) -> bool:
        return self._save(TEMPLATE_PK, template.template_id, template.model_dump_json(), template.version, audit)

    def segment_page(self, limit: int, cursor: str | None) -> SegmentPage:
        from nudge.notifications.segments import Segment

        items, next_cursor = self._page(SEGMENT_PK, limit, cursor)
        return SegmentPage([Segment.model_validate_json(item["document"]["S"]) for item in items], next_cursor)

    def template_page(self, limit: int, cursor: str | None) -> TemplatePage:
        from nudge.notifications.templates import NotificationTemplate

        items, next_cursor = self._page(TEMPLATE_PK, limit, cursor)
        templates = [NotificationTemplate.model_validate_json(item["document"]["S"]) for item in items]
        return TemplatePage(templates, next_cursor)

    def get_campaign(self, campaign_id: str) -> Campaign | None:
        from nudge.notifications.campaigns import Campaign

        document = self._get(CAMPAIGN_PK, campaign_id)
        return Campaign.model_validate_json(document) if document else None

    def save_campaign(self, campaign: Campaign, also: list[dict[str, Any]]) -> bool:
        """The campaign (with `also`, its audit record when an admin changed it), and its due item when it is
        scheduled; False when the stored one is no longer at version - 1."""
        due = []
        if campaign.status == "scheduled" and campaign.send_at is not None:
            item = _key(DUE_CAMPAIGN_PK, f"{utc_text(campaign.send_at)}#{campaign.campaign_id}")
            due.append({"Put": {"TableName": self._table, "Item": item | {"campaign_id": {"S": campaign.campaign_id}}}})
        return self._save(CAMPAIGN_PK, campaign.campaign_id, campaign.model_dump_json(), campaign.version, *also, *due)

    def due_campaigns(self, now: datetime) -> list[str]:
        """The scheduled campaigns whose send_at has come, oldest first."""
        items = query_all(
            self._client,
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND sk <= :now",
            ExpressionAttributeValues={":pk": {"S": DUE_CAMPAIGN_PK}, ":now": {"S": f"{utc_text(now)}#~"}},
            ConsistentRead=True,
        )
        return [item["campaign_id"]["S"] for item in items]

    def clear_due_campaign(self, campaign: Campaign) -> None:
        if campaign.send_at is not None:
            key = _key(DUE_CAMPAIGN_PK, f"{utc_text(campaign.send_at)}#{campaign.campaign_id}")
            self._client.delete_item(TableName=self._table, Key=key)

    def campaign_page(self, limit: int, cursor: str | None) -> CampaignPage:
        from nudge.notifications.campaigns import Campaign

        items, next_cursor = self._page(CAMPAIGN_PK, limit, cursor)
        return CampaignPage([Campaign.model_validate_json(item["document"]["S"]) for item in items], next_cursor)

    def campaign_progress(self, campaign_id: str) -> CampaignProgress:
        from nudge.notifications.campaigns import CampaignCounts

        found = batch_get(self._client, self._table, [_key(_campaign_pk(campaign_id), COUNTS_SK)], consistent=True)
        numbers = {name: int(value["N"]) for name, value in (found[0] if found else {}).items() if "N" in value}
        counts = CampaignCounts(**{name: numbers.get(f"count_{name}", 0) for name in CampaignCounts.model_fields})
        return CampaignProgress(counts, numbers.get("segments_done", 0))

    def create_fan_out(self, campaign_id: str, segments: int) -> list[int]:
        """A pending segment item for each segment of the campaign's parallel scan that has none (a second call
        keeps the first's checkpoints); returns the segments not done. A first start writes them all in one
        transaction; a resumed one (some exist) goes segment by segment."""
        items = [self._pending_segment(campaign_id, index) for index in range(segments)]
        if 0 < segments <= MAX_TRANSACTION_ITEMS and self._put_all_absent(items):
            return list(range(segments))
        pending = []
        for index, item in enumerate(items):
            created = conditional(
                self._client.put_item, TableName=self._table, Item=item, ConditionExpression="attribute_not_exists(pk)"
            )
            found = None if created else self.get_fan_out_segment(campaign_id, index)
            if found is None or found.status == "pending":
                pending.append(index)
        return pending

    @staticmethod
    def _pending_segment(campaign_id: str, index: int) -> dict[str, Any]:
        return {
            **_key(_campaign_pk(campaign_id), _segment_sk(index)),
            "status": {"S": "pending"},
            "checkpoint": {"S": ""},
        }

    def _put_all_absent(self, items: list[dict[str, Any]]) -> bool:
        """All the items in one transaction, each only if absent; False (nothing written) when one exists."""
        from botocore.exceptions import ClientError

        puts = [
            {"Put": {"TableName": self._table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}}
            for item in items
        ]
        try:
            self._client.transact_write_items(TransactItems=puts)  # type: ignore[arg-type]
        except ClientError as error:
            reasons = error.response.get("CancellationReasons", [])
            if any(reason.get("Code") == "ConditionalCheckFailed" for reason in reasons):
                return False
            raise
        return True

    def get_fan_out_segment(self, campaign_id: str, segment: int) -> FanOutSegment | None:
        key = _key(_campaign_pk(campaign_id), _segment_sk(segment))
        item = self._client.get_item(TableName=self._table, Key=key, ConsistentRead=True).get("Item")
        if item is None:
            return None
        return FanOutSegment(campaign_id, segment, item["status"]["S"], item["checkpoint"]["S"])

    def checkpoint(self, segment: FanOutSegment, next_checkpoint: str, counts: CampaignCounts) -> bool:
        """Move the segment past a processed page and add the page's counts, all or nothing; False when another
        delivery of the message moved it first (this one then stops rather than count twice)."""
        return self._advance(segment, next_checkpoint, "pending", counts, 0)

    def complete_segment(self, segment: FanOutSegment, counts: CampaignCounts) -> bool:
        """Mark the segment done (its checkpoint cleared: it names a user) and add its last page's counts."""
        return self._advance(segment, "", "done", counts, 1)

    def _advance(self, segment: FanOutSegment, checkpoint: str, status: str, counts: CampaignCounts, done: int) -> bool:
        move = {
            "TableName": self._table,
            "Key": _key(_campaign_pk(segment.campaign_id), _segment_sk(segment.segment)),
            "UpdateExpression": "SET #checkpoint = :next, #status = :status",
            "ConditionExpression": "#checkpoint = :previous AND #status = :pending",
            "ExpressionAttributeNames": {"#checkpoint": "checkpoint", "#status": "status"},
            "ExpressionAttributeValues": {
                ":next": {"S": checkpoint},
                ":status": {"S": status},
                ":previous": {"S": segment.checkpoint},
                ":pending": {"S": "pending"},
            },
        }
        if not any(counts.model_dump().values()) and not done:
            return conditional(self._client.update_item, **move)
        return write_transaction(
            self._client, [{"Update": move}, {"Update": _counts_update(self._table, segment.campaign_id, counts, done)}]
        )

    def counts_request(self, campaign_id: str, counts: CampaignCounts) -> dict[str, Any]:
        """A TransactWriteItems element adding `counts` to the campaign's counters (at least one not 0)."""
        return {"Update": _counts_update(self._table, campaign_id, counts, 0)}

    def _get(self, pk: str, sk: str) -> str | None:
        response = self._client.get_item(TableName=self._table, Key=_key(pk, sk), ConsistentRead=True)
        item = response.get("Item")
        return item["document"]["S"] if item else None

    def _save(self, pk: str, sk: str, document: str, version: int, *also: dict[str, Any]) -> bool:
        put: dict[str, Any] = {
            "TableName": self._table,
            "Item": {**_key(pk, sk), "document": {"S": document}, "version": {"N": str(version)}},
        }
        if version == 1:
            put["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            put["ConditionExpression"] = "version = :previous"
            put["ExpressionAttributeValues"] = {":previous": {"N": str(version - 1)}}
        if not also:
            return conditional(self._client.put_item, **put)
        return write_transaction(self._client, [{"Put": put}, *also])

    def _page(self, pk: str, limit: int, cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
        return query_page(
            self._client,
            pk,
            cursor,
            TableName=self._table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": pk}},
            ConsistentRead=True,
            Limit=limit,
        )


def notification_table() -> NotificationTable:
    return NotificationTable(config.text("NOTIFICATION_TABLE_NAME"), clients.dynamodb())
