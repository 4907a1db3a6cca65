"""The weekly summary: a campaign the stack's weekly schedule starts, without an admin, to the users who opted in.

"Opted in" is what the campaign rules already mean for a marketing email: the segment `weekly-summary`
has no rule (every profile), and the `WeeklySummaryTemplateId` template must be a `marketing` one, so
each recipient needs personalized notifications, the email channel and marketing email consented to
(and an address that is not suppressed). A template of another category starts nothing
(`wrong_category`): it would mail every user who consents to email. The campaign
`weekly-summary-<ISO year>-W<ISO week>` (type `weekly_summary`, email, the app's summary page,
`<AppUrl>/summary`, as `url`) is named after the ISO week of the schedule's moment (the event's
`time`), so a retried or duplicated run of the same week starts nothing twice (nudge/notifications/
triggered_campaign.py). Until the template exists, the runs start nothing (`no_template`).
"""

from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, ConfigDict

from nudge.errors import InvalidInput
from nudge.models import NudgeModel
from nudge.notifications.campaigns import CampaignData, CampaignFields
from nudge.notifications.segments import SegmentFields
from nudge.notifications.triggered_campaign import (
    TriggeredCampaign,
    TriggerPorts,
    app_link,
    parse_detail,
    rejected,
    start_triggered_campaign,
    trigger_ports,
)
from nudge.users.actor import Actor

TRIGGER = Actor(user_id="trigger:weekly_summary", is_admin=True)
SEGMENT_ID = "weekly-summary"


class ScheduledRun(NudgeModel):
    """The schedule's event: only its moment is read."""

    model_config = ConfigDict(extra="ignore", defer_build=True)

    time: AwareDatetime


def parse_run(event: dict[str, Any]) -> ScheduledRun:
    return parse_detail(ScheduledRun, event, key=None)


def week_of(moment: datetime) -> str:
    """`2026-W49`: the ISO year and week of the moment in UTC (ISO weeks start on Monday)."""
    from datetime import UTC

    year, week, _ = moment.astimezone(UTC).isocalendar()
    return f"{year:04d}-W{week:02d}"


def summary_campaign(ports: TriggerPorts, week: str) -> TriggeredCampaign:
    fields = CampaignFields(
        campaign_id=f"weekly-summary-{week}",
        name=f"Weekly summary {week}",
        type="weekly_summary",
        segment_id=SEGMENT_ID,
        template_id=ports.template_id,
        channels=["email"],
        data=CampaignData(url=app_link(ports, "/summary")),
    )
    return TriggeredCampaign(SEGMENT_ID, SegmentFields(name="Weekly summary: everyone (consent decides)"), fields)


def handle_run(ports: TriggerPorts, event: dict[str, Any], now: datetime) -> dict[str, str]:
    """The schedule target's answer: `started`, `already_started` for a week that has its campaign,
    `no_template` / `wrong_category` (nothing written), or `rejected` for an event without its moment."""
    try:
        run = parse_run(event)
    except InvalidInput as error:
        return rejected(error)
    started = summary_campaign(ports, week_of(run.time))
    outcome = start_triggered_campaign(ports, TRIGGER, started, now, category="marketing")
    return {"outcome": outcome, "campaign_id": started.fields.campaign_id}


def summary_ports() -> TriggerPorts:
    return trigger_ports("WEEKLY_SUMMARY_TEMPLATE_ID", with_app_url=True)
