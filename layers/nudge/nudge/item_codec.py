"""Python values to DynamoDB attribute values and back, for every repository module.

Only the encoding lives here; each table's module alone decides its keys and item shapes.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from nudge.errors import InvalidInput

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()
BATCH_WRITE_LIMIT = 25
BATCH_GET_LIMIT = 100
UNPROCESSED_ATTEMPTS = 5
CURSOR_PURPOSE = "page-cursor"


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


def utc_text(moment: datetime) -> str:
    """A time as sortable text: always UTC, always microseconds (index sort keys compare as strings)."""
    from datetime import UTC

    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def to_item(attributes: Mapping[str, Any]) -> dict[str, Any]:
    return {key: _serializer.serialize(plain(value)) for key, value in attributes.items() if value is not None}


def from_item(item: Mapping[str, Any], drop: tuple[str, ...] = ("pk", "sk")) -> dict[str, Any]:
    return {key: _deserializer.deserialize(value) for key, value in item.items() if key not in drop}


def encode_cursor(last_evaluated_key: Mapping[str, Any] | None) -> str | None:
    """An opaque page cursor for API clients: the DynamoDB key the next page starts after, signed (HMAC
    over the whole key) so that no altered or forged key ever reaches DynamoDB."""
    if not last_evaluated_key:
        return None
    from nudge import signing  # only paging functions read the signing key

    payload = base64.urlsafe_b64encode(json.dumps(last_evaluated_key, sort_keys=True).encode()).decode()
    return f"{payload}.{signing.signature(CURSOR_PURPOSE, payload)}"


def decode_cursor(cursor: str | None, partition: str, index_attribute: str | None = None) -> dict[str, Any] | None:
    """The start key a cursor encodes; refused (422) unless its signature holds and it is a pk/sk key inside
    `partition` (with `index_attribute` too, for a page of a local index)."""
    if cursor is None:
        return None
    decoded = _signed_key(cursor, (index_attribute,) if index_attribute else ())
    if decoded["pk"] != {"S": partition}:
        raise InvalidInput("is not a cursor for this list", field="cursor")
    return decoded


def decode_scan_cursor(cursor: str | None, pk_prefix: str) -> dict[str, Any] | None:
    """As `decode_cursor`, for a Scan: its key may be in any partition whose pk starts with `pk_prefix`."""
    if cursor is None:
        return None
    decoded = _signed_key(cursor)
    if not decoded["pk"].get("S", "").startswith(pk_prefix):
        raise InvalidInput("is not a cursor for this list", field="cursor")
    return decoded


def _signed_key(cursor: str, extra: tuple[str, ...] = ()) -> dict[str, Any]:
    """The pk/sk (and `extra`) string key a cursor encodes, once its signature holds."""
    from nudge import signing

    payload, _, signature = cursor.partition(".")
    if not cursor.isascii() or not signature or not signing.is_signed(CURSOR_PURPOSE, payload, signature):
        raise InvalidInput("is not a cursor this API returned", field="cursor")
    decoded = json.loads(base64.urlsafe_b64decode(payload.encode()))
    valid = (
        isinstance(decoded, dict)
        and set(decoded) == {"pk", "sk", *extra}
        and all(isinstance(decoded[name], dict) and isinstance(decoded[name].get("S"), str) for name in decoded)
    )
    if not valid:
        raise InvalidInput("is not a cursor for this list", field="cursor")
    return dict(decoded)


def query_page(
    client: Any, partition: str, cursor: str | None, sk_prefix: str = "", **arguments: Any
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of a Query within `partition` (and sort keys starting with `sk_prefix`), after a page cursor
    the API returned (refused when it is not one for this list), with the next page's cursor (None on the
    last)."""
    start = decode_cursor(cursor, partition)
    if start is not None:
        if not start["sk"]["S"].startswith(sk_prefix):
            raise InvalidInput("is not a cursor for this list", field="cursor")
        arguments["ExclusiveStartKey"] = start
    response = client.query(**arguments)
    return response["Items"], encode_cursor(response.get("LastEvaluatedKey"))


def conditional(write: Callable[..., Any], **arguments: Any) -> bool:
    """One conditional PutItem, UpdateItem or DeleteItem; False when its condition failed (nothing written)."""
    try:
        write(**arguments)
    except ClientError as error:
        if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    return True


def put_all(client: Any, table: str, items: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """BatchWriteItem the items, 25 per call, retrying what DynamoDB leaves unprocessed with backoff;
    returns the items still unwritten after the last attempt."""
    left = _write_all(client, table, [{"PutRequest": {"Item": item}} for item in items])
    return [request["PutRequest"]["Item"] for request in left]


def delete_all(client: Any, table: str, keys: Sequence[Mapping[str, Any]]) -> int:
    """BatchWriteItem deletes of the keys, as `put_all` writes; returns how many were deleted. Raises
    when DynamoDB still leaves some unprocessed: an erasure must never end half done without saying so."""
    left = _write_all(client, table, [{"DeleteRequest": {"Key": dict(key)}} for key in keys])
    if left:
        raise RuntimeError(f"DynamoDB left {len(left)} of {len(keys)} deletes unprocessed")
    return len(keys)


def _write_all(client: Any, table: str, requests: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    unprocessed: list[Mapping[str, Any]] = []
    for start in range(0, len(requests), BATCH_WRITE_LIMIT):
        pending = list(requests[start : start + BATCH_WRITE_LIMIT])
        for attempt in range(UNPROCESSED_ATTEMPTS):
            response = client.batch_write_item(RequestItems={table: pending})
            pending = list((response.get("UnprocessedItems") or {}).get(table, []))
            if not pending:
                break
            time.sleep(0.05 * 2**attempt)
        unprocessed += pending
    return unprocessed


def batch_get(client: Any, table: str, keys: Sequence[Mapping[str, Any]], consistent: bool) -> list[dict[str, Any]]:
    """BatchGetItem the keys, 100 per call, retrying unprocessed keys with backoff; missing items are left out."""
    items: list[dict[str, Any]] = []
    for start in range(0, len(keys), BATCH_GET_LIMIT):
        request: dict[str, Any] = {
            table: {"Keys": list(keys[start : start + BATCH_GET_LIMIT]), "ConsistentRead": consistent}
        }
        for attempt in range(UNPROCESSED_ATTEMPTS):
            response = client.batch_get_item(RequestItems=request)
            items += response["Responses"].get(table, [])
            request = dict(response.get("UnprocessedKeys") or {})
            if not request:
                break
            time.sleep(0.05 * 2**attempt)
        else:
            raise RuntimeError(f"DynamoDB left {len(request[table]['Keys'])} keys unprocessed")
    return items


class ItemRead(NamedTuple):
    """One item to read, named by the repository that owns it, so that a caller can read several tables'
    items in one BatchGetItem without knowing their keys' shapes."""

    table: str
    key: dict[str, Any]


def batch_get_items(client: Any, reads: Sequence[ItemRead], consistent: bool) -> list[dict[str, Any] | None]:
    """Up to 100 items of any tables in one BatchGetItem (more calls only for keys DynamoDB left
    unprocessed); each read's item or None, in the order asked."""
    request: dict[str, Any] = {}
    key_names: dict[str, tuple[str, ...]] = {}
    for read in reads:
        request.setdefault(read.table, {"Keys": [], "ConsistentRead": consistent})["Keys"].append(read.key)
        key_names[read.table] = tuple(read.key)

    def identity(table: str, item: Mapping[str, Any]) -> tuple[str, str]:
        return table, json.dumps({name: item[name] for name in key_names[table]}, sort_keys=True)

    found: dict[tuple[str, str], dict[str, Any]] = {}
    for attempt in range(UNPROCESSED_ATTEMPTS):
        response = client.batch_get_item(RequestItems=request)
        for table, items in response["Responses"].items():
            found.update({identity(table, item): item for item in items})
        request = dict(response.get("UnprocessedKeys") or {})
        if not request:
            return [found.get(identity(read.table, read.key)) for read in reads]
        time.sleep(0.05 * 2**attempt)
    raise RuntimeError(f"DynamoDB left keys of {sorted(request)} unprocessed")


def query_all(client: Any, **arguments: Any) -> list[dict[str, Any]]:
    """Every item a Query returns, over all its pages (a plain loop: a paginator loads botocore's
    paginator model on first use)."""
    items: list[dict[str, Any]] = []
    while True:
        response = client.query(**arguments)
        items += response["Items"]
        if "LastEvaluatedKey" not in response:
            return items
        arguments = arguments | {"ExclusiveStartKey": response["LastEvaluatedKey"]}


def partition_items(client: Any, table: str, pk: str, keys_only: bool = False) -> list[dict[str, Any]]:
    """Every item of one partition, consistently read (only pk and sk with `keys_only`)."""
    arguments: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": {":pk": {"S": pk}},
        "ConsistentRead": True,
    }
    if keys_only:
        arguments["ProjectionExpression"] = "pk, sk"
    return query_all(client, **arguments)


def index_keys(client: Any, table: str, index: str, attribute: str, value: str) -> list[dict[str, Any]]:
    """The table keys (pk, sk) of every item whose `attribute` is `value`, from the index keyed by it."""
    items = query_all(
        client,
        TableName=table,
        IndexName=index,
        KeyConditionExpression="#attribute = :value",
        ExpressionAttributeNames={"#attribute": attribute},
        ExpressionAttributeValues={":value": {"S": value}},
    )
    return [{"pk": item["pk"], "sk": item["sk"]} for item in items]


def aged_keys(
    client: Any, table: str, index: str, shards: Sequence[str], cutoff: str, limit: int
) -> list[dict[str, Any]]:
    """Up to `limit` table keys (pk, sk) from a sparse age index (hash `age_shard`, range `recorded_at`, both
    strings) of the items recorded before `cutoff`, shard after shard. Items leave such an index when they
    are anonymized, so asking again returns the next ones: no cursor to keep."""
    keys: list[dict[str, Any]] = []
    for shard in shards:
        if len(keys) >= limit:
            break
        response = client.query(
            TableName=table,
            IndexName=index,
            KeyConditionExpression="age_shard = :shard AND recorded_at < :cutoff",
            ExpressionAttributeValues={":shard": {"S": shard}, ":cutoff": {"S": cutoff}},
            Limit=limit - len(keys),
        )
        keys += [{"pk": item["pk"], "sk": item["sk"]} for item in response["Items"]]
    return keys


def write_transaction(client: Any, items: Sequence[Mapping[str, Any]], conflict_attempts: int = 1) -> bool:
    """One TransactWriteItems. False when it was cancelled because its first item's condition failed
    (the guarded change was already made); any other failure raises. With `conflict_attempts` > 1, a
    transaction cancelled because another one was writing one of its items (shared counters) is sent
    again after a short backoff: cancelled, it wrote nothing."""
    for attempt in range(conflict_attempts - 1):
        try:
            return _transact(client, items)
        except ClientError as error:
            if "TransactionConflict" not in _cancellation_codes(error):
                raise
        time.sleep(0.02 * 2**attempt)
    return _transact(client, items)


def _cancellation_codes(error: ClientError) -> list[str]:
    return [str(reason.get("Code")) for reason in error.response.get("CancellationReasons", [])]


def _transact(client: Any, items: Sequence[Mapping[str, Any]]) -> bool:
    try:
        client.transact_write_items(TransactItems=list(items))
    except ClientError as error:
        if _cancellation_codes(error)[:1] == ["ConditionalCheckFailed"]:
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


def counter_clause(counters: Mapping[str, int]) -> tuple[str, dict[str, str], dict[str, Any]]:
    """An update expression's `ADD` clause adding `counters` (name -> amount), with its names and values."""
    names = list(counters)
    if not names:
        # DynamoDB refuses an update with no values: a caller with nothing to count must not write.
        raise ValueError("no counters to add")
    clause = "ADD " + ", ".join(f"#c{index} :v{index}" for index in range(len(names)))
    attribute_names = {f"#c{index}": name for index, name in enumerate(names)}
    attribute_values = {f":v{index}": {"N": str(counters[name])} for index, name in enumerate(names)}
    return clause, attribute_names, attribute_values


def add_counters(table: str, key: Mapping[str, Any], counters: Mapping[str, int]) -> dict[str, Any]:
    """A TransactWriteItems Update adding `counters` (name -> amount) to the item at `key`."""
    clause, names, values = counter_clause(counters)
    return {
        "Update": {
            "TableName": table,
            "Key": dict(key),
            "UpdateExpression": clause,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
    }
