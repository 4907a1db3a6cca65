"""The behavior table: per-user state (signal aggregates, archetype, override) and raw events.

Item shapes (nothing outside this module builds these keys):
- aggregates: pk=USER#<user_id>, sk=SIGNALS, one attribute per SignalAggregates field.
- engagement: pk=USER#<user_id>, sk=ENGAGEMENT, one attribute per EngagementAggregates field (the
  engagement capability's score and interest vector), written only with behavioral-tracking consent.
- archetype:  pk=USER#<user_id>, sk=ARCHETYPE, the last computed archetype.
- override:   pk=USER#<user_id>, sk=ARCHETYPE_OVERRIDE, an admin's override. A separate item, so
  writing a computed archetype can never clobber an override.
  Both belong to the defaults capability: this module places them and stores their attributes,
  `nudge.defaults.archetype_items` alone encodes and decodes them.
The signals, archetype and override items also carry `state_user_id`, the partition key of the sparse UserStates
index (sort key sk). The nightly job scans that index: a user's state items come back together,
and the raw events are never read.
- feedback:   pk=USER#<user_id>, sk=RECOMMENDATION_FEEDBACK, `not_interested` (a string set of categories the
  user removed from their product recommendations) and `updated_at`; the product recommendations' item.
- assignment: pk=USER#<user_id>, sk=EXPERIMENT#<experiment_id>, the user's sticky experiment variant
  (`variant_id`, `assigned_at`); read with the rest of the user's state.
- raw event:  pk=USER#<user_id>, sk=EVENT#<event_id>, the event's fields (transaction or engagement) and `expires_at`
  (epoch seconds, the table's TTL attribute) so history is kept for recomputation, not forever.

Personal data: every item of a user is in their partition, so `export_user` is one Query and
`erase_user` deletes what it returns (nothing here is anonymous enough to keep).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

from nudge import clients, config
from nudge.item_codec import (
    ItemRead,
    batch_get,
    delete_all,
    from_item,
    partition_items,
    put_all,
    query_all,
    to_item,
    write_transaction,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    # Imported where used at run time: event ingestion and the readers of user state never load the
    # event or export models, the profile and engagement readers never load the signal models.
    from nudge.behavior.behavior_export import BehaviorExport, StoredEvent
    from nudge.behavior.events import BehavioralEvent
    from nudge.behavior.signals import SignalAggregates
    from nudge.engagement.engagement_score import EngagementAggregates
    from nudge.users.personal_data import Erasure

SIGNALS_SK = "SIGNALS"
ENGAGEMENT_SK = "ENGAGEMENT"
ARCHETYPE_SK = "ARCHETYPE"
OVERRIDE_SK = "ARCHETYPE_OVERRIDE"
FEEDBACK_SK = "RECOMMENDATION_FEEDBACK"
EVENT_PREFIX = "EVENT#"
ASSIGNMENT_PREFIX = "EXPERIMENT#"
USER_STATES_INDEX = "UserStates"
STATE_INDEX_KEY = "state_user_id"
# A user has at most 3 state items, so a page of 4 or more always ends inside a later user.
MIN_STATE_PAGE = 4
KEY_ATTRIBUTES = ("pk", "sk", STATE_INDEX_KEY)
# What each kind of item in a user's partition is called in exports and erasure counts.
STATE_KINDS = {
    SIGNALS_SK: "signals",
    ENGAGEMENT_SK: "engagement",
    ARCHETYPE_SK: "archetype",
    OVERRIDE_SK: "archetype_override",
    FEEDBACK_SK: "recommendation_feedback",
}


def _user_pk(user_id: str) -> str:
    return f"USER#{user_id}"


def _event_sk(event_id: str) -> str:
    return f"{EVENT_PREFIX}{event_id}"


def _kind(sk: str) -> str:
    if sk in STATE_KINDS:
        return STATE_KINDS[sk]
    if sk.startswith(EVENT_PREFIX):
        return "events"
    return "experiment_assignments" if sk.startswith(ASSIGNMENT_PREFIX) else "other_items"


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
        return _signals(from_item(response["Item"], drop=KEY_ATTRIBUTES))

    def signals_read(self, user_id: str) -> ItemRead:
        return ItemRead(self._table, _key(user_id, SIGNALS_SK))

    def engagement_read(self, user_id: str) -> ItemRead:
        """The engagement aggregates' key, for readers that fetch them with items of other tables."""
        return ItemRead(self._table, _key(user_id, ENGAGEMENT_SK))

    def feedback_read(self, user_id: str) -> ItemRead:
        """The recommendation feedback's key, for reading it with the rest of a user's state."""
        return ItemRead(self._table, _key(user_id, FEEDBACK_SK))

    @staticmethod
    def decode_not_interested(item: dict[str, Any] | None) -> frozenset[str]:
        return frozenset(item.get("not_interested", {}).get("SS", [])) if item else frozenset()

    def change_not_interested(self, user_id: str, category: str, removed: bool, now: datetime) -> frozenset[str]:
        """Add (`removed`) or take back one category, atomically; returns the categories removed afterwards."""
        response = self._client.update_item(
            TableName=self._table,
            Key=_key(user_id, FEEDBACK_SK),
            UpdateExpression=f"{'ADD' if removed else 'DELETE'} not_interested :category SET updated_at = :now",
            ExpressionAttributeValues={":category": {"SS": [category]}, ":now": {"S": now.isoformat()}},
            ReturnValues="ALL_NEW",
        )
        return self.decode_not_interested(response["Attributes"])

    @staticmethod
    def decode_signals(item: dict[str, Any] | None) -> SignalAggregates:
        return _signals(from_item(item, drop=KEY_ATTRIBUTES) if item else None)

    @staticmethod
    def decode_engagement(item: dict[str, Any] | None) -> EngagementAggregates:
        from nudge.engagement.engagement_score import EngagementAggregates

        return EngagementAggregates.model_validate(from_item(item)) if item else EngagementAggregates()

    def signals_put(self, user_id: str, previous_version: int, aggregates: SignalAggregates) -> dict[str, Any]:
        """A TransactWriteItems Put of the signals, conditional on them still being at `previous_version`."""
        item = {"pk": _user_pk(user_id), "sk": SIGNALS_SK, STATE_INDEX_KEY: user_id, **aggregates.model_dump()}
        return _versioned_put(self._table, item, previous_version)

    def engagement_put(self, user_id: str, previous_version: int, aggregates: EngagementAggregates) -> dict[str, Any]:
        item = {"pk": _user_pk(user_id), "sk": ENGAGEMENT_SK, **aggregates.model_dump()}
        return _versioned_put(self._table, item, previous_version)

    def engagement_delete(self, user_id: str) -> dict[str, Any]:
        """A TransactWriteItems Delete of the engagement aggregates (nothing happens when there are none)."""
        return {"Delete": {"TableName": self._table, "Key": _key(user_id, ENGAGEMENT_SK)}}

    def forget_engagement_events(self, user_id: str) -> int:
        """Delete the user's raw engagement events (their transaction events stay); returns how many."""
        from nudge.engagement.engagement_events import ENGAGEMENT_TYPES

        kinds = sorted(ENGAGEMENT_TYPES)
        keys = query_all(
            self._client,
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :events)",
            FilterExpression=f"#type IN ({', '.join(f':t{index}' for index in range(len(kinds)))})",
            ExpressionAttributeNames={"#type": "type"},
            ExpressionAttributeValues={
                ":pk": {"S": _user_pk(user_id)},
                ":events": {"S": EVENT_PREFIX},
                **{f":t{index}": {"S": kind} for index, kind in enumerate(kinds)},
            },
            ProjectionExpression="pk, sk",
            ConsistentRead=True,
        )
        return delete_all(self._client, self._table, keys)

    def event_put(self, user_id: str, event: BehavioralEvent, ingested_at: datetime) -> dict[str, Any]:
        """A TransactWriteItems Put of a raw event, failing if the user's event id is already stored."""
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

    def get_state(self, user_id: str, experiment_ids: Sequence[str] = ()) -> RawState:
        """Signals, stored archetype, override (and the user's variant in each of `experiment_ids`) in one
        consistent BatchGetItem."""
        parts = (SIGNALS_SK, ARCHETYPE_SK, OVERRIDE_SK, *(f"{ASSIGNMENT_PREFIX}{e}" for e in experiment_ids))
        items = batch_get(self._client, self._table, [_key(user_id, sk) for sk in parts], consistent=True)
        return _raw_state(user_id, {item["sk"]["S"]: item for item in items})

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
        users: dict[str, dict[str, dict[str, Any]]] = {}
        for item in response["Items"]:
            users.setdefault(item[STATE_INDEX_KEY]["S"], {})[item["sk"]["S"]] = item
        if "LastEvaluatedKey" not in response:
            return StatesPage([_raw_state(user_id, found) for user_id, found in users.items()], None)
        complete = list(users.items())[:-1]
        last_item = list(complete[-1][1].values())[-1]
        next_key = {name: last_item[name] for name in KEY_ATTRIBUTES}
        return StatesPage(
            [_raw_state(user_id, found) for user_id, found in complete], json.dumps(next_key, sort_keys=True)
        )

    def save_archetype(self, user_id: str, archetype: Mapping[str, Any], also: Sequence[dict[str, Any]] = ()) -> None:
        """Write a computed archetype's attributes; `also` are transaction items (an audit record) written
        with it."""
        item = self._state_item(user_id, ARCHETYPE_SK, archetype)
        if also:
            write_transaction(self._client, [{"Put": {"TableName": self._table, "Item": item}}, *also])
        else:
            self._client.put_item(TableName=self._table, Item=item)

    def save_archetypes(self, computed: Sequence[tuple[str, Mapping[str, Any]]]) -> list[str]:
        """BatchWriteItem computed archetypes' attributes, 25 per call. Returns the users not written."""
        items = [self._state_item(user_id, ARCHETYPE_SK, archetype) for user_id, archetype in computed]
        return [item["pk"]["S"].removeprefix("USER#") for item in put_all(self._client, self._table, items)]

    def assignment_put(self, user_id: str, experiment_id: str, variant_id: str, now: datetime) -> dict[str, Any]:
        """A user's first assignment in an experiment, as a TransactWriteItems element; it fails (cancelling
        the transaction) if the user was assigned meanwhile, so an assignment never changes."""
        item = to_item(
            {
                "pk": _user_pk(user_id),
                "sk": f"{ASSIGNMENT_PREFIX}{experiment_id}",
                "variant_id": variant_id,
                "assigned_at": now,
            }
        )
        return {"Put": {"TableName": self._table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}}

    def save_override(self, user_id: str, override: Mapping[str, Any], audit: dict[str, Any]) -> None:
        """Write an override's attributes together with its audit record."""
        item = self._state_item(user_id, OVERRIDE_SK, override)
        write_transaction(self._client, [{"Put": {"TableName": self._table, "Item": item}}, audit])

    def delete_override(self, user_id: str, audit: dict[str, Any]) -> bool:
        """Remove the override with its audit record; False when there was none (nothing written)."""
        delete = {
            "TableName": self._table,
            "Key": _key(user_id, OVERRIDE_SK),
            "ConditionExpression": "attribute_exists(pk)",
        }
        return write_transaction(self._client, [{"Delete": delete}, audit])

    def _state_item(self, user_id: str, sk: str, attributes: Mapping[str, Any]) -> dict[str, Any]:
        return to_item({"pk": _user_pk(user_id), "sk": sk, STATE_INDEX_KEY: user_id, **attributes})

    def export_user(self, user_id: str) -> BehaviorExport:
        """Every item in the user's partition: signals, archetype and override, experiment assignments,
        and the raw events still retained (with when they expire)."""
        from nudge.behavior.behavior_export import BehaviorExport, ExperimentAssignment

        exported: dict[str, Any] = {"events": [], "experiment_assignments": {}, "other_items": []}
        for item in self._partition(user_id):
            sk, attributes = item["sk"]["S"], from_item(item, drop=KEY_ATTRIBUTES)
            kind = _kind(sk)
            if kind == "events":
                exported["events"].append(_stored_event(attributes))
            elif kind == "experiment_assignments":
                assignment = ExperimentAssignment.model_validate(attributes)
                exported["experiment_assignments"][sk.removeprefix(ASSIGNMENT_PREFIX)] = assignment
            elif kind == "other_items":
                exported["other_items"].append({"sk": sk, **attributes})
            elif kind == "signals":
                exported[kind] = _signals(attributes)
            else:
                exported[kind] = {name: sorted(v) if isinstance(v, set) else v for name, v in attributes.items()}
        return BehaviorExport.model_validate(exported)

    def erase_user(self, user_id: str) -> Erasure:
        """Delete every item in the user's partition."""
        from nudge.users.personal_data import Erasure

        keys = [{"pk": item["pk"], "sk": item["sk"]} for item in self._partition(user_id, keys_only=True)]
        delete_all(self._client, self._table, keys)
        return Erasure(deleted=dict(Counter(_kind(key["sk"]["S"]) for key in keys)))

    def _partition(self, user_id: str, keys_only: bool = False) -> list[dict[str, Any]]:
        return partition_items(self._client, self._table, _user_pk(user_id), keys_only)


class RawState(NamedTuple):
    """One user's state items as stored, keys removed, decoded one user at a time by their owners (so one
    corrupt item fails its user only): the signals by `aggregates`, the archetype and override by
    `nudge.defaults.archetype_items`."""

    user_id: str
    signals: dict[str, Any] | None
    archetype: dict[str, Any] | None
    override: dict[str, Any] | None
    assignments: Mapping[str, str]  # experiment_id -> variant_id, for the experiments asked for

    def aggregates(self) -> SignalAggregates:
        return _signals(self.signals)


class StatesPage(NamedTuple):
    states: list[RawState]
    next_key: str | None  # None on the segment's last page


def _raw_state(user_id: str, found: Mapping[str, dict[str, Any]]) -> RawState:
    """The state from a user's items by sort key."""

    def attributes(sk: str) -> dict[str, Any] | None:
        return from_item(found[sk], drop=KEY_ATTRIBUTES) if sk in found else None

    assignments = {
        sk.removeprefix(ASSIGNMENT_PREFIX): item["variant_id"]["S"]
        for sk, item in found.items()
        if sk.startswith(ASSIGNMENT_PREFIX)
    }
    return RawState(user_id, attributes(SIGNALS_SK), attributes(ARCHETYPE_SK), attributes(OVERRIDE_SK), assignments)


def _signals(attributes: Mapping[str, Any] | None) -> SignalAggregates:
    """The stored aggregates, or a new user's when there is no item yet."""
    from nudge.behavior.signals import SignalAggregates

    return SignalAggregates.model_validate(attributes) if attributes else SignalAggregates.model_construct()


def _stored_event(attributes: Mapping[str, Any]) -> StoredEvent:
    from nudge.behavior.behavior_export import StoredEvent, event_fields

    fields = event_fields()
    return StoredEvent.model_validate(
        {
            "event": {name: value for name, value in attributes.items() if name in fields},
            "ingested_at": attributes.get("ingested_at"),
            "expires_at": datetime.fromtimestamp(int(attributes["expires_at"]), UTC),
        }
    )


def _versioned_put(table: str, attributes: Mapping[str, Any], previous_version: int) -> dict[str, Any]:
    put: dict[str, Any] = {"TableName": table, "Item": to_item(attributes)}
    if previous_version == 0:
        put["ConditionExpression"] = "attribute_not_exists(pk)"
    else:
        put["ConditionExpression"] = "version = :previous"
        put["ExpressionAttributeValues"] = {":previous": {"N": str(previous_version)}}
    return {"Put": put}


def _key(user_id: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": _user_pk(user_id)}, "sk": {"S": sk}}


def behavior_table() -> BehaviorTable:
    """The adapter for this function's configured table and client."""
    return BehaviorTable(table_name=config.text("BEHAVIOR_TABLE_NAME"), client=clients.dynamodb())
