"""Python values to DynamoDB attribute values and back, for every repository module.

Only the encoding lives here; each table's module alone decides its keys and item shapes.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from nudge.errors import InvalidInput

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def plain(value: Any) -> Any:
    """Values as DynamoDB stores them: datetimes as ISO strings, floats as exact decimals, containers recursively."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {key: plain(inner) for key, inner in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(inner) for inner in value]
    return value


def to_item(attributes: Mapping[str, Any]) -> dict[str, Any]:
    return {key: _serializer.serialize(plain(value)) for key, value in attributes.items() if value is not None}


def to_value(value: Any) -> dict[str, Any]:
    return dict(_serializer.serialize(plain(value)))


def from_item(item: Mapping[str, Any], drop: tuple[str, ...] = ("pk", "sk")) -> dict[str, Any]:
    return {key: _deserializer.deserialize(value) for key, value in item.items() if key not in drop}


def encode_cursor(last_evaluated_key: Mapping[str, Any] | None) -> str | None:
    """An opaque page cursor for API clients: the DynamoDB key the next page starts after."""
    if not last_evaluated_key:
        return None
    return base64.urlsafe_b64encode(json.dumps(last_evaluated_key, sort_keys=True).encode()).decode()


def decode_cursor(cursor: str | None, partition: str) -> dict[str, Any] | None:
    """The start key a cursor encodes; refused unless it is a pk/sk key inside `partition`, so a
    tampered cursor is a 422, never a DynamoDB error or a peek into another partition."""
    if cursor is None:
        return None
    try:
        decoded = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except ValueError as error:
        raise InvalidInput("is not a cursor this API returned", field="cursor") from error
    valid = (
        isinstance(decoded, dict)
        and set(decoded) == {"pk", "sk"}
        and decoded["pk"] == {"S": partition}
        and isinstance(decoded["sk"], dict)
        and isinstance(decoded["sk"].get("S"), str)
    )
    if not valid:
        raise InvalidInput("is not a cursor this API returned", field="cursor")
    return dict(decoded)


def write_transaction(client: Any, items: Sequence[Mapping[str, Any]]) -> bool:
    """One TransactWriteItems. False when it was cancelled because its first item's condition failed
    (the guarded change was already made); any other failure raises."""
    try:
        client.transact_write_items(TransactItems=list(items))
    except ClientError as error:
        reasons = error.response.get("CancellationReasons", [])
        if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
            return False
        raise
    return True


def sum_counters(client: Any, table: str, partitions: Sequence[str], low: str, high: str) -> dict[str, int]:
    """Every number attribute of the items with sk in low..high, summed over `partitions` (the shards
    of a sharded counter). Keys are not counters: they are left out."""
    totals: dict[str, int] = {}
    paginator = client.get_paginator("query")
    for partition in partitions:
        pages = paginator.paginate(
            TableName=table,
            KeyConditionExpression="pk = :pk AND sk BETWEEN :low AND :high",
            ExpressionAttributeValues={":pk": {"S": partition}, ":low": {"S": low}, ":high": {"S": high}},
        )
        for page in pages:
            for item in page["Items"]:
                for name, value in from_item(item).items():
                    totals[name] = totals.get(name, 0) + int(value)
    return totals


def add_counters(table: str, key: Mapping[str, Any], counters: Mapping[str, int]) -> dict[str, Any]:
    """A TransactWriteItems Update adding `counters` (name -> amount) to the item at `key`."""
    names = list(counters)
    return {
        "Update": {
            "TableName": table,
            "Key": dict(key),
            "UpdateExpression": "ADD " + ", ".join(f"#c{index} :v{index}" for index in range(len(names))),
            "ExpressionAttributeNames": {f"#c{index}": name for index, name in enumerate(names)},
            "ExpressionAttributeValues": {f":v{index}": {"N": str(counters[name])} for index, name in enumerate(names)},
        }
    }
