"""Campaigns: what an admin sends to a segment, with a template, on which channels, and their lifecycle.

A campaign is created as a `draft`; `send` makes it `sending` now or `scheduled` for `send_at` (the
due-time sweep starts it then); the last segment of its fan-out makes it `sent` (every recipient
decided; deliveries delayed by quiet hours or to a best hour may still be scheduled). `cancel` makes
a campaign of any other status `cancelled`: nothing not yet handed to a provider is sent, its
scheduled deliveries included.

Validation at creation (422 naming the field, nothing written): the channels are not empty nor repeated
(here), the segment and template exist (campaign_admin), and what campaign_checks lists.
"""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, Field

from nudge.identifiers import Identifier
from nudge.models import NudgeModel, ShortText
from nudge.notifications.channel_names import Channel
from nudge.notifications.delivery_vocabulary import SKIP_REASONS, Priority

CampaignType = Literal["survey_invite", "product_launch", "reminder", "weekly_summary"]
CampaignStatus = Literal["draft", "scheduled", "sending", "sent", "cancelled"]


def _unique_channels(channels: list[Channel]) -> list[Channel]:
    if len(set(channels)) != len(channels):
        raise ValueError("must not list a channel twice")
    return channels


Channels = Annotated[
    list[Channel],
    Field(min_length=1, max_length=3, json_schema_extra={"uniqueItems": True}, description="In order of preference"),
    AfterValidator(_unique_channels),
]
DataText = Annotated[str, Field(min_length=1, max_length=500)]


class CampaignData(NudgeModel):
    product_name: DataText | None = None
    survey_title: DataText | None = None
    url: Annotated[str, Field(min_length=1, max_length=500, pattern=r"^https://\S+$")] | None = None
    survey_id: Identifier | None = Field(
        default=None, description="survey_invite only: the survey whose funnel counts the sends and first opens"
    )


class CampaignFields(NudgeModel):
    """What an admin writes to create a draft."""

    campaign_id: Identifier
    name: ShortText
    type: CampaignType
    segment_id: Identifier
    template_id: Identifier
    channels: Channels
    priority: Priority = "normal"
    data: CampaignData = Field(default_factory=CampaignData)
    send_at: AwareDatetime | None = Field(default=None, description="When to start; none: when sent")
    optimize_send_time: bool = Field(default=False, description="Each user at their best hour (from their clicks)")


class CampaignCounts(NudgeModel):
    targeted: int = Field(default=0, description="Profiles the segment matched")
    eligible: int = Field(default=0, description="Of those, with a channel that passes consent and preferences")
    queued: int = Field(default=0, description="Deliveries handed to a channel at once")
    scheduled: int = Field(default=0, description="Deliveries waiting for their time (quiet hours, best hour)")
    sent: int = 0
    failed: int = Field(default=0, description="Every channel tried failed, or the outcome is unknown after a crash")
    fallback_used: int = Field(default=0, description="Sent on a later channel after the first failed")
    downgraded: int = Field(default=0, description="SMS passed over because the campaign is not urgent")
    skipped_no_consent: int = 0
    skipped_channel_disabled: int = 0
    skipped_frequency_cap: int = 0
    skipped_suppressed: int = 0
    skipped_no_address: int = 0
    skipped_opted_out: int = 0
    delivered: int = Field(default=0, description="Emails and WhatsApp messages the provider reported delivered")
    opened: int = Field(default=0, description="Notifications opened (once each; a WhatsApp message read)")
    clicked: int = Field(default=0, description="Notifications with a click (once each)")
    bounced: int = Field(default=0, description="Emails that bounced, permanently or not (once each)")
    complained: int = Field(default=0, description="Emails the recipient marked as spam")
    undelivered: int = Field(
        default=0, description="WhatsApp messages the provider accepted, then reported failed (once each)"
    )

    def plus(self, other: "CampaignCounts") -> "CampaignCounts":
        return CampaignCounts(
            **{name: getattr(self, name) + getattr(other, name) for name in CampaignCounts.model_fields}
        )


SKIP_COUNTERS = {reason: f"skipped_{reason}" for reason in SKIP_REASONS}


class Campaign(CampaignFields):
    status: CampaignStatus
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None = Field(default=None, description="When its fan-out started")
    finished_at: datetime | None = None
    total_segments: int = Field(default=0, description="Parallel-scan segments of its fan-out")
    version: int = Field(ge=1, description="Each change adds one")


class CampaignView(Campaign):
    counts: CampaignCounts
    segments_done: int
