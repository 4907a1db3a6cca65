"""Email digests against moto with an injected clock: a daily or weekly user's emails wait for one digest at
their send time (09:00 local here), which lists every item queued since the last one, each exactly once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from local_runtime.runtime import LocalStack
from nudge.notifications import digest_sending
from nudge.notifications.admin import put_template
from nudge.notifications.outgoing import OutgoingEmail, OutgoingMessage
from nudge.notifications.templates import TemplateFields
from nudge.notifications.user_notifications import NotificationsQuery, notifications_for
from nudge.profiles.consent import ConsentRecord, ConsentSettings
from nudge.profiles.profile import ProfileFields
from nudge.subscribers.click_links import ClickLink
from nudge.users.actor import Actor
from tests.integration.test_campaign_fanout import ADMIN, NOW, Campaigns, build_campaigns, click_links_in, counts
from tests.integration.test_notification_admin_api import TEMPLATE

LA_NINE = datetime(2026, 6, 10, 16, 0, tzinfo=UTC)  # NOW is 05:00 in Los Angeles; its 09:00 (PDT)
DAY = timedelta(days=1)


@pytest.fixture
def digests(stack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> Campaigns:
    return build_campaigns(stack, monkeypatch)


def _reader(campaigns: Campaigns, user: str, frequency: str = "daily", zone: str = "America/Los_Angeles") -> None:
    preferences = {"email": {"enabled": True, "frequency": frequency}, "whatsapp": {"enabled": True}}
    campaigns.person(user, time_zone=zone, notification_preferences=preferences)


def _run(campaigns: Campaigns, title: str, **overrides: Any) -> str:
    """Create and send a campaign (its survey titled `title`), and let the fan-out decide every recipient."""
    data = {"survey_title": title, "url": f"https://nudge.example/s/{title.lower()}"}
    campaign_id = campaigns.campaign(data=data, **overrides)
    campaigns.send(campaign_id)
    campaigns.work()
    return campaign_id


def _at(campaigns: Campaigns, moment: datetime) -> list[OutgoingMessage]:
    """The sweep and its workers at `moment`; what they sent."""
    before = len(campaigns.sender.sent)
    campaigns.clock.now = moment
    campaigns.deliver()
    return campaigns.sender.sent[before:]


def _email(message: OutgoingMessage) -> OutgoingEmail:
    assert isinstance(message, OutgoingEmail)
    return message


def _titles(message: OutgoingMessage) -> list[str]:
    """The survey of each item a digest lists, in its order."""
    lines = _email(message).text.splitlines()
    return [lines[index + 1].strip() for index, line in enumerate(lines) if line.startswith("- ")]


def _statuses(campaigns: Campaigns, user: str) -> dict[str, str]:
    return {record.campaign_id: record.status for record in campaigns.ledger(user)}


def test_two_campaigns_on_one_day_are_one_digest_at_the_send_hour_and_the_next_day_another(
    digests: Campaigns,
) -> None:
    _reader(digests, "dana")
    tools = _run(digests, "Tools")
    travel = _run(digests, "Travel")
    assert digests.view(tools).counts == counts(targeted=1, eligible=1, scheduled=1)

    assert _at(digests, LA_NINE - timedelta(minutes=1)) == []
    [message] = _at(digests, LA_NINE)
    email = _email(message)
    assert (email.to, email.subject, email.campaign_id) == ("dana@example.com", "Your daily digest: 2 updates", None)
    assert "- A survey for you, Ana\n  Tools\n  https://api.nudge.example/v1/r/" in email.text
    assert "- A survey for you, Ana\n  Travel\n  https://api.nudge.example/v1/r/" in email.text
    # Each item's link goes through the click redirect, as its own email's would, naming the item.
    items = {record.campaign_id: record.notification_id for record in digests.ledger("dana")}
    links = [
        ClickLink("dana", items[tools], tools, "https://nudge.example/s/tools"),
        ClickLink("dana", items[travel], travel, "https://nudge.example/s/travel"),
    ]
    assert sorted(click_links_in(email.text)) == sorted(click_links_in(email.html)) == sorted(links)
    assert email.headers["List-Unsubscribe"] == "<https://nudge.example/v1/unsubscribe/dana-product>"
    for campaign_id in (tools, travel):
        assert digests.view(campaign_id).counts == counts(targeted=1, eligible=1, scheduled=1, sent=1)
    ledger = {record.campaign_id: record for record in digests.ledger("dana")}
    digest = ledger["_digest-daily-2026-06-10"]
    assert (digest.status, digest.at, digest.provider_message_id) == ("sent", LA_NINE, "provider-1")
    for campaign_id in (tools, travel):
        item = ledger[campaign_id]
        assert (item.status, item.digest_id, item.at, item.provider_message_id) == (
            "sent",
            digest.notification_id,
            LA_NINE,
            "provider-1",
        )

    # Queued after today's digest: tomorrow's.
    food = _run(digests, "Food")
    assert _statuses(digests, "dana")[food] == "digest_pending"
    assert _at(digests, LA_NINE + timedelta(hours=2)) == []
    [second] = _at(digests, LA_NINE + DAY)
    assert _email(second).subject == "Your daily digest: 1 update"
    assert _titles(second) == ["Food"]
    assert _statuses(digests, "dana")["_digest-daily-2026-06-11"] == "sent"
    assert _at(digests, LA_NINE + 2 * DAY) == []


def test_a_weekly_reader_far_east_and_a_daily_one_far_west_each_get_theirs_at_their_own_morning(
    digests: Campaigns,
) -> None:
    _reader(digests, "aroha", frequency="weekly", zone="Pacific/Auckland")
    _reader(digests, "dana")
    _run(digests, "Tools")
    # NOW is Thursday 00:00 in Auckland: its next Monday 09:00 (NZST) is Sunday 21:00 UTC.
    auckland_monday = datetime(2026, 6, 14, 21, 0, tzinfo=UTC)
    assert [record.at for record in digests.ledger("aroha") if record.campaign_id.startswith("_digest")] == [
        auckland_monday
    ]

    assert [message.user_id for message in _at(digests, LA_NINE)] == ["dana"]
    _run(digests, "Travel")  # Thursday in Auckland: the same week's digest; Wednesday 16:00 in LA: tomorrow's
    [daily] = _at(digests, auckland_monday - timedelta(minutes=1))
    assert (daily.user_id, _titles(daily)) == ("dana", ["Travel"])
    [weekly] = _at(digests, auckland_monday)
    assert (weekly.user_id, _email(weekly).subject) == ("aroha", "Your weekly digest: 2 updates")
    assert sorted(_titles(weekly)) == ["Tools", "Travel"]


def test_urgent_does_not_wait_and_a_digest_counts_once_for_the_caps(digests: Campaigns) -> None:
    _reader(digests, "dana")
    urgent = _run(digests, "Urgent", priority="urgent")
    [message] = _at(digests, NOW)
    assert (message.campaign_id, message.channel) == (urgent, "email")
    assert _statuses(digests, "dana") == {urgent: "sent"}

    _run(digests, "Tools")
    _run(digests, "Travel")
    [digest] = _at(digests, LA_NINE)
    assert sorted(_titles(digest)) == ["Tools", "Travel"]  # a digest is never capped itself
    # The urgent email and one digest of two items: two deliveries for the caps.
    assert digests.ports.deliveries.recent("dana", LA_NINE, "another-campaign") == [NOW, LA_NINE]
    digests.clock.now = LA_NINE + timedelta(hours=1)
    capped = _run(digests, "Chat", channels=["whatsapp"])
    assert digests.view(capped).counts == counts(targeted=1, eligible=1, skipped_frequency_cap=1)
    digests.clock.now = LA_NINE + DAY
    tomorrow = _run(digests, "Chat", channels=["whatsapp"])
    assert digests.view(tomorrow).counts == counts(targeted=1, eligible=1, queued=1)


def test_running_the_sweep_twice_sends_the_digest_once(digests: Campaigns) -> None:
    _reader(digests, "dana")
    _run(digests, "Tools")
    digests.clock.now = LA_NINE
    digests.sweep()
    digests.sweep()  # the shard queued twice
    digests.work()
    digests.deliver()
    assert [_email(message).subject for message in digests.sender.sent] == ["Your daily digest: 1 update"]


def test_a_crash_while_sending_a_digest_never_sends_it_twice_and_later_items_get_their_own(
    digests: Campaigns,
) -> None:
    _reader(digests, "dana")
    tools = _run(digests, "Tools")
    digests.sender.crash_for = "dana"
    assert _at(digests, LA_NINE) == []
    assert _at(digests, LA_NINE + timedelta(minutes=5)) == []
    # At most once: the digest and its item stay `sending`, never sent again.
    assert _statuses(digests, "dana") == {tools: "sending", "_digest-daily-2026-06-10": "sending"}
    food = _run(digests, "Food")
    [next_day] = _at(digests, LA_NINE + DAY)
    assert _titles(next_day) == ["Food"]
    assert _statuses(digests, "dana")[food] == "sent"


class _QueueingSender:
    """While the digest is being sent, another campaign reaches the user."""

    def __init__(self, campaigns: Campaigns) -> None:
        self.campaigns = campaigns
        self.inner = campaigns.sender
        self.during: str | None = None

    def send(self, message: OutgoingMessage) -> str:
        if self.during is None:
            self.during = _run(self.campaigns, "Late")
        return self.inner.send(message)


def test_an_item_queued_while_the_digest_is_sending_goes_into_the_next_one(digests: Campaigns) -> None:
    _reader(digests, "dana")
    _run(digests, "Tools")
    sender = _QueueingSender(digests)
    digests.ports = digests.ports._replace(senders=lambda channel: sender)

    [first] = _at(digests, LA_NINE)
    assert _titles(first) == ["Tools"]
    assert sender.during is not None
    ledger = _statuses(digests, "dana")
    assert (ledger[sender.during], ledger["_digest-daily-2026-06-11"]) == ("digest_pending", "scheduled")
    [second] = _at(digests, LA_NINE + DAY)
    assert _titles(second) == ["Late"]
    assert digests.view(sender.during).counts.sent == 1


def test_more_items_than_a_digest_holds_roll_to_the_next_one(
    digests: Campaigns, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(digest_sending, "DIGEST_MAX_ITEMS", 2)
    _reader(digests, "dana")
    for title in ("One", "Two", "Three"):
        _run(digests, title)
    [first] = _at(digests, LA_NINE)
    assert _email(first).subject == "Your daily digest: 2 updates"
    [second] = _at(digests, LA_NINE + DAY)
    assert _email(second).subject == "Your daily digest: 1 update"
    assert sorted(_titles(first) + _titles(second)) == ["One", "Three", "Two"]


def test_consent_withdrawn_cancels_the_items_and_a_switch_to_instant_still_gets_the_digest(
    digests: Campaigns,
) -> None:
    _reader(digests, "dana")
    _reader(digests, "kai")
    tools = _run(digests, "Tools")
    profiles = digests.ports.profiles
    assert profiles.save_consent("dana", ConsentRecord(version=2), 1, [])  # everything withdrawn
    kai, _ = profiles.get_profile_with("kai", profiles.consent_read("kai"))
    assert kai is not None
    fields = kai.fields.model_dump()
    fields["notification_preferences"]["email"]["frequency"] = "instant"
    switched = kai.model_copy(update={"fields": ProfileFields.model_validate(fields), "version": 2})
    assert profiles.save_profile("kai", switched, 1)

    assert [message.user_id for message in _at(digests, LA_NINE)] == ["kai"]
    assert _statuses(digests, "dana") == {tools: "cancelled", "_digest-daily-2026-06-10": "cancelled"}
    assert digests.view(tools).counts == counts(targeted=2, eligible=2, scheduled=2, sent=1)


def test_the_users_list_export_and_erasure_have_the_items_and_the_digest(digests: Campaigns) -> None:
    _reader(digests, "dana")
    tools = _run(digests, "Tools")
    dana = Actor("dana", is_admin=False)
    pending = notifications_for(digests.ports.deliveries, dana, "dana", NotificationsQuery())
    # Both at the digest's moment: in either order.
    assert sorted((line.campaign_id, line.status, line.digest_id) for line in pending.notifications) == [
        ("_digest-daily-2026-06-10", "scheduled", None),
        (tools, "digest_pending", None),
    ]
    _at(digests, LA_NINE)
    listed = notifications_for(digests.ports.deliveries, dana, "dana", NotificationsQuery())
    by_campaign = {line.campaign_id: line for line in listed.notifications}
    digest = by_campaign["_digest-daily-2026-06-10"]
    assert (digest.status, digest.campaign_name, by_campaign[tools].status) == ("sent", "Your daily digest", "sent")
    assert by_campaign[tools].digest_id == digest.notification_id
    exported = digests.ports.deliveries.export_user("dana")
    assert sorted(record.campaign_id for record in exported.deliveries) == sorted([tools, "_digest-daily-2026-06-10"])
    assert digests.ports.deliveries.erase_user("dana").deleted == {"deliveries": 2}
    assert digests.ledger("dana") == []


def test_each_item_is_checked_again_at_the_digest_marketing_withdrawn_and_a_suppressed_address(
    digests: Campaigns,
) -> None:
    emails = {"personalized_notifications": {"enabled": True, "channels": {"email": True}}}
    preferences = {"email": {"enabled": True, "frequency": "daily"}}
    for user in ("dana", "bo"):
        digests.person(
            user,
            consent=emails | {"marketing_emails": True},
            time_zone="America/Los_Angeles",
            notification_preferences=preferences,
        )
    marketing = TemplateFields.model_validate(TEMPLATE | {"category": "marketing"})
    put_template(digests.admin.table, digests.admin.audit, ADMIN, "tpl-offer", marketing, NOW)
    offer = _run(digests, "Offer", template_id="tpl-offer")
    tools = _run(digests, "Tools")
    product_only = ConsentRecord(settings=ConsentSettings.model_validate(emails), version=2)
    assert digests.ports.profiles.save_consent("dana", product_only, 1, [])
    digests.ports.suppressions.record_hard_bounce("bo@example.com", NOW + timedelta(minutes=30))

    [message] = _at(digests, LA_NINE)
    assert (message.user_id, _titles(message)) == ("dana", ["Tools"])
    assert _email(message).headers["List-Unsubscribe"] == "<https://nudge.example/v1/unsubscribe/dana-product>"
    assert _statuses(digests, "dana") == {offer: "cancelled", tools: "sent", "_digest-daily-2026-06-10": "sent"}
    assert set(_statuses(digests, "bo").values()) == {"cancelled"}
    assert digests.view(offer).counts == counts(targeted=2, eligible=2, scheduled=2, skipped_suppressed=1)
    assert digests.view(tools).counts == counts(targeted=2, eligible=2, scheduled=2, sent=1, skipped_suppressed=1)
