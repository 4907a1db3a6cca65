"""The idempotency table: the first response to each request sent with an Idempotency-Key.

Item shape: Powertools' idempotency records (`nudge.api.idempotency`), placed by this module:
pk=USER#<caller's user id>, sk=<function>#<hash of caller, route and key>; `status`, `expiration`
(epoch seconds, the table's TTL attribute), `data` (the response as JSON text), `validation` (a hash
of the body). Powertools writes and reads them; this module decides where they live.

Personal data: a response can name its user (POST /v1/events answers with the user id and their
signals), so the records live in the caller's partition: export is one Query, erasure deletes what
it returns. A record is also never replayed after IDEMPOTENCY_TTL_SECONDS (a day) and then deleted
by DynamoDB's TTL.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from nudge import clients, config
from nudge.item_codec import delete_all, query_all

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from nudge.api.idempotency_export import IdempotencyExport
    from nudge.users.personal_data import Erasure

KEY_ATTRIBUTE = "pk"
SORT_KEY_ATTRIBUTE = "sk"


def partition(user_id: str) -> str:
    """The partition of every idempotency record of the caller."""
    return f"USER#{user_id}"


class IdempotencyTable:
    def __init__(self, table_name: str, client: DynamoDBClient) -> None:
        self._table = table_name
        self._client = client

    def export_user(self, user_id: str) -> IdempotencyExport:
        """The responses the user's requests with an Idempotency-Key would still replay."""
        from nudge.api.idempotency_export import IdempotencyExport, StoredResponse

        records = [
            StoredResponse(
                status=item["status"]["S"],
                expires_at=datetime.fromtimestamp(int(item["expiration"]["N"]), UTC),
                response=json.loads(item["data"]["S"]) if "data" in item else None,
            )
            for item in self._partition(user_id, keys_only=False)
        ]
        return IdempotencyExport(responses=records)

    def erase_user(self, user_id: str) -> Erasure:
        from nudge.users.personal_data import Erasure

        keys = self._partition(user_id, keys_only=True)
        return Erasure(deleted={"idempotency_records": delete_all(self._client, self._table, keys)})

    def _partition(self, user_id: str, keys_only: bool) -> list[dict[str, Any]]:
        arguments: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": partition(user_id)}},
            "ConsistentRead": True,
        }
        if keys_only:
            arguments["ProjectionExpression"] = "pk, sk"
        return query_all(self._client, **arguments)


def idempotency_table() -> IdempotencyTable:
    return IdempotencyTable(config.text("IDEMPOTENCY_TABLE_NAME"), clients.dynamodb())
