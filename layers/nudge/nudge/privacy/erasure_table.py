"""The erasure table: one receipt per erasure request, and which erasure a user has in progress.

Item shapes (nothing outside this module builds these keys):
- receipt: pk=ERASURE#<erasure_id>, sk=RECEIPT; the ErasureReceipt, `tables` as a map of logical table
  id -> {deleted, anonymized}, each entry added when that table is done.
- active:  pk=SUBJECT#<subject>, sk=ACTIVE; `erasure_id` of the user's pending or running erasure. It
  exists only while one is in progress, so a second request finds it and returns that erasure.
`subject` is a keyed hash of the user id (`nudge.privacy.erasure.subject_of`): no item here holds the id.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from nudge import clients, config
from nudge.item_codec import conditional, from_item, to_item, write_transaction
from nudge.privacy.erasure_models import Confirmation, ErasureReceipt

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from nudge.users.personal_data import Erasure

NOT_DONE = "#status <> :completed"


def _receipt_key(erasure_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"ERASURE#{erasure_id}"}, "sk": {"S": "RECEIPT"}}


def _active_key(subject: str) -> dict[str, Any]:
    return {"pk": {"S": f"SUBJECT#{subject}"}, "sk": {"S": "ACTIVE"}}


class ErasureTable:
    def __init__(self, table_name: str, client: DynamoDBClient) -> None:
        self._table = table_name
        self._client = client

    def create(self, receipt: ErasureReceipt) -> bool:
        """Store a new receipt as the user's active erasure; False when one is already active (nothing written)."""
        active = {
            "TableName": self._table,
            "Item": {**_active_key(receipt.subject), "erasure_id": {"S": receipt.erasure_id}},
            "ConditionExpression": "attribute_not_exists(pk)",
        }
        item = _receipt_key(receipt.erasure_id) | to_item(receipt.model_dump(mode="json"))
        put = {"TableName": self._table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}
        return write_transaction(self._client, [{"Put": active}, {"Put": put}])

    def get(self, erasure_id: str) -> ErasureReceipt | None:
        response = self._client.get_item(TableName=self._table, Key=_receipt_key(erasure_id), ConsistentRead=True)
        return ErasureReceipt.model_validate(from_item(response["Item"])) if "Item" in response else None

    def active(self, subject: str) -> ErasureReceipt | None:
        """The receipt of the erasure the user has in progress, if any."""
        response = self._client.get_item(TableName=self._table, Key=_active_key(subject), ConsistentRead=True)
        if "Item" not in response:
            return None
        return self.get(response["Item"]["erasure_id"]["S"])

    def clear_active(self, subject: str, erasure_id: str) -> None:
        """Forget the user's active erasure if it is still this one (a newer one is not ours to clear)."""
        conditional(
            self._client.delete_item,
            TableName=self._table,
            Key=_active_key(subject),
            ConditionExpression="erasure_id = :id",
            ExpressionAttributeValues={":id": {"S": erasure_id}},
        )

    def start_attempt(self, erasure_id: str, now: datetime) -> bool:
        """Mark the erasure running for one more attempt; False when it is completed (nothing to do)."""
        return self._update(
            erasure_id,
            "SET #status = :running, started_at = if_not_exists(started_at, :now) ADD attempts :one REMOVE failed_step",
            {":running": {"S": "running"}, ":now": {"S": now.isoformat()}, ":one": {"N": "1"}},
        )

    def record_table(self, erasure_id: str, table: str, erasure: Erasure) -> None:
        """Add one table's counts. A table already recorded (by a duplicate delivery) keeps its first counts."""
        conditional(
            self._client.update_item,
            TableName=self._table,
            Key=_receipt_key(erasure_id),
            UpdateExpression="SET #tables.#table = :erasure",
            ConditionExpression="attribute_not_exists(#tables.#table)",
            ExpressionAttributeNames={"#tables": "tables", "#table": table},
            ExpressionAttributeValues={":erasure": to_item({"value": erasure.model_dump()})["value"]},
        )

    def record_published(self, erasure_id: str, at: datetime) -> None:
        self._update(erasure_id, "SET event_published_at = :at", {":at": {"S": at.isoformat()}})

    def record_confirmation(self, erasure_id: str, confirmation: Confirmation) -> None:
        self._update(erasure_id, "SET confirmation = :confirmation", {":confirmation": {"S": confirmation}})

    def complete(self, receipt: ErasureReceipt, now: datetime) -> None:
        self._update(
            receipt.erasure_id,
            "SET #status = :completed_now, completed_at = :now",
            {":completed_now": {"S": "completed"}, ":now": {"S": now.isoformat()}},
        )
        self.clear_active(receipt.subject, receipt.erasure_id)

    def fail(self, receipt: ErasureReceipt, step: str) -> None:
        """The last attempt failed: the erasure stops being active, so a new request starts a new one."""
        values = {":failed": {"S": "failed"}, ":step": {"S": step}}
        self._update(receipt.erasure_id, "SET #status = :failed, failed_step = :step", values)
        self.clear_active(receipt.subject, receipt.erasure_id)

    def _update(self, erasure_id: str, expression: str, values: dict[str, Any]) -> bool:
        """One update of a receipt that is not completed; False when it is (or does not exist)."""
        return conditional(
            self._client.update_item,
            TableName=self._table,
            Key=_receipt_key(erasure_id),
            UpdateExpression=expression,
            ConditionExpression=f"attribute_exists(pk) AND {NOT_DONE}",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues=values | {":completed": {"S": "completed"}},
        )


def erasure_table() -> ErasureTable:
    return ErasureTable(config.text("ERASURE_TABLE_NAME"), clients.dynamodb())
