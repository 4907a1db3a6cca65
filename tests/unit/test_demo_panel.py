"""The demo panel's responses stay on two calendar days, whatever time `make run` seeds them."""

from datetime import UTC, datetime, timedelta

import pytest

from local_runtime.seed import PANEL_SIZE, panel_answered_at


@pytest.mark.parametrize(
    "now",
    [
        datetime(2026, 12, 2, 0, 0, tzinfo=UTC),
        datetime(2026, 12, 2, 0, 5, tzinfo=UTC),
        datetime(2026, 12, 2, 12, 0, tzinfo=UTC),
        datetime(2026, 12, 2, 23, 59, tzinfo=UTC),
    ],
)
def test_the_panel_responds_today_and_yesterday_never_later_than_now(now: datetime) -> None:
    times = [panel_answered_at(index, now) for index in range(PANEL_SIZE)]
    today = now.date()
    assert {moment.date() for moment in times} == {today, today - timedelta(days=1)}
    assert max(times) <= now
    assert sum(moment.date() == today for moment in times) >= 10  # a trend point needs 10 respondents
    assert sum(moment.date() != today for moment in times) >= 10
