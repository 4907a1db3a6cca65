"""The audit table: admin actions, newest first.

Item shape (nothing outside this module builds these keys): pk=AUDIT, sk=<ISO time>#<audit_id>,
`before`/`after` stored as JSON text so they read back exactly as written. One partition holds the
whole trail: admin actions are a few per minute, far below a partition's write limit, and a single
partition pages newest-first with one Query.

Personal data: each record also carries `actor_user_id` (who acted; the ByActor index) and, when its
target is a user (`user_target`), `target_user_id` (the sparse ByTargetUser index), so a user's
records are a Query away, never a scan of the trail. Both indexes hold keys only.
Erasure anonymizes rather than deletes: the trail must still show that an action happened, when,
and on what kind of thing, or it could not account for changes made before the erasure. A record
about the user keeps its action, time and actor, and loses the target's id, the before and after
values and the reason. A record the user made keeps its action, time, target and values, and loses
the actor's id, source IP and user agent, and their id wherever the values name it (an override's
`set_by`). Each anonymized record also loses its index attribute, so
a second erasure finds nothing.
"""

from __future__ import annotations

import json
from datetime import UTC
from typing import TYPE_CHECKING, Any, NamedTuple

from nudge import clients, config
from nudge.audit.records import AuditRecord
from nudge.item_codec import (
    batch_get,
    conditional,
    from_item,
    index_keys,
    query_page,
    to_item,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from nudge.audit.audit_export import AuditExport
    from nudge.users.personal_data import Erasure

AUDIT_PK = "AUDIT"
USER_TARGET_PREFIX = "user:"
ACTOR_INDEX, ACTOR_KEY = "ByActor", "actor_user_id"
TARGET_INDEX, TARGET_KEY = "ByTargetUser", "target_user_id"
ERASED = "(erased)"  # what an erased personal value reads as; no identity provider issues it as a subject


class Anonymization(NamedTuple):
    """How erasure finds a user's records through one index, and what it changes in each."""

    index_name: str
    attribute: str
    update: str
    names: dict[str, str]
    values: dict[str, Any]


ABOUT_USER = Anonymization(
    TARGET_INDEX,
    TARGET_KEY,
    f"SET #target = :target REMOVE {TARGET_KEY}, #before, #after, #reason",
    {"#target": "target", "#before": "before", "#after": "after", "#reason": "reason"},
    {":target": {"S": f"{USER_TARGET_PREFIX}{ERASED}"}},
)
BY_USER = Anonymization(
    ACTOR_INDEX,
    ACTOR_KEY,
    f"SET #actor = :erased, #source_ip = :erased, #user_agent = :erased REMOVE {ACTOR_KEY}",
    {"#actor": "actor", "#source_ip": "source_ip", "#user_agent": "user_agent"},
    {":erased": {"S": ERASED}},
)


def user_target(user_id: str) -> str:
    """An audit target naming a user: records with such a target are found by the user's id."""
    return f"{USER_TARGET_PREFIX}{user_id}"


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
                ACTOR_KEY: record.actor,
                TARGET_KEY: record.target.removeprefix(USER_TARGET_PREFIX)
                if record.target.startswith(USER_TARGET_PREFIX)
                else None,
            }
        )
        return {"Put": {"TableName": self._table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}}

    def put(self, record: AuditRecord) -> None:
        self._client.put_item(**self.put_request(record)["Put"])

    def page(self, limit: int, cursor: str | None) -> AuditPage:
        items, next_cursor = query_page(
            self._client,
            AUDIT_PK,
            cursor,
            TableName=self._table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": AUDIT_PK}},
            ScanIndexForward=False,
            Limit=limit,
        )
        records = [_record(item) for item in items]
        return AuditPage(records, next_cursor)

    def export_user(self, user_id: str) -> AuditExport:
        """The records about the user and the records they made (as an admin), oldest first."""
        from nudge.audit.audit_export import AuditExport

        return AuditExport(
            about_user=self._records(TARGET_INDEX, TARGET_KEY, user_id),
            by_user=self._records(ACTOR_INDEX, ACTOR_KEY, user_id),
        )

    def erase_user(self, user_id: str) -> Erasure:
        """Anonymize the records about the user and the records they made (module docstring: why not delete)."""
        from nudge.users.personal_data import Erasure

        self._scrub_values(user_id)
        about, made = self._anonymize(ABOUT_USER, user_id), self._anonymize(BY_USER, user_id)
        return Erasure(anonymized={"records_about_user": about, "records_by_user": made})

    def _records(self, index: str, attribute: str, user_id: str) -> list[AuditRecord]:
        keys = index_keys(self._client, self._table, index, attribute, user_id)
        items = batch_get(self._client, self._table, keys, consistent=True)
        return [_record(item) for item in sorted(items, key=lambda item: item["sk"]["S"])]

    def _scrub_values(self, user_id: str) -> None:
        """In the records the user made, their id where the before and after values hold it becomes `(erased)`
        (first, while the ByActor index still finds the records)."""
        keys = index_keys(self._client, self._table, ACTOR_INDEX, ACTOR_KEY, user_id)
        for item in batch_get(self._client, self._table, keys, consistent=True):
            sides = {
                side: item[side]["S"] for side in ("before", "after") if user_id in item.get(side, {}).get("S", "")
            }
            if not sides:
                continue
            conditional(
                self._client.update_item,
                TableName=self._table,
                Key={"pk": item["pk"], "sk": item["sk"]},
                UpdateExpression="SET " + ", ".join(f"#{side} = :{side}" for side in sides),
                ConditionExpression=f"{ACTOR_KEY} = :user",
                ExpressionAttributeNames={f"#{side}": side for side in sides},
                ExpressionAttributeValues={
                    ":user": {"S": user_id},
                    **{
                        f":{side}": {"S": json.dumps(_without(json.loads(text), user_id))}
                        for side, text in sides.items()
                    },
                },
            )

    def _anonymize(self, how: Anonymization, user_id: str) -> int:
        """Anonymize each of the user's records found through `how.index_name` that still names them; how many."""
        changed = 0
        for key in index_keys(self._client, self._table, how.index_name, how.attribute, user_id):
            changed += conditional(
                self._client.update_item,
                TableName=self._table,
                Key=key,
                UpdateExpression=how.update,
                ConditionExpression=f"{how.attribute} = :user",
                ExpressionAttributeNames=how.names,
                ExpressionAttributeValues=how.values | {":user": {"S": user_id}},
            )
        return changed


def _record(item: dict[str, Any]) -> AuditRecord:
    attributes = from_item(item, drop=("pk", "sk", ACTOR_KEY, TARGET_KEY))
    for side in ("before", "after"):
        attributes[side] = json.loads(attributes[side]) if side in attributes else None
    attributes.setdefault("reason", None)
    return AuditRecord.model_validate(attributes)


def _without(value: Any, user_id: str) -> Any:
    """The value with every string equal to `user_id` replaced by `(erased)`, at any depth."""
    if value == user_id:
        return ERASED
    if isinstance(value, dict):
        return {key: _without(inner, user_id) for key, inner in value.items()}
    if isinstance(value, list):
        return [_without(inner, user_id) for inner in value]
    return value


def audit_table() -> AuditTable:
    return AuditTable(config.text("AUDIT_TABLE_NAME"), clients.dynamodb())
