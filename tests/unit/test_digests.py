"""The digest rules: which emails wait, the digest moment per time zone (midnight, DST, quiet hours), period
names, and the email's content."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from nudge.notifications.channel_names import Channel
from nudge.notifications.delivery_rules import CampaignTerms
from nudge.notifications.delivery_vocabulary import Priority
from nudge.notifications.digests import (
    DigestEntry,
    digest_email,
    digest_frequency,
    following,
    next_slot,
    parse_period,
    send_time,
    slot,
)
from nudge.profiles.profile import ProfileFields, QuietHours

AUCKLAND, LOS_ANGELES, NEW_YORK = (
    ZoneInfo("Pacific/Auckland"),
    ZoneInfo("America/Los_Angeles"),
    ZoneInfo("America/New_York"),
)
NINE = time(9, 0)


def _profile(frequency: str) -> ProfileFields:
    return ProfileFields.model_validate(
        {"email": "a@example.com", "notification_preferences": {"email": {"enabled": True, "frequency": frequency}}}
    )


@pytest.mark.parametrize(
    ("frequency", "priority", "channel", "expected"),
    [
        ("daily", "normal", "email", "daily"),
        ("weekly", "low", "email", "weekly"),
        ("instant", "normal", "email", None),
        ("daily", "urgent", "email", None),
        ("daily", "normal", "whatsapp", None),
    ],
)
def test_only_a_non_urgent_email_to_a_daily_or_weekly_user_waits(
    frequency: str, priority: Priority, channel: Channel, expected: str | None
) -> None:
    terms = CampaignTerms(channels=[channel], priority=priority, marketing=False)
    assert digest_frequency(terms, _profile(frequency), channel) == expected


def test_the_first_digest_at_or_after_the_moment_in_the_users_zone() -> None:
    # 08:00 in Los Angeles (15:00 UTC): today's 09:00 is ahead.
    today = next_slot("daily", datetime(2026, 6, 10, 15, 0, tzinfo=UTC), NINE, LOS_ANGELES, None)
    assert (today.period, today.at) == ("daily-2026-06-10", datetime(2026, 6, 10, 16, 0, tzinfo=UTC))
    # 09:00 exactly still goes into that digest; one minute later, the next day's.
    assert next_slot("daily", today.at, NINE, LOS_ANGELES, None) == today
    later = next_slot("daily", datetime(2026, 6, 10, 16, 1, tzinfo=UTC), NINE, LOS_ANGELES, None)
    assert (later.period, later.at) == ("daily-2026-06-11", datetime(2026, 6, 11, 16, 0, tzinfo=UTC))


def test_the_same_utc_moment_is_another_local_day_across_the_date_line() -> None:
    moment = datetime(2026, 6, 10, 22, 0, tzinfo=UTC)  # Thursday 10:00 in Auckland, Wednesday 15:00 in LA
    auckland = next_slot("daily", moment, NINE, AUCKLAND, None)
    los_angeles = next_slot("daily", moment, NINE, LOS_ANGELES, None)
    assert (auckland.period, auckland.at) == ("daily-2026-06-12", datetime(2026, 6, 11, 21, 0, tzinfo=UTC))
    assert (los_angeles.period, los_angeles.at) == ("daily-2026-06-11", datetime(2026, 6, 11, 16, 0, tzinfo=UTC))


def test_weekly_digests_go_on_mondays_and_across_a_dst_change_keep_the_local_time() -> None:
    # Wednesday 4 March 2026 in New York: the next Monday is 9 March, after clocks went forward on 8 March.
    weekly = next_slot("weekly", datetime(2026, 3, 4, 15, 0, tzinfo=UTC), NINE, NEW_YORK, None)
    assert (weekly.period, weekly.at) == ("weekly-2026-03-09", datetime(2026, 3, 9, 13, 0, tzinfo=UTC))
    before = slot("weekly", date(2026, 3, 4), NINE, NEW_YORK, None)
    assert (before.period, before.at) == ("weekly-2026-03-02", datetime(2026, 3, 2, 14, 0, tzinfo=UTC))
    assert following(before, NEW_YORK, None) == weekly
    # Monday 08:00 local: that Monday's digest.
    monday = next_slot("weekly", datetime(2026, 3, 9, 12, 0, tzinfo=UTC), NINE, NEW_YORK, None)
    assert monday.period == "weekly-2026-03-09"


def test_a_digest_inside_quiet_hours_goes_at_their_end_and_keeps_its_period() -> None:
    quiet = QuietHours(start="22:00", end="10:30")
    morning = next_slot("daily", datetime(2026, 6, 10, 12, 0, tzinfo=UTC), NINE, LOS_ANGELES, quiet)
    assert (morning.period, morning.at) == ("daily-2026-06-10", datetime(2026, 6, 10, 17, 30, tzinfo=UTC))
    # Quiet from 20:00 to 08:00 and a 21:00 send time: each day's digest goes at 08:00 the next day.
    late = QuietHours(start="20:00", end="08:00")
    evening = slot("daily", date(2026, 6, 10), time(21, 0), LOS_ANGELES, late)
    assert evening.at == datetime(2026, 6, 11, 15, 0, tzinfo=UTC)
    assert next_slot("daily", evening.at, time(21, 0), LOS_ANGELES, late) == evening
    assert following(evening, LOS_ANGELES, late).at == datetime(2026, 6, 12, 15, 0, tzinfo=UTC)


def test_the_send_time_is_the_best_click_hour_at_local_time_else_nine() -> None:
    moment = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
    assert send_time({}, moment, LOS_ANGELES, None) == NINE
    assert send_time({"02": 2}, moment, LOS_ANGELES, None) == NINE  # fewer than 3 clicks
    assert send_time({"02": 5, "20": 5, "15": 4}, moment, LOS_ANGELES, None) == time(19, 0)  # tie: earlier UTC hour
    assert send_time({"10": 4}, moment, ZoneInfo("Asia/Kolkata"), None) == time(15, 30)
    assert send_time({"02": 5, "15": 4}, moment, LOS_ANGELES, QuietHours(start="18:00", end="20:00")) == time(8, 0)


def test_period_names_read_back() -> None:
    assert parse_period("daily-2026-06-10") == ("daily", date(2026, 6, 10))
    assert parse_period("weekly-2026-06-15") == ("weekly", date(2026, 6, 15))
    assert parse_period("hourly-2026-06-10") is None
    assert parse_period("daily-June") is None


def test_the_email_lists_each_item_escaped_with_the_unsubscribe_link() -> None:
    entries = [
        DigestEntry(title="A survey <b>for</b> you", url="https://nudge.example/s/1?a=1&b=2", detail="Tools"),
        DigestEntry(title="New: Rail Pass", url=None, detail=None),
    ]
    email = digest_email("daily", "Ana", entries, "https://nudge.example/u/t")
    assert email.subject == "Your daily digest: 2 updates"
    assert email.text == (
        "Hi Ana, here is what we have for you since your last digest:\n\n"
        "- A survey <b>for</b> you\n  Tools\n  https://nudge.example/s/1?a=1&b=2\n\n"
        "- New: Rail Pass\n\nUnsubscribe: https://nudge.example/u/t\n"
    )
    assert (
        '<a href="https://nudge.example/s/1?a=1&amp;b=2">A survey &lt;b&gt;for&lt;/b&gt; you</a><br>Tools' in email.html
    )
    assert "<li>New: Rail Pass</li>" in email.html
    assert '<a href="https://nudge.example/u/t">Unsubscribe</a>' in email.html
    assert digest_email("weekly", "there", entries[:1], "u").subject == "Your weekly digest: 1 update"
    named = digest_email("daily", "Ana", [DigestEntry("Ana, a new survey: Tools", "https://n.example/1", "Tools")], "u")
    assert named.text.splitlines()[2:4] == ["- Ana, a new survey: Tools", "  https://n.example/1"]
