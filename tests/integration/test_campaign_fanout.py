"""A campaign's fan-out against moto, with exact counts: tables and a queue of its own (another stack name in
the session's emulator), the queue driven the way SQS would, an in-memory sender behind the channel port and
an injected clock. Crashes and duplicate messages are injected; nothing is ever sent twice."""

from __future__ import annotations

import hmac
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from local_runtime.emulator import provision
from local_runtime.runtime import LocalStack
from local_runtime.template import Template
from nudge.analytics.analytics_table import SurveyAnalyticsTable
from nudge.audit.audit_table import AuditTable
from nudge.behavior.behavior_table import BehaviorTable
from nudge.engagement.engagement_score import EngagementAggregates
from nudge.item_codec import write_transaction
from nudge.notifications import campaign_fanout
from nudge.notifications.admin import put_segment, put_template
from nudge.notifications.campaign_admin import (
    CampaignAdmin,
    FanOut,
    cancel_campaign,
    create_campaign,
    get_campaign,
    send_campaign,
)
from nudge.notifications.campaign_fanout import CampaignPorts, process_message, sweep
from nudge.notifications.campaign_queue import CampaignMessage, CampaignQueue, DueShardMessage, parse_message
from nudge.notifications.campaigns import CampaignCounts, CampaignFields, CampaignView
from nudge.notifications.channel_names import Channel
from nudge.notifications.channels.retrying import RetryingSender
from nudge.notifications.channels.send_rate import RateLimitedSender, SendRateLimiter
from nudge.notifications.channels.send_rate_table import SendRateTable
from nudge.notifications.delivery_table import DeliveryRecord, DeliveryTable
from nudge.notifications.notification_table import NotificationTable
from nudge.notifications.outgoing import OutgoingMessage, PermanentSendFailure, TransientSendFailure
from nudge.notifications.segments import SegmentFields
from nudge.notifications.templates import TemplateFields
from nudge.profiles.consent import ConsentRecord, ConsentSettings, apply_consent
from nudge.profiles.profile import ProfileFields, ProfileRecord
from nudge.profiles.profile_table import ProfileTable
from nudge.profiles.user_consent import revise_consent
from nudge.subscribers.click_links import ClickLink, allowed_target, click_token, read_click
from nudge.subscribers.links import HmacKey
from nudge.subscribers.suppression import SuppressionList
from nudge.subscribers.suppression_table import SuppressionTable
from nudge.subscribers.unsubscribe import unsubscribed
from nudge.users.actor import Actor
from tests.integration.test_notification_admin_api import TEMPLATE

NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
ADMIN = Actor("campaigns-admin", is_admin=True)


def _digest(purpose: str, message: str) -> bytes:
    return hmac.new(b"campaign-test-key", f"{purpose}:{message}".encode(), "sha256").digest()


CLICKABLE = frozenset({"nudge.example"})
CLICK_KEY = HmacKey(b"click-test-key")


def _click_link(user_id: str, notification_id: str, campaign_id: str | None, target: str, now: datetime) -> str:
    """The click redirect's link with a fixed key, RedirectAllowedDomains as the demo stack sets it."""
    token = click_token(CLICK_KEY, ClickLink(user_id, notification_id, campaign_id, target), CLICKABLE, now)
    return f"https://api.nudge.example/v1/r/{token}"


def click_links_in(text: str | None) -> list[ClickLink]:
    """The click redirect's links in a message, read back as the redirect reads them."""
    tokens = re.findall(r"https://api\.nudge\.example/v1/r/([A-Za-z0-9_.-]+)", text or "")
    return [read_click(CLICK_KEY, token, NOW) for token in tokens]


def plenty() -> int:
    return 900_000


class Crash(BaseException):
    """The worker dies (timeout, out of memory) after the ledger write, before the provider answers."""


@dataclass
class FakeSender:
    sent: list[OutgoingMessage] = field(default_factory=list)
    refuse: set[tuple[str, str]] = field(default_factory=set)  # (channel, user_id) refused for good
    crash_for: str | None = None

    def send(self, message: OutgoingMessage) -> str:
        if message.user_id == self.crash_for:
            self.crash_for = None
            raise Crash
        if (message.channel, message.user_id) in self.refuse:
            raise PermanentSendFailure("invalid address")
        self.sent.append(message)
        return f"provider-{len(self.sent)}"

    def recipients(self) -> list[tuple[str, str]]:
        return sorted((message.user_id, message.channel) for message in self.sent)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Campaigns:
    template: Template
    ports: CampaignPorts
    admin: CampaignAdmin
    fan_out: FanOut
    sender: FakeSender
    clock: Clock
    sqs: Any
    queue_url: str

    def person(self, user: str, consent: dict[str, Any] | None = None, **profile: Any) -> None:
        document = {
            "email": f"{user}@example.com",
            "phone": "+14155550123",
            "name": "Ana Lima",
            "demographics": {"location": {"country": "PT"}},
            "interests": {"categories": ["TECH_SAAS"]},
            "notification_preferences": {
                "email": {"enabled": True, "frequency": "instant"},
                "whatsapp": {"enabled": True},
            },
        } | profile
        fields = ProfileFields.model_validate(document)
        record = ProfileRecord(fields=fields, created_at=NOW, updated_at=NOW, version=1)
        assert self.ports.profiles.save_profile(user, record, 0)
        wanted = consent or {
            "personalized_notifications": {"enabled": True, "channels": {"email": True, "whatsapp": True}}
        }
        update = apply_consent(ConsentRecord(), ConsentSettings.model_validate(wanted), NOW, "127.0.0.1", "test", "1")
        assert self.ports.profiles.save_consent(user, update.record, 0, update.changes)

    def clicks(self, user: str, hours: dict[str, int]) -> None:
        put = self.ports.behavior.engagement_put(user, 0, EngagementAggregates(version=1, click_hours=hours))
        assert write_transaction(self.ports.deliveries._client, [put])

    def campaign(self, **overrides: Any) -> str:
        segment_id, template_id = f"seg-{uuid4().hex[:6]}", f"tpl-{uuid4().hex[:6]}"
        rules = SegmentFields.model_validate({"name": "Tech in PT", "rules": {"countries": ["PT"]}})
        put_segment(self.admin.table, self.admin.audit, ADMIN, segment_id, rules, NOW)
        put_template(
            self.admin.table, self.admin.audit, ADMIN, template_id, TemplateFields.model_validate(TEMPLATE), NOW
        )
        body = {
            "campaign_id": f"cmp-{uuid4().hex[:6]}",
            "name": "Launch",
            "type": "product_launch",
            "segment_id": segment_id,
            "template_id": template_id,
            "channels": ["email"],
            "data": {"survey_title": "Tools", "url": "https://nudge.example/s/1"},
        } | overrides
        return create_campaign(self.admin, ADMIN, CampaignFields.model_validate(body), NOW).campaign_id

    def send(self, campaign_id: str) -> CampaignView:
        return send_campaign(self.admin, self.fan_out, ADMIN, campaign_id, self.clock())

    def view(self, campaign_id: str) -> CampaignView:
        return get_campaign(self.admin.table, ADMIN, campaign_id)

    def work(self) -> list[str]:
        """Receive and process until the queue is empty; a message whose processing raised is left visible."""
        outcomes: list[str] = []
        while messages := self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get("Messages"):
            for message in messages:
                handle = message["ReceiptHandle"]
                try:
                    outcomes.append(process_message(self.ports, parse_message(message["Body"]), plenty))
                except Crash:
                    outcomes.append("crashed")
                    self.sqs.change_message_visibility(
                        QueueUrl=self.queue_url, ReceiptHandle=handle, VisibilityTimeout=0
                    )
                    continue
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=handle)
        return outcomes

    def sweep(self) -> dict[str, int]:
        return sweep(self.fan_out, self.ports.deliveries, self.clock())

    def deliver(self) -> list[str]:
        """The minute's sweep, then the workers sending what it queued."""
        self.sweep()
        return self.work()

    def ledger(self, user: str) -> list[DeliveryRecord]:
        return self.ports.deliveries.user_page(user, 100, None).deliveries


@pytest.fixture
def campaigns(stack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> Campaigns:
    return build_campaigns(stack, monkeypatch)


def build_campaigns(stack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> Campaigns:
    """Tables and a queue of their own, an in-memory sender and a clock at NOW."""
    monkeypatch.setattr(campaign_fanout, "PAGE_SIZE", 3)  # many pages, so checkpoints move
    template = Template.load(stack_name=f"cmp-{uuid4().hex[:8]}")
    provision(stack.emulator, template)
    dynamodb, sqs = stack.emulator.client("dynamodb"), stack.emulator.client("sqs")
    queue_url = sqs.get_queue_url(QueueName=template.physical_name("CampaignQueue"))["QueueUrl"]
    notifications = NotificationTable(template.ref("NotificationTable"), dynamodb)
    queue = CampaignQueue(queue_url, lambda: sqs)
    sender, clock = FakeSender(), Clock(NOW)

    def senders(channel: Channel) -> FakeSender:
        return sender

    ports = CampaignPorts(
        notifications=notifications,
        profiles=ProfileTable(template.ref("ProfileTable"), dynamodb),
        behavior=BehaviorTable(template.ref("BehaviorTable"), dynamodb),
        deliveries=DeliveryTable(template.ref("DeliveryTable"), dynamodb),
        queue=queue,
        senders=senders,
        clock=clock,
        unsubscribe_link=lambda user, scope, now: f"https://nudge.example/v1/unsubscribe/{user}-{scope}",
        click_link=_click_link,
        suppressions=SuppressionList(SuppressionTable(template.ref("SuppressionTable"), dynamodb), 3, _digest),
        funnel=SurveyAnalyticsTable(template.ref("SurveyAnalyticsTable"), dynamodb),
    )
    admin = CampaignAdmin(notifications, AuditTable(template.ref("AuditTable"), dynamodb), lambda: CLICKABLE)
    return Campaigns(template, ports, admin, FanOut(notifications, queue, 2), sender, clock, sqs, queue_url)


def counts(**values: int) -> CampaignCounts:
    return CampaignCounts(**values)


def test_each_recipient_is_counted_by_what_happened_and_the_delayed_one_goes_at_its_minute(
    campaigns: Campaigns,
) -> None:
    campaigns.person("ok")
    campaigns.person("no-consent", consent={"personalized_notifications": {"enabled": False}})
    campaigns.person("email-off", notification_preferences={"email": {"enabled": False}})
    campaigns.person("capped")
    campaigns.person(
        "sleeping",
        notification_preferences={
            "email": {"enabled": True, "frequency": "instant"},
            "quiet_hours": {"start": "11:00", "end": "13:00"},
        },
    )
    campaigns.person("elsewhere", demographics={"location": {"country": "BR"}})
    earlier = DeliveryRecord(
        user_id="capped",
        campaign_id="yesterday-evening",
        channel="email",
        status="sent",
        at=NOW - timedelta(hours=3),
        reason="r",
        notification_id="n0",
        campaign_name="Earlier",
        updated_at=NOW,
    )
    assert campaigns.ports.deliveries.claim(earlier) is None
    campaign_id = campaigns.campaign()

    assert campaigns.send(campaign_id).status == "sending"
    campaigns.work()

    view = campaigns.view(campaign_id)
    assert (view.status, view.segments_done, view.total_segments) == ("sent", 2, 2)
    decided = counts(
        targeted=5,
        eligible=3,
        queued=1,
        scheduled=1,
        skipped_no_consent=1,
        skipped_channel_disabled=1,
        skipped_frequency_cap=1,
    )
    assert view.counts == decided
    assert campaigns.sender.sent == []  # queued: the minute's sweep hands it to the workers that send
    campaigns.deliver()
    assert campaigns.view(campaign_id).counts == decided.plus(counts(sent=1))
    [message] = campaigns.sender.sent
    assert (message.user_id, message.channel, message.to) == ("ok", "email", "ok@example.com")
    assert message.channel == "email"
    assert message.subject == "A survey for you, Ana"
    assert message.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # The campaign's link goes through the click redirect, naming this user, notification and campaign.
    link = ClickLink("ok", message.notification_id, campaign_id, "https://nudge.example/s/1")
    assert click_links_in(message.text) == click_links_in(message.html) == [link]
    assert "https://nudge.example/s/1" not in (message.text or "") + (message.html or "")
    [scheduled] = campaigns.ledger("sleeping")
    assert (scheduled.status, scheduled.at) == ("scheduled", datetime(2026, 6, 10, 13, 0, tzinfo=UTC))

    campaigns.clock.now = datetime(2026, 6, 10, 12, 59, 59, tzinfo=UTC)
    assert campaigns.sweep() == {"campaigns_started": 0, "shards_queued": 0}
    campaigns.clock.now = datetime(2026, 6, 10, 13, 0, 5, tzinfo=UTC)
    assert campaigns.sweep() == {"campaigns_started": 0, "shards_queued": 1}
    assert campaigns.work() == ["sent 1"]
    assert campaigns.sweep() == {"campaigns_started": 0, "shards_queued": 0}
    assert campaigns.sender.recipients() == [("ok", "email"), ("sleeping", "email")]
    assert campaigns.view(campaign_id).counts.sent == 2
    assert [record.status for record in campaigns.ledger("sleeping")] == ["sent"]


def test_a_crash_between_the_ledger_and_the_provider_never_sends_twice(campaigns: Campaigns) -> None:
    users = [f"user-{index}" for index in range(5)]
    for user in users:
        campaigns.person(user)
    campaign_id = campaigns.campaign()
    campaigns.sender.crash_for = "user-2"

    campaigns.send(campaign_id)
    campaigns.work()
    outcomes = campaigns.deliver()

    assert "crashed" in outcomes
    # At most once: user-2's delivery was taken, then the worker died; the redelivered shard message does not
    # find it due any more.
    assert campaigns.sender.recipients() == [(user, "email") for user in users if user != "user-2"]
    [crashed] = campaigns.ledger("user-2")
    assert crashed.status == "sending"
    assert campaigns.deliver() == []
    view = campaigns.view(campaign_id)
    assert view.status == "sent"
    assert view.counts == counts(targeted=5, eligible=5, queued=5, sent=4)


def test_a_duplicated_message_and_a_second_send_never_send_twice(campaigns: Campaigns) -> None:
    users = [f"user-{index}" for index in range(4)]
    for user in users:
        campaigns.person(user)
    campaign_id = campaigns.campaign()
    campaigns.send(campaign_id)
    campaigns.fan_out.queue.send([CampaignMessage(campaign_id=campaign_id, segment=0, total_segments=2)])

    campaigns.work()
    campaigns.sweep()
    campaigns.sweep()  # every due shard queued twice
    campaigns.work()

    assert campaigns.sender.recipients() == [(user, "email") for user in users]
    assert campaigns.view(campaign_id).counts == counts(targeted=4, eligible=4, queued=4, sent=4)


def test_a_failed_channel_falls_back_once_to_the_next_one_that_passes(campaigns: Campaigns) -> None:
    campaigns.person("bounces")
    campaigns.person("fine")
    campaigns.sender.refuse = {("email", "bounces")}
    campaign_id = campaigns.campaign(channels=["email", "whatsapp"])

    campaigns.send(campaign_id)
    campaigns.work()
    campaigns.deliver()

    assert campaigns.sender.recipients() == [("bounces", "whatsapp"), ("fine", "email")]
    ledger = {(record.channel, record.status, record.fallback) for record in campaigns.ledger("bounces")}
    assert ledger == {("email", "failed", False), ("whatsapp", "sent", True)}
    assert campaigns.view(campaign_id).counts == counts(targeted=2, eligible=2, queued=2, sent=2, fallback_used=1)


def test_an_email_whose_link_the_redirect_refuses_fails_and_never_goes_out_unredirected(campaigns: Campaigns) -> None:
    campaigns.person("reader")
    campaign_id = campaigns.campaign(channels=["email", "whatsapp"])

    def narrowed(user: str, notification: str, campaign: str | None, target: str, now: datetime) -> str:
        # RedirectAllowedDomains narrowed after the campaign was created.
        allowed_target(target, frozenset({"other.example"}))
        return _click_link(user, notification, campaign, target, now)

    campaigns.ports = campaigns.ports._replace(click_link=narrowed)
    campaigns.send(campaign_id)
    campaigns.work()
    campaigns.deliver()

    # The email fails for good; the fallback's WhatsApp message carries no redirect (links in emails only).
    assert campaigns.sender.recipients() == [("reader", "whatsapp")]
    [failed] = [record for record in campaigns.ledger("reader") if record.channel == "email"]
    assert (failed.status, failed.failure) == ("failed", "the link's target is not on a domain the redirect allows")


def test_sms_is_passed_over_for_a_campaign_that_is_not_urgent(campaigns: Campaigns) -> None:
    consent = {"personalized_notifications": {"enabled": True, "channels": {"email": True, "sms": True}}}
    campaigns.person(
        "texter",
        consent=consent,
        notification_preferences={"email": {"enabled": True, "frequency": "instant"}, "sms": {"enabled": True}},
    )
    template_with_sms = campaigns.campaign(channels=["sms", "email"])

    campaigns.send(template_with_sms)
    campaigns.work()
    campaigns.deliver()

    assert campaigns.sender.recipients() == [("texter", "email")]
    assert campaigns.view(template_with_sms).counts.downgraded == 1


def test_the_best_hour_and_a_scheduled_campaign_go_at_their_minute_and_cancel_stops_the_rest(
    campaigns: Campaigns,
) -> None:
    campaigns.person("clicker")
    campaigns.clicks("clicker", {"15": 4, "09": 1})
    campaigns.person("plain")
    campaign_id = campaigns.campaign(optimize_send_time=True, send_at=NOW + timedelta(minutes=30))

    assert campaigns.send(campaign_id).status == "scheduled"
    campaigns.clock.now = NOW + timedelta(minutes=29)
    assert campaigns.sweep()["campaigns_started"] == 0
    campaigns.clock.now = NOW + timedelta(minutes=30)
    assert campaigns.sweep()["campaigns_started"] == 1
    campaigns.work()
    campaigns.deliver()

    assert campaigns.sender.recipients() == [("plain", "email")]
    [later] = campaigns.ledger("clicker")
    assert (later.status, later.at) == ("scheduled", datetime(2026, 6, 10, 15, 0, tzinfo=UTC))
    cancel_campaign(campaigns.admin, ADMIN, campaign_id, campaigns.clock())
    campaigns.clock.now = datetime(2026, 6, 10, 15, 0, tzinfo=UTC)
    assert campaigns.sweep() == {"campaigns_started": 0, "shards_queued": 1}
    assert campaigns.work() == ["sent 0"]
    assert [record.status for record in campaigns.ledger("clicker")] == ["cancelled"]
    assert campaigns.sender.recipients() == [("plain", "email")]


class _CrashingScan(ProfileTable):
    """Records where each scan page starts; the worker dies on the `crash_on`-th page, once."""

    def __init__(self, table: ProfileTable, crash_on: int) -> None:
        super().__init__(table.name, table._client)
        self.starts: list[str] = []
        self._crash_on = crash_on

    def profile_segment_page(self, segment: int, total_segments: int, start_after: str, limit: int) -> Any:
        self.starts.append(start_after)
        if len(self.starts) == self._crash_on:
            raise Crash
        return super().profile_segment_page(segment, total_segments, start_after, limit)


def test_a_worker_that_dies_mid_segment_resumes_at_its_checkpoint(campaigns: Campaigns) -> None:
    users = [f"user-{index:02d}" for index in range(8)]
    for user in users:
        campaigns.person(user)
    campaign_id = campaigns.campaign()
    scan = _CrashingScan(campaigns.ports.profiles, crash_on=3)
    campaigns.ports = campaigns.ports._replace(profiles=scan)
    campaigns.fan_out = campaigns.fan_out._replace(segments=1)

    campaigns.send(campaign_id)
    outcomes = campaigns.work()

    assert outcomes[0] == "crashed"
    # The redelivery starts where the checkpoint stood after the second page, not at the beginning.
    assert scan.starts[3] == scan.starts[2] != ""
    campaigns.deliver()
    assert campaigns.sender.recipients() == [(user, "email") for user in users]
    assert campaigns.view(campaign_id).counts == counts(targeted=8, eligible=8, queued=8, sent=8)


class _QueueDown(CampaignQueue):
    """SQS refuses the first send: the sweep dies after saving the campaign as sending."""

    def __init__(self, queue: CampaignQueue) -> None:
        super().__init__(queue._url, queue._client)
        self.down = True

    def send(self, messages: Sequence[CampaignMessage | DueShardMessage]) -> None:
        if self.down:
            self.down = False
            raise RuntimeError("SQS is unavailable")
        super().send(messages)


def test_a_sweep_that_dies_between_starting_a_campaign_and_queueing_it_is_finished_by_the_next(
    campaigns: Campaigns,
) -> None:
    campaigns.person("waiting")
    campaign_id = campaigns.campaign(send_at=NOW + timedelta(minutes=5))
    campaigns.send(campaign_id)
    campaigns.fan_out = campaigns.fan_out._replace(queue=_QueueDown(campaigns.fan_out.queue))
    campaigns.clock.now = NOW + timedelta(minutes=5)

    with pytest.raises(RuntimeError, match="unavailable"):
        campaigns.sweep()
    assert campaigns.view(campaign_id).status == "sending"
    assert campaigns.sweep()["campaigns_started"] == 0  # started already: its fan-out is queued now
    campaigns.work()
    campaigns.deliver()

    assert campaigns.sender.recipients() == [("waiting", "email")]
    assert campaigns.view(campaign_id).status == "sent"
    assert campaigns.sweep() == {"campaigns_started": 0, "shards_queued": 0}


# --- suppressed and opted out ---------------------------------------------------------------------


class CountingSuppressions(SuppressionList):
    """The stack's list, counting its batch reads and single reads."""

    def __init__(self, inner: SuppressionList) -> None:
        self.__dict__.update(inner.__dict__)
        self.batches: list[list[str]] = []
        self.singles: list[str] = []

    def suppressed(self, addresses: Sequence[str]) -> set[str]:
        self.batches.append(list(addresses))
        return super().suppressed(addresses)

    def is_suppressed(self, address: str) -> bool:
        self.singles.append(address)
        return super().is_suppressed(address)


def test_a_suppressed_address_is_never_emailed_one_batch_read_per_page(campaigns: Campaigns) -> None:
    suppressions = CountingSuppressions(campaigns.ports.suppressions)
    campaigns.ports = campaigns.ports._replace(suppressions=suppressions)
    for user in ("ok", "bounced", "bounced-whatsapp"):
        campaigns.person(user)
    suppressions.record_hard_bounce("Bounced@Example.com", NOW)
    suppressions.record_complaint("bounced-whatsapp@example.com", NOW)
    email_only = campaigns.campaign()
    both = campaigns.campaign(channels=["email", "whatsapp"])

    fan_out_batches: list[list[str]] = []
    for day, campaign_id in enumerate((email_only, both)):
        campaigns.clock.now = NOW + timedelta(days=day)  # a day apart: the daily cap lets both through
        suppressions.batches, suppressions.singles = [], []
        campaigns.send(campaign_id)
        campaigns.work()
        assert suppressions.singles == []  # no per-recipient read in the fan-out
        fan_out_batches += suppressions.batches
        campaigns.deliver()
        assert suppressions.singles == ["ok@example.com"]  # the one email re-checked right before it goes

    assert campaigns.view(email_only).counts == counts(targeted=3, eligible=1, queued=1, sent=1, skipped_suppressed=2)
    assert campaigns.view(both).counts == counts(targeted=3, eligible=3, queued=3, sent=3)
    sent = {(message.campaign_id, message.user_id, message.channel) for message in campaigns.sender.sent}
    assert sent == {
        (email_only, "ok", "email"),
        (both, "ok", "email"),
        (both, "bounced", "whatsapp"),
        (both, "bounced-whatsapp", "whatsapp"),
    }
    # PAGE_SIZE 3: a page holds at most one of the three profiles (with their consent and activity items).
    assert sorted(address for batch in fan_out_batches for address in batch) == sorted(
        f"{user}@example.com" for user in ("ok", "bounced", "bounced-whatsapp") for _ in range(2)
    )
    assert all(len(batch) == 1 for batch in fan_out_batches)


def test_an_address_suppressed_before_its_delayed_send_is_not_emailed(campaigns: Campaigns) -> None:
    quiet = {
        "email": {"enabled": True, "frequency": "instant"},
        "whatsapp": {"enabled": True},
        "quiet_hours": {"start": "11:00", "end": "13:00"},
    }
    campaigns.person("sleeping", notification_preferences=quiet)
    campaign_id = campaigns.campaign(channels=["email", "whatsapp"])
    campaigns.send(campaign_id)
    campaigns.work()
    [scheduled] = campaigns.ledger("sleeping")
    assert (scheduled.channel, scheduled.status) == ("email", "scheduled")

    campaigns.ports.suppressions.record_hard_bounce("sleeping@example.com", NOW + timedelta(minutes=30))
    campaigns.clock.now = datetime(2026, 6, 10, 13, 0, 5, tzinfo=UTC)
    assert campaigns.deliver() == ["sent 0"]

    assert campaigns.sender.sent == []
    [cancelled] = campaigns.ledger("sleeping")
    assert (cancelled.status, cancelled.failure) == ("cancelled", "the address was suppressed before the send time")
    assert campaigns.view(campaign_id).counts == counts(targeted=1, eligible=1, scheduled=1, skipped_suppressed=1)


def test_a_user_who_unsubscribed_through_a_link_is_opted_out_not_no_consent(campaigns: Campaigns) -> None:
    for user in ("unsubscribed", "cleared"):
        campaigns.person(user)
    campaigns.person("declined", consent={"personalized_notifications": {"enabled": False}})
    owner = Actor("unsubscribed", is_admin=False, source_ip="192.0.2.1", user_agent="mail")
    revise_consent(
        campaigns.ports.profiles,
        campaigns.ports.behavior,
        owner,
        "unsubscribed",
        lambda settings: unsubscribed(settings, "product"),
        NOW,
        "1",
        source="unsubscribe_link",
    )
    campaigns.ports.profiles.save_consent("cleared", ConsentRecord(version=1), 1, [])
    campaign_id = campaigns.campaign()

    campaigns.send(campaign_id)
    campaigns.work()

    assert campaigns.view(campaign_id).counts == counts(targeted=3, skipped_opted_out=1, skipped_no_consent=2)


# --- the channels' own retries, fallback and send rate, through a whole campaign ------------------


class FakeTime:
    """Epoch seconds that move only when someone sleeps (the backoff, the rate limiter)."""

    def __init__(self, start: datetime) -> None:
        self.now = start.timestamp()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Provider:
    """A provider behind the real retrying, rate-limited sender: each accepted call is kept with its second."""

    time: FakeTime
    throttle: dict[str, int] = field(default_factory=dict)  # user -> throttled answers before it accepts
    refuse: set[tuple[str, str]] = field(default_factory=set)
    calls: list[tuple[str, str]] = field(default_factory=list)
    accepted: list[tuple[str, str, int]] = field(default_factory=list)

    def send(self, message: OutgoingMessage) -> str:
        self.calls.append((message.user_id, message.channel))
        if self.throttle.get(message.user_id, 0) > 0:
            self.throttle[message.user_id] -= 1
            raise TransientSendFailure("TooManyRequestsException")
        if (message.channel, message.user_id) in self.refuse:
            raise PermanentSendFailure("MessageRejected")
        self.accepted.append((message.user_id, message.channel, math.floor(self.time())))
        return f"provider-{len(self.accepted)}"


def _real_senders(campaigns: Campaigns, provider: Provider, rate: int) -> SendRateTable:
    dynamodb = campaigns.ports.deliveries._client
    table = SendRateTable(campaigns.template.ref("SendRateTable"), dynamodb)
    limiter = SendRateLimiter(table, {"email": rate, "sms": rate, "whatsapp": rate}, provider.time, provider.time.sleep)
    sender = RetryingSender(RateLimitedSender(provider, limiter), sleep=provider.time.sleep, uniform=lambda: 0.5)
    campaigns.ports = campaigns.ports._replace(senders=lambda channel: sender)
    return table


def test_throttled_twice_is_retried_and_sent_once_a_refused_one_falls_back_and_the_rate_holds(
    campaigns: Campaigns,
) -> None:
    people = ["throttled", "refused", *(f"p{index}" for index in range(5))]
    for user in people:
        campaigns.person(user)
    provider = Provider(FakeTime(NOW), throttle={"throttled": 2}, refuse={("email", "refused")})
    rates = _real_senders(campaigns, provider, rate=2)
    campaign_id = campaigns.campaign(channels=["email", "whatsapp"])

    campaigns.send(campaign_id)
    campaigns.work()
    campaigns.deliver()

    assert provider.calls.count(("throttled", "email")) == 3  # two throttled tries, then accepted
    assert provider.calls.count(("refused", "email")) == 1  # permanent: never retried
    delivered = sorted((user, channel) for user, channel, _ in provider.accepted)
    assert delivered == sorted([("refused", "whatsapp"), *((user, "email") for user in people if user != "refused")])
    [throttled] = campaigns.ledger("throttled")
    assert (throttled.channel, throttled.status) == ("email", "sent")
    refused = {(record.channel, record.status, record.fallback) for record in campaigns.ledger("refused")}
    assert refused == {("email", "failed", False), ("whatsapp", "sent", True)}
    assert campaigns.view(campaign_id).counts == counts(targeted=7, eligible=7, queued=7, sent=7, fallback_used=1)
    # Every provider call (throttled tries included) took a place in its channel's second: never more than 2.
    per_second = Counter((channel, second) for _, channel, second in provider.accepted)
    assert max(per_second.values()) == 2
    first, last = int(NOW.timestamp()), math.floor(provider.time())
    assert all(rates.sent("email", second) <= 2 for second in range(first, last + 1))
    assert sum(rates.sent("email", second) for second in range(first, last + 1)) == 9  # 6 taken, 1 refused, 2 throttled
    assert last - first >= 4  # 9 email calls at 2 a second span at least 5 seconds


def test_a_first_start_writes_every_fan_out_segment_in_one_call_and_a_restart_keeps_the_done_ones(
    campaigns: Campaigns,
) -> None:
    table = campaigns.fan_out.table
    client = table._client
    calls: list[str] = []

    def count(model: Any, **_: Any) -> None:
        calls.append(model.name)

    client.meta.events.register("before-call.dynamodb", count)
    try:
        assert table.create_fan_out("fan-out-once", 4) == [0, 1, 2, 3]
        assert calls == ["TransactWriteItems"]
        segment = table.get_fan_out_segment("fan-out-once", 2)
        assert segment is not None
        assert table.complete_segment(segment, CampaignCounts())
        # A restart (the sweep died after starting it) finds the segments: the done one is not queued again.
        assert table.create_fan_out("fan-out-once", 4) == [0, 1, 3]
        assert table.create_fan_out("fan-out-none", 0) == []  # a campaign that never scans (survey reminders)
    finally:
        client.meta.events.unregister("before-call.dynamodb", count)
    assert table.get_fan_out_segment("fan-out-once", 2) == segment._replace(status="done", checkpoint="")
