"""The behavior table: per-user state (signal aggregates, archetype, override) and raw events.

Item shapes (nothing outside this module builds these keys):
- aggregates: pk=USER#<user_id>, sk=SIGNALS, one attribute per SignalAggregates field.
- archetype:  pk=USER#<user_id>, sk=ARCHETYPE, the last computed StoredArchetype.
- override:   pk=USER#<user_id>, sk=ARCHETYPE_OVERRIDE, an admin's ArchetypeOverride. A separate
  item, so writing a computed archetype can never clobber an override.
These three state items also carry `state_user_id`, the partition key of the sparse UserStates
index (sort key sk). The nightly job scans that index: a user's state items come back together,
and the raw events are never read.
- assignment: pk=USER#<user_id>, sk=EXPERIMENT#<experiment_id>, the user's sticky experiment variant
  (`variant_id`, `assigned_at`); read with the rest of the user's state.
- raw event:  pk=USER#<user_id>, sk=EVENT#<event_id>, the event's fields and `expires_at`
  (epoch seconds, the table's TTL attribute) so history is kept for recomputation, not forever.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple

from botocore.exceptions import ClientError

from nudge import clients, config
from nudge.behavior.signals import SignalAggregates
from nudge.behavior.store import BatchRejected
from nudge.item_codec import UNPROCESSED_ATTEMPTS, from_item, put_all, to_item, write_transaction

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    # Imported where used at run time: event ingestion never loads the archetype models, and readers of
    # user state never load the event models.
    from pydantic import TypeAdapter

    from nudge.behavior.events import BehavioralEvent
    from nudge.defaults.archetype_state import ArchetypeOverride, StoredArchetype, UserState

SIGNALS_SK = "SIGNALS"
ARCHETYPE_SK = "ARCHETYPE"
OVERRIDE_SK = "ARCHETYPE_OVERRIDE"
USER_STATES_INDEX = "UserStates"
STATE_INDEX_KEY = "state_user_id"
# A user has at most 3 state items, so a page of 4 or more always ends inside a later user.
MIN_STATE_PAGE = 4
KEY_ATTRIBUTES = ("pk", "sk", STATE_INDEX_KEY)
BATCH_GET_LIMIT = 100


@cache
def _event_reader() -> tuple[TypeAdapter[BehavioralEvent], frozenset[str]]:
    """How to read a stored raw event back: its model, and which stored attributes are its fields."""
    from pydantic import TypeAdapter

    from nudge.behavior.events import BehavioralEvent, DateChangeRequestAnswered, DateChangeRequestCreated

    fields = frozenset(DateChangeRequestCreated.model_fields) | frozenset(DateChangeRequestAnswered.model_fields)
    return TypeAdapter(BehavioralEvent), fields


class StoredEvent(NamedTuple):
    event: BehavioralEvent
    expires_at: datetime


def _user_pk(user_id: str) -> str:
    return f"USER#{user_id}"


def _event_sk(event_id: str) -> str:
    return f"EVENT#{event_id}"


class BehaviorTable:
    """DynamoDB adapter for the BehaviorStore port."""

    def __init__(self, table_name: str, client: DynamoDBClient, retention: timedelta | None = None) -> None:
        self._table = table_name
        self._client = client
        self._retention = retention

    @property
    def retention(self) -> timedelta:
        """EVENT_RETENTION_DAYS, read only by the functions that write events."""
        if self._retention is None:
            self._retention = timedelta(days=config.whole_number("EVENT_RETENTION_DAYS", 400, minimum=1))
        return self._retention

    def get_signals(self, user_id: str) -> SignalAggregates | None:
        response = self._client.get_item(
            TableName=self._table,
            Key={"pk": {"S": _user_pk(user_id)}, "sk": {"S": SIGNALS_SK}},
            ConsistentRead=True,
        )
        if "Item" not in response:
            return None
        return _signals(response["Item"])

    def raw_events(self, user_id: str) -> list[StoredEvent]:
        """Every retained raw event of the user, for recomputing their aggregates from scratch."""
        paginator = self._client.get_paginator("query")
        pages = paginator.paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues={":pk": {"S": _user_pk(user_id)}, ":prefix": {"S": _event_sk("")}},
        )
        adapter, fields = _event_reader()
        stored = []
        for page in pages:
            for item in page["Items"]:
                attributes = from_item(item)
                stored.append(
                    StoredEvent(
                        event=adapter.validate_python({k: v for k, v in attributes.items() if k in fields}),
                        expires_at=datetime.fromtimestamp(int(attributes["expires_at"]), UTC),
                    )
                )
        return stored

    def save_batch(
        self,
        user_id: str,
        events: Sequence[BehavioralEvent],
        previous_version: int,
        aggregates: SignalAggregates,
    ) -> None:
        items: list[Any] = [self._aggregates_put(user_id, previous_version, aggregates)]
        items += [self._event_put(user_id, event, aggregates.updated_at) for event in events]
        try:
            self._client.transact_write_items(TransactItems=items)
        except ClientError as error:
            if error.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            raise self._rejection(error, events) from error

    def load_signals(self, aggregates: Sequence[tuple[str, SignalAggregates]]) -> list[str]:
        """Bulk-write users' aggregates with BatchWriteItem, unconditionally: for importing or rebuilding
        history while no events flow (ingestion's version checks are bypassed). Returns users not written."""
        return self._put_all([self._aggregates_put(user_id, 0, data)["Put"]["Item"] for user_id, data in aggregates])

    def _aggregates_put(self, user_id: str, previous_version: int, aggregates: SignalAggregates) -> dict[str, Any]:
        item = to_item({"pk": _user_pk(user_id), "sk": SIGNALS_SK, STATE_INDEX_KEY: user_id, **aggregates.model_dump()})
        put: dict[str, Any] = {"TableName": self._table, "Item": item}
        if previous_version == 0:
            put["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            put["ConditionExpression"] = "version = :previous"
            put["ExpressionAttributeValues"] = {":previous": {"N": str(previous_version)}}
        return {"Put": put}

    def _event_put(self, user_id: str, event: BehavioralEvent, ingested_at: datetime | None) -> dict[str, Any]:
        expires_at = int((event.occurred_at + self.retention).timestamp())
        attributes = {
            "pk": _user_pk(user_id),
            "sk": _event_sk(event.event_id),
            **event.model_dump(),
            "ingested_at": ingested_at,
            "expires_at": Decimal(expires_at),
        }
        return {
            "Put": {
                "TableName": self._table,
                "Item": to_item(attributes),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }

    @staticmethod
    def _rejection(error: ClientError, events: Sequence[BehavioralEvent]) -> BatchRejected:
        reasons = error.response.get("CancellationReasons", [])
        failed = [index for index, reason in enumerate(reasons) if reason.get("Code") == "ConditionalCheckFailed"]
        if not failed:
            # Cancelled by a concurrent transaction on the same items: worth another attempt.
            return BatchRejected(duplicate_event_ids=frozenset(), stale=True)
        duplicates = frozenset(events[index - 1].event_id for index in failed if index > 0)
        return BatchRejected(duplicate_event_ids=duplicates, stale=0 in failed)

    def get_user_state(self, user_id: str, experiment_ids: Sequence[str] = ()) -> UserState:
        """Signals, stored archetype, override (and the user's variant in each of `experiment_ids`) in one
        consistent BatchGetItem."""
        assignments = tuple(_assignment_sk(experiment_id) for experiment_id in experiment_ids)
        found = self._get_parts([user_id], (SIGNALS_SK, ARCHETYPE_SK, OVERRIDE_SK, *assignments), consistent=True)
        return RawState(user_id, found.get((user_id, SIGNALS_SK)), found).decode()

    def _get_parts(
        self, user_ids: Sequence[str], parts: tuple[str, ...], consistent: bool
    ) -> dict[tuple[str, str], dict[str, Any]]:
        wanted = [_key(user_id, sk) for user_id in user_ids for sk in parts]
        per_call = BATCH_GET_LIMIT - BATCH_GET_LIMIT % len(parts)
        found: dict[tuple[str, str], dict[str, Any]] = {}
        for start in range(0, len(wanted), per_call):
            for item in self._batch_get(wanted[start : start + per_call], consistent):
                found[(item["pk"]["S"].removeprefix("USER#"), item["sk"]["S"])] = item
        return found

    def user_states(self, segment: int, total_segments: int, start_after: str, limit: int) -> StatesPage:
        """One page of a parallel scan over users' state items (the sparse UserStates index), whole users
        only: when the page ends inside a user, that user is left for the next page. `start_after` is ""
        or a page's `next_key`, an opaque string a job can store as its checkpoint."""
        arguments: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": USER_STATES_INDEX,
            "Segment": segment,
            "TotalSegments": total_segments,
            "Limit": max(limit, MIN_STATE_PAGE),
        }
        if start_after:
            arguments["ExclusiveStartKey"] = json.loads(start_after)
        response = self._client.scan(**arguments)
        users: dict[str, dict[tuple[str, str], dict[str, Any]]] = {}
        for item in response["Items"]:
            user_id = item[STATE_INDEX_KEY]["S"]
            users.setdefault(user_id, {})[(user_id, item["sk"]["S"])] = item
        if "LastEvaluatedKey" not in response:
            return StatesPage([_raw_state(user_id, found) for user_id, found in users.items()], None)
        complete = list(users.items())[:-1]
        last_item = list(complete[-1][1].values())[-1]
        next_key = {name: last_item[name] for name in KEY_ATTRIBUTES}
        return StatesPage(
            [_raw_state(user_id, found) for user_id, found in complete], json.dumps(next_key, sort_keys=True)
        )

    def save_archetype(self, user_id: str, stored: StoredArchetype, also: Sequence[dict[str, Any]] = ()) -> None:
        """Write a computed archetype; `also` are transaction items (an audit record) written with it."""
        item = _archetype_item(user_id, stored)
        if also:
            write_transaction(self._client, [{"Put": {"TableName": self._table, "Item": item}}, *also])
        else:
            self._client.put_item(TableName=self._table, Item=item)

    def save_archetypes(self, computed: Sequence[tuple[str, StoredArchetype]]) -> list[str]:
        """BatchWriteItem the computed archetypes, 25 per call. Returns the users that could not be written."""
        return self._put_all([_archetype_item(user_id, stored) for user_id, stored in computed])

    def _put_all(self, items: list[dict[str, Any]]) -> list[str]:
        """BatchWriteItem user items, 25 per call; returns the users whose item could not be written."""
        return [item["pk"]["S"].removeprefix("USER#") for item in put_all(self._client, self._table, items)]

    def assignment_put(self, user_id: str, experiment_id: str, variant_id: str, now: datetime) -> dict[str, Any]:
        """A user's first assignment in an experiment, as a TransactWriteItems element; it fails (cancelling
        the transaction) if the user was assigned meanwhile, so an assignment never changes."""
        item = to_item(
            {"pk": _user_pk(user_id), "sk": _assignment_sk(experiment_id), "variant_id": variant_id, "assigned_at": now}
        )
        return {"Put": {"TableName": self._table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}}

    def save_override(self, user_id: str, override: ArchetypeOverride, audit: dict[str, Any]) -> None:
        keys = {"pk": _user_pk(user_id), "sk": OVERRIDE_SK, STATE_INDEX_KEY: user_id}
        item = to_item(keys | override.model_dump(mode="json"))
        write_transaction(self._client, [{"Put": {"TableName": self._table, "Item": item}}, audit])

    def delete_override(self, user_id: str, audit: dict[str, Any]) -> bool:
        """Remove the override with its audit record; False when there was none (nothing written)."""
        delete = {
            "TableName": self._table,
            "Key": _key(user_id, OVERRIDE_SK),
            "ConditionExpression": "attribute_exists(pk)",
        }
        return write_transaction(self._client, [{"Delete": delete}, audit])

    def _batch_get(self, keys: list[dict[str, Any]], consistent: bool) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        request: dict[str, Any] = {self._table: {"Keys": keys, "ConsistentRead": consistent}}
        for attempt in range(UNPROCESSED_ATTEMPTS):
            response = self._client.batch_get_item(RequestItems=request)
            items += response["Responses"].get(self._table, [])
            request = dict(response.get("UnprocessedKeys") or {})
            if not request:
                return items
            time.sleep(0.05 * 2**attempt)
        raise RuntimeError(f"DynamoDB left {len(request[self._table]['Keys'])} keys unprocessed")


class StatesPage(NamedTuple):
    states: list[RawState]  # decoded one by one by the caller, so one corrupt item fails its user only
    next_key: str | None  # None on the segment's last page


def _raw_state(user_id: str, found: Mapping[tuple[str, str], dict[str, Any]]) -> RawState:
    return RawState(user_id, found.get((user_id, SIGNALS_SK)), found)


def _signals(item: Mapping[str, Any]) -> SignalAggregates:
    return SignalAggregates.model_validate(from_item(item, drop=KEY_ATTRIBUTES))


def _assignment_sk(experiment_id: str) -> str:
    return f"EXPERIMENT#{experiment_id}"


def _key(user_id: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": _user_pk(user_id)}, "sk": {"S": sk}}


def _archetype_item(user_id: str, stored: StoredArchetype) -> dict[str, Any]:
    keys = {"pk": _user_pk(user_id), "sk": ARCHETYPE_SK, STATE_INDEX_KEY: user_id}
    return to_item(keys | stored.model_dump(mode="json"))


class RawState(NamedTuple):
    user_id: str
    signals: dict[str, Any] | None
    found: Mapping[tuple[str, str], dict[str, Any]]

    def decode(self) -> UserState:
        from nudge.defaults.archetype_state import ArchetypeOverride, StoredArchetype, UserState

        stored = self.found.get((self.user_id, ARCHETYPE_SK))
        override = self.found.get((self.user_id, OVERRIDE_SK))
        prefix = _assignment_sk("")
        assignments = {
            sk.removeprefix(prefix): item["variant_id"]["S"]
            for (_, sk), item in self.found.items()
            if sk.startswith(prefix)
        }
        return UserState(
            assignments=assignments,
            signals=_signals(self.signals) if self.signals else SignalAggregates.model_construct(),
            stored=StoredArchetype.model_validate(from_item(stored, drop=KEY_ATTRIBUTES)) if stored else None,
            override=ArchetypeOverride.model_validate(from_item(override, drop=KEY_ATTRIBUTES)) if override else None,
        )


def behavior_table() -> BehaviorTable:
    """The adapter for this function's configured table and client."""
    return BehaviorTable(table_name=config.text("BEHAVIOR_TABLE_NAME"), client=clients.dynamodb())
