"""The anchoring table: tier impressions, tier selections, and the counters behind the analytics.

Item shapes (nothing outside this module builds these keys):
- impression: pk=IMPRESSION#<user_id>#<booking_id>, sk=LATEST; the latest Impression as JSON text,
  `first_shown_at` (kept from the first showing) and `showings`.
- selection:  pk=SELECTION#<selection_id>, sk=SELECTION; the TierSelection as JSON text and `status`.
- tier stats: pk=TIERSTATS#<shard>, sk=DAY#<yyyy-mm-dd>; per tier `impressions__<tier>`,
  `selections__<tier>`, `savings_cents__<tier>`, `savings_bp__<tier>` (percentage x 100),
  `timed__<tier>` and `time_ms__<tier>` (impression to selection).
- experiment stats: pk=EXPSTATS#<experiment_id>#<shard>, sk=VARIANT#<variant_id>; `assigned`,
  `impressions`, `selections`, `conversions`.
Counters are sharded by user over STATS_SHARDS items so no single item is hot.
Impressions and selections also carry `age_shard` (the user's stats shard) and `recorded_at` (the latest
showing, or the selection's creation, UTC): the keys of the sparse RecordsByAge index.
- anonymized: pk=ANONYMOUS#<random id>, sk=IMPRESSION or SELECTION; an AnonymousImpression or
  AnonymousSelection as JSON text in `record`. Retention replaces impressions and selections older than
  ANALYTICS_ANONYMIZE_AFTER_DAYS with them (the old keys name the user, or hash user and booking).

Personal data: impressions and selections carry `user_id`, the key of the sparse UserItems index
(keys only), so a user's items are one Query away. Export reads them; erasure deletes them. The
counters stay: they are sums over everyone, hold no user id, and a shard mixes about an eighth of all
users, so tier analytics and experiment results are unchanged by an erasure.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from nudge import clients, config
from nudge.anchoring.offer_log import Impression
from nudge.item_codec import (
    add_counters,
    aged_keys,
    batch_get,
    delete_all,
    from_item,
    index_keys,
    sum_counters,
    utc_text,
    write_transaction,
)
from nudge.money import cents

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from nudge.anchoring.anchoring_export import AnchoringExport
    from nudge.anchoring.tier_selection_model import TierSelection
    from nudge.users.personal_data import Erasure

STATS_SHARDS = 8
USER_INDEX = "UserItems"
AGE_INDEX = "RecordsByAge"
IMPRESSION_PREFIX = "IMPRESSION#"
SELECTION_PREFIX = "SELECTION#"


def _shard(user_id: str) -> int:
    return hashlib.sha256(user_id.encode()).digest()[0] % STATS_SHARDS


def _impression_key(user_id: str, booking_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"{IMPRESSION_PREFIX}{user_id}#{booking_id}"}, "sk": {"S": "LATEST"}}


def _selection_key(selection_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"{SELECTION_PREFIX}{selection_id}"}, "sk": {"S": "SELECTION"}}


def _tier_stats_key(user_id: str, day: date) -> dict[str, Any]:
    return {"pk": {"S": f"TIERSTATS#{_shard(user_id)}"}, "sk": {"S": f"DAY#{day.isoformat()}"}}


def _experiment_stats_key(experiment_id: str, variant_id: str, user_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"EXPSTATS#{experiment_id}#{_shard(user_id)}"}, "sk": {"S": f"VARIANT#{variant_id}"}}


class AnchoringTable:
    def __init__(self, table_name: str, client: DynamoDBClient) -> None:
        self._table = table_name
        self._client = client

    def record_impression(self, impression: Impression, new_assignment: bool, also: Sequence[dict[str, Any]]) -> bool:
        """One transaction: `also` (a user's new experiment assignment, guarded), the impression and its
        counters. False when the guarded first item failed: nothing was written."""
        update = {
            "TableName": self._table,
            "Key": _impression_key(impression.user_id, impression.booking_id),
            "UpdateExpression": "SET #impression = :impression, first_shown_at = if_not_exists(first_shown_at, :now), "
            "user_id = :user, age_shard = :shard, recorded_at = :recorded ADD showings :one",
            "ExpressionAttributeNames": {"#impression": "impression"},
            "ExpressionAttributeValues": {
                ":impression": {"S": impression.model_dump_json()},
                ":user": {"S": impression.user_id},
                ":now": {"S": impression.shown_at.isoformat()},
                ":one": {"N": "1"},
                ":shard": {"S": str(_shard(impression.user_id))},
                ":recorded": {"S": utc_text(impression.shown_at)},
            },
        }
        tier_counts = {f"impressions__{tier.tier_id}": 1 for tier in impression.tiers}
        items = [{"Update": update}, self._tier_counts(impression.user_id, impression.shown_at, tier_counts)]
        if impression.experiment_id and impression.variant_id:
            counts = {"impressions": 1} | ({"assigned": 1} if new_assignment else {})
            key = _experiment_stats_key(impression.experiment_id, impression.variant_id, impression.user_id)
            items.append(add_counters(self._table, key, counts))
        return write_transaction(self._client, [*also, *items])

    def first_shown_at(self, user_id: str, booking_id: str) -> tuple[Impression, datetime] | None:
        response = self._client.get_item(
            TableName=self._table, Key=_impression_key(user_id, booking_id), ConsistentRead=True
        )
        if "Item" not in response:
            return None
        attributes = from_item(response["Item"])
        impression = Impression.model_validate_json(attributes["impression"])
        return impression, datetime.fromisoformat(attributes["first_shown_at"])

    def create_selection(self, selection: TierSelection) -> bool:
        """Store a new selection with its counters; False when the selection already exists."""
        put = {
            "TableName": self._table,
            "Item": {
                **_selection_key(selection.selection_id),
                "selection": {"S": selection.model_dump_json()},
                "status": {"S": selection.status},
                "user_id": {"S": selection.user_id},
                "age_shard": {"S": str(_shard(selection.user_id))},
                "recorded_at": {"S": utc_text(selection.created_at)},
            },
            "ConditionExpression": "attribute_not_exists(pk)",
        }
        tier = selection.tier_id
        counts = {
            f"selections__{tier}": 1,
            f"savings_cents__{tier}": cents(selection.savings_amount),
            f"savings_bp__{tier}": cents(selection.savings_percentage),
        }
        if selection.seconds_from_impression is not None:
            counts |= {f"timed__{tier}": 1, f"time_ms__{tier}": int(selection.seconds_from_impression * 1000)}
        items = [{"Put": put}, self._tier_counts(selection.user_id, selection.created_at, counts)]
        items += self._experiment_counts(selection, "selections")
        return write_transaction(self._client, items)

    def get_selection(self, selection_id: str) -> TierSelection | None:
        response = self._client.get_item(TableName=self._table, Key=_selection_key(selection_id), ConsistentRead=True)
        if "Item" not in response:
            return None
        from nudge.anchoring.tier_selection_model import TierSelection  # only the selection functions load it

        return TierSelection.model_validate_json(from_item(response["Item"])["selection"])

    def settle_selection(self, selection: TierSelection) -> bool:
        """Store a pending selection's final status (completed counts as a conversion); False when it is no
        longer pending."""
        update = {
            "TableName": self._table,
            "Key": _selection_key(selection.selection_id),
            "UpdateExpression": "SET #selection = :selection, #status = :status",
            "ConditionExpression": "#status = :pending",
            "ExpressionAttributeNames": {"#selection": "selection", "#status": "status"},
            "ExpressionAttributeValues": {
                ":selection": {"S": selection.model_dump_json()},
                ":status": {"S": selection.status},
                ":pending": {"S": "pending"},
            },
        }
        items: list[dict[str, Any]] = [{"Update": update}]
        if selection.status == "completed":
            items.append(
                self._tier_counts(selection.user_id, selection.created_at, {f"conversions__{selection.tier_id}": 1})
            )
            items += self._experiment_counts(selection, "conversions")
        return write_transaction(self._client, items)

    def tier_counters(self, start: date, end: date) -> dict[str, int]:
        shards = [f"TIERSTATS#{shard}" for shard in range(STATS_SHARDS)]
        return sum_counters(self._client, self._table, shards, f"DAY#{start.isoformat()}", f"DAY#{end.isoformat()}")

    def variant_counters(self, experiment_id: str, variant_id: str) -> dict[str, int]:
        shards = [f"EXPSTATS#{experiment_id}#{shard}" for shard in range(STATS_SHARDS)]
        return sum_counters(self._client, self._table, shards, f"VARIANT#{variant_id}", f"VARIANT#{variant_id}")

    def _tier_counts(self, user_id: str, at: datetime, counts: dict[str, int]) -> dict[str, Any]:
        return add_counters(self._table, _tier_stats_key(user_id, at.date()), counts)

    def _experiment_counts(self, selection: TierSelection, stage: str) -> list[dict[str, Any]]:
        if not (selection.experiment_id and selection.variant_id):
            return []
        key = _experiment_stats_key(selection.experiment_id, selection.variant_id, selection.user_id)
        return [add_counters(self._table, key, {stage: 1})]

    def export_user(self, user_id: str) -> AnchoringExport:
        """The user's impressions (latest showing per booking) and tier selections."""
        from nudge.anchoring.anchoring_export import AnchoringExport, ImpressionRecord
        from nudge.anchoring.tier_selection_model import TierSelection

        impressions, selections = [], []
        for item in batch_get(self._client, self._table, self._user_keys(user_id), consistent=True):
            attributes = from_item(item)
            if item["pk"]["S"].startswith(IMPRESSION_PREFIX):
                impression = Impression.model_validate_json(attributes["impression"])
                first_shown_at, showings = datetime.fromisoformat(attributes["first_shown_at"]), attributes["showings"]
                impressions.append(
                    ImpressionRecord(latest=impression, first_shown_at=first_shown_at, showings=showings)
                )
            else:
                selections.append(TierSelection.model_validate_json(attributes["selection"]))
        return AnchoringExport(
            impressions=sorted(impressions, key=lambda record: record.first_shown_at),
            tier_selections=sorted(selections, key=lambda selection: selection.created_at),
        )

    def erase_user(self, user_id: str) -> Erasure:
        """Delete the user's impressions and selections; the counters hold no user and stay."""
        from nudge.users.personal_data import Erasure

        keys = self._user_keys(user_id)
        impressions = sum(key["pk"]["S"].startswith(IMPRESSION_PREFIX) for key in keys)
        delete_all(self._client, self._table, keys)
        return Erasure(deleted={"impressions": impressions, "tier_selections": len(keys) - impressions})

    def anonymize_before(self, cutoff: datetime, limit: int) -> int:
        """Replace up to `limit` impressions and selections recorded before `cutoff` with anonymous ones under
        new random keys; how many."""
        from nudge.anchoring.anonymous_records import (
            AnonymousImpression,
            AnonymousSelection,
            anonymous_impression,
            anonymous_selection,
        )
        from nudge.anchoring.tier_selection_model import TierSelection
        from nudge.identifiers import new_id

        shards = [str(shard) for shard in range(STATS_SHARDS)]
        keys = aged_keys(self._client, self._table, AGE_INDEX, shards, utc_text(cutoff), limit)
        replaced = 0
        record: AnonymousImpression | AnonymousSelection
        for item in batch_get(self._client, self._table, keys, consistent=True):
            if item["pk"]["S"].startswith(IMPRESSION_PREFIX):
                impression = Impression.model_validate_json(item["impression"]["S"])
                kind, record = "IMPRESSION", anonymous_impression(impression, int(item["showings"]["N"]))
            else:
                kind, record = (
                    "SELECTION",
                    anonymous_selection(TierSelection.model_validate_json(item["selection"]["S"])),
                )
            delete = {
                "TableName": self._table,
                "Key": {"pk": item["pk"], "sk": item["sk"]},
                "ConditionExpression": "attribute_exists(age_shard)",
            }
            anonymous = {
                "pk": {"S": f"ANONYMOUS#{new_id()}"},
                "sk": {"S": kind},
                "record": {"S": record.model_dump_json()},
            }
            put = {"TableName": self._table, "Item": anonymous}
            replaced += write_transaction(self._client, [{"Delete": delete}, {"Put": put}])
        return replaced

    def _user_keys(self, user_id: str) -> list[dict[str, Any]]:
        return index_keys(self._client, self._table, USER_INDEX, "user_id", user_id)


def anchoring_table() -> AnchoringTable:
    return AnchoringTable(config.text("ANCHORING_TABLE_NAME"), clients.dynamodb())
