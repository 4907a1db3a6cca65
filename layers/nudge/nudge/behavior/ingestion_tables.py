"""The BehaviorStore of event ingestion, over four tables: the user's aggregates and raw events (behavior
table), their consent and activity (profile table), the batch's product views, without the user, for
the product recommendations' view counts (catalog table: one more item in the transaction, only when the
batch has tracked product views), for each survey the batch starts or completes, its reminder
(delivery table: one more item per survey, nudge/notifications/survey_reminders.py), and for each survey an
analytics-sharing user starts for the first time, 1 more in its funnel's survey_started (survey-analytics
table, no user id: one more item per such survey).

Each batch is one BatchGetItem (signals, engagement, consent) and one TransactWriteItems. The write
holds on to what it was computed from: the aggregates by version, and the consent by a
ConditionCheck when engagement is written, so a consent withdrawn meanwhile fails the write and the
retry reads it. Each table's module builds its own keys and items; this one only combines them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from nudge import clients
from nudge.behavior.behavior_table import BehaviorTable, behavior_table
from nudge.behavior.store import BatchRejected, BatchWrite, IngestionState
from nudge.catalog.catalog_table import CatalogTable, catalog_table
from nudge.item_codec import batch_get_items
from nudge.profiles.profile_table import ProfileTable, profile_table

if TYPE_CHECKING:
    from nudge.behavior.events import BehavioralEvent

# Which kind of element each failed index of a transaction was: an event id, or one of these.
STATE_ELEMENTS = ("signals", "engagement", "consent", "pending_views", "survey_reminder", "survey_funnel")


class IngestionTables:
    def __init__(self, behavior: BehaviorTable, profiles: ProfileTable, catalog: CatalogTable, client: Any) -> None:
        self._behavior = behavior
        self._profiles = profiles
        self._catalog = catalog
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
        views = _product_views(write)
        if views:
            elements.append(self._catalog.pending_views_put(user_id, views))
            labels.append("pending_views")
        reminders = _survey_reminders(user_id, write)
        elements += reminders
        labels += ["survey_reminder"] * len(reminders)
        funnel = _funnel_starts(write)
        elements += funnel
        labels += ["survey_funnel"] * len(funnel)
        elements += [self._behavior.event_put(user_id, event, write.at) for event in write.events]
        labels += [event.event_id for event in write.events]
        return elements, labels


def _product_views(write: BatchWrite) -> dict[str, int]:
    """product_id -> views of the batch (only consented engagement events reach a write)."""
    views: dict[str, int] = {}
    for event in write.events:
        product_id = getattr(event, "product_id", None)
        if event.type == "product_view" and isinstance(product_id, str):
            views[product_id] = views.get(product_id, 0) + 1
    return views


def survey_progress(events: Sequence[BehavioralEvent]) -> dict[str, datetime | None]:
    """survey_id -> the earliest survey_start among the events, or None when they complete the survey."""
    completed: set[str] = set()
    starts: dict[str, datetime] = {}
    for event in events:
        survey_id = getattr(event, "survey_id", None)
        if not isinstance(survey_id, str):
            continue
        if event.type == "survey_complete":
            completed.add(survey_id)
        elif event.type == "survey_start":
            starts[survey_id] = min(starts.get(survey_id, event.occurred_at), event.occurred_at)
    return dict.fromkeys(completed) | {survey_id: at for survey_id, at in starts.items() if survey_id not in completed}


def _survey_reminders(user_id: str, write: BatchWrite) -> list[dict[str, Any]]:
    """The reminder updates of the surveys the batch starts or completes (only consented engagement events
    reach a write). The delivery table's module loads only for such a batch."""
    progress = survey_progress(write.events)
    if not progress:
        return []
    from nudge.notifications.delivery_table import delivery_table

    deliveries = delivery_table()
    return [
        deliveries.reminder_completed(user_id, survey_id, write.at)
        if started is None
        else deliveries.reminder_started(user_id, survey_id, started)
        for survey_id, started in progress.items()
    ]


def _funnel_starts(write: BatchWrite) -> list[dict[str, Any]]:
    """survey_started + 1 for each survey of `funnel_starts` (ADD only, no condition: it can fail only with the
    rest of the transaction). The survey-analytics table's module loads only for such a batch."""
    if not write.funnel_starts:
        return []
    from nudge.analytics.analytics_table import survey_analytics_table

    analytics = survey_analytics_table()
    return [analytics.funnel_request(survey_id, "survey_started") for survey_id in write.funnel_starts]


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
    return IngestionTables(behavior_table(), profile_table(), catalog_table(), clients.dynamodb())
