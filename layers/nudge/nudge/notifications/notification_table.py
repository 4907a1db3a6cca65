"""The notification table: segments and templates (later campaigns, deliveries and the send ledger).

Item shapes (nothing outside this module builds these keys), one partition per kind, so a list is one
Query paged by sort key:
- segment:  pk=SEGMENT,  sk=<segment_id>,  the Segment as JSON text in `document`, `version`.
- template: pk=TEMPLATE, sk=<template_id>, the NotificationTemplate as JSON text in `document`, `version`.
Admin changes are a few per day: one partition per kind is far below its limits. Every write is
conditional on the version it replaces and goes in one transaction with its audit record.

Personal data: none. Segments are rules and templates are texts; who changed them is in the audit trail.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from nudge import clients, config
from nudge.item_codec import query_page, write_transaction
from nudge.notifications.segments import Segment
from nudge.notifications.templates import NotificationTemplate

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

SEGMENT_PK = "SEGMENT"
TEMPLATE_PK = "TEMPLATE"


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
        document = self._get(SEGMENT_PK, segment_id)
        return Segment.model_validate_json(document) if document else None

    def get_template(self, template_id: str) -> NotificationTemplate | None:
        document = self._get(TEMPLATE_PK, template_id)
        return NotificationTemplate.model_validate_json(document) if document else None

    def save_segment(self, segment: Segment, audit: dict[str, Any]) -> bool:
        """The segment with its audit record; False when the stored one is no longer at version - 1."""
        return self._save(SEGMENT_PK, segment.segment_id, segment.model_dump_json(), segment.version, audit)

    def save_template(self, template: NotificationTemplate, audit: dict[str, Any]) -> bool:
        return self._save(TEMPLATE_PK, template.template_id, template.model_dump_json(), template.version, audit)

    def segment_page(self, limit: int, cursor: str | None) -> SegmentPage:
        items, next_cursor = self._page(SEGMENT_PK, limit, cursor)
        return SegmentPage([Segment.model_validate_json(item["document"]["S"]) for item in items], next_cursor)

    def template_page(self, limit: int, cursor: str | None) -> TemplatePage:
        items, next_cursor = self._page(TEMPLATE_PK, limit, cursor)
        templates = [NotificationTemplate.model_validate_json(item["document"]["S"]) for item in items]
        return TemplatePage(templates, next_cursor)

    def _get(self, pk: str, sk: str) -> str | None:
        response = self._client.get_item(TableName=self._table, Key=_key(pk, sk), ConsistentRead=True)
        item = response.get("Item")
        return item["document"]["S"] if item else None

    def _save(self, pk: str, sk: str, document: str, version: int, audit: dict[str, Any]) -> bool:
        put: dict[str, Any] = {
            "TableName": self._table,
            "Item": {**_key(pk, sk), "document": {"S": document}, "version": {"N": str(version)}},
        }
        if version == 1:
            put["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            put["ConditionExpression"] = "version = :previous"
            put["ExpressionAttributeValues"] = {":previous": {"N": str(version - 1)}}
        return write_transaction(self._client, [{"Put": put}, audit])

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
