"""SES events put on the default bus reach RecordDeliveryFeedbackFunction through the template's rule (its
policy checked), and move a campaign delivery's markers and its campaign's counters once each."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from local_runtime.emulator import point_whatsapp_events
from local_runtime.runtime import LocalStack
from local_runtime.whatsapp_events import status_event
from nudge.audit.audit_table import AuditTable
from nudge.notifications.campaigns import CampaignCounts
from nudge.notifications.channel_names import Channel
from nudge.notifications.channels.ses_email import SesEmailSender, tag_value
from nudge.notifications.channels.whatsapp import WhatsAppSender
from nudge.notifications.delivery_table import DeliveryRecord, DeliveryTable
from nudge.notifications.notification_table import NotificationTable
from nudge.notifications.outgoing import OutgoingEmail, OutgoingWhatsApp
from nudge.signing import STACK_KEY
from nudge.subscribers.click_links import ClickLink, click_token
from nudge.subscribers.links import secret_key
from nudge.subscribers.suppression import suppression_list
from nudge.users.actor import Actor
from tests.integration.conftest import Api

SAMPLES = Path(__file__).parents[2] / "events" / "record_delivery_feedback"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
FUNCTION = "RecordDeliveryFeedbackFunction"


def _event(name: str, notification_id: str, campaign_id: str, address: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((SAMPLES / f"{name}.json").read_text())
    mail = event["detail"]["mail"]
    mail["tags"]["notification_id"], mail["tags"]["campaign_id"] = (
        [tag_value(notification_id)],
        [tag_value(campaign_id)],
    )
    mail["destination"] = [address]
    for recipients in ("bouncedRecipients", "complainedRecipients"):
        for recipient in event["detail"].get(event["detail"]["eventType"].lower(), {}).get(recipients, []):
            recipient["emailAddress"] = address
    return event


def _publish(stack: LocalStack, event: dict[str, Any]) -> None:
    entry = {"Source": event["source"], "DetailType": event["detail-type"], "Detail": json.dumps(event["detail"])}
    answer = stack.emulator.client("events").put_events(Entries=[entry])
    assert answer["FailedEntryCount"] == 0


class Deliveries:
    def __init__(self, stack: LocalStack) -> None:
        dynamodb = stack.emulator.client("dynamodb")
        self.table = DeliveryTable(stack.template.ref("DeliveryTable"), dynamodb)
        self.notifications = NotificationTable(stack.template.ref("NotificationTable"), dynamodb)
        self.campaign_id = f"cmp-{uuid4().hex[:8]}"

    def sent(self, user: str, claim: bool = True, channel: Channel = "email") -> DeliveryRecord:
        record = DeliveryRecord(
            user_id=user,
            campaign_id=self.campaign_id,
            channel=channel,
            status="sent",
            at=NOW,
            reason="You see this because you selected 'TRAVEL' as an interest",
            notification_id=f"{user}.{uuid4().hex[:8]}",
            campaign_name="Trips",
            provider_message_id="0100019a7c191be4-e9aedb9a",
            updated_at=NOW,
        )
        if claim:
            assert self.table.claim(record) is None
        return record

    def counts(self) -> CampaignCounts:
        return self.notifications.campaign_progress(self.campaign_id).counts

    def record(self, user: str) -> DeliveryRecord:
        [record] = [
            found for found in self.table.user_page(user, 10, None).deliveries if found.campaign_id == self.campaign_id
        ]
        return record


@pytest.fixture
def deliveries(stack: LocalStack) -> Deliveries:
    return Deliveries(stack)


def _feedback(counts: CampaignCounts) -> tuple[int, int, int, int, int]:
    return (counts.delivered, counts.opened, counts.clicked, counts.bounced, counts.complained)


def test_duplicated_and_out_of_order_events_through_the_rule_count_once(
    stack: LocalStack, deliveries: Deliveries, user: str
) -> None:
    record = deliveries.sent(user)
    address = f"{user}@example.com"
    for name in ("open", "send", "delivery", "open", "click", "delivery", "click"):
        _publish(stack, _event(name, record.notification_id, deliveries.campaign_id, address))

    assert stack.bridge.drain() == 7
    outcomes = [entry["result"]["outcome"] for entry in stack.bridge.delivered[-7:]]
    assert outcomes == ["recorded", "ignored", "recorded", "duplicate", "recorded", "duplicate", "duplicate"]
    assert _feedback(deliveries.counts()) == (1, 1, 1, 0, 0)
    stored = deliveries.record(user)
    assert (stored.opened_at, stored.delivered_at) == (
        datetime(2026, 12, 1, 9, 30, tzinfo=UTC),
        datetime(2026, 12, 1, 9, 0, 2, 345000, tzinfo=UTC),
    )
    assert stored.status == "sent"


def test_a_permanent_bounce_and_a_complaint_suppress_their_addresses_and_a_soft_bounce_is_counted(
    stack: LocalStack, deliveries: Deliveries, user: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    samples = {"bounce_permanent": f"{user}-hard@example.com", "complaint": f"{user}-spam@example.com"}
    samples["bounce_transient"] = f"{user}-full@example.com"
    for index, (name, address) in enumerate(samples.items()):
        record = deliveries.sent(f"{user}-{index}")
        _publish(stack, _event(name, record.notification_id, deliveries.campaign_id, address))
        _publish(stack, _event(name, record.notification_id, deliveries.campaign_id, address))
    assert stack.bridge.drain() == 6

    assert _feedback(deliveries.counts()) == (0, 0, 0, 2, 1)
    for name, value in stack.functions[FUNCTION].environment.items():
        monkeypatch.setenv(name, value)
    suppression = suppression_list()
    hard, spam, full = (suppression.status(address) for address in samples.values())
    assert (hard.suppressed, hard.reason) == (True, "hard_bounce")
    assert (spam.suppressed, spam.reason) == (True, "complaint")
    assert (full.suppressed, full.soft_bounces_in_a_row) == (False, 1)  # the duplicate was not a second one


def test_an_event_of_a_mail_that_is_no_campaign_delivery_is_ignored(stack: LocalStack, deliveries: Deliveries) -> None:
    answer = stack.functions[FUNCTION].invoke(_event("open", "n-unknown", deliveries.campaign_id, "x@example.com"))
    assert answer == {"outcome": "unknown_delivery"}
    assert stack.functions[FUNCTION].invoke({"detail-type": "Email Opened", "detail": {}})["outcome"] == "rejected"
    assert _feedback(deliveries.counts()) == (0, 0, 0, 0, 0)


def _fresh(event: dict[str, Any]) -> dict[str, Any]:
    event["detail"]["mail"]["timestamp"] = datetime.now(UTC).isoformat()
    return event


def test_a_fresh_event_the_index_does_not_show_yet_is_retried_and_counted_once_it_does(
    stack: LocalStack, deliveries: Deliveries, user: str
) -> None:
    record = deliveries.sent(user, claim=False)  # written after the event reads the index: the index lags
    _publish(stack, _fresh(_event("delivery", record.notification_id, deliveries.campaign_id, "a@example.com")))

    assert stack.bridge.deliver_pending() == 1
    assert "DeliveryNotIndexedYet" in stack.bridge.delivered[-1]["error"]
    assert deliveries.table.claim(record) is None
    assert stack.bridge.drain() == 1

    assert stack.bridge.delivered[-1]["result"] == {"outcome": "recorded"}
    assert _feedback(deliveries.counts()) == (1, 0, 0, 0, 0)


def test_a_fresh_event_of_a_notification_never_written_is_tried_three_times_then_given_up(
    stack: LocalStack, deliveries: Deliveries, user: str
) -> None:
    record = deliveries.sent(user, claim=False)
    _publish(stack, _fresh(_event("open", record.notification_id, deliveries.campaign_id, "a@example.com")))

    assert stack.bridge.drain() == 3
    assert [entry.get("attempt") for entry in stack.bridge.delivered[-3:]] == [1, 2, 3]
    assert _feedback(deliveries.counts()) == (0, 0, 0, 0, 0)


def test_a_burst_with_duplicates_counts_each_distinct_event_once(
    stack: LocalStack, deliveries: Deliveries, user: str
) -> None:
    records = [deliveries.sent(f"{user}-{index}") for index in range(100)]
    distinct = [
        _event(name, record.notification_id, deliveries.campaign_id, f"{record.user_id}@example.com")
        for record in records
        for name in ("delivery", "open", "click")
    ]
    # 500 events: 200 of them twice, the first copies in reverse (clicks and opens before their deliveries).
    burst = distinct[::-1][:200] + distinct

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(stack.functions[FUNCTION].invoke, burst))

    assert sorted(answer["outcome"] for answer in outcomes).count("recorded") == 300
    assert _feedback(deliveries.counts()) == (100, 100, 100, 0, 0)


def test_a_click_through_the_redirect_counts_the_campaign_once_and_the_ses_click_after_it_is_a_duplicate(
    stack: LocalStack, api: Api, deliveries: Deliveries, user: str
) -> None:
    record = deliveries.sent(user)
    link = ClickLink(user, record.notification_id, deliveries.campaign_id, "https://nudge.example/surveys/s-1")
    token = click_token(secret_key(STACK_KEY), link, frozenset({"nudge.example"}), datetime.now(UTC))

    assert [api.call("GET", f"/v1/r/{token}", user=None).status for _ in range(2)] == [302, 302]
    answer = stack.functions[FUNCTION].invoke(_event("click", record.notification_id, deliveries.campaign_id, "a@b.c"))

    assert answer == {"outcome": "duplicate"}
    assert _feedback(deliveries.counts()) == (0, 0, 1, 0, 0)
    assert deliveries.record(user).clicked_at is not None


@pytest.mark.parametrize(
    ("address", "expected", "reason"),
    [
        ("bounce@simulator.amazonses.com", (0, 0, 0, 1, 0), "hard_bounce"),
        ("complaint@simulator.amazonses.com", (1, 0, 0, 0, 1), "complaint"),
        ("success@simulator.amazonses.com", (1, 0, 0, 0, 0), None),
    ],
)
def test_mail_to_the_simulator_comes_back_as_ses_events_through_the_same_rule(
    stack: LocalStack,
    deliveries: Deliveries,
    user: str,
    monkeypatch: pytest.MonkeyPatch,
    address: str,
    expected: tuple[int, ...],
    reason: str | None,
) -> None:
    record = deliveries.sent(user)
    sending = stack.functions["EraseUserDataFunction"].environment
    sender = SesEmailSender(
        sending["NOTIFICATION_SENDER_ADDRESS"],
        sending["NOTIFICATION_CONFIGURATION_SET"],
        stack.emulator.client("sesv2"),
    )
    message = OutgoingEmail(
        notification_id=record.notification_id,
        user_id=user,
        campaign_id=deliveries.campaign_id,
        to=address,
        subject="Trips",
        text="Tell us",
    )
    sender.send(message)
    stack.bridge.drain()

    assert _feedback(deliveries.counts()) == expected
    for name, value in stack.functions[FUNCTION].environment.items():
        monkeypatch.setenv(name, value)
    assert suppression_list().status(address).reason == reason
    if reason is not None:  # lifted, so the simulator's address is clean for whatever comes next
        audit = AuditTable(stack.template.ref("AuditTable"), stack.emulator.client("dynamodb"))
        suppression_list().lift(address, Actor("admin", is_admin=True), datetime.now(UTC), audit)


@pytest.fixture
def whatsapp_events(stack: LocalStack) -> Iterator[None]:
    """The WhatsApp Business Account's event destination set to the template's topic, for this test only."""
    point_whatsapp_events(stack.emulator, stack.template)
    yield
    point_whatsapp_events(stack.emulator, stack.template, enabled=False)


def _send_whatsapp(stack: LocalStack, record: DeliveryRecord) -> str:
    message = OutgoingWhatsApp(
        notification_id=record.notification_id,
        user_id=record.user_id,
        campaign_id=record.campaign_id,
        to="+447700900123",
        template_name="survey_invite",
        language="en_GB",
        parameters=["Carol"],
    )
    origination = stack.functions["ProcessCampaignSegmentFunction"].environment["WHATSAPP_ORIGINATION_PHONE_NUMBER_ID"]
    return WhatsAppSender(origination, stack.emulator.client("socialmessaging")).send(message)


def _publish_status(stack: LocalStack, record: DeliveryRecord, message_id: str, status: str) -> None:
    callback = json.dumps({"notification_id": record.notification_id, "campaign_id": record.campaign_id})
    text = status_event(message_id, "+447700900123", status, callback, "phone-number-id-0", datetime.now(UTC))
    stack.emulator.client("sns").publish(TopicArn=stack.template.ref("WhatsAppEventsTopic"), Message=text)


@pytest.mark.usefixtures("whatsapp_events")
def test_a_whatsapp_send_comes_back_as_statuses_through_the_topic_and_counts_delivered_once(
    stack: LocalStack, deliveries: Deliveries, user: str
) -> None:
    record = deliveries.sent(user, channel="whatsapp")
    message_id = _send_whatsapp(stack, record)

    assert stack.bridge.drain() == 2  # the stand-in's sent, then delivered
    answers = [entry["result"] for entry in stack.bridge.delivered[-2:]]
    assert answers == [{"outcomes": [{"outcome": "ignored"}]}, {"outcomes": [{"outcome": "recorded"}]}]
    for status in ("read", "read", "delivered"):
        _publish_status(stack, record, message_id, status)
    assert stack.bridge.drain() == 3

    assert _feedback(deliveries.counts()) == (1, 1, 0, 0, 0)
    stored = deliveries.record(user)
    assert stored.delivered_at is not None
    assert stored.opened_at is not None
    assert stored.status == "sent"


@pytest.mark.usefixtures("whatsapp_events")
def test_a_failed_whatsapp_status_marks_the_delivery_undelivered_once(
    stack: LocalStack, deliveries: Deliveries, user: str
) -> None:
    record = deliveries.sent(user, channel="whatsapp")
    for _ in range(2):
        _publish_status(stack, record, "wamid.failed", "failed")
    assert stack.bridge.drain() == 2

    assert deliveries.counts().undelivered == 1
    assert deliveries.record(user).undelivered_at is not None


def test_without_an_event_destination_a_whatsapp_send_publishes_nothing(
    stack: LocalStack, deliveries: Deliveries, user: str
) -> None:
    _send_whatsapp(stack, deliveries.sent(user, channel="whatsapp"))
    assert stack.bridge.drain() == 0
