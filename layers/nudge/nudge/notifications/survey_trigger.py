"""The `survey.published` trigger: a survey invite started without an admin when a brand publishes a survey.

Nudge's bus delivers `survey.published` (nudge/catalog/surveys.py) to the trigger, which starts
(nudge/notifications/triggered_campaign.py) the campaign `survey-invite-<survey_id>` (type
`survey_invite`, email, the `SurveyInviteTemplateId` template; data: the survey's title, its id, which
feeds the survey's funnel, and the link to the survey's page in the app, `<AppUrl>/surveys/<survey_id>`)
to the segment of users whose explicit interests include the survey's category
(`survey-invite-<category>`), the trigger's actor being `trigger:survey.published`. A redelivered event
starts nothing twice; until the template exists, publications start nothing (`no_template`).
"""

from datetime import datetime
from typing import Annotated, Any

from pydantic import ConfigDict, Field

from nudge.errors import InvalidInput
from nudge.identifiers import Identifier
from nudge.models import NudgeModel
from nudge.notifications.campaigns import CampaignData, CampaignFields
from nudge.notifications.segments import SegmentFields, SegmentRules
from nudge.notifications.triggered_campaign import (
    MAX_NAME,
    TriggeredCampaign,
    TriggerPorts,
    app_link,
    derived_campaign_id,
    parse_detail,
    rejected,
    start_triggered_campaign,
    trigger_ports,
)
from nudge.profiles.categories import Category
from nudge.users.actor import Actor

TRIGGER = Actor(user_id="trigger:survey.published", is_admin=True)
CAMPAIGN_PREFIX = "survey-invite-"


class SurveyPublished(NudgeModel):
    """The event's detail; other keys (`event_id`, `product_id`, `published_at`) are not needed here."""

    model_config = ConfigDict(extra="ignore", defer_build=True)

    survey_id: Identifier
    title: Annotated[str, Field(min_length=1, max_length=500)]
    category: Category
    brand_id: str


def parse_publication(event: dict[str, Any]) -> SurveyPublished:
    return parse_detail(SurveyPublished, event)


def invite_campaign_id(survey_id: str) -> str:
    """`survey-invite-<survey_id>` (a survey id too long for that gives its SHA-256)."""
    return derived_campaign_id(CAMPAIGN_PREFIX, survey_id)


def invite_campaign(ports: TriggerPorts, survey: SurveyPublished) -> TriggeredCampaign:
    segment_id = f"{CAMPAIGN_PREFIX}{survey.category.lower()}"
    segment = SegmentFields(name=f"Interested in {survey.category}", rules=SegmentRules(categories=[survey.category]))
    fields = CampaignFields(
        campaign_id=invite_campaign_id(survey.survey_id),
        name=f"Survey: {survey.title}"[:MAX_NAME],
        type="survey_invite",
        segment_id=segment_id,
        template_id=ports.template_id,
        channels=["email"],
        data=CampaignData(
            survey_title=survey.title,
            survey_id=survey.survey_id,
            url=app_link(ports, f"/surveys/{survey.survey_id}"),
        ),
    )
    return TriggeredCampaign(segment_id, segment, fields)


def handle_publication(ports: TriggerPorts, event: dict[str, Any], now: datetime) -> dict[str, str]:
    """The rule target's answer: `started`, `already_started` for a redelivered event, `no_template` (nothing
    written) while the invite template does not exist, or `rejected` for an event that is not a publication."""
    try:
        survey = parse_publication(event)
    except InvalidInput as error:
        return rejected(error)
    outcome = start_triggered_campaign(ports, TRIGGER, invite_campaign(ports, survey), now)
    return {"outcome": outcome, "campaign_id": invite_campaign_id(survey.survey_id)}


def invite_ports() -> TriggerPorts:
    return trigger_ports("SURVEY_INVITE_TEMPLATE_ID", with_app_url=True)
