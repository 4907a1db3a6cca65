"""The weekly summary's campaign, without AWS: one id per ISO week of the schedule's moment, the app's summary
page as its link, and a template that is not a marketing one starting nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, cast

import pytest

from nudge.notifications.campaign_admin import CampaignAdmin
from nudge.notifications.triggered_campaign import TriggerPorts
from nudge.notifications.weekly_summary import handle_run, summary_campaign, week_of

SAMPLE = Path(__file__).parents[2] / "events" / "start_weekly_summary_campaign" / "weekly_schedule.json"
NOW = datetime(2026, 11, 30, 9, 0, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "week"),
    [
        (datetime(2026, 11, 30, 9, 0, tzinfo=UTC), "2026-W49"),  # a Monday
        (datetime(2026, 12, 6, 23, 59, tzinfo=UTC), "2026-W49"),  # its Sunday
        (datetime(2026, 12, 31, 9, 0, tzinfo=UTC), "2026-W53"),  # 2026 has 53 ISO weeks
        (datetime(2027, 1, 3, 9, 0, tzinfo=UTC), "2026-W53"),  # a January day of the last year's week
        (datetime(2027, 1, 4, 9, 0, tzinfo=UTC), "2027-W01"),
        # Monday 01:00 at UTC+2 is still Sunday in UTC: the week is UTC's.
        (datetime(2026, 12, 7, 1, 0, tzinfo=timezone(timedelta(hours=2))), "2026-W49"),
    ],
)
def test_the_week_is_the_iso_week_of_the_moment_in_utc(moment: datetime, week: str) -> None:
    assert week_of(moment) == week


def test_the_campaign_is_named_after_the_week_and_links_to_the_summary_page() -> None:
    ports = TriggerPorts(cast(Any, None), cast(Any, None), "summary-template", "https://app.nudge.example")
    started = summary_campaign(ports, "2026-W49")
    fields = started.fields
    assert (fields.campaign_id, fields.type, fields.channels, fields.template_id) == (
        "weekly-summary-2026-W49",
        "weekly_summary",
        ["email"],
        "summary-template",
    )
    assert fields.data.url == "https://app.nudge.example/summary"
    assert (started.segment_id, started.segment.rules.model_dump(exclude_none=True)) == ("weekly-summary", {})


class TemplateOnly:
    """A notification table holding one template; anything else it is asked is a test failure."""

    def __init__(self, category: str) -> None:
        self.category = category

    def get_template(self, template_id: str) -> Any:
        return type("Template", (), {"category": self.category})()


def test_a_template_that_is_not_marketing_starts_nothing() -> None:
    admin = CampaignAdmin(cast(Any, TemplateOnly("product")), cast(Any, None), lambda: frozenset({"nudge.example"}))
    ports = TriggerPorts(admin, cast(Any, None), "summary-template")
    answer = handle_run(ports, json.loads(SAMPLE.read_text()), NOW)
    assert answer == {"outcome": "wrong_category", "campaign_id": "weekly-summary-2026-W49"}


def test_a_run_without_its_moment_is_rejected() -> None:
    answer = handle_run(cast(Any, None), {"detail-type": "Scheduled Event"}, NOW)
    assert (answer["outcome"], answer["field"]) == ("rejected", "time")
