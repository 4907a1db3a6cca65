"""GET /v1/users/{user_id}/notifications/{notification_id}/why: the design's "why am I seeing this".

The reasons: the reason stored with the delivery when it was decided, the campaign's type, the
template's category and the channel, and the segment's rules in plain words. A segment matches a
profile that passes every rule it has, so each rule is one the user matched when the campaign was
decided; `rules_changed_since` says when the segment was edited after the delivery (its rules may
then differ from the ones that matched). The controls are the API calls that act on it. Bounded
reads: the delivery (one Query, one GetItem), then the campaign, its template and its segment (one
GetItem each).
"""

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from nudge.errors import NotFound
from nudge.identifiers import Identifier, UserId
from nudge.models import NudgeModel
from nudge.notifications.campaigns import Campaign, CampaignType
from nudge.notifications.channel_names import Channel
from nudge.notifications.delivery_table import DeliveryRecord, DeliveryStatus, DeliveryTable
from nudge.notifications.delivery_vocabulary import Priority
from nudge.notifications.notification_table import NotificationTable
from nudge.notifications.segments import Segment, SegmentRules
from nudge.notifications.templates import TemplateCategory
from nudge.users.actor import Actor

ControlAction = Literal["stop_category", "adjust_preferences", "unsubscribe"]
CONSENT_NOTE = "Merge into your current consent (GET .../consent) and PUT the result: PUT replaces it whole"
# What each template category's "stop" turns off: the same purposes as the unsubscribe link's scopes.
STOP_CATEGORY: dict[str, dict[str, Any]] = {
    "marketing": {"marketing_emails": False},
    "product": {"personalized_notifications": {"enabled": False}},
}
UNSUBSCRIBE_ALL: dict[str, Any] = {
    "personalized_notifications": {"enabled": False},
    "marketing_emails": False,
    "behavioral_tracking": False,
}


class NotificationPath(NudgeModel):
    user_id: UserId
    notification_id: Identifier


class Control(NudgeModel):
    action: ControlAction
    label: str
    method: Literal["PUT", "PATCH"]
    path: str
    body: dict[str, Any] = Field(description="What to send (see `note`)")
    note: str | None = None


class CampaignFacts(NudgeModel):
    campaign_id: str
    name: str
    type: CampaignType
    priority: Priority
    category: TemplateCategory | None = Field(description="The template's category; null when it is gone")


class NotificationExplanation(NudgeModel):
    user_id: str
    notification_id: str
    channel: Channel
    status: DeliveryStatus
    at: datetime = Field(description="When it was sent, or is to be")
    reason: str = Field(description="Why the user received it, as decided when it was sent")
    campaign: CampaignFacts | None = Field(description="Null when the campaign is gone")
    matched_rules: list[str] = Field(description="The segment's rules, each of which the user matched, in plain words")
    rules_changed_since: bool = Field(description="The segment was edited after this notification was decided")
    controls: list[Control] = Field(description="The API calls that stop or adjust notifications like this one")


def rules_in_words(rules: SegmentRules) -> list[str]:
    """Each rule of a segment as a sentence; a segment without rules is everyone who opted in."""
    words = [
        f"Your age range is one of: {', '.join(rules.age_ranges)}" if rules.age_ranges else None,
        f"Your profile says you live in one of: {', '.join(rules.countries)}" if rules.countries else None,
        f"You selected one of these interests: {', '.join(rules.categories)}" if rules.categories else None,
        f"Your profile lists one of these languages: {', '.join(rules.languages)}" if rules.languages else None,
        f"Your engagement score is at least {rules.min_engagement_score:g}"
        if rules.min_engagement_score is not None
        else None,
    ]
    return [sentence for sentence in words if sentence] or ["You opted in to personalized notifications"]


def controls_for(user_id: str, channel: Channel, category: TemplateCategory | None) -> list[Control]:
    consent = f"/v1/users/{user_id}/consent"
    stop = [
        Control(
            action="stop_category",
            label=f"Stop {category} notifications",
            method="PUT",
            path=consent,
            body=STOP_CATEGORY[category],
            note=CONSENT_NOTE,
        )
        for category in [category]
        if category is not None
    ]
    preferences = Control(
        action="adjust_preferences",
        label=f"Turn off {channel} notifications (or change email frequency and quiet hours)",
        method="PATCH",
        path=f"/v1/users/{user_id}/profile",
        body={"notification_preferences": {channel: {"enabled": False}}},
    )
    everything = Control(
        action="unsubscribe",
        label="Unsubscribe from every notification and stop behavioral tracking",
        method="PUT",
        path=consent,
        body=UNSUBSCRIBE_ALL,
        note=CONSENT_NOTE,
    )
    return [*stop, preferences, everything]


def _rules(segment: Segment | None, delivery: DeliveryRecord) -> tuple[list[str], bool]:
    if segment is None:
        return [], False
    return rules_in_words(segment.rules), segment.updated_at > delivery.at


def _facts(campaign: Campaign, category: TemplateCategory | None) -> CampaignFacts:
    return CampaignFacts(
        campaign_id=campaign.campaign_id,
        name=campaign.name,
        type=campaign.type,
        priority=campaign.priority,
        category=category,
    )


def explain(
    deliveries: DeliveryTable, notifications: NotificationTable, actor: Actor, path: NotificationPath
) -> NotificationExplanation:
    actor.ensure_can_access(path.user_id)
    delivery = deliveries.user_delivery(path.user_id, path.notification_id)
    if delivery is None:
        raise NotFound("there is no such notification of this user", field="notification_id")
    campaign = notifications.get_campaign(delivery.campaign_id)
    template = notifications.get_template(campaign.template_id) if campaign else None
    segment = notifications.get_segment(campaign.segment_id) if campaign else None
    category = template.category if template else None
    matched, changed = _rules(segment, delivery)
    return NotificationExplanation(
        user_id=delivery.user_id,
        notification_id=delivery.notification_id,
        channel=delivery.channel,
        status=delivery.status,
        at=delivery.at,
        reason=delivery.reason,
        campaign=_facts(campaign, category) if campaign else None,
        matched_rules=matched,
        rules_changed_since=changed,
        controls=controls_for(delivery.user_id, delivery.channel, category),
    )
