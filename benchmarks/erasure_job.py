"""Erasure throughput: one worker erasing users one message after another, against moto.

Users get raw events and signals (ingestion), consent with its history, activity and a profile with an
address (the profile table), on tables of their own (another stack name provisioned in the emulator).
Each is then asked to be erased through `request_erasure`, and the queue is drained by one worker in
this process: every store erased, user.erased published, the confirmation sent, the receipt completed.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from nudge.anchoring.anchoring_table import AnchoringTable
from nudge.api.idempotency_table import IdempotencyTable
from nudge.audit.audit_table import AuditTable
from nudge.behavior.behavior_table import BehaviorTable
from nudge.behavior.events import BehavioralEvent
from nudge.behavior.ingestion import ingest_events
from nudge.behavior.ingestion_tables import IngestionTables
from nudge.catalog.catalog_table import CatalogTable
from nudge.defaults.recommendation_table import RecommendationTable
from nudge.event_bus import EventBus
from nudge.notifications.email import SesEmailSender
from nudge.privacy.erasure import RequestPorts, WorkerPorts, process_erasure, request_erasure, subject_of
from nudge.privacy.erasure_queue import ErasureMessage, ErasureQueue
from nudge.privacy.erasure_table import ErasureTable
from nudge.profiles.consent import ConsentRecord, ConsentSettings, apply_consent
from nudge.profiles.profile import ProfileFields, ProfileRecord
from nudge.profiles.profile_table import ProfileTable
from nudge.users.personal_data import PersonalDataStore

EVENTS_PER_USER = 6


def _events(user: str, now: datetime) -> list[BehavioralEvent]:
    from pydantic import TypeAdapter

    adapter: TypeAdapter[list[BehavioralEvent]] = TypeAdapter(list[BehavioralEvent])
    payload = {
        "type": "date_change_request.created",
        "occurred_at": (now - timedelta(days=3)).isoformat(),
        "amount": 500.0,
        "currency": "USD",
        "offered_price": 500.0,
        "listed_price": 450.0,
    }
    return adapter.validate_python([payload | {"event_id": f"{user}-{index}"} for index in range(EVENTS_PER_USER)])


def _seed(
    users: list[str],
    behavior: BehaviorTable,
    profiles: ProfileTable,
    catalog: CatalogTable,
    dynamodb: Any,
    now: datetime,
) -> None:
    consent = apply_consent(ConsentRecord(), ConsentSettings(marketing_emails=True), now, "127.0.0.1", "bench", "v1")
    ingestion = IngestionTables(behavior, profiles, catalog, dynamodb)
    for user in users:
        ingest_events(ingestion, user, _events(user, now), now)
        profiles.save_consent(user, consent.record, 0, consent.changes)
        fields = ProfileFields(email=f"{user}@example.com")
        profiles.save_profile(user, ProfileRecord(fields=fields, created_at=now, updated_at=now, version=1), 0)


def _clock() -> datetime:
    return datetime.now(UTC)


def erasure_throughput(template: Any, emulator: Any, meter: Any, users: int) -> None:
    from nudge.observability import metrics

    dynamodb, sqs = emulator.client("dynamodb"), emulator.client("sqs")
    meter.attach(dynamodb)
    queue_url = sqs.get_queue_url(QueueName=template.physical_name("UserErasureQueue"))["QueueUrl"]
    tables = {logical_id: template.ref(logical_id) for logical_id in template.resources_of_type("AWS::DynamoDB::Table")}
    behavior = BehaviorTable(tables["BehaviorTable"], dynamodb, timedelta(days=400))
    profiles = ProfileTable(tables["ProfileTable"], dynamodb)
    stores: dict[str, PersonalDataStore] = {
        "BehaviorTable": behavior,
        "RecommendationTable": RecommendationTable(tables["RecommendationTable"], dynamodb),
        "AnchoringTable": AnchoringTable(tables["AnchoringTable"], dynamodb),
        "ProfileTable": profiles,
        "AuditTable": AuditTable(tables["AuditTable"], dynamodb),
        "IdempotencyTable": IdempotencyTable(tables["IdempotencyTable"], dynamodb),
    }
    receipts = ErasureTable(tables["ErasureTable"], dynamodb)
    queue = ErasureQueue(queue_url, sqs)
    requests = RequestPorts(receipts, queue, profiles, subject_of, _clock)
    mailer = SesEmailSender(
        "privacy@nudge.example", template.ref("NotificationConfigurationSet"), emulator.client("sesv2")
    )
    bus = EventBus(template.ref("NudgeEventBus"), emulator.client("events"))
    worker = WorkerPorts(receipts, lambda: stores, bus, mailer, subject_of, _clock, 5)
    now = _clock()
    names = [f"erase-user-{index:05d}" for index in range(users)]
    _seed(names, behavior, profiles, CatalogTable(tables["CatalogTable"], dynamodb), dynamodb, now)
    for name in names:
        request_erasure(requests, name, "user")
    metrics().clear_metrics()

    meter.reset()
    started = time.perf_counter()
    erased = 0
    while messages := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            outcome = process_erasure(worker, ErasureMessage.model_validate_json(message["Body"]), 1)
            erased += outcome == "completed"
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    wall = time.perf_counter() - started
    metrics().clear_metrics()
    if erased != users:
        raise RuntimeError(f"{erased} of {users} erasures completed")
    own = wall - meter.seconds
    calls = meter.calls
    breakdown = ", ".join(f"{name} {calls.count(name) / users:.1f}" for name in sorted(set(calls)))
    seeded = f"{EVENTS_PER_USER} events, signals, consent, history, activity, profile each"
    print(f"\nErasure: {users} users ({seeded}), one worker draining the queue, moto")
    print(f"{'wall s':>8}{'users/min':>11}{'own s':>8}{'own users/min':>15}  DynamoDB calls per user")
    print(
        f"{wall:>8.1f}{users / wall * 60:>11,.0f}{own:>8.1f}{users / own * 60:>15,.0f}"
        f"  {len(calls) / users:.1f} ({breakdown})"
    )
