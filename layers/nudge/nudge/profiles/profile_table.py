"""The profile table: what a user tells Nudge about themselves, what they consent to, and when Nudge
last heard of them.

Item shapes (nothing outside this module builds these keys):
- consent:  pk=USER#<user_id>, sk=CONSENT, a ConsentRecord (`settings` as a map, `version` for
  optimistic locking).
- history:  pk=USER#<user_id>, sk=CONSENT_HISTORY#<changed_at UTC>#<nn>, one ConsentChange each;
  written with the consent change in one transaction, never updated.
- profile:  pk=USER#<user_id>, sk=PROFILE, a ProfileRecord (`fields` as a map, `version` for optimistic
  locking). It holds what the user states, never a special category of personal data.
- activity: pk=USER#<user_id>, sk=ACTIVITY, `last_active_at` (ISO 8601 UTC, when Nudge last received
  an event or a profile or consent change from the user) and `activity_shard` ("0".."15"): the keys
  of the UsersByLastActive index, where the retention job finds users inactive since a date with
  one range query per shard, never a scan. `retention_warned_at`: when the retention job warned the
  user of their coming erasure; activity replaces the item, which clears it.

Personal data: every item of a user is in their partition, so `export_user` is one Query and
`erase_user` deletes what it returns. The consent history goes with the user: once the user is
erased, Nudge processes nothing of theirs that consent would have to justify.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from nudge import clients, config
from nudge.item_codec import (
    BATCH_GET_LIMIT,
    ItemRead,
    batch_get_items,
    conditional,
    decode_scan_cursor,
    delete_all,
    encode_cursor,
    from_item,
    partition_items,
    query_all,
    query_page,
    to_item,
    write_transaction,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from nudge.profiles.consent import ConsentChange, ConsentRecord
    from nudge.profiles.profile import ProfileRecord
    from nudge.profiles.profile_export import ProfileExport
    from nudge.users.personal_data import Erasure

CONSENT_SK = "CONSENT"
HISTORY_PREFIX = "CONSENT_HISTORY#"
ACTIVITY_SK = "ACTIVITY"
PROFILE_SK = "PROFILE"
ACTIVITY_SHARDS = 16
# What each kind of item in a user's partition is called in exports and erasure counts.
KINDS = {CONSENT_SK: "consent", ACTIVITY_SK: "activity", PROFILE_SK: "profile"}


def _user_pk(user_id: str) -> str:
    return f"USER#{user_id}"


def _key(user_id: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": _user_pk(user_id)}, "sk": {"S": sk}}


def _utc(moment: datetime) -> str:
    """Sortable as text: always UTC, always microseconds."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def activity_shard(user_id: str) -> str:
    """A stable shard of the activity index, so no index partition holds every user."""
    return str(int.from_bytes(hashlib.sha256(user_id.encode()).digest()[:4], "big") % ACTIVITY_SHARDS)


def _kind(sk: str) -> str:
    if sk in KINDS:
        return KINDS[sk]
    return "consent_history" if sk.startswith(HISTORY_PREFIX) else "other_items"


class InactiveUser(NamedTuple):
    user_id: str
    last_active_at: datetime
    retention_warned_at: datetime | None


class InactivePage(NamedTuple):
    users: list[InactiveUser]
    next_key: str | None  # None on the shard's last page


def activity_shards() -> list[str]:
    return [str(shard) for shard in range(ACTIVITY_SHARDS)]


def _inactive_user(item: dict[str, Any]) -> InactiveUser:
    warned = item.get("retention_warned_at", {}).get("S")
    return InactiveUser(
        user_id=item["pk"]["S"].removeprefix("USER#"),
        last_active_at=datetime.fromisoformat(item["last_active_at"]["S"]),
        retention_warned_at=datetime.fromisoformat(warned) if warned else None,
    )


class ProfileScanPage(NamedTuple):
    profiles: list[tuple[str, ProfileRecord]]
    next_cursor: str | None


class TrackingConsent(NamedTuple):
    allowed: bool  # behavioral_tracking
    version: int  # of the consent record; 0: the user never answered
    analytics_sharing: bool = False  # brands' analytics may count the user (the survey funnel's survey_started)


class HistoryPage(NamedTuple):
    changes: list[ConsentChange]
    next_cursor: str | None


def _version_condition(put: dict[str, Any], previous_version: int) -> dict[str, Any]:
    """`put` made conditional on the stored item being at `previous_version` (0: there is none)."""
    if previous_version == 0:
        return put | {"ConditionExpression": "attribute_not_exists(pk)"}
    return put | {
        "ConditionExpression": "version = :previous",
        "ExpressionAttributeValues": {":previous": {"N": str(previous_version)}},
    }


class ProfileTable:
    def __init__(self, table_name: str, client: DynamoDBClient) -> None:
        self._table = table_name
        self._client = client

    @property
    def name(self) -> str:
        return self._table

    def profile_read(self, user_id: str) -> ItemRead:
        """The profile item's key, for reading it together with another module's items."""
        return ItemRead(self._table, _key(user_id, PROFILE_SK))

    @staticmethod
    def decode_profile(item: dict[str, Any] | None) -> ProfileRecord | None:
        """The record a profile item holds; None when the user has no profile."""
        if item is None:
            return None
        from nudge.profiles.profile import ProfileRecord  # only profile routes pay for the profile models

        return ProfileRecord.model_validate(from_item(item))

    @staticmethod
    def decode_interest_categories(item: dict[str, Any] | None) -> frozenset[str]:
        """Only the explicit interest categories, read from the item as stored (recommendations need no
        more, and do not load the profile models)."""
        if item is None:
            return frozenset()
        interests = item.get("fields", {}).get("M", {}).get("interests", {}).get("M", {})
        return frozenset(value["S"] for value in interests.get("categories", {}).get("L", []))

    def get_profile_with(self, user_id: str, other: ItemRead) -> tuple[ProfileRecord | None, dict[str, Any] | None]:
        """The profile and another module's item (as stored, for its owner to decode) in one BatchGetItem."""
        profile, item = batch_get_items(self._client, [self.profile_read(user_id), other], consistent=True)
        return self.decode_profile(profile), item

    def save_profile(
        self,
        user_id: str,
        record: ProfileRecord,
        previous_version: int,
        also: Sequence[dict[str, Any]] = (),
        active_at: datetime | None = None,
    ) -> bool:
        """The record with `also` (an audit record), and the user's activity when they made the change
        themselves, all or nothing; False when the stored profile is no longer at `previous_version`."""
        item = to_item({"pk": _user_pk(user_id), "sk": PROFILE_SK, **record.model_dump(exclude_none=True)})
        put = _version_condition({"TableName": self._table, "Item": item}, previous_version)
        activity = [self.activity_put(user_id, active_at)] if active_at else []
        return write_transaction(self._client, [{"Put": put}, *also, *activity])

    def profile_scan_page(self, limit: int, cursor: str | None) -> ProfileScanPage:
        """One Scan call evaluating up to `limit` items of any kind, returning the profiles among them (user
        id, record), from where `cursor` (a previous page's next_cursor) left off. Eventually consistent:
        a scan is an estimate of a moving population anyway, at half the read capacity."""
        arguments: dict[str, Any] = {
            "TableName": self._table,
            "FilterExpression": "sk = :profile",
            "ExpressionAttributeValues": {":profile": {"S": PROFILE_SK}},
            "Limit": limit,
        }
        start = decode_scan_cursor(cursor, _user_pk(""))
        if start is not None:
            arguments["ExclusiveStartKey"] = start
        response = self._client.scan(**arguments)
        profiles = [
            (item["pk"]["S"].removeprefix(_user_pk("")), record)
            for item in response["Items"]
            if (record := self.decode_profile(item)) is not None
        ]
        return ProfileScanPage(profiles, encode_cursor(response.get("LastEvaluatedKey")))

    def profile_segment_page(self, segment: int, total_segments: int, start_after: str, limit: int) -> ProfileScanPage:
        """One page of a parallel scan (segment `segment` of `total_segments`) returning the profiles among up
        to `limit` items; `start_after` is "" or a page's next_cursor: the LastEvaluatedKey as JSON text, for a
        job to store as its checkpoint (never given to a client)."""
        arguments: dict[str, Any] = {
            "TableName": self._table,
            "Segment": segment,
            "TotalSegments": total_segments,
            "FilterExpression": "sk = :profile",
            "ExpressionAttributeValues": {":profile": {"S": PROFILE_SK}},
            "Limit": limit,
        }
        if start_after:
            arguments["ExclusiveStartKey"] = json.loads(start_after)
        response = self._client.scan(**arguments)
        profiles = [
            (item["pk"]["S"].removeprefix(_user_pk("")), record)
            for item in response["Items"]
            if (record := self.decode_profile(item)) is not None
        ]
        next_key = response.get("LastEvaluatedKey")
        return ProfileScanPage(profiles, json.dumps(next_key, sort_keys=True) if next_key else None)

    def consents_with(
        self, user_ids: Sequence[str], others: Callable[[str], Sequence[ItemRead]]
    ) -> list[tuple[ConsentRecord, list[dict[str, Any] | None]]]:
        """Each user's consent with other modules' items of the user (`others`, for their owners to decode),
        in BatchGetItem calls of at most 100 items; in the order of `user_ids`. Eventually consistent."""
        found: list[tuple[ConsentRecord, list[dict[str, Any] | None]]] = []
        if not user_ids:
            return found
        width = 1 + len(others(user_ids[0]))
        per_call = BATCH_GET_LIMIT // width
        for start in range(0, len(user_ids), per_call):
            chunk = user_ids[start : start + per_call]
            reads = [read for user_id in chunk for read in (self.consent_read(user_id), *others(user_id))]
            items = batch_get_items(self._client, reads, consistent=False)
            found += [
                (self.decode_consent(items[index]), items[index + 1 : index + width])
                for index in range(0, len(items), width)
            ]
        return found

    def consent_read(self, user_id: str) -> ItemRead:
        """The consent item's key, for callers that read consent together with their own items."""
        return ItemRead(self._table, _key(user_id, CONSENT_SK))

    @staticmethod
    def decode_tracking_consent(item: dict[str, Any] | None) -> TrackingConsent:
        """Only whether the user consents to behavioral tracking and to analytics sharing, and the record's
        version, read from the item as stored (event ingestion needs no more, and does not load the consent
        models)."""
        if item is None:
            return TrackingConsent(allowed=False, version=0)
        settings = item.get("settings", {}).get("M", {})
        allowed = settings.get("behavioral_tracking", {}).get("BOOL", False)
        sharing = settings.get("analytics_sharing", {}).get("BOOL", False)
        return TrackingConsent(
            allowed=bool(allowed), version=int(item["version"]["N"]), analytics_sharing=bool(sharing)
        )

    @staticmethod
    def decode_consent(item: dict[str, Any] | None) -> ConsentRecord:
        """The record a consent item holds; no item is the default: nothing consented."""
        from nudge.profiles.consent import ConsentRecord

        if item is None:
            return ConsentRecord()
        return ConsentRecord.model_validate(from_item(item))

    def get_consent(self, user_id: str) -> ConsentRecord:
        response = self._client.get_item(TableName=self._table, Key=_key(user_id, CONSENT_SK), ConsistentRead=True)
        return self.decode_consent(response.get("Item"))

    def consent_unchanged(self, user_id: str, version: int) -> dict[str, Any]:
        """A TransactWriteItems check that the user's consent is still at `version`: a write that relied on
        consent fails if the user changed it meanwhile."""
        check: dict[str, Any] = {"TableName": self._table, "Key": _key(user_id, CONSENT_SK)}
        if version == 0:
            check["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            check["ConditionExpression"] = "version = :version"
            check["ExpressionAttributeValues"] = {":version": {"N": str(version)}}
        return {"ConditionCheck": check}

    def save_consent(
        self,
        user_id: str,
        record: ConsentRecord,
        previous_version: int,
        changes: Sequence[ConsentChange],
        also: Sequence[dict[str, Any]] = (),
    ) -> bool:
        """The new record, its history entries and the user's activity (and `also`, other tables' transaction
        elements), all or nothing; False when the stored record is no longer at `previous_version`."""
        item = to_item({"pk": _user_pk(user_id), "sk": CONSENT_SK, **record.model_dump()})
        put = _version_condition({"TableName": self._table, "Item": item}, previous_version)
        history = [
            {"Put": {"TableName": self._table, "Item": self._history_item(user_id, change, index)}}
            for index, change in enumerate(changes)
        ]
        moment = record.updated_at or datetime.now(UTC)
        return write_transaction(self._client, [{"Put": put}, *history, self.activity_put(user_id, moment), *also])

    def _history_item(self, user_id: str, change: ConsentChange, index: int) -> dict[str, Any]:
        sk = f"{HISTORY_PREFIX}{_utc(change.changed_at)}#{index:02d}"
        return to_item({"pk": _user_pk(user_id), "sk": sk, **change.model_dump()})

    def consent_history(self, user_id: str) -> list[ConsentChange]:
        """Every change, newest first."""
        from nudge.profiles.consent import ConsentChange

        items = query_all(
            self._client,
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues={":pk": {"S": _user_pk(user_id)}, ":prefix": {"S": HISTORY_PREFIX}},
            ScanIndexForward=False,
            ConsistentRead=True,
        )
        return [ConsentChange.model_validate(from_item(item)) for item in items]

    def consent_history_page(self, user_id: str, limit: int, cursor: str | None) -> HistoryPage:
        """Up to `limit` changes, newest first, from where `cursor` (a previous page's next_cursor) left off."""
        from nudge.profiles.consent import ConsentChange

        pk = _user_pk(user_id)
        items, next_cursor = query_page(
            self._client,
            pk,
            cursor,
            sk_prefix=HISTORY_PREFIX,
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues={":pk": {"S": pk}, ":prefix": {"S": HISTORY_PREFIX}},
            ScanIndexForward=False,
            ConsistentRead=True,
            Limit=limit,
        )
        return HistoryPage([ConsentChange.model_validate(from_item(item)) for item in items], next_cursor)

    def activity_put(self, user_id: str, at: datetime) -> dict[str, Any]:
        """A TransactWriteItems Put recording that Nudge heard from the user at `at`: the time of arrival,
        not of the event, so it only moves forward. Replacing the item also clears a retention warning."""
        item = {"pk": _user_pk(user_id), "sk": ACTIVITY_SK, "activity_shard": activity_shard(user_id)}
        return {"Put": {"TableName": self._table, "Item": to_item(item | {"last_active_at": _utc(at)})}}

    def email_of(self, user_id: str) -> str | None:
        """The address on the user's profile (`fields.email`), or None without a profile; one GetItem of the
        attribute alone."""
        response = self._client.get_item(
            TableName=self._table,
            Key=_key(user_id, PROFILE_SK),
            ProjectionExpression="#fields.email",
            ExpressionAttributeNames={"#fields": "fields"},
            ConsistentRead=True,
        )
        email = response.get("Item", {}).get("fields", {}).get("M", {}).get("email", {}).get("S")
        return email or None

    def shards(self) -> list[str]:
        """The activity index's shards, each asked on its own for the users inactive since a date."""
        return activity_shards()

    def inactive_since(self, shard: str, cutoff: datetime, start_after: str | None, limit: int) -> InactivePage:
        """One page of the users of `shard` last active at or before `cutoff`, oldest first."""
        arguments: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": "UsersByLastActive",
            "KeyConditionExpression": "activity_shard = :shard AND last_active_at <= :cutoff",
            "ExpressionAttributeValues": {":shard": {"S": shard}, ":cutoff": {"S": _utc(cutoff)}},
            "Limit": limit,
        }
        if start_after:
            arguments["ExclusiveStartKey"] = json.loads(start_after)
        response = self._client.query(**arguments)
        next_key = response.get("LastEvaluatedKey")
        users = [_inactive_user(item) for item in response["Items"]]
        return InactivePage(users, json.dumps(next_key, sort_keys=True) if next_key else None)

    def mark_warned(self, user: InactiveUser, at: datetime) -> bool:
        """Record the warning, unless the user was active since the page was read (False: nothing written)."""
        return conditional(
            self._client.update_item,
            TableName=self._table,
            Key=_key(user.user_id, ACTIVITY_SK),
            UpdateExpression="SET retention_warned_at = :at",
            ConditionExpression="last_active_at = :seen",
            ExpressionAttributeValues={":at": {"S": _utc(at)}, ":seen": {"S": _utc(user.last_active_at)}},
        )

    def export_user(self, user_id: str) -> ProfileExport:
        from nudge.profiles.consent import ConsentChange, ConsentRecord
        from nudge.profiles.profile_export import ProfileExport

        exported: dict[str, Any] = {"consent_history": [], "other_items": []}
        for item in self._partition(user_id):
            sk, attributes = item["sk"]["S"], from_item(item)
            kind = _kind(sk)
            if kind == "consent":
                exported["consent"] = ConsentRecord.model_validate(attributes)
            elif kind == "consent_history":
                exported["consent_history"].append(ConsentChange.model_validate(attributes))
            elif kind == "activity":
                exported["last_active_at"] = attributes["last_active_at"]
            elif kind == "profile":
                exported["profile"] = self.decode_profile(item)
            else:
                exported["other_items"].append({"sk": sk, **attributes})
        return ProfileExport.model_validate(exported)

    def erase_user(self, user_id: str) -> Erasure:
        """Delete every item in the user's partition."""
        from nudge.users.personal_data import Erasure

        keys = [{"pk": item["pk"], "sk": item["sk"]} for item in self._partition(user_id, keys_only=True)]
        delete_all(self._client, self._table, keys)
        return Erasure(deleted=dict(Counter(_kind(key["sk"]["S"]) for key in keys)))

    def _partition(self, user_id: str, keys_only: bool = False) -> list[dict[str, Any]]:
        return partition_items(self._client, self._table, _user_pk(user_id), keys_only)


def profile_table() -> ProfileTable:
    """The adapter for this function's configured table and client."""
    return ProfileTable(table_name=config.text("PROFILE_TABLE_NAME"), client=clients.dynamodb())
