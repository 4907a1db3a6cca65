"""The audit table: admin actions, newest first.

Item shape (nothing outside this module builds these keys): pk=AUDIT, sk=<ISO time>#<audit_id>,
`before`/`after` stored as JSON text so they read back exactly as written. One partition holds the
whole trail: admin actions are a few per minute, far below a partition's write limit, and a single
partition pages newest-first with one Query.
"""

from __future__ import annotations

import json
from datetime import UTC
from typing import TYPE_CHECKING, Any, NamedTuple

from nudge import clients, config
from nudge.audit.records import AuditRecord
from nudge.item_codec import decode_cursor, encode_cursor, from_item, to_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

AUDIT_PK = "AUDIT"


class AuditPage(NamedTuple):
    records: list[AuditRecord]
    next_cursor: str | None


class AuditTable:
    def __init__(self, table_name: str, client: DynamoDBClient) -> None:
        self._table = table_name
        self._client = client

    def put_request(self, record: AuditRecord) -> dict[str, Any]:
        """The record as a TransactWriteItems element, to commit together with the change it describes."""
        attributes = record.model_dump(mode="json", exclude={"before", "after"})
        item = to_item(
            {
                "pk": AUDIT_PK,
                # Fixed-width UTC time, so the key sorts by time even when a time falls on a whole second.
                "sk": f"{record.at.astimezone(UTC):%Y-%m-%dT%H:%M:%S.%fZ}#{record.audit_id}",
                **attributes,
                "before": json.dumps(record.before) if record.before is not None else None,
                "after": json.dumps(record.after) if record.after is not None else None,
            }
        )
        return {"Put": {"TableName": self._table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}}

    def put(self, record: AuditRecord) -> None:
        self._client.put_item(**self.put_request(record)["Put"])

    def page(self, limit: int, cursor: str | None) -> AuditPage:
        arguments: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": AUDIT_PK}},
            "ScanIndexForward": False,
            "Limit": limit,
        }
        start = decode_cursor(cursor, AUDIT_PK)
        if start is not None:
            arguments["ExclusiveStartKey"] = start
        response = self._client.query(**arguments)
        records = [_record(item) for item in response["Items"]]
        return AuditPage(records, encode_cursor(response.get("LastEvaluatedKey")))


def _record(item: dict[str, Any]) -> AuditRecord:
    attributes = from_item(item)
    for side in ("before", "after"):
        attributes[side] = json.loads(attributes[side]) if side in attributes else None
    attributes.setdefault("reason", None)
    return AuditRecord.model_validate(attributes)


def audit_table() -> AuditTable:
    return AuditTable(config.text("AUDIT_TABLE_NAME"), clients.dynamodb())
