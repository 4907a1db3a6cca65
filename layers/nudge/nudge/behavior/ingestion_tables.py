"""The BehaviorStore of event ingestion, over two tables: the user's aggregates and raw events (behavior
table) and their consent and activity (profile table).

Each batch is one BatchGetItem (signals, engagement, consent) and one TransactWriteItems. The write
holds on to what it was computed from: the aggregates by version, and the consent by a
ConditionCheck when engagement is written, so a consent withdrawn meanwhile fails the write and the
retry reads it. Each table's module builds its own keys and items; this one only combines them.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from botocore.exceptions import ClientError

from nudge import clients
from nudge.behavior.behavior_table import BehaviorTable, behavior_table
from nudge.behavior.store import BatchRejected, BatchWrite, IngestionState
from nudge.item_codec import batch_get_items
from nudge.profiles.profile_table import ProfileTable, profile_table

# Which kind of element each failed index of a transaction was: an event id, or one of these.
STATE_ELEMENTS = ("signals", "engagement", "consent")


class IngestionTables:
    def __init__(self, behavior: BehaviorTable, profiles: ProfileTable, client: Any) -> None:
        self._behavior = behavior
        self._profiles = profiles
        self._client = client

    @property
    def retention(self) -> timedelta:
        return self._behavior.retention

    def read_state(self, user_id: str) -> IngestionState:
        reads = [
            self._behavior.signals_read(user_id),
            self._behavior.engagement_read(user_id),
            self._profiles.consent_read(user_id),
        ]
        signals, engagement, consent = batch_get_items(self._client, reads, consistent=True)
        return IngestionState(
            signals=self._behavior.decode_signals(signals),
            engagement=self._behavior.decode_engagement(engagement),
            consent=self._profiles.decode_tracking_consent(consent),
        )

    def save_batch(self, user_id: str, write: BatchWrite) -> None:
        elements, labels = self._elements(user_id, write)
        try:
            self._client.transact_write_items(TransactItems=elements)
        except ClientError as error:
            if error.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            raise _rejection(error, labels) from error

    def _elements(self, user_id: str, write: BatchWrite) -> tuple[list[dict[str, Any]], list[str]]:
        elements: list[dict[str, Any]] = [self._profiles.activity_put(user_id, write.at)]
        labels = ["activity"]
        if write.signals is not None:
            elements.append(self._behavior.signals_put(user_id, write.read.signals.version, write.signals))
            labels.append("signals")
        if write.engagement is not None:
            elements.append(self._behavior.engagement_put(user_id, write.read.engagement.version, write.engagement))
            elements.append(self._profiles.consent_unchanged(user_id, write.read.consent.version))
            labels += ["engagement", "consent"]
        elements += [self._behavior.event_put(user_id, event, write.at) for event in write.events]
        labels += [event.event_id for event in write.events]
        return elements, labels


def _rejection(error: ClientError, labels: list[str]) -> BatchRejected:
    reasons = error.response.get("CancellationReasons", [])
    failed = [labels[index] for index, reason in enumerate(reasons) if reason.get("Code") == "ConditionalCheckFailed"]
    if not failed:
        # Cancelled by a concurrent transaction on the same items: worth another attempt.
        return BatchRejected(duplicate_event_ids=frozenset(), stale=True)
    duplicates = frozenset(label for label in failed if label not in STATE_ELEMENTS)
    return BatchRejected(duplicate_event_ids=duplicates, stale=len(duplicates) < len(failed))


def ingestion_tables() -> IngestionTables:
    """The adapter for this function's configured tables and client."""
    return IngestionTables(behavior_table(), profile_table(), clients.dynamodb())
