"""The retention rules (no AWS): who is warned, who is erased, at the edges of the period, with time injected."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from nudge.notifications.email import Email
from nudge.privacy.retention import (
    RetentionCounts,
    RetentionPolicy,
    RetentionPorts,
    apply_retention,
    decide,
    erasure_cutoff,
    months_before,
    warning_cutoff,
)
from nudge.profiles.profile_table import InactivePage, InactiveUser

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
POLICY = RetentionPolicy(inactive_months=24, warning_days=30)
TWO_YEARS_AGO = datetime(2024, 12, 1, 3, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


def user(last_active_at: datetime, warned_at: datetime | None = None, user_id: str = "u-1") -> InactiveUser:
    return InactiveUser(user_id, last_active_at, warned_at)


class Directory:
    """The activity index over a list of users, two per page, with the marks it was asked to set."""

    def __init__(
        self, users: list[InactiveUser], emails: dict[str, str], active_meanwhile: frozenset[str] = frozenset()
    ) -> None:
        self.users = users
        self.emails = emails
        self.active_meanwhile = active_meanwhile
        self.marked: list[tuple[str, datetime]] = []
        self.cutoffs: list[datetime] = []

    def shards(self) -> list[str]:
        return ["0", "1"]

    def inactive_since(self, shard: str, cutoff: datetime, start_after: str | None, limit: int) -> InactivePage:
        self.cutoffs.append(cutoff)
        mine = [u for index, u in enumerate(self.users) if str(index % 2) == shard and u.last_active_at <= cutoff]
        start = int(start_after or 0)
        page = mine[start : start + 2]
        return InactivePage(page, str(start + 2) if start + 2 < len(mine) else None)

    def mark_warned(self, user: InactiveUser, at: datetime) -> bool:
        if user.user_id in self.active_meanwhile:
            return False
        self.marked.append((user.user_id, at))
        return True

    def email_of(self, user_id: str) -> str | None:
        return self.emails.get(user_id)


class Mailer:
    def __init__(self) -> None:
        self.sent: list[Email] = []

    def send(self, email: Email) -> str:
        self.sent.append(email)
        return f"message-{len(self.sent)}"


class Anonymizer:
    """A table with `old` records to anonymize, handing out pages as the store does."""

    def __init__(self, old: int) -> None:
        self.old = old
        self.calls: list[tuple[datetime, int]] = []

    def __call__(self, cutoff: datetime, limit: int) -> int:
        self.calls.append((cutoff, limit))
        done = min(self.old, limit)
        self.old -= done
        return done


def run(
    directory: Directory, time_left: int = 900_000, anonymizers: tuple[Anonymizer, ...] = ()
) -> tuple[RetentionCounts, Mailer, list[str]]:
    mailer, erased = Mailer(), []

    def request(user_id: str) -> str:
        erased.append(user_id)
        return f"erasure-{user_id}"

    ports = RetentionPorts(directory, mailer, request, lambda: NOW, anonymizers)
    return apply_retention(ports, POLICY, lambda: time_left), mailer, erased


def test_months_before_keeps_the_time_and_clamps_to_the_months_last_day() -> None:
    assert months_before(NOW, 24) == TWO_YEARS_AGO
    assert months_before(datetime(2026, 3, 31, 12, tzinfo=UTC), 1) == datetime(2026, 2, 28, 12, tzinfo=UTC)
    assert months_before(datetime(2026, 2, 28, tzinfo=UTC), 24) == datetime(2024, 2, 28, tzinfo=UTC)
    assert months_before(datetime(2026, 1, 15, tzinfo=UTC), 13) == datetime(2024, 12, 15, tzinfo=UTC)
    assert months_before(datetime(2024, 2, 29, tzinfo=UTC), -12) == datetime(2025, 2, 28, tzinfo=UTC)


def test_the_cutoffs_are_the_period_and_the_warning_before_its_end() -> None:
    assert erasure_cutoff(NOW, POLICY) == TWO_YEARS_AGO
    assert warning_cutoff(NOW, POLICY) == TWO_YEARS_AGO + timedelta(days=30)


def test_a_user_is_warned_exactly_thirty_days_before_the_end_of_the_period_and_not_a_second_earlier() -> None:
    due = TWO_YEARS_AGO + timedelta(days=30)

    assert decide(user(due), NOW, POLICY) == "warn"
    assert decide(user(due + SECOND), NOW, POLICY) == "wait"


def test_a_warned_user_inactive_exactly_24_months_is_erased_and_not_a_second_sooner() -> None:
    warned = NOW - timedelta(days=30)

    assert decide(user(TWO_YEARS_AGO, warned), NOW, POLICY) == "erase"
    assert decide(user(TWO_YEARS_AGO + SECOND, warned), NOW, POLICY) == "wait"


def test_an_erasure_waits_for_a_full_warning_period_after_a_late_warning() -> None:
    """A user past the period who was never warned (the job did not run, or the rule is new) is warned first."""
    long_gone = TWO_YEARS_AGO - timedelta(days=400)

    assert decide(user(long_gone), NOW, POLICY) == "warn"
    assert decide(user(long_gone, NOW - timedelta(days=29, hours=23)), NOW, POLICY) == "wait"
    assert decide(user(long_gone, NOW - timedelta(days=30)), NOW, POLICY) == "erase"


def test_activity_after_a_warning_cancels_it() -> None:
    warned = NOW - timedelta(days=30)  # when the erasure was 30 days away
    active_again = warned + timedelta(hours=2)

    assert decide(user(TWO_YEARS_AGO, warned), NOW, POLICY) == "erase"
    assert decide(user(active_again, warned), NOW, POLICY) == "wait"
    # Inactive long enough again, they get a new warning before any erasure.
    due_again = months_before(active_again, -24) - timedelta(days=30)
    assert decide(user(active_again, warned), due_again, POLICY) == "warn"
    assert decide(user(active_again, warned), due_again + timedelta(days=30), POLICY) == "warn"


def test_a_run_warns_erases_and_waits_over_every_shard_and_page() -> None:
    almost = TWO_YEARS_AGO + timedelta(days=10)
    users = [
        user(almost, user_id="to-warn-1"),
        user(almost, user_id="to-warn-2"),
        user(TWO_YEARS_AGO - timedelta(days=5), NOW - timedelta(days=31), user_id="to-erase"),
        user(almost, NOW - timedelta(days=3), user_id="warned-waiting"),
        user(almost, user_id="no-address"),
        user(NOW - timedelta(days=3), user_id="active"),
    ]
    emails = {name: f"{name}@example.com" for name in ("to-warn-1", "to-warn-2", "to-erase", "warned-waiting")}
    directory = Directory(users, emails)

    counts, mailer, erased = run(directory)

    assert erased == ["to-erase"]
    assert [email.to for email in mailer.sent] == ["to-warn-1@example.com", "to-warn-2@example.com"]
    assert mailer.sent[0].subject == "Your data will be erased on 2026-12-31"
    assert "2026-12-31" in mailer.sent[0].text
    assert directory.marked == [("to-warn-1", NOW), ("no-address", NOW), ("to-warn-2", NOW)]
    assert counts.model_dump() == {
        "inactive_users": 5,
        "warned": 2,
        "warned_without_address": 1,
        "erasures_requested": 1,
        "waiting": 1,
        "analytics_records_anonymized": 0,
        "complete": True,
    }
    assert set(directory.cutoffs) == {warning_cutoff(NOW, POLICY)}


def test_a_warning_is_due_at_the_end_of_the_period_but_never_sooner_than_a_full_warning_period() -> None:
    directory = Directory([user(TWO_YEARS_AGO - timedelta(days=90), user_id="late")], {"late": "late@example.com"})

    _, mailer, erased = run(directory)

    assert erased == []
    assert mailer.sent[0].subject == "Your data will be erased on 2026-12-31"


def test_a_user_active_since_the_page_was_read_is_not_counted_as_warned() -> None:
    directory = Directory(
        [user(TWO_YEARS_AGO + timedelta(days=2), user_id="back")], {}, active_meanwhile=frozenset({"back"})
    )

    counts, _, _ = run(directory)

    assert directory.marked == []
    assert (counts.warned, counts.warned_without_address) == (0, 0)


@pytest.mark.parametrize("time_left", [1_000])
def test_near_its_time_limit_a_run_stops_and_says_so(time_left: int) -> None:
    users = [user(TWO_YEARS_AGO + timedelta(days=1), user_id=f"u-{index}") for index in range(8)]

    counts, _, _ = run(Directory(users, {}), time_left=time_left)

    assert counts.model_dump()["complete"] is False
    assert counts.model_dump()["inactive_users"] == 2


def test_analytics_records_older_than_the_period_are_anonymized_page_by_page_in_every_table() -> None:
    recommendations, tiers = Anonymizer(old=250), Anonymizer(old=0)

    counts, _, _ = run(Directory([], {}), anonymizers=(recommendations, tiers))

    assert counts.analytics_records_anonymized == 250
    cutoff = NOW - timedelta(days=365)
    assert recommendations.calls == [(cutoff, 100)] * 3
    assert tiers.calls == [(cutoff, 100)]
    assert (recommendations.old, counts.complete) == (0, True)
