"""Delivery feedback against moto: 10,000 provider events through RecordDeliveryFeedbackFunction's handler.

The function has no batch path: its sources are an EventBridge rule (SES) and an SNS subscription (WhatsApp),
and Lambda invokes it asynchronously with one event (one SNS record) at a time, so there is no partial batch
response. What a batch's failed records would be here are events that fail their invocation: those of
deliveries written only after the event first came (the index lag `DeliveryNotIndexedYet` answers), which
Lambda's asynchronous retry invokes again. The benchmark drives concurrent invocations from threads, as Lambda
runs concurrent instances: a mix of SES events and WhatsApp statuses of one campaign (so every event adds to one
counters item), with duplicates; the failed ones are invoked again once their deliveries exist; the campaign's
counters must then equal the distinct events (no update lost, none counted twice).
"""

from __future__ import annotations

import json
import random
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from nudge.notifications.channels.ses_email import tag_value
from nudge.notifications.delivery_table import DeliveryRecord, DeliveryTable
from nudge.notifications.notification_table import NotificationTable
from nudge.notifications.outgoing import Channel

SAMPLES = Path(__file__).resolve().parent.parent / "events" / "record_delivery_feedback"
# (channel, the events one delivery gets, deliveries of that kind); 9,000 distinct events in all.
PLAN: list[tuple[Channel, tuple[str, ...], int]] = [
    ("email", ("delivery", "open", "click"), 1_800),
    ("email", ("bounce_permanent",), 300),
    ("email", ("bounce_transient", "delivery"), 300),
    ("email", ("delivery", "complaint"), 300),
    ("whatsapp", ("whatsapp_delivered", "whatsapp_read"), 900),
    ("whatsapp", ("whatsapp_failed",), 300),
]
KIND_OF = {
    "delivery": "delivered",
    "open": "opened",
    "click": "clicked",
    "bounce_permanent": "bounced",
    "bounce_transient": "bounced",
    "complaint": "complained",
    "whatsapp_delivered": "delivered",
    "whatsapp_read": "opened",
    "whatsapp_failed": "undelivered",
}
LATE_SHARE = 0.02  # deliveries written only after their events first came
RETRY_AGE = timedelta(minutes=1)  # how old an event is when Lambda first tries it again


def _ses_event(name: str, record: DeliveryRecord, now: datetime) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((SAMPLES / f"{name}.json").read_text())
    mail = event["detail"]["mail"]
    mail["timestamp"] = now.isoformat()
    mail["tags"]["notification_id"] = [tag_value(record.notification_id)]
    mail["tags"]["campaign_id"] = [tag_value(record.campaign_id)]
    address = f"{record.user_id}@example.com"
    mail["destination"] = [address]
    own = event["detail"].get(event["detail"]["eventType"].lower(), {})
    for recipients in ("bouncedRecipients", "complainedRecipients"):
        for recipient in own.get(recipients, []):
            recipient["emailAddress"] = address
    return event


def _whatsapp_event(name: str, record: DeliveryRecord, now: datetime) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((SAMPLES / f"{name}.json").read_text())
    sns = event["Records"][0]["Sns"]
    message = json.loads(sns["Message"])
    entry = json.loads(message["whatsAppWebhookEntry"])
    status = entry["changes"][0]["value"]["statuses"][0]
    status["timestamp"] = str(int(now.timestamp()))
    status["biz_opaque_callback_data"] = json.dumps(
        {"notification_id": record.notification_id, "campaign_id": record.campaign_id}
    )
    message["whatsAppWebhookEntry"] = json.dumps(entry)
    sns["Message"] = json.dumps(message)
    return event


def _as_of(event: dict[str, Any], moment: datetime) -> dict[str, Any]:
    """The event as it comes at `moment`: its mail (or status) that old, so a late delivery's event is one the
    index may not show yet (retried), not one older than the window (dropped)."""
    if "Records" not in event:
        detail = event["detail"]
        return event | {"detail": detail | {"mail": detail["mail"] | {"timestamp": moment.isoformat()}}}
    record = event["Records"][0]
    message = json.loads(record["Sns"]["Message"])
    entry = json.loads(message["whatsAppWebhookEntry"])
    entry["changes"][0]["value"]["statuses"][0]["timestamp"] = str(int(moment.timestamp()))
    message["whatsAppWebhookEntry"] = json.dumps(entry)
    return {"Records": [record | {"Sns": record["Sns"] | {"Message": json.dumps(message)}}]}


def _plan(campaign_id: str, now: datetime) -> tuple[list[DeliveryRecord], list[tuple[str, dict[str, Any]]]]:
    records: list[DeliveryRecord] = []
    distinct: list[tuple[str, dict[str, Any]]] = []
    for channel, names, count in PLAN:
        for _ in range(count):
            user = f"bench-fb-{uuid.uuid4().hex[:10]}"
            record = DeliveryRecord(
                user_id=user,
                campaign_id=campaign_id,
                channel=channel,
                status="sent",
                at=now,
                reason="bench",
                notification_id=f"{user}.{uuid.uuid4().hex[:8]}",
                campaign_name="Bench feedback",
                updated_at=now,
            )
            records.append(record)
            build = _whatsapp_event if channel == "whatsapp" else _ses_event
            distinct.extend((name, build(name, record, now)) for name in names)
    return records, distinct


class ThreadMeter:
    """DynamoDB calls and the time inside them, summed over the threads that make them (botocore's hooks)."""

    def __init__(self, client: Any) -> None:
        self.calls: Counter[str] = Counter()
        self.seconds = 0.0
        self._lock = threading.Lock()
        self._local = threading.local()
        client.meta.events.register("before-call.dynamodb", self._before)
        client.meta.events.register("after-call.dynamodb", self._after)

    def _before(self, model: Any, **_: Any) -> None:
        self._local.started = time.perf_counter()
        with self._lock:
            self.calls[model.name] += 1

    def _after(self, **_: Any) -> None:
        elapsed = time.perf_counter() - self._local.started
        with self._lock:
            self.seconds += elapsed

    def reset(self) -> None:
        with self._lock:
            self.calls, self.seconds = Counter(), 0.0


def feedback_throughput(stack: Any, meter: ThreadMeter, total: int = 10_000, threads: int = 4) -> None:
    function = stack.function("record_delivery_feedback")
    dynamodb = stack.emulator.client("dynamodb")  # the setup's own client: its calls are not metered
    deliveries = DeliveryTable(stack.template.ref("DeliveryTable"), dynamodb)
    notifications = NotificationTable(stack.template.ref("NotificationTable"), dynamodb)
    campaign_id, now = f"bench-fb-{uuid.uuid4().hex[:8]}", datetime.now(UTC)
    chooser = random.Random(7)  # noqa: S311 - a reproducible mix, not a secret
    records, distinct = _plan(campaign_id, now)
    late = set(chooser.sample(range(len(records)), round(len(records) * LATE_SHARE)))
    for index, record in enumerate(records):
        if index not in late:
            deliveries.claim(record)
    events = [event for _, event in distinct]
    events += [chooser.choice(events) for _ in range(total - len(events))]  # duplicates
    chooser.shuffle(events)
    print(
        f"\nDelivery feedback: {len(events):,} events ({len(distinct):,} distinct, {len(events) - len(distinct):,} "
        f"duplicates) of {len(records):,} deliveries of one campaign, {len(late)} deliveries written only after "
        f"their events first came; {threads} threads invoking RecordDeliveryFeedbackFunction's handler, moto"
    )
    print(
        "no batch path: the EventBridge rule and the SNS subscription invoke it with one event each, so there is "
        "no partial batch response; a failed invocation is retried by Lambda's asynchronous retries"
    )
    failed: list[dict[str, Any]] = []
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()

    def invoke(event: dict[str, Any], age: timedelta = timedelta(0)) -> None:
        try:
            answer = function.invoke(_as_of(event, datetime.now(UTC) - age))
        except Exception as error:
            if type(error).__name__ != "DeliveryNotIndexedYet":
                raise
            with lock:
                failed.append(event)
            return
        found = [item["outcome"] for item in answer["outcomes"]] if "outcomes" in answer else [answer["outcome"]]
        with lock:
            outcomes.update(found)

    meter.reset()
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(invoke, events))
    wall = time.perf_counter() - started
    calls, inside, first = Counter(meter.calls), meter.seconds, dict(sorted(outcomes.items()))
    per_event = sum(calls.values()) / len(events)
    breakdown = ", ".join(f"{name} {count / len(events):.2f}" for name, count in sorted(calls.items()))
    print(
        f"first pass: {len(events) / wall:,.0f} events/s over {wall:.1f} s, of which {inside:.1f} s inside DynamoDB "
        f"calls (summed over the threads: moto serves them one at a time, and each TransactWriteItems copies the "
        f"tables it writes, so the rate is moto's); DynamoDB calls per event {per_event:.2f} ({breakdown}); "
        f"outcomes {first}"
    )
    retried, failed[:] = list(failed), []
    for index in late:  # the index has caught up by the time Lambda tries again
        deliveries.claim(records[index])
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(lambda event: invoke(event, RETRY_AGE), retried))
    print(
        f"failed invocations (DeliveryNotIndexedYet): {len(retried)}, invoked again once their deliveries existed, "
        f"failing again: {len(failed)}; outcomes after the retries {dict(sorted(outcomes.items()))}"
    )
    expected = Counter(KIND_OF[name] for name, _ in distinct)
    counts = notifications.campaign_progress(campaign_id).counts
    found = {kind: getattr(counts, kind) for kind in sorted(expected)}
    print(f"campaign counters {found}; distinct events {dict(sorted(expected.items()))}")
    if found != dict(sorted(expected.items())) or failed:
        raise RuntimeError(f"the counters lost or doubled updates: {found} != {dict(expected)}")
    print("counters equal the distinct events: no update lost, no duplicate counted")
