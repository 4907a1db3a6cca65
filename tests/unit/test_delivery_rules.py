"""Delivery rules: consent, channel choice, SMS downgrade, WhatsApp opt-in, caps, quiet hours, best hour."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from nudge.notifications.channel_names import Channel
from nudge.notifications.delivery_rules import (
    CampaignTerms,
    Delivery,
    Recipient,
    Skipped,
    after_quiet_hours,
    best_moment,
    capped,
    decide,
    reason,
)
from nudge.notifications.delivery_vocabulary import Priority
from nudge.notifications.segments import SegmentRules
from nudge.profiles.consent import ConsentRecord, ConsentSettings
from nudge.profiles.profile import ProfileFields, QuietHours

NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
OPTED_IN = datetime(2026, 1, 1, tzinfo=UTC)


def _consent(
    enabled: bool = True,
    email: bool = True,
    sms: bool = True,
    whatsapp: bool = True,
    marketing: bool = True,
    whatsapp_opt_in: datetime | None = OPTED_IN,
) -> ConsentRecord:
    settings = ConsentSettings.model_validate(
        {
            "personalized_notifications": {
                "enabled": enabled,
                "channels": {"email": email, "sms": sms, "whatsapp": whatsapp},
            },
            "marketing_emails": marketing,
        }
    )
    return ConsentRecord(settings=settings, whatsapp_opt_in_at=whatsapp_opt_in, sms_opt_in_at=OPTED_IN, version=1)


def _profile(
    phone: str | None = "+14155550123",
    email_on: bool = True,
    sms_on: bool = True,
    whatsapp_on: bool = True,
    time_zone: str = "UTC",
    quiet: dict[str, str] | None = None,
) -> ProfileFields:
    document: dict[str, Any] = {
        "email": "ana@example.com",
        "time_zone": time_zone,
        "notification_preferences": {
            "email": {"enabled": email_on},
            "sms": {"enabled": sms_on},
            "whatsapp": {"enabled": whatsapp_on},
            "quiet_hours": quiet,
        },
    }
    if phone:
        document["phone"] = phone
    return ProfileFields.model_validate(document)


def _recipient(**overrides: Any) -> Recipient:
    fields: dict[str, Any] = {"user_id": "u1", "profile": _profile(), "consent": _consent()}
    return Recipient(**(fields | overrides))


def _terms(
    channels: list[Channel], priority: Priority = "normal", marketing: bool = False, optimize: bool = False
) -> CampaignTerms:
    return CampaignTerms(channels=channels, priority=priority, marketing=marketing, optimize_send_time=optimize)


def _delivered(decision: Delivery | Skipped) -> Delivery:
    assert isinstance(decision, Delivery), decision
    return decision


# --- consent, preference and address, per channel ---------------------------------------------------


@pytest.mark.parametrize(
    ("consent", "marketing", "expected"),
    [
        ({}, False, "email"),
        ({}, True, "email"),
        ({"enabled": False}, False, "no_consent"),
        ({"email": False}, False, "no_consent"),
        ({"marketing": False}, True, "no_consent"),
        ({"marketing": False}, False, "email"),
        ({"enabled": False, "marketing": False}, True, "no_consent"),
        ({"enabled": False, "email": False}, False, "no_consent"),
    ],
)
def test_email_needs_personalized_channel_and_marketing_consent(
    consent: dict[str, Any], marketing: bool, expected: str
) -> None:
    decision = decide(_terms(["email"], marketing=marketing), _recipient(consent=_consent(**consent)), NOW)
    assert (decision.channel if isinstance(decision, Delivery) else decision.reason) == expected


@pytest.mark.parametrize(
    ("channel", "consent", "profile", "expected"),
    [
        ("email", {}, {"email_on": False}, "channel_disabled"),
        ("whatsapp", {}, {}, "whatsapp"),
        ("whatsapp", {"whatsapp": False}, {}, "no_consent"),
        ("whatsapp", {"whatsapp_opt_in": None}, {}, "no_consent"),
        ("whatsapp", {}, {"whatsapp_on": False}, "channel_disabled"),
        ("whatsapp", {}, {"phone": None, "whatsapp_on": False}, "channel_disabled"),
        ("sms", {"sms": False}, {}, "no_consent"),
        ("sms", {}, {"sms_on": False}, "channel_disabled"),
        ("sms", {}, {}, "sms"),
    ],
)
def test_each_channel_checks_its_consent_opt_in_and_preference(
    channel: Channel, consent: dict[str, Any], profile: dict[str, Any], expected: str
) -> None:
    recipient = _recipient(consent=_consent(**consent), profile=_profile(**profile))
    decision = decide(_terms([channel], priority="urgent"), recipient, NOW)
    assert (decision.channel if isinstance(decision, Delivery) else decision.reason) == expected


def test_a_channel_without_an_address_is_no_address() -> None:
    # A profile cannot enable SMS without a phone; a stored one from before that rule still must not be sent to.
    profile = _profile(sms_on=False).model_copy(
        update={"notification_preferences": _profile().notification_preferences, "phone": None}
    )
    assert decide(_terms(["sms"], priority="urgent"), _recipient(profile=profile), NOW) == Skipped(reason="no_address")


def test_marketing_consent_applies_to_every_channel_of_a_marketing_template() -> None:
    recipient = _recipient(consent=_consent(marketing=False))
    assert decide(_terms(["whatsapp"], marketing=True), recipient, NOW) == Skipped(reason="no_consent")


# --- channel choice -----------------------------------------------------------------------------------


def test_the_first_passing_channel_is_chosen_and_the_later_passing_ones_are_fallbacks() -> None:
    recipient = _recipient(consent=_consent(email=False))
    delivery = _delivered(decide(_terms(["email", "whatsapp", "sms"], priority="urgent"), recipient, NOW))
    assert (delivery.channel, delivery.fallbacks, delivery.downgraded) == ("whatsapp", ["sms"], False)


def test_sms_for_a_campaign_that_is_not_urgent_moves_to_the_next_channel_counted_downgraded() -> None:
    delivery = _delivered(decide(_terms(["sms", "email"], priority="high"), _recipient(), NOW))
    assert (delivery.channel, delivery.fallbacks, delivery.downgraded) == ("email", [], True)


def test_sms_is_never_a_fallback_of_a_campaign_that_is_not_urgent() -> None:
    delivery = _delivered(decide(_terms(["email", "sms"], priority="low"), _recipient(), NOW))
    assert (delivery.channel, delivery.fallbacks, delivery.downgraded) == ("email", [], False)


def test_urgent_sends_sms_first_when_listed_first() -> None:
    delivery = _delivered(decide(_terms(["sms", "email"], priority="urgent"), _recipient(), NOW))
    assert (delivery.channel, delivery.fallbacks, delivery.downgraded) == ("sms", ["email"], False)


def test_downgraded_with_nothing_left_is_skipped_with_the_other_channels_reason() -> None:
    recipient = _recipient(consent=_consent(email=False))
    assert decide(_terms(["sms", "email"]), recipient, NOW) == Skipped(reason="no_consent", downgraded=True)


def test_the_skip_reason_is_the_first_channels() -> None:
    recipient = _recipient(profile=_profile(email_on=False), consent=_consent(whatsapp=False))
    assert decide(_terms(["email", "whatsapp"]), recipient, NOW) == Skipped(reason="channel_disabled")
    assert decide(_terms(["whatsapp", "email"]), recipient, NOW) == Skipped(reason="no_consent")


# --- frequency caps -----------------------------------------------------------------------------------


def test_daily_cap_counts_the_calendar_day_in_the_users_time_zone() -> None:
    tokyo = ZoneInfo("Asia/Tokyo")  # +09:00: 15:00 UTC is midnight
    before_midnight = datetime(2026, 6, 10, 14, 59, tzinfo=UTC)
    assert capped([before_midnight], datetime(2026, 6, 10, 14, 59, 30, tzinfo=UTC), tokyo, urgent=False)
    assert not capped([before_midnight], datetime(2026, 6, 10, 15, 0, tzinfo=UTC), tokyo, urgent=False)
    assert capped([before_midnight], datetime(2026, 6, 10, 15, 0, tzinfo=UTC), ZoneInfo("UTC"), urgent=False)


def test_daily_cap_in_a_zone_behind_utc() -> None:
    new_york = ZoneInfo("America/New_York")  # -04:00 in June: 03:59 UTC is 23:59 the day before
    sent = datetime(2026, 6, 11, 3, 59, tzinfo=UTC)
    assert capped([sent], datetime(2026, 6, 10, 14, 0, tzinfo=UTC), new_york, urgent=False)
    assert not capped([sent], datetime(2026, 6, 11, 4, 0, tzinfo=UTC), new_york, urgent=False)


def test_daily_cap_on_the_day_clocks_go_back() -> None:
    # Europe/Berlin leaves summer time on 2026-10-25: that local day has 25 hours, 22:00 UTC before to 23:00 UTC.
    berlin = ZoneInfo("Europe/Berlin")
    first_minute = datetime(2026, 10, 24, 22, 0, tzinfo=UTC)
    assert capped([first_minute], datetime(2026, 10, 25, 22, 59, tzinfo=UTC), berlin, urgent=False)
    assert not capped([first_minute], datetime(2026, 10, 25, 23, 0, tzinfo=UTC), berlin, urgent=False)
    assert not capped([datetime(2026, 10, 24, 21, 59, tzinfo=UTC)], first_minute, berlin, urgent=False)


def test_daily_cap_on_the_day_clocks_go_forward() -> None:
    # 2026-03-29 in Berlin has 23 hours: 23:00 UTC the day before to 22:00 UTC.
    berlin = ZoneInfo("Europe/Berlin")
    first_minute = datetime(2026, 3, 28, 23, 0, tzinfo=UTC)
    assert capped([first_minute], datetime(2026, 3, 29, 21, 59, tzinfo=UTC), berlin, urgent=False)
    assert not capped([first_minute], datetime(2026, 3, 29, 22, 0, tzinfo=UTC), berlin, urgent=False)


def _days_ago(*days: float) -> list[datetime]:
    return [NOW - timedelta(days=day) for day in days]


def test_weekly_cap_allows_the_fifth_and_refuses_the_sixth() -> None:
    utc = ZoneInfo("UTC")
    assert not capped(_days_ago(1, 2, 3, 4), NOW, utc, urgent=False)
    assert capped(_days_ago(1, 2, 3, 4, 5), NOW, utc, urgent=False)


def test_weekly_cap_is_a_rolling_window_a_delivery_exactly_7_days_ago_is_outside() -> None:
    utc = ZoneInfo("UTC")
    assert not capped(_days_ago(1, 2, 3, 4, 7), NOW, utc, urgent=False)
    assert capped([*_days_ago(1, 2, 3, 4), NOW - timedelta(days=7) + timedelta(minutes=1)], NOW, utc, urgent=False)


def test_weekly_cap_across_a_dst_change_counts_real_time() -> None:
    # A week spanning Berlin's change back to winter time is 7 * 24 + 1 local hours; the window is 168 real hours.
    berlin = ZoneInfo("Europe/Berlin")
    moment = datetime(2026, 10, 30, 12, 0, tzinfo=UTC)
    week_start = moment - timedelta(days=7)
    recent = [week_start, *(moment - timedelta(days=day) for day in (1, 2, 3, 4))]
    assert not capped(recent, moment, berlin, urgent=False)
    assert capped([*recent[1:], week_start + timedelta(seconds=1)], moment, berlin, urgent=False)


def test_urgent_ignores_the_daily_cap_but_not_the_weekly_one() -> None:
    utc = ZoneInfo("UTC")
    assert capped([NOW - timedelta(hours=1)], NOW, utc, urgent=False)
    assert not capped([NOW - timedelta(hours=1)], NOW, utc, urgent=True)
    assert capped([NOW - timedelta(hours=1), *_days_ago(1, 2, 3, 4)], NOW, utc, urgent=True)


def test_a_capped_recipient_is_skipped_not_delayed() -> None:
    recipient = _recipient(recent=[NOW - timedelta(hours=2)])
    assert decide(_terms(["email"]), recipient, NOW) == Skipped(reason="frequency_cap")
    assert _delivered(decide(_terms(["email"], priority="urgent"), recipient, NOW)).send_at == NOW


def test_the_cap_counts_on_the_day_the_message_arrives_after_quiet_hours() -> None:
    late = datetime(2026, 6, 10, 23, 0, tzinfo=UTC)
    recipient = _recipient(
        profile=_profile(quiet={"start": "22:00", "end": "07:00"}), recent=[late - timedelta(hours=12)]
    )
    delivery = _delivered(decide(_terms(["email"]), recipient, late))
    assert delivery.send_at == datetime(2026, 6, 11, 7, 0, tzinfo=UTC)


# --- quiet hours --------------------------------------------------------------------------------------

ACROSS_MIDNIGHT = QuietHours(start="22:00", end="07:00")


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        ("2026-06-10T21:59", "2026-06-10T21:59"),
        ("2026-06-10T22:00", "2026-06-11T07:00"),
        ("2026-06-10T23:30", "2026-06-11T07:00"),
        ("2026-06-11T00:00", "2026-06-11T07:00"),
        ("2026-06-11T06:59", "2026-06-11T07:00"),
        ("2026-06-11T07:00", "2026-06-11T07:00"),
    ],
)
def test_quiet_hours_across_midnight_delay_to_their_end(local: str, expected: str) -> None:
    zone = ZoneInfo("America/Sao_Paulo")
    moment = datetime.fromisoformat(local).replace(tzinfo=zone).astimezone(UTC)
    assert after_quiet_hours(moment, zone, ACROSS_MIDNIGHT).astimezone(zone).replace(tzinfo=None) == (
        datetime.fromisoformat(expected)
    )


def test_quiet_hours_within_a_day() -> None:
    zone, quiet = ZoneInfo("Asia/Kolkata"), QuietHours(start="13:00", end="14:30")
    inside = datetime(2026, 6, 10, 13, 10, tzinfo=zone)
    assert after_quiet_hours(inside.astimezone(UTC), zone, quiet) == datetime(2026, 6, 10, 14, 30, tzinfo=zone)
    outside = datetime(2026, 6, 10, 12, 59, tzinfo=zone).astimezone(UTC)
    assert after_quiet_hours(outside, zone, quiet) == outside


def test_quiet_hours_ending_in_the_gap_of_clocks_going_forward() -> None:
    # Berlin 2026-03-29: 02:00 to 03:00 local does not exist; quiet hours ending at 02:30 end at 03:30 CEST.
    zone = ZoneInfo("Europe/Berlin")
    quiet = QuietHours(start="23:00", end="02:30")
    moment = datetime(2026, 3, 28, 23, 30, tzinfo=UTC)  # 00:30 CET
    assert after_quiet_hours(moment, zone, quiet) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


def test_quiet_hours_end_on_the_night_clocks_go_back_is_the_first_0700() -> None:
    zone = ZoneInfo("Europe/Berlin")
    moment = datetime(2026, 10, 24, 21, 0, tzinfo=UTC)  # 23:00 CEST
    assert after_quiet_hours(moment, zone, ACROSS_MIDNIGHT) == datetime(2026, 10, 25, 6, 0, tzinfo=UTC)  # 07:00 CET


def test_a_delivery_inside_quiet_hours_is_delayed_never_dropped() -> None:
    recipient = _recipient(profile=_profile(time_zone="Asia/Tokyo", quiet={"start": "21:00", "end": "08:00"}))
    delivery = _delivered(decide(_terms(["email"]), recipient, NOW))  # 21:00 in Tokyo
    assert (delivery.send_at, delivery.delayed_for_quiet_hours) == (datetime(2026, 6, 10, 23, 0, tzinfo=UTC), True)


# --- best hour ----------------------------------------------------------------------------------------


def test_best_hour_is_the_hour_with_most_clicks_over_the_minimum() -> None:
    utc = ZoneInfo("UTC")
    assert best_moment({"18": 4, "09": 7, "20": 2}, NOW, utc, None) == datetime(2026, 6, 11, 9, 0, tzinfo=UTC)
    assert best_moment({"18": 4, "20": 2}, NOW, utc, None) == datetime(2026, 6, 10, 18, 0, tzinfo=UTC)


def test_no_hour_over_the_minimum_is_no_best_hour() -> None:
    assert best_moment({"18": 2, "09": 1}, NOW, ZoneInfo("UTC"), None) is None
    assert best_moment({}, NOW, ZoneInfo("UTC"), None) is None


def test_a_tie_goes_to_the_hour_that_comes_first() -> None:
    assert best_moment({"09": 5, "15": 5}, NOW, ZoneInfo("UTC"), None) == datetime(2026, 6, 10, 15, 0, tzinfo=UTC)


def test_inside_the_best_hour_the_campaign_time_stands() -> None:
    moment = datetime(2026, 6, 10, 12, 40, tzinfo=UTC)
    assert best_moment({"12": 5}, moment, ZoneInfo("UTC"), None) == moment


def test_the_best_hour_is_never_inside_quiet_hours() -> None:
    # 22 UTC is 03:30 in Kolkata, quiet; the next best, 04 UTC, is 09:30 there.
    zone = ZoneInfo("Asia/Kolkata")
    quiet = QuietHours(start="23:00", end="07:00")
    assert best_moment({"22": 9, "04": 3}, NOW, zone, quiet) == datetime(2026, 6, 11, 4, 0, tzinfo=UTC)
    assert best_moment({"22": 9}, NOW, zone, quiet) is None


def test_optimize_send_time_uses_the_best_hour_else_the_campaign_time() -> None:
    with_history = _recipient(click_hours={"17": 3})
    delivery = _delivered(decide(_terms(["email"], optimize=True), with_history, NOW))
    assert (delivery.send_at, delivery.delayed_for_quiet_hours) == (datetime(2026, 6, 10, 17, 0, tzinfo=UTC), False)
    assert _delivered(decide(_terms(["email"], optimize=True), _recipient(), NOW)).send_at == NOW
    assert _delivered(decide(_terms(["email"]), with_history, NOW)).send_at == NOW


# --- reason -------------------------------------------------------------------------------------------


def test_reason_names_the_matching_interest_first() -> None:
    profile = ProfileFields.model_validate(
        {
            "email": "ana@example.com",
            "demographics": {"location": {"country": "IN"}},
            "interests": {"categories": ["TRAVEL", "TECH_SAAS"]},
        }
    )
    rules = SegmentRules.model_validate({"categories": ["TECH_SAAS"], "countries": ["IN"]})
    assert reason(rules, profile) == "You see this because you selected 'TECH_SAAS' as an interest"
    assert reason(SegmentRules.model_validate({"countries": ["IN"]}), profile) == (
        "You see this because your profile says you live in 'IN'"
    )
    assert reason(SegmentRules(), profile) == "You see this because you opted in to personalized notifications"


# --- suppressed and opted out ------------------------------------------------------------------------


def _unsubscribed(consent: ConsentRecord, *purposes: str) -> ConsentRecord:
    return consent.model_copy(update={"unsubscribed_at": dict.fromkeys(purposes, OPTED_IN)})


def test_a_suppressed_address_is_skipped_as_suppressed_when_email_is_the_only_channel() -> None:
    decision = decide(_terms(["email"]), _recipient(email_suppressed=True), NOW)
    assert decision == Skipped(reason="suppressed")


def test_a_suppressed_address_moves_the_recipient_to_the_next_consented_channel() -> None:
    decision = _delivered(decide(_terms(["email", "whatsapp"]), _recipient(email_suppressed=True), NOW))
    assert (decision.channel, decision.fallbacks) == ("whatsapp", [])


def test_a_suppressed_address_is_never_an_email_fallback() -> None:
    decision = _delivered(decide(_terms(["whatsapp", "email"]), _recipient(email_suppressed=True), NOW))
    assert (decision.channel, decision.fallbacks) == ("whatsapp", [])


def test_suppression_does_not_touch_sms_or_whatsapp() -> None:
    decision = _delivered(decide(_terms(["sms"], priority="urgent"), _recipient(email_suppressed=True), NOW))
    assert decision.channel == "sms"


def test_consent_and_preferences_come_before_suppression() -> None:
    withdrawn = _recipient(consent=_consent(email=False), email_suppressed=True)
    disabled = _recipient(profile=_profile(email_on=False), email_suppressed=True)
    assert decide(_terms(["email"]), withdrawn, NOW) == Skipped(reason="no_consent")
    assert decide(_terms(["email"]), disabled, NOW) == Skipped(reason="channel_disabled")


@pytest.mark.parametrize(
    ("consent", "unsubscribed", "marketing", "expected"),
    [
        ({"marketing": False}, ["marketing_emails"], True, "opted_out"),
        ({"enabled": False}, ["personalized_notifications.enabled"], False, "opted_out"),
        (
            {"enabled": False, "marketing": False},
            ["personalized_notifications.enabled", "marketing_emails"],
            True,
            "opted_out",
        ),
        # Withheld also by something no link turned off: never consented to that.
        ({"enabled": False, "marketing": False}, ["marketing_emails"], True, "no_consent"),
        ({"marketing": False, "email": False}, ["marketing_emails"], True, "no_consent"),
        # A link's mark on a purpose the template does not need changes nothing.
        ({"marketing": False}, ["marketing_emails"], False, "email"),
        ({"marketing": False}, [], True, "no_consent"),
    ],
)
def test_opted_out_only_when_every_withheld_purpose_was_turned_off_by_a_link(
    consent: dict[str, Any], unsubscribed: list[str], marketing: bool, expected: str
) -> None:
    recipient = _recipient(consent=_unsubscribed(_consent(**consent), *unsubscribed))
    decision = decide(_terms(["email"], marketing=marketing), recipient, NOW)
    assert (decision.channel if isinstance(decision, Delivery) else decision.reason) == expected


def test_whatsapp_without_an_opt_in_date_is_no_consent_even_after_a_link() -> None:
    consent = _unsubscribed(_consent(enabled=False, whatsapp_opt_in=None), "personalized_notifications.enabled")
    assert decide(_terms(["whatsapp"]), _recipient(consent=consent), NOW) == Skipped(reason="no_consent")
