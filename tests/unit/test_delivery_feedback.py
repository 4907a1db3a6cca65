"""SES events as EventBridge delivers them (the samples in events/record_delivery_feedback/), read and applied
to a delivery's markers, its campaign's counters and the suppression list, without AWS."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest

from nudge.errors import InvalidInput
from nudge.notifications.campaigns import CampaignCounts
from nudge.notifications.channels.ses_email import tag_value
from nudge.notifications.delivery_feedback import (
    INDEX_LAG_WINDOW,
    DeliveryMarks,
    DeliveryNotIndexedYet,
    FeedbackPorts,
    parse_feedback,
    record_feedback,
    record_ses_event,
)
from nudge.notifications.delivery_table import DeliveryKey, FeedbackKind
from nudge.subscribers.suppression import SuppressionList
from tests.unit.test_subscriber_control import FakeSuppressionStore

SAMPLES = Path(__file__).parents[2] / "events" / "record_delivery_feedback"
ADDRESS = "recipient@example.com"
# The samples' mails are of 2026-12-01 09:00; read hours later, an unknown notification is no index lag.
LATER = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def sample(name: str, notification_id: str = "n-1", campaign_id: str = "cmp-1") -> dict[str, Any]:
    event: dict[str, Any] = json.loads((SAMPLES / f"{name}.json").read_text())
    tags = event["detail"]["mail"]["tags"]
    tags["notification_id"], tags["campaign_id"] = [tag_value(notification_id)], [tag_value(campaign_id)]
    return event


class FakeDeliveries:
    def __init__(self) -> None:
        self.keys = {"n-1": DeliveryKey("ana", "cmp-1", "email")}
        self.markers: dict[tuple[DeliveryKey, str], datetime] = {}
        self.counted: list[dict[str, Any]] = []
        self.funnel_surveys: dict[DeliveryKey, str] = {}

    def find(self, notification_id: str) -> DeliveryKey | None:
        return self.keys.get(notification_id)

    def funnel_survey(self, key: DeliveryKey) -> str | None:
        return self.funnel_surveys.get(key)

    def mark(self, key: DeliveryKey, kind: FeedbackKind, at: datetime, also: list[dict[str, Any]]) -> bool:
        if (key, kind) in self.markers:
            return False
        self.markers[(key, kind)] = at
        self.counted.extend(also)
        return True


class FakeFunnel:
    def funnel_request(self, survey_id: str, step: str, amount: int = 1) -> dict[str, Any]:
        return {f"funnel:{survey_id}": {step: amount}}


class FakeNotifications:
    def counts_request(self, campaign_id: str, counts: CampaignCounts) -> dict[str, Any]:
        return {campaign_id: {name: value for name, value in counts.model_dump().items() if value}}


@pytest.fixture
def deliveries() -> FakeDeliveries:
    return FakeDeliveries()


@pytest.fixture
def suppression() -> SuppressionList:
    return SuppressionList(FakeSuppressionStore(), 2, digest=lambda purpose, message: message.encode())


@pytest.fixture
def ports(deliveries: FakeDeliveries, suppression: SuppressionList) -> FeedbackPorts:
    return FeedbackPorts(cast(Any, deliveries), cast(Any, FakeNotifications()), suppression, cast(Any, FakeFunnel()))


@pytest.mark.parametrize(
    ("name", "kind", "at"),
    [
        ("send", None, datetime(2026, 12, 1, 9, 0, tzinfo=UTC)),
        ("delivery", "delivered", datetime(2026, 12, 1, 9, 0, 2, 345000, tzinfo=UTC)),
        ("bounce_permanent", "bounced", datetime(2026, 12, 1, 9, 0, 3, 669000, tzinfo=UTC)),
        ("complaint", "complained", datetime(2026, 12, 1, 10, 15, tzinfo=UTC)),
        ("open", "opened", datetime(2026, 12, 1, 9, 30, tzinfo=UTC)),
        ("click", "clicked", datetime(2026, 12, 1, 9, 31, tzinfo=UTC)),
    ],
)
def test_each_sample_reads_as_its_kind_at_its_own_moment(name: str, kind: str | None, at: datetime) -> None:
    feedback = parse_feedback(sample(name, notification_id="demo.user:n-1", campaign_id="cmp_1"))
    assert (feedback.kind, feedback.at) == (kind, at)
    assert (feedback.notification_id, feedback.campaign_id) == ("demo.user:n-1", "cmp_1")  # the tags decoded
    assert feedback.addresses == [ADDRESS]
    assert feedback.message_id.startswith("0100019a7c191be4")


def test_only_a_permanent_bounce_reads_as_permanent() -> None:
    assert parse_feedback(sample("bounce_permanent")).permanent
    assert not parse_feedback(sample("bounce_transient")).permanent


def test_an_event_that_is_not_an_ses_event_is_rejected_naming_the_field(ports: FeedbackPorts) -> None:
    event = sample("delivery")
    del event["detail"]["mail"]["messageId"]
    with pytest.raises(InvalidInput) as raised:
        parse_feedback(event)
    assert raised.value.field == "detail.mail.messageId"
    assert record_ses_event(ports, {"detail": "nothing"}, LATER)["outcome"] == "rejected"


def test_each_kind_is_counted_once_however_often_and_in_whatever_order_it_comes(
    ports: FeedbackPorts, deliveries: FakeDeliveries
) -> None:
    names = ["open", "delivery", "open", "click", "delivery", "send", "click", "open"]
    outcomes = [record_ses_event(ports, sample(name), LATER)["outcome"] for name in names]

    assert outcomes == [
        "recorded", "recorded", "duplicate", "recorded", "duplicate", "ignored", "duplicate", "duplicate"
    ]  # fmt: skip
    assert deliveries.counted == [{"cmp-1": {"opened": 1}}, {"cmp-1": {"delivered": 1}}, {"cmp-1": {"clicked": 1}}]
    key = deliveries.keys["n-1"]
    assert deliveries.markers[(key, "opened")] == datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def test_the_first_open_of_a_delivery_counted_in_a_survey_funnel_is_counted_there_once(
    ports: FeedbackPorts, deliveries: FakeDeliveries
) -> None:
    deliveries.funnel_surveys[deliveries.keys["n-1"]] = "survey-1"
    outcomes = [
        record_ses_event(ports, sample(name), LATER)["outcome"] for name in ["open", "open", "delivery", "click"]
    ]

    assert outcomes == ["recorded", "duplicate", "recorded", "recorded"]
    assert deliveries.counted == [
        {"cmp-1": {"opened": 1}},
        {"funnel:survey-1": {"notification_opened": 1}},
        {"cmp-1": {"delivered": 1}},
        {"cmp-1": {"clicked": 1}},
    ]


def test_a_permanent_bounce_and_a_complaint_suppress_the_address(
    ports: FeedbackPorts, deliveries: FakeDeliveries, suppression: SuppressionList
) -> None:
    assert record_feedback(ports, parse_feedback(sample("bounce_permanent")), LATER) == "recorded"
    assert suppression.status(ADDRESS).reason == "hard_bounce"

    deliveries.keys["n-2"] = DeliveryKey("bo", "cmp-1", "email")
    complaint = sample("complaint", notification_id="n-2")
    complaint["detail"]["complaint"]["complainedRecipients"] = [{"emailAddress": "bo@example.com"}]
    assert record_feedback(ports, parse_feedback(complaint), LATER) == "recorded"
    assert suppression.status("bo@example.com").reason == "complaint"
    assert deliveries.counted == [{"cmp-1": {"bounced": 1}}, {"cmp-1": {"complained": 1}}]


def test_a_duplicated_transient_bounce_is_one_soft_bounce_and_a_delivery_ends_the_run(
    ports: FeedbackPorts, suppression: SuppressionList
) -> None:
    record_feedback(ports, parse_feedback(sample("bounce_transient")), LATER)
    record_feedback(ports, parse_feedback(sample("bounce_transient")), LATER)
    assert (suppression.status(ADDRESS).soft_bounces_in_a_row, suppression.status(ADDRESS).suppressed) == (1, False)

    record_feedback(ports, parse_feedback(sample("delivery")), LATER)
    assert suppression.status(ADDRESS).soft_bounces_in_a_row == 0


def test_an_event_of_an_unknown_delivery_or_another_campaign_changes_nothing(
    ports: FeedbackPorts, deliveries: FakeDeliveries
) -> None:
    assert record_ses_event(ports, sample("open", notification_id="n-unknown"), LATER)["outcome"] == "unknown_delivery"
    assert record_ses_event(ports, sample("open", campaign_id="cmp-other"), LATER)["outcome"] == "unknown_delivery"
    event = sample("open")
    del event["detail"]["mail"]["tags"]["campaign_id"]  # an email that is not a campaign's
    assert record_ses_event(ports, event, LATER)["outcome"] == "ignored"
    assert deliveries.counted == []


def test_a_click_through_the_redirect_and_an_ses_click_count_one_notification_once(
    ports: FeedbackPorts, deliveries: FakeDeliveries
) -> None:
    marks = DeliveryMarks(ports.deliveries, ports.notifications)
    marks.record_click("cmp-1", "n-1", datetime(2026, 12, 1, 9, 31, tzinfo=UTC))
    marks.record_click("cmp-1", "n-1", datetime(2026, 12, 1, 9, 32, tzinfo=UTC))
    assert record_ses_event(ports, sample("click"), LATER)["outcome"] == "duplicate"
    assert deliveries.counted == [{"cmp-1": {"clicked": 1}}]


MAILED = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # the samples' mail timestamp


def test_a_fresh_event_the_index_does_not_show_yet_fails_to_be_retried_and_counts_once_found(
    ports: FeedbackPorts, deliveries: FakeDeliveries
) -> None:
    event = sample("delivery", notification_id="n-lagging")
    just_inside = MAILED + INDEX_LAG_WINDOW - timedelta(milliseconds=1)
    with pytest.raises(DeliveryNotIndexedYet):
        record_ses_event(ports, event, MAILED + timedelta(seconds=3))
    with pytest.raises(DeliveryNotIndexedYet):
        record_ses_event(ports, event, just_inside)
    assert deliveries.counted == []

    deliveries.keys["n-lagging"] = DeliveryKey("cy", "cmp-1", "email")  # the index has caught up
    assert record_ses_event(ports, event, just_inside)["outcome"] == "recorded"
    assert deliveries.counted == [{"cmp-1": {"delivered": 1}}]


def test_an_unknown_event_as_old_as_the_window_is_dropped_logged_and_counted(
    ports: FeedbackPorts, deliveries: FakeDeliveries, caplog: pytest.LogCaptureFixture
) -> None:
    from nudge.observability import metrics

    metrics().clear_metrics()
    answer = record_ses_event(ports, sample("delivery", notification_id="n-gone"), MAILED + INDEX_LAG_WINDOW)

    assert answer == {"outcome": "unknown_delivery"}
    assert metrics().metric_set["DeliveryFeedbackUnknown"]["Value"] == [1.0]
    [logged] = [record for record in caplog.records if record.getMessage() == "feedback of an unknown delivery dropped"]
    assert (logged.levelname, getattr(logged, "notification_id", None)) == ("WARNING", "n-gone")
    assert deliveries.counted == []
    metrics().clear_metrics()


def test_a_fresh_event_of_another_campaigns_notification_is_dropped_not_retried(ports: FeedbackPorts) -> None:
    event = sample("open", campaign_id="cmp-other")
    assert record_ses_event(ports, event, MAILED + timedelta(seconds=1))["outcome"] == "unknown_delivery"


def whatsapp_sample(status: str, notification_id: str = "n-1", campaign_id: str = "cmp-1") -> dict[str, Any]:
    """An SNS event of End User Messaging Social's topic, its status naming the notification as our sender does."""
    event: dict[str, Any] = json.loads((SAMPLES / f"whatsapp_{status}.json").read_text())
    sns = event["Records"][0]["Sns"]
    message = json.loads(sns["Message"])
    entry = json.loads(message["whatsAppWebhookEntry"])
    callback = {"notification_id": notification_id, "campaign_id": campaign_id}
    entry["changes"][0]["value"]["statuses"][0]["biz_opaque_callback_data"] = json.dumps(callback)
    message["whatsAppWebhookEntry"] = json.dumps(entry)
    sns["Message"] = json.dumps(message)
    return event


@pytest.mark.parametrize(
    ("status", "kind", "at"),
    [
        ("delivered", "delivered", datetime(2026, 12, 1, 9, 0, 4, tzinfo=UTC)),
        ("read", "opened", datetime(2026, 12, 1, 9, 12, tzinfo=UTC)),
        ("failed", "undelivered", datetime(2026, 12, 1, 9, 0, 6, tzinfo=UTC)),
    ],
)
def test_each_whatsapp_status_reads_as_its_kind_with_the_ids_of_its_callback_data(
    status: str, kind: str, at: datetime
) -> None:
    from nudge.notifications.whatsapp_feedback import parse_statuses

    message = whatsapp_sample(status, "demo-user.n-9", "cmp_9")["Records"][0]["Sns"]["Message"]
    [feedback] = parse_statuses(message)
    assert (feedback.kind, feedback.at, feedback.sent_at) == (kind, at, at)
    assert (feedback.notification_id, feedback.campaign_id) == ("demo-user.n-9", "cmp_9")
    assert feedback.message_id.startswith("wamid.")
    assert feedback.addresses == []  # a phone number never reaches the (email) suppression list


def test_whatsapp_statuses_are_counted_once_each_on_the_same_markers_as_email(
    ports: FeedbackPorts, deliveries: FakeDeliveries, suppression: SuppressionList
) -> None:
    from nudge.notifications.delivery_feedback import record_provider_event

    deliveries.keys["n-2"] = DeliveryKey("bo", "cmp-1", "whatsapp")
    events = [whatsapp_sample("read"), whatsapp_sample("delivered"), whatsapp_sample("read")]
    events.append(whatsapp_sample("failed", notification_id="n-2"))
    answers = [record_provider_event(ports, event, LATER) for event in events]

    assert answers == [
        {"outcomes": [{"outcome": outcome}]} for outcome in ("recorded", "recorded", "duplicate", "recorded")
    ]
    assert deliveries.counted == [{"cmp-1": {"opened": 1}}, {"cmp-1": {"delivered": 1}}, {"cmp-1": {"undelivered": 1}}]
    assert deliveries.markers[(deliveries.keys["n-2"], "undelivered")] == datetime(2026, 12, 1, 9, 0, 6, tzinfo=UTC)


def test_a_sent_status_a_reply_and_a_message_of_another_sender_change_nothing(
    ports: FeedbackPorts, deliveries: FakeDeliveries
) -> None:
    from nudge.notifications.delivery_feedback import record_provider_event

    sent = whatsapp_sample("delivered")
    sns = sent["Records"][0]["Sns"]
    sns["Message"] = sns["Message"].replace('\\"status\\": \\"delivered\\"', '\\"status\\": \\"sent\\"')
    other = whatsapp_sample("delivered")
    message = json.loads(other["Records"][0]["Sns"]["Message"])
    message["whatsAppWebhookEntry"] = message["whatsAppWebhookEntry"].replace("biz_opaque_callback_data", "x")
    other["Records"][0]["Sns"]["Message"] = json.dumps(message)
    reply_entry = {"id": "1", "changes": [{"value": {"messages": [{"from": "447700900123", "type": "text"}]}}]}
    reply = {"Records": [{"Sns": {"Message": json.dumps({"whatsAppWebhookEntry": json.dumps(reply_entry)})}}]}

    assert record_provider_event(ports, sent, LATER) == {"outcomes": [{"outcome": "ignored"}]}
    assert record_provider_event(ports, other, LATER) == {"outcomes": [{"outcome": "ignored"}]}
    assert record_provider_event(ports, reply, LATER) == {"outcomes": []}
    assert deliveries.counted == []


def test_an_sns_message_that_is_no_whatsapp_event_is_rejected_and_a_fresh_unknown_status_retried(
    ports: FeedbackPorts,
) -> None:
    from nudge.notifications.delivery_feedback import record_provider_event

    answer = record_provider_event(ports, {"Records": [{"Sns": {"Message": "{}"}}]}, LATER)
    assert answer["outcomes"][0]["outcome"] == "rejected"
    assert answer["outcomes"][0]["field"] == "whatsAppWebhookEntry"
    with pytest.raises(DeliveryNotIndexedYet):
        record_provider_event(ports, whatsapp_sample("delivered", "n-new"), datetime(2026, 12, 1, 9, 0, 30, tzinfo=UTC))
