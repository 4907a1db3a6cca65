"""The send-rate table: how many messages each channel has sent in each second, shared by every worker.

Item shape: pk=<channel>#<epoch second>; `sent` (a count), `expires_at` (epoch seconds, the table's TTL
attribute, a minute after the second: an item is never read after its second). No item names a user or
a message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from nudge import clients, config

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

KEY_ATTRIBUTE = "pk"
EXPIRY_SECONDS = 60


class SendRateTable:
    def __init__(self, table_name: str, client: DynamoDBClient) -> None:
        self._table = table_name
        self._client = client

    def take(self, channel: str, second: int, limit: int) -> bool:
        """Count one send in `second` unless `limit` sends are counted already (one conditional write)."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key={KEY_ATTRIBUTE: {"S": f"{channel}#{second}"}},
                UpdateExpression="ADD sent :one SET expires_at = if_not_exists(expires_at, :expires)",
                ConditionExpression="attribute_not_exists(sent) OR sent < :limit",
                ExpressionAttributeValues={
                    ":one": {"N": "1"},
                    ":limit": {"N": str(limit)},
                    ":expires": {"N": str(second + EXPIRY_SECONDS)},
                },
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def sent(self, channel: str, second: int) -> int:
        """The sends counted in `second` (for checks and operators)."""
        item = self._client.get_item(
            TableName=self._table, Key={KEY_ATTRIBUTE: {"S": f"{channel}#{second}"}}, ConsistentRead=True
        ).get("Item")
        return int(item["sent"]["N"]) if item else 0


def send_rate_table() -> SendRateTable:
    return SendRateTable(config.text("SEND_RATE_TABLE_NAME"), clients.dynamodb())
