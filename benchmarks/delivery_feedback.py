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

from nudge.notifications.channel_names import Channel
from nudge.notifications.channels.ses_email import tag_value
from nudge.notifications.delivery_table import DeliveryRecord, DeliveryTable
from nudge.notifications.notification_table import NotificationTable

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
RETRY_AGE = timedelta(minutes=1)
WAVES = 10  # how old an event is when Lambda first tries it again


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


def _plan(campaign_id: str, now: datetime) -> list[tuple[DeliveryRecord, list[tuple[str, dict[str, Any]]]]]:
    """Each delivery with its distinct events (the event's sample name, the event)."""
    planned = []
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
            build = _whatsapp_event if channel == "whatsapp" else _ses_event
            planned.append((record, [(name, build(name, record, now)) for name in names]))
    return planned


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


class _Invoker:
    """Invokes the handler as Lambda's concurrent instances would, keeping the outcomes and the failed events."""

    def __init__(self, function: Any, threads: int) -> None:
        self._function, self._threads = function, threads
        self._lock = threading.Lock()
        self.failed: list[dict[str, Any]] = []
        self.outcomes: Counter[str] = Counter()

    def _invoke(self, event: dict[str, Any], age: timedelta) -> None:
        try:
            answer = self._function.invoke(_as_of(event, datetime.now(UTC) - age))
        except Exception as error:
            if type(error).__name__ != "DeliveryNotIndexedYet":
                raise
            with self._lock:
                self.failed.append(event)
            return
        found = [item["outcome"] for item in answer["outcomes"]] if "outcomes" in answer else [answer["outcome"]]
        with self._lock:
            self.outcomes.update(found)

    def run(self, events: list[dict[str, Any]], age: timedelta = timedelta(0)) -> float:
        """Invoke every event from the threads; the wall seconds it took."""
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=self._threads) as pool:
            list(pool.map(lambda event: self._invoke(event, age), events))
        return time.perf_counter() - started


def _forget_moto_instances() -> None:
    """moto keeps every model instance it ever made for its dashboard, including the copy of each table it takes
    before every TransactWriteItems: dropped between waves, or 10,000 transactions hold gigabytes."""
    from moto.core.model_instances import reset_model_data

    reset_model_data()


def feedback_throughput(stack: Any, meter: ThreadMeter, total: int = 10_000, threads: int = 4) -> None:
    dynamodb = stack.emulator.client("dynamodb")  # the setup's own client: its calls are not metered
    deliveries = DeliveryTable(stack.template.ref("DeliveryTable"), dynamodb)
    notifications = NotificationTable(stack.template.ref("NotificationTable"), dynamodb)
    campaign_id = f"bench-fb-{uuid.uuid4().hex[:8]}"
    chooser = random.Random(7)  # noqa: S311 - a reproducible mix, not a secret
    planned = _plan(campaign_id, datetime.now(UTC))
    chooser.shuffle(planned)
    distinct = [pair for _, pairs in planned for pair in pairs]
    waves = [planned[index::WAVES] for index in range(WAVES)]
    print(
        f"\nDelivery feedback: {total:,} events ({len(distinct):,} distinct, {total - len(distinct):,} duplicates) of "
        f"{len(planned):,} deliveries of one campaign, in {WAVES} waves (each wave's deliveries written before it "
        f"and erased after it, so moto's per-transaction table copy stays small), {LATE_SHARE:.0%} of deliveries "
        f"written only after their events first came; {threads} threads invoking RecordDeliveryFeedbackFunction's "
        "handler, moto"
    )
    print(
        "no batch path: the EventBridge rule and the SNS subscription invoke it with one event each, so there is "
        "no partial batch response; a failed invocation is retried by Lambda's asynchronous retries"
    )
    invoker = _Invoker(stack.function("record_delivery_feedback"), threads)
    meter_calls: Counter[str] = Counter()
    inside = wall = 0.0
    first_failed = still_failed = 0
    duplicates = total - len(distinct)
    for number, wave in enumerate(waves):
        late = {id(record) for record, _ in chooser.sample(wave, round(len(wave) * LATE_SHARE))}
        for record, _ in wave:
            if id(record) not in late:
                deliveries.claim(record)
        events = [event for _, pairs in wave for _, event in pairs]
        share = duplicates // WAVES + (duplicates % WAVES if number == WAVES - 1 else 0)
        events += [chooser.choice(events) for _ in range(share)]
        chooser.shuffle(events)
        meter.reset()
        wall += invoker.run(events)
        meter_calls.update(meter.calls)
        inside += meter.seconds
        retried, invoker.failed = invoker.failed, []
        first_failed += len(retried)
        for record, _ in wave:  # the index has caught up by the time Lambda tries again
            if id(record) in late:
                deliveries.claim(record)
        invoker.run(retried, RETRY_AGE)
        still_failed += len(invoker.failed)
        for record, _ in wave:
            deliveries.erase_user(record.user_id)
        _forget_moto_instances()
    per_event = sum(meter_calls.values()) / total
    breakdown = ", ".join(f"{name} {count / total:.2f}" for name, count in sorted(meter_calls.items()))
    print(
        f"first attempts: {total / wall:,.0f} events/s over {wall:.1f} s, of which {inside:.1f} s inside DynamoDB "
        "calls (summed over the threads: moto serves them one at a time, and each TransactWriteItems copies the "
        f"tables it writes, so the rate is moto's); DynamoDB calls per event {per_event:.2f} ({breakdown})"
    )
    print(
        f"failed invocations (DeliveryNotIndexedYet): {first_failed}, each invoked again once its delivery existed "
        f"(as Lambda would a minute later), failing again: {still_failed}; "
        f"outcomes {dict(sorted(invoker.outcomes.items()))}"
    )
    expected = dict(sorted(Counter(KIND_OF[name] for name, _ in distinct).items()))
    counts = notifications.campaign_progress(campaign_id).counts
    found = {kind: getattr(counts, kind) for kind in expected}
    print(f"campaign counters {found}; distinct events {expected}")
    if found != expected or still_failed:
        raise RuntimeError(f"the counters lost or doubled updates: {found} != {expected}")
    print("counters equal the distinct events: no update lost, no duplicate counted")
