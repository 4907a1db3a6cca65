"""Who gets a campaign's message, on which channel, and when: pure rules over one recipient, no AWS.

For each recipient, in this order:
1. Each channel of the campaign, in the campaign's order, passes when the user consents to
   personalized notifications and to the channel (and to marketing_emails when the template is a
   marketing one, on every channel: marketing is marketing whatever carries it), WhatsApp has a
   recorded opt-in date, the channel is enabled in the notification preferences, and there is an
   address (the profile's email, or its phone for SMS and WhatsApp), and for email an address not on
   the suppression list (`suppressed`: the recipient moves on to the next channel, like any other
   channel that does not pass). A channel withheld only by purposes an unsubscribe link turned off
   (`ConsentRecord.unsubscribed_at`) is `opted_out` rather than `no_consent`.
2. The chosen channel is the first that passes. SMS is for `urgent` campaigns only: a passing SMS
   ahead of the chosen channel is passed over and the recipient counted as `downgraded`. The
   channels after the chosen one that also pass are the fallbacks, in order.
3. The send moment: the campaign's time, or with `optimize_send_time` the start of the user's best
   hour (below) within the 24 hours from it; a moment inside quiet hours (user's time zone, may span
   midnight) moves to their end, never dropped.
4. Frequency caps, across channels and campaigns, counted at the send moment (so a message moved
   past midnight by quiet hours counts on the day it arrives): at most 1 delivery on the same
   calendar day in the user's time zone, and at most 5 in the rolling 7 days ending at the send
   moment (a delivery exactly 7 days earlier is outside). `urgent` ignores the daily cap, not the
   weekly one. A capped recipient is skipped (`frequency_cap`), not delayed.

When no channel passes, the skip reason is the one of the first channel in the campaign's order
(`no_consent` when the user does not consent to personalized notifications at all).

Best hour: `click_hours` counts notification clicks by UTC hour. Each is placed at the user's local
time of day at the campaign's moment (a +05:30 zone turns 10 UTC into 15:30); the best is the one with
the most clicks, at least MIN_CLICKS_FOR_BEST_HOUR, outside quiet hours; on a tie the one that comes
first after the campaign's time. Without one, the campaign's time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from typing import TYPE_CHECKING, NamedTuple

from nudge.notifications.channel_names import Channel
from nudge.notifications.delivery_vocabulary import Priority, SkipReason
from nudge.profiles.consent import ConsentRecord
from nudge.profiles.profile import ProfileFields

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from nudge.notifications.segments import SegmentRules
    from nudge.profiles.profile import QuietHours

DAILY_CAP = 1
WEEKLY_CAP = 5
WEEK = timedelta(days=7)
MIN_CLICKS_FOR_BEST_HOUR = 3


# The rules' inputs and outputs are plain values, not models: they are built from a validated campaign,
# profile and consent, never from a request, and a fan-out worker would otherwise build their validators
# on its first recipient.
class CampaignTerms(NamedTuple):
    """What of a campaign the rules need."""

    channels: Sequence[Channel]  # in the campaign's order of preference, at least one
    priority: Priority
    marketing: bool  # the template's category is marketing
    optimize_send_time: bool = False


class Recipient(NamedTuple):
    user_id: str
    profile: ProfileFields
    consent: ConsentRecord
    click_hours: Mapping[str, int] = MappingProxyType({})  # UTC hour (00-23) -> notification clicks
    recent: Sequence[datetime] = ()  # the user's deliveries (sent or scheduled) of the last 7 days, any channel
    email_suppressed: bool = False  # the profile's email is on the suppression list


class Delivery(NamedTuple):
    channel: Channel
    send_at: datetime  # UTC, to the minute or later
    fallbacks: list[Channel]  # later channels that pass too, tried in order if this one fails
    downgraded: bool  # an SMS was passed over because the campaign is not urgent
    delayed_for_quiet_hours: bool


class Skipped(NamedTuple):
    reason: SkipReason
    downgraded: bool = False


type Decision = Delivery | Skipped


def channel_problem(channel: Channel, recipient: Recipient, marketing: bool) -> SkipReason | None:
    """Why this channel cannot carry the message to the recipient (step 1), or None."""
    withheld = withheld_purposes(channel, recipient.consent, marketing)
    if channel == "whatsapp" and recipient.consent.whatsapp_opt_in_at is None:
        withheld.add("whatsapp_opt_in_at")
    if withheld:
        return "opted_out" if withheld <= recipient.consent.unsubscribed_at.keys() else "no_consent"
    preferences = recipient.profile.notification_preferences
    if not getattr(preferences, channel).enabled:
        return "channel_disabled"
    address = recipient.profile.email if channel == "email" else recipient.profile.phone
    if not address:
        return "no_address"
    return "suppressed" if channel == "email" and recipient.email_suppressed else None


def withheld_purposes(channel: Channel, consent: ConsentRecord, marketing: bool) -> set[str]:
    """The consent purposes (dotted paths) that keep this channel from carrying the message."""
    settings = consent.settings
    notifications = settings.personalized_notifications
    withheld = set()
    if not notifications.enabled:
        withheld.add("personalized_notifications.enabled")
    if not getattr(notifications.channels, channel):
        withheld.add(f"personalized_notifications.channels.{channel}")
    if marketing and not settings.marketing_emails:
        withheld.add("marketing_emails")
    return withheld


def decide(terms: CampaignTerms, recipient: Recipient, campaign_time: datetime) -> Decision:
    """Whether, how and when the recipient gets the campaign's message (module docstring: the order)."""
    passing: list[Channel] = []
    downgraded = False
    first_problem: SkipReason | None = None
    for channel in terms.channels:
        problem = channel_problem(channel, recipient, terms.marketing)
        if problem is not None:
            first_problem = first_problem or problem
        elif channel == "sms" and terms.priority != "urgent":
            downgraded = downgraded or not passing
        else:
            passing.append(channel)
    if not passing:
        return Skipped(reason=first_problem or "channel_disabled", downgraded=downgraded)
    zone = _zone(recipient.profile.time_zone)
    quiet = recipient.profile.notification_preferences.quiet_hours
    planned = campaign_time.astimezone(UTC)
    if terms.optimize_send_time:
        planned = best_moment(recipient.click_hours, planned, zone, quiet) or planned
    send_at = after_quiet_hours(planned, zone, quiet)
    if capped(recipient.recent, send_at, zone, urgent=terms.priority == "urgent"):
        return Skipped(reason="frequency_cap", downgraded=downgraded)
    return Delivery(
        channel=passing[0],
        send_at=send_at,
        fallbacks=passing[1:],
        downgraded=downgraded,
        delayed_for_quiet_hours=send_at != planned,
    )


def _zone(key: str) -> ZoneInfo:
    from zoneinfo import ZoneInfo

    return ZoneInfo(key)


def capped(recent: Sequence[datetime], moment: datetime, zone: ZoneInfo, *, urgent: bool) -> bool:
    """Whether one more delivery at `moment` breaks a frequency cap (module docstring)."""
    in_week = [at for at in recent if moment - WEEK < at <= moment]
    if len(in_week) >= WEEKLY_CAP:
        return True
    day = moment.astimezone(zone).date()
    same_day = [at for at in recent if at.astimezone(zone).date() == day]
    return not urgent and len(same_day) >= DAILY_CAP


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def in_quiet_hours(local: datetime, quiet: QuietHours | None) -> bool:
    if quiet is None:
        return False
    start, end, now = _clock(quiet.start), _clock(quiet.end), local.time().replace(tzinfo=None)
    if start < end:
        return start <= now < end
    return now >= start or now < end


def after_quiet_hours(moment: datetime, zone: ZoneInfo, quiet: QuietHours | None) -> datetime:
    """`moment` (UTC), or the end of the quiet hours it falls in. An end that a DST change skips (02:30 on
    the night clocks go forward) is the same wall time in the old offset, the first minute after the gap."""
    local = moment.astimezone(zone)
    if quiet is None or not in_quiet_hours(local, quiet):
        return moment
    end = _clock(quiet.end)
    day: date = local.date()
    if local.time().replace(tzinfo=None) >= end:
        day += timedelta(days=1)
    return datetime.combine(day, end, tzinfo=zone).astimezone(UTC)


def best_moment(
    click_hours: Mapping[str, int], campaign_time: datetime, zone: ZoneInfo, quiet: QuietHours | None
) -> datetime | None:
    """The start of the user's best hour in the 24 hours from `campaign_time` (UTC), or None without one.
    The campaign's own time when it is already inside the best hour."""
    candidates: list[tuple[int, datetime]] = []
    for hour, clicks in click_hours.items():
        if clicks < MIN_CLICKS_FOR_BEST_HOUR:
            continue
        start = _next_occurrence(int(hour), campaign_time)
        if not in_quiet_hours(start.astimezone(zone), quiet):
            candidates.append((clicks, start))
    if not candidates:
        return None
    clicks, start = min(candidates, key=lambda candidate: (-candidate[0], candidate[1]))
    return max(start, campaign_time)


def _next_occurrence(utc_hour: int, after: datetime) -> datetime:
    """The start of the hour `utc_hour` that contains `after` or comes next."""
    start = after.replace(hour=utc_hour, minute=0, second=0, microsecond=0)
    return start + timedelta(days=1) if start + timedelta(hours=1) <= after else start


def reason(rules: SegmentRules, profile: ProfileFields) -> str:
    """Why the user was targeted, from the first of the segment's rules they match, for `{{reason}}`."""
    demographics = profile.demographics
    country = demographics.location.country if demographics.location else None
    interests = [category for category in profile.interests.categories if category in (rules.categories or [])]
    if interests:
        return f"You see this because you selected '{interests[0]}' as an interest"
    if rules.countries and country in rules.countries:
        return f"You see this because your profile says you live in '{country}'"
    if rules.age_ranges and demographics.age_range in rules.age_ranges:
        return f"You see this because your profile says you are {demographics.age_range}"
    if rules.languages and demographics.languages:
        return f"You see this because your profile lists '{demographics.languages[0]}' as a language"
    if rules.min_engagement_score is not None:
        return "You see this because you are an active member"
    return "You see this because you opted in to personalized notifications"
