"""Campaign throughput against moto, in two phases: queueing (the fan-out: one worker, every segment in turn)
and sending (the minute's sweep, then one worker per due shard in turn).

Recipients get a profile and a consent with one BatchWriteItem per 25 items, encoded as the profile table
encodes them (going through its transactions would make moto copy the whole table for every user). The
sender is in memory behind the channel port: the providers' time (and the send rate) is not Nudge's.
Every recipient is sent one email.
"""

from __future__ import annotations

import hmac
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from nudge.analytics.analytics_table import SurveyAnalyticsTable
from nudge.audit.audit_table import AuditTable
from nudge.behavior.behavior_table import BehaviorTable
from nudge.item_codec import put_all, to_item
from nudge.notifications.admin import put_segment, put_template
from nudge.notifications.campaign_admin import CampaignAdmin, FanOut, create_campaign, get_campaign, send_campaign
from nudge.notifications.campaign_fanout import CampaignPorts, process_message, sweep
from nudge.notifications.campaign_queue import CampaignQueue, parse_message
from nudge.notifications.campaigns import CampaignFields
from nudge.notifications.channel_names import Channel
from nudge.notifications.delivery_table import DeliveryTable
from nudge.notifications.notification_table import NotificationTable
from nudge.notifications.outgoing import OutgoingMessage
from nudge.notifications.segments import SegmentFields
from nudge.notifications.templates import TemplateFields
from nudge.profiles.consent import ConsentRecord, ConsentSettings
from nudge.profiles.profile import ProfileFields, ProfileRecord
from nudge.profiles.profile_table import ProfileTable
from nudge.subscribers.click_links import ClickLink, click_token
from nudge.subscribers.links import HmacKey
from nudge.subscribers.suppression import SuppressionList
from nudge.subscribers.suppression_table import SuppressionTable
from nudge.users.actor import Actor

ADMIN = Actor("bench-admin", is_admin=True)
TARGET_RECIPIENTS, TARGET_SECONDS = 1_000_000, 600
TEMPLATE = {
    "name": "Survey",
    "category": "product",
    "email": {
        "subject": "{{first_name}}, {{survey_title}}",
        "html": '<p><a href="{{url}}">{{survey_title}}</a></p><small>{{reason}}</small>',
        "text": "{{survey_title}}: {{url}}",
    },
}


class CountingSender:
    def __init__(self) -> None:
        self.sent = 0

    def send(self, message: OutgoingMessage) -> str:
        self.sent += 1
        return f"bench-{self.sent}"


def _digest(purpose: str, message: str) -> bytes:
    return hmac.new(b"campaign-test-key", f"{purpose}:{message}".encode(), "sha256").digest()


CLICKABLE = frozenset({"nudge.example"})


def _click_link(user_id: str, notification_id: str, campaign_id: str | None, target: str, now: datetime) -> str:
    """The click redirect's link with a fixed key, RedirectAllowedDomains as the demo stack sets it."""
    token = click_token(
        HmacKey(b"click-test-key"), ClickLink(user_id, notification_id, campaign_id, target), CLICKABLE, now
    )
    return f"https://api.nudge.example/v1/r/{token}"


def _seed(dynamodb: Any, table: str, recipients: int, now: datetime) -> None:
    """Benchmark-only bulk write of profiles and consents in the profile table's own item shapes."""
    consent = ConsentRecord(
        settings=ConsentSettings.model_validate(
            {"personalized_notifications": {"enabled": True, "channels": {"email": True}}}
        ),
        version=1,
        updated_at=now,
    )
    items = []
    for index in range(recipients):
        fields = ProfileFields.model_validate(
            {
                "email": f"bench-{index}@example.com",
                "name": "Ana Lima",
                "time_zone": "Europe/Lisbon",
                "interests": {"categories": ["TECH_SAAS"]},
                "notification_preferences": {"email": {"enabled": True, "frequency": "instant"}},
            }
        )
        record = ProfileRecord(fields=fields, created_at=now, updated_at=now, version=1)
        pk = f"USER#bench-{index:07d}"
        items.append(to_item({"pk": pk, "sk": "PROFILE", **record.model_dump(exclude_none=True)}))
        items.append(to_item({"pk": pk, "sk": "CONSENT", **consent.model_dump()}))
    if put_all(dynamodb, table, items):
        raise RuntimeError("recipients were left unwritten")


def campaign_throughput(template: Any, emulator: Any, meter: Any, recipients: int, segments: int) -> None:
    dynamodb, sqs = emulator.client("dynamodb"), emulator.client("sqs")
    meter.attach(dynamodb)
    queue_url = sqs.get_queue_url(QueueName=template.physical_name("CampaignQueue"))["QueueUrl"]
    now = datetime.now(UTC)
    notifications = NotificationTable(template.ref("NotificationTable"), dynamodb)
    queue = CampaignQueue(queue_url, lambda: sqs)
    sender = CountingSender()

    def senders(channel: Channel) -> CountingSender:
        return sender

    ports = CampaignPorts(
        notifications=notifications,
        profiles=ProfileTable(template.ref("ProfileTable"), dynamodb),
        behavior=BehaviorTable(template.ref("BehaviorTable"), dynamodb),
        deliveries=DeliveryTable(template.ref("DeliveryTable"), dynamodb),
        queue=queue,
        senders=senders,
        clock=lambda: datetime.now(UTC),
        unsubscribe_link=lambda user, scope, now: f"https://nudge.example/v1/unsubscribe/{user}-{scope}",
        click_link=_click_link,
        suppressions=SuppressionList(SuppressionTable(template.ref("SuppressionTable"), dynamodb), 3, _digest),
        funnel=SurveyAnalyticsTable(template.ref("SurveyAnalyticsTable"), dynamodb),
    )
    admin = CampaignAdmin(notifications, AuditTable(template.ref("AuditTable"), dynamodb), lambda: CLICKABLE)
    _seed(dynamodb, template.ref("ProfileTable"), recipients, now)
    segment = SegmentFields.model_validate({"name": "Tech", "rules": {"categories": ["TECH_SAAS"]}})
    put_segment(notifications, admin.audit, ADMIN, "bench-tech", segment, now)
    put_template(notifications, admin.audit, ADMIN, "bench-survey", TemplateFields.model_validate(TEMPLATE), now)
    fields = CampaignFields.model_validate(
        {
            "campaign_id": "bench-campaign",
            "name": "Bench",
            "type": "survey_invite",
            "segment_id": "bench-tech",
            "template_id": "bench-survey",
            "channels": ["email"],
            "data": {"survey_title": "Your tools", "url": "https://nudge.example/s/1"},
        }
    )
    create_campaign(admin, ADMIN, fields, now)
    fan_out = FanOut(notifications, queue, segments)

    def drain() -> None:
        while messages := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages"):
            for message in messages:
                process_message(ports, parse_message(message["Body"]), lambda: 900_000)
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])

    print(f"\nCampaign: {recipients} recipients, {segments} segments, one worker, moto, in-memory sender")
    meter.reset()
    started = time.perf_counter()
    send_campaign(admin, fan_out, ADMIN, "bench-campaign", datetime.now(UTC))
    drain()
    queueing = _phase("queueing (fan-out)", recipients, time.perf_counter() - started, meter)
    meter.reset()
    started = time.perf_counter()
    sweep(fan_out, ports.deliveries, datetime.now(UTC))
    drain()
    sending = _phase("sending (due shards)", recipients, time.perf_counter() - started, meter)
    view = get_campaign(notifications, ADMIN, "bench-campaign")
    if view.status != "sent" or view.counts.sent != recipients or sender.sent != recipients:
        raise RuntimeError(f"the campaign did not reach every recipient: {view.status} {view.counts}")
    _arithmetic(*queueing)
    print(f"sending: {sending[0] * 1000:.2f} ms of Nudge's own time and {sending[1]:.2f} DynamoDB calls per message;")
    print("how fast messages go out is then the channels' send rate (EMAIL_SEND_RATE_PER_SECOND: the SES quota)")


def _phase(label: str, recipients: int, wall: float, meter: Any) -> tuple[float, float]:
    """Prints the phase's figures; returns (own seconds per recipient, DynamoDB calls per recipient)."""
    own = wall - meter.seconds
    calls = Counter(meter.calls)
    per_recipient = sum(calls.values()) / recipients
    print(
        f"{label}: wall {wall:.1f} s, inside DynamoDB {meter.seconds:.1f} s, Nudge's own {own:.1f} s "
        f"({own / recipients * 1000:.2f} ms per recipient, {recipients / own:,.0f}/s per worker); "
        f"DynamoDB calls per recipient {per_recipient:.2f} ({_breakdown(calls, recipients)})"
    )
    return own / recipients, per_recipient


def _arithmetic(own: float, per_recipient: float) -> None:
    needed = TARGET_RECIPIENTS / TARGET_SECONDS
    for latency_ms in (5, 10):
        # On AWS a worker's calls are sequential: each recipient waits for its own Query and PutItem.
        seconds = own + per_recipient * latency_ms / 1000
        print(
            f"1,000,000 queued in 10 min needs {needed:,.0f} recipients/s: at {latency_ms} ms per DynamoDB call a "
            f"worker queues {1 / seconds:,.0f}/s, so {needed * seconds:,.0f} workers (CampaignSegments and "
            "CampaignMaxConcurrency allow up to 1,000)"
        )


def _breakdown(calls: Counter[str], recipients: int) -> str:
    return ", ".join(f"{name} {count / recipients:.2f}" for name, count in sorted(calls.items()))
