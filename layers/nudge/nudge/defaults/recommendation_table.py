"""The recommendation table: the recommendation log and the daily follow-rate counters.

Item shapes (nothing outside this module builds these keys):
- log entry: pk=REC#<recommendation_id>, sk=LOG, the RecommendationRecord as JSON text in `record`,
  plus `user_id` and, once chosen, `selected_option`.
  Also `age_shard` and `recorded_at` (its creation, UTC), the keys of the sparse LogsByAge index.
- anonymized log entry: pk=ANONYMOUS#<random id>, sk=LOG; an AnonymousRecommendation as JSON text in
  `record`. Retention replaces a log entry older than ANALYTICS_ANONYMIZE_AFTER_DAYS with one.
- counters:  pk=STATS#<shard>, sk=DAY#<yyyy-mm-dd>, one number attribute per group and stage, e.g.
  `recommended__all`, `selected__archetype__big_spender`, `followed__urgency__high`.
  Recommendations spread over STATS_SHARDS shards (by id) so one busy day is not one hot item;
  a date-range report is one Query per shard whatever the range.

A recommendation writes its log entry and its counters in one TransactWriteItems (one write call);
a selection likewise, guarded so it happens once.

Personal data: log entries carry `user_id`, the key of the sparse UserRecommendations index (keys
only), so a user's recommendations are one Query away. Export reads them; erasure deletes them.
The counters stay: they count recommendations by day, archetype and urgency, sharded by
recommendation id, and hold nothing about who they were for, so analytics are unchanged. An
anonymized entry has a new random key and neither user, listing, exact time nor amounts.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from nudge import clients, config
from nudge.defaults.recommendation_log import RecommendationRecord, Selection, anonymous, counter_groups
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

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from nudge.defaults.recommendation_export import RecommendationExport
    from nudge.users.personal_data import Erasure

STATS_SHARDS = 8
AGE_INDEX = "LogsByAge"
STAGES = ("recommended", "selected", "followed")
USER_INDEX = "UserRecommendations"


def _rec_key(recommendation_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"REC#{recommendation_id}"}, "sk": {"S": "LOG"}}


def _shard(recommendation_id: str) -> int:
    return int(recommendation_id[:4], 16) % STATS_SHARDS


def _stats_key(recommendation_id: str, day: date) -> dict[str, Any]:
    shard = _shard(recommendation_id)
    return {"pk": {"S": f"STATS#{shard}"}, "sk": {"S": f"DAY#{day.isoformat()}"}}


def _count(table: str, record: RecommendationRecord, stages: list[str]) -> dict[str, Any]:
    """The transaction item adding one to each stage's counters of the record's groups."""
    groups = counter_groups(record.archetype.type, record.urgency.level)
    names = [f"{stage}__{group}" for stage in stages for group in groups]
    return add_counters(table, _stats_key(record.recommendation_id, record.day), dict.fromkeys(names, 1))


class RecommendationTable:
    def __init__(self, table_name: str, client: DynamoDBClient) -> None:
        self._table = table_name
        self._client = client

    def log(self, record: RecommendationRecord) -> None:
        put = {
            "TableName": self._table,
            "Item": {
                **_rec_key(record.recommendation_id),
                "user_id": {"S": record.user_id},
                "record": {"S": record.model_dump_json()},
                "age_shard": {"S": str(_shard(record.recommendation_id))},
                "recorded_at": {"S": utc_text(record.created_at)},
            },
            "ConditionExpression": "attribute_not_exists(pk)",
        }
        count = _count(self._table, record, ["recommended"])
        write_transaction(self._client, [{"Put": put}, count])

    def get(self, recommendation_id: str) -> RecommendationRecord | None:
        response = self._client.get_item(TableName=self._table, Key=_rec_key(recommendation_id), ConsistentRead=True)
        if "Item" not in response:
            return None
        return RecommendationRecord.model_validate_json(from_item(response["Item"])["record"])

    def record_selection(self, record: RecommendationRecord, selection: Selection) -> bool:
        """Store the selection on the log entry and count it; False when one was already recorded."""
        record = record.model_copy(update={"selection": selection})
        update = {
            "TableName": self._table,
            "Key": _rec_key(record.recommendation_id),
            "UpdateExpression": "SET #record = :record, selected_option = :option",
            "ConditionExpression": "attribute_exists(pk) AND attribute_not_exists(selected_option)",
            "ExpressionAttributeNames": {"#record": "record"},
            "ExpressionAttributeValues": {
                ":record": {"S": record.model_dump_json()},
                ":option": {"S": selection.selected_option},
            },
        }
        stages = ["selected", "followed"] if selection.followed_recommendation else ["selected"]
        count = _count(self._table, record, stages)
        return write_transaction(self._client, [{"Update": update}, count])

    def counters(self, start: date, end: date) -> dict[str, int]:
        """Every counter summed over the days start..end (inclusive) and all shards."""
        shards = [f"STATS#{shard}" for shard in range(STATS_SHARDS)]
        return sum_counters(self._client, self._table, shards, f"DAY#{start.isoformat()}", f"DAY#{end.isoformat()}")

    def export_user(self, user_id: str) -> RecommendationExport:
        """Every recommendation made for the user, as logged, with the selection when there was one."""
        from nudge.defaults.recommendation_export import RecommendationExport

        items = batch_get(self._client, self._table, self._user_keys(user_id), consistent=True)
        records = [RecommendationRecord.model_validate_json(from_item(item)["record"]) for item in items]
        return RecommendationExport(recommendations=sorted(records, key=lambda record: record.created_at))

    def erase_user(self, user_id: str) -> Erasure:
        """Delete the user's log entries; the counters hold no user and stay."""
        from nudge.users.personal_data import Erasure

        deleted = delete_all(self._client, self._table, self._user_keys(user_id))
        return Erasure(deleted={"recommendations": deleted})

    def anonymize_before(self, cutoff: datetime, limit: int) -> int:
        """Replace up to `limit` log entries created before `cutoff` with anonymous ones; how many."""
        from nudge.identifiers import new_id

        shards = [str(shard) for shard in range(STATS_SHARDS)]
        keys = aged_keys(self._client, self._table, AGE_INDEX, shards, utc_text(cutoff), limit)
        replaced = 0
        for item in batch_get(self._client, self._table, keys, consistent=True):
            record = RecommendationRecord.model_validate_json(item["record"]["S"])
            delete = {
                "TableName": self._table,
                "Key": {"pk": item["pk"], "sk": item["sk"]},
                "ConditionExpression": "attribute_exists(age_shard)",
            }
            put = {
                "TableName": self._table,
                "Item": {
                    "pk": {"S": f"ANONYMOUS#{new_id()}"},
                    "sk": {"S": "LOG"},
                    "record": {"S": anonymous(record).model_dump_json()},
                },
            }
            replaced += write_transaction(self._client, [{"Delete": delete}, {"Put": put}])
        return replaced

    def _user_keys(self, user_id: str) -> list[dict[str, Any]]:
        return index_keys(self._client, self._table, USER_INDEX, "user_id", user_id)


def recommendation_table() -> RecommendationTable:
    return RecommendationTable(config.text("RECOMMENDATION_TABLE_NAME"), clients.dynamodb())
