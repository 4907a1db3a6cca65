"""Campaign fan-out throughput: one worker, every segment in turn, against moto.

Recipients get a profile and a consent with one BatchWriteItem per 25 items, encoded as the profile table
encodes them (going through its transactions would make moto copy the whole table for every user). A
campaign is then sent and its queue drained by one worker in this process, with an in-memory sender
behind the channel port (the providers' time is not Nudge's). Every recipient is sent one email.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from nudge.audit.audit_table import AuditTable
from nudge.behavior.behavior_table import BehaviorTable
from nudge.item_codec import put_all, to_item
from nudge.notifications.admin import put_segment, put_template
from nudge.notifications.campaign_admin import CampaignAdmin, FanOut, create_campaign, get_campaign, send_campaign
from nudge.notifications.campaign_fanout import CampaignPorts, process_message
from nudge.notifications.campaign_queue import CampaignMessage, CampaignQueue
from nudge.notifications.campaigns import CampaignFields
from nudge.notifications.delivery_table import DeliveryTable
from nudge.notifications.notification_table import NotificationTable
from nudge.notifications.outgoing import Channel, OutgoingMessage
from nudge.notifications.segments import SegmentFields
from nudge.notifications.templates import TemplateFields
from nudge.profiles.consent import ConsentRecord, ConsentSettings
from nudge.profiles.profile import ProfileFields, ProfileRecord
from nudge.profiles.profile_table import ProfileTable
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
                "notification_preferences": {"email": {"enabled": True}},
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
    queue = CampaignQueue(queue_url, sqs)
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
        unsubscribe_url="https://nudge.example/unsubscribe",
    )
    admin = CampaignAdmin(notifications, AuditTable(template.ref("AuditTable"), dynamodb))
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
    meter.reset()
    started = time.perf_counter()
    send_campaign(admin, FanOut(notifications, queue, segments), ADMIN, "bench-campaign", datetime.now(UTC))
    while messages := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages"):
        for message in messages:
            process_message(ports, CampaignMessage.model_validate_json(message["Body"]), lambda: 900_000)
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    wall = time.perf_counter() - started
    view = get_campaign(notifications, ADMIN, "bench-campaign")
    if view.status != "sent" or view.counts.sent != recipients or sender.sent != recipients:
        raise RuntimeError(f"the campaign did not reach every recipient: {view.status} {view.counts}")
    _report(recipients, segments, wall, meter)


def _report(recipients: int, segments: int, wall: float, meter: Any) -> None:
    own = wall - meter.seconds
    calls = Counter(meter.calls)
    per_recipient = sum(calls.values()) / recipients
    own_rate = recipients / own
    print(f"\nCampaign fan-out: {recipients} recipients, {segments} segments, one worker, moto, in-memory sender")
    print(f"wall {wall:.1f} s; inside DynamoDB calls {meter.seconds:.1f} s; Nudge's own {own:.1f} s")
    print(f"Nudge's own time per recipient: {own / recipients * 1000:.2f} ms ({own_rate:,.0f} recipients/s per worker)")
    print(f"DynamoDB calls per recipient: {per_recipient:.2f} ({_breakdown(calls, recipients)})")
    needed = TARGET_RECIPIENTS / TARGET_SECONDS
    for latency_ms in (5, 10):
        # On AWS the worker's calls are sequential: each recipient waits for its own (PutItem, Query, UpdateItem).
        seconds = own / recipients + per_recipient * latency_ms / 1000
        workers = needed / (1 / seconds)
        print(
            f"1,000,000 in 10 min needs {needed:,.0f} recipients/s: at {latency_ms} ms per DynamoDB call a worker "
            f"does {1 / seconds:,.0f}/s, so {workers:,.0f} workers (CampaignSegments and CampaignMaxConcurrency "
            "allow up to 1,000)"
        )


def _breakdown(calls: Counter[str], recipients: int) -> str:
    return ", ".join(f"{name} {count / recipients:.2f}" for name, count in sorted(calls.items()))
