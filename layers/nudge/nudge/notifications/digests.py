"""Email digests: the pure rules (which deliveries wait for a digest, when a digest goes, what it says).

A user whose `notification_preferences.email.frequency` is `daily` or `weekly` gets the email of a
campaign that is not `urgent` as an item of their next digest instead of on its own. A digest goes
once per period at the user's send time, in their time zone:
- the send time is the start of their best hour (the UTC hour of `click_hours` with the most clicks,
  at least MIN_CLICKS_FOR_BEST_HOUR, outside quiet hours; ties go to the earlier hour), placed at the
  local time of day it has at the item's moment, else DEFAULT_SEND_TIME (09:00 local);
- daily: that time on each day; weekly: that time on each Monday;
- a moment inside quiet hours moves to their end (`after_quiet_hours`, DST-aware).
An item goes into the first digest at or after its moment (an item at 08:00 for a 09:00 send time
goes the same day). A period is named by its frequency and its first day (`daily-2026-06-11`,
`weekly-2026-06-15`), so one user has at most one digest per period.
A digest lists at most DIGEST_MAX_ITEMS items (its outcome is one DynamoDB transaction: the digest,
each item and each item's campaign counters); older items go first and the rest roll to the next
period's digest.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from html import escape
from typing import TYPE_CHECKING, Literal, NamedTuple

from nudge.notifications.delivery_rules import MIN_CLICKS_FOR_BEST_HOUR, after_quiet_hours, in_quiet_hours

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from nudge.notifications.channel_names import Channel
    from nudge.notifications.delivery_rules import CampaignTerms
    from nudge.notifications.templates import RenderedEmail
    from nudge.profiles.profile import ProfileFields, QuietHours

Frequency = Literal["daily", "weekly"]
DEFAULT_SEND_TIME = time(9, 0)
# 1 digest + 45 items + 45 campaign counters = 91 of a transaction's 100 items.
DIGEST_MAX_ITEMS = 45
_STEP = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}


class DigestSlot(NamedTuple):
    """One period's digest."""

    frequency: Frequency
    start: date  # the period's first day: the day (daily) or its Monday (weekly)
    local_time: time  # the send time, before quiet hours
    at: datetime  # when it goes, UTC

    @property
    def period(self) -> str:
        return f"{self.frequency}-{self.start.isoformat()}"


class DigestEntry(NamedTuple):
    """One item as a digest lists it."""

    title: str
    url: str | None
    detail: str | None


def digest_frequency(terms: CampaignTerms, profile: ProfileFields, channel: Channel) -> Frequency | None:
    """The digest an email of this campaign waits for, or None when it goes on its own."""
    frequency = profile.notification_preferences.email.frequency
    if channel != "email" or terms.priority == "urgent" or frequency == "instant":
        return None
    return frequency


def send_time(click_hours: Mapping[str, int], moment: datetime, zone: ZoneInfo, quiet: QuietHours | None) -> time:
    """The user's digest send time (module docstring), as a local time of day."""
    best: tuple[int, int] | None = None
    for hour, clicks in sorted(click_hours.items()):
        start = moment.astimezone(UTC).replace(hour=int(hour), minute=0, second=0, microsecond=0)
        local = start.astimezone(zone)
        if (
            clicks >= MIN_CLICKS_FOR_BEST_HOUR
            and not in_quiet_hours(local, quiet)
            and (best is None or clicks > best[0])
        ):
            best = (clicks, local.hour * 60 + local.minute)
    return DEFAULT_SEND_TIME if best is None else time(best[1] // 60, best[1] % 60)


def slot(frequency: Frequency, day: date, local_time: time, zone: ZoneInfo, quiet: QuietHours | None) -> DigestSlot:
    """The digest of the period that `day` is in."""
    start = day if frequency == "daily" else day - timedelta(days=day.weekday())
    planned = datetime.combine(start, local_time, tzinfo=zone).astimezone(UTC)
    return DigestSlot(frequency, start, local_time, after_quiet_hours(planned, zone, quiet))


def next_slot(
    frequency: Frequency, moment: datetime, local_time: time, zone: ZoneInfo, quiet: QuietHours | None
) -> DigestSlot:
    """The first digest at or after `moment` (UTC). The previous period's is looked at too: quiet hours may
    have moved it past midnight, into the day of `moment`."""
    day = moment.astimezone(zone).date()
    previous = slot(frequency, day - _STEP[frequency], local_time, zone, quiet)
    if previous.at >= moment:
        return previous
    current = slot(frequency, day, local_time, zone, quiet)
    return current if current.at >= moment else following(current, zone, quiet)


def following(current: DigestSlot, zone: ZoneInfo, quiet: QuietHours | None) -> DigestSlot:
    """The digest of the period after `current`'s, at the same local send time."""
    return slot(current.frequency, current.start + _STEP[current.frequency], current.local_time, zone, quiet)


def parse_period(period: str) -> tuple[Frequency, date] | None:
    """The frequency and first day a period name gives (`DigestSlot.period`), None for another text."""
    frequency, _, start = period.partition("-")
    if frequency not in _STEP:
        return None
    try:
        return ("daily" if frequency == "daily" else "weekly"), date.fromisoformat(start)
    except ValueError:
        return None


def digest_email(
    frequency: Frequency, first_name: str, entries: list[DigestEntry], unsubscribe_url: str
) -> RenderedEmail:
    """The digest's email: one line per item (title, then its product or survey unless the title names it,
    and its link); values escaped in the HTML."""
    from nudge.notifications.templates import RenderedEmail

    count = f"{len(entries)} update{'s' if len(entries) != 1 else ''}"
    subject = f"Your {frequency} digest: {count}"
    lines, rows = [], []
    for entry in entries:
        # "Dana, a new survey: Acme Cloud" need not be followed by "Acme Cloud".
        entry = entry._replace(detail=entry.detail if entry.detail and entry.detail not in entry.title else None)
        extra = [part for part in (entry.detail, entry.url) if part]
        lines.append("\n".join([f"- {entry.title}", *(f"  {part}" for part in extra)]))
        title = escape(entry.title)
        linked = f'<a href="{escape(entry.url)}">{title}</a>' if entry.url else title
        detail = f"<br>{escape(entry.detail)}" if entry.detail else ""
        rows.append(f"<li>{linked}{detail}</li>")
    intro = f"Hi {first_name}, here is what we have for you since your last digest:"
    text = "\n\n".join([intro, *lines, f"Unsubscribe: {unsubscribe_url}"]) + "\n"
    html = f'<p>{escape(intro)}</p><ul>{"".join(rows)}</ul><p><a href="{escape(unsubscribe_url)}">Unsubscribe</a></p>'
    return RenderedEmail(subject=subject, html=html, text=text)
