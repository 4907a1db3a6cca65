"""Data minimization: users Nudge has not heard from for `InactiveUserRetentionMonths` are erased, after an
email warning `RetentionWarningDays` before; analytics records older than `AnalyticsAnonymizeAfterDays`
are anonymized.

A daily job asks each shard of the profile table's activity index for the users last active at or before
the warning cutoff (one range query per shard, paged), and for each one decides (`decide`):

- warn, once the erasure is at most `warning_days` away and the user was not warned since their last
  activity: the email, then the mark (`retention_warned_at`). Sent before it is marked, so a failure in
  between warns twice rather than never;
- erase, once inactive for the whole period and warned at least `warning_days` ago: through the same
  erasure job as a user's own request (requested_by "retention");
- otherwise wait.
Activity after a warning replaces the activity item, which clears the mark and moves the user out of
the query, so it cancels the warning. A user with no address on file cannot be warned: the mark is
set all the same (counted), and the erasure follows `warning_days` later.

Then each table with per-user analytics records (recommendation log entries; tier impressions and
selections) replaces those older than `anonymize_after_days` with anonymous records, a page at a time,
found through the table's sparse age index (an anonymized record leaves it, so no cursor is kept).
"""

import calendar
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Literal, NamedTuple, Protocol

from pydantic import Field

from nudge.models import NudgeModel
from nudge.notifications.email import Email, EmailSender
from nudge.observability import logger
from nudge.profiles.profile_table import InactivePage, InactiveUser

PAGE_SIZE = 200
# Stop with this much time left: the next day's run picks up whoever is left (the query is "inactive since").
TIME_MARGIN_MS = 30_000
Decision = Literal["warn", "erase", "wait"]


ANONYMIZE_PAGE = 100


class RetentionPolicy(NamedTuple):
    inactive_months: int
    warning_days: int
    anonymize_after_days: int = 365


class ActivityDirectory(Protocol):
    def shards(self) -> list[str]: ...

    def inactive_since(self, shard: str, cutoff: datetime, start_after: str | None, limit: int) -> InactivePage: ...

    def mark_warned(self, user: InactiveUser, at: datetime) -> bool: ...

    def email_of(self, user_id: str) -> str | None: ...


class RetentionPorts(NamedTuple):
    activity: ActivityDirectory
    mailer: EmailSender
    request_erasure: Callable[[str], str]  # user id -> erasure id (nudge.privacy.erasure.request_erasure)
    clock: Callable[[], datetime]
    # Each replaces up to `limit` records older than a cutoff with anonymous ones: (cutoff, limit) -> how many.
    anonymizers: Sequence[Callable[[datetime, int], int]] = ()


class RetentionCounts(NudgeModel):
    inactive_users: int = Field(default=0, description="Users found at or past the warning cutoff")
    warned: int = 0
    warned_without_address: int = Field(default=0, description="Marked as warned, but no email address on file")
    erasures_requested: int = 0
    waiting: int = Field(default=0, description="Warned, and the warning period has not run out yet")
    analytics_records_anonymized: int = 0
    complete: bool = Field(default=True, description="False when the run stopped near its time limit")


def months_before(moment: datetime, months: int) -> datetime:
    """The same time `months` calendar months earlier; a day the month lacks becomes its last day."""
    year, month = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def erasure_cutoff(now: datetime, policy: RetentionPolicy) -> datetime:
    """Users last active at or before this are erased (once warned)."""
    return months_before(now, policy.inactive_months)


def warning_cutoff(now: datetime, policy: RetentionPolicy) -> datetime:
    """Users last active at or before this are warned: their erasure is at most `warning_days` away."""
    return erasure_cutoff(now, policy) + timedelta(days=policy.warning_days)


def decide(user: InactiveUser, now: datetime, policy: RetentionPolicy) -> Decision:
    warned_at = user.retention_warned_at
    if warned_at is None or warned_at < user.last_active_at:  # never warned, or active since the warning
        return "warn" if user.last_active_at <= warning_cutoff(now, policy) else "wait"
    warned_long_enough = now - warned_at >= timedelta(days=policy.warning_days)
    return "erase" if user.last_active_at <= erasure_cutoff(now, policy) and warned_long_enough else "wait"


def warning_email(address: str, erase_on: datetime) -> Email:
    text = (
        "We have not heard from you for a long time. To keep only the data it needs, Nudge erases the data of "
        f"accounts inactive that long: yours will be erased on {erase_on:%Y-%m-%d}.\n\n"
        "To keep it, just use the app before then; nothing else is needed. If you let it go, you will get one "
        "last email when it is done."
    )
    return Email(to=address, subject=f"Your data will be erased on {erase_on:%Y-%m-%d}", text=text)


def apply_retention(ports: RetentionPorts, policy: RetentionPolicy, time_left_ms: Callable[[], int]) -> RetentionCounts:
    """One daily run over every shard, then the old analytics records; returns what it did."""
    now = ports.clock()
    counts = RetentionCounts()
    counts.complete = _inactive_users(ports, policy, now, counts, time_left_ms) and _anonymize(
        ports, now - timedelta(days=policy.anonymize_after_days), counts, time_left_ms
    )
    if counts.complete:
        logger().info("retention applied", extra=counts.model_dump())
    else:
        logger().warning("retention stopped near its time limit", extra=counts.model_dump())
    return counts


def _inactive_users(
    ports: RetentionPorts,
    policy: RetentionPolicy,
    now: datetime,
    counts: RetentionCounts,
    time_left_ms: Callable[[], int],
) -> bool:
    """Every shard's inactive users; False when it stopped near the time limit."""
    for shard in ports.activity.shards():
        start_after: str | None = None
        while True:
            page = ports.activity.inactive_since(shard, warning_cutoff(now, policy), start_after, PAGE_SIZE)
            for user in page.users:
                _apply(ports, policy, user, now, counts)
            start_after = page.next_key
            if start_after is None:
                break
            if time_left_ms() < TIME_MARGIN_MS:
                return False
    return True


def _anonymize(
    ports: RetentionPorts, cutoff: datetime, counts: RetentionCounts, time_left_ms: Callable[[], int]
) -> bool:
    for anonymize in ports.anonymizers:
        while True:
            if time_left_ms() < TIME_MARGIN_MS:
                return False
            done = anonymize(cutoff, ANONYMIZE_PAGE)
            counts.analytics_records_anonymized += done
            if done < ANONYMIZE_PAGE:
                break
    return True


def _apply(
    ports: RetentionPorts, policy: RetentionPolicy, user: InactiveUser, now: datetime, counts: RetentionCounts
) -> None:
    counts.inactive_users += 1
    decision = decide(user, now, policy)
    if decision == "warn":
        _warn(ports, policy, user, now, counts)
    elif decision == "erase":
        erasure_id = ports.request_erasure(user.user_id)
        logger().info("inactive user's erasure requested", extra={"erasure_id": erasure_id})
        counts.erasures_requested += 1
    else:
        counts.waiting += 1


def _warn(
    ports: RetentionPorts, policy: RetentionPolicy, user: InactiveUser, now: datetime, counts: RetentionCounts
) -> None:
    address = ports.activity.email_of(user.user_id)
    # The erasure is due at the end of the period, and never sooner than a full warning period from now.
    erase_on = max(
        _months_after(user.last_active_at, policy.inactive_months), now + timedelta(days=policy.warning_days)
    )
    if address is not None:
        ports.mailer.send(warning_email(address, erase_on))
    if not ports.activity.mark_warned(user, now):
        return  # active since the page was read: no longer due
    if address is None:
        counts.warned_without_address += 1
    else:
        counts.warned += 1


def _months_after(moment: datetime, months: int) -> datetime:
    return months_before(moment, -months)


def retention_ports() -> tuple[RetentionPorts, RetentionPolicy]:
    """The job's tables, mailer, erasure requests and policy for this function's environment."""
    from datetime import UTC

    from nudge import config
    from nudge.anchoring.anchoring_table import anchoring_table
    from nudge.defaults.recommendation_table import recommendation_table
    from nudge.notifications.email import email_sender
    from nudge.privacy.erasure import request_erasure, request_ports
    from nudge.profiles.profile_table import profile_table

    erasures = request_ports()
    policy = RetentionPolicy(
        inactive_months=config.whole_number("INACTIVE_USER_RETENTION_MONTHS", 24, minimum=1),
        warning_days=config.whole_number("RETENTION_WARNING_DAYS", 30, minimum=1),
        anonymize_after_days=config.whole_number("ANALYTICS_ANONYMIZE_AFTER_DAYS", 365, minimum=1),
    )
    ports = RetentionPorts(
        activity=profile_table(),
        mailer=email_sender(),
        request_erasure=lambda user_id: request_erasure(erasures, user_id, "retention").erasure_id,
        clock=lambda: datetime.now(UTC),
        anonymizers=(recommendation_table().anonymize_before, anchoring_table().anonymize_before),
    )
    return ports, policy
