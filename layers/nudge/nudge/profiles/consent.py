"""Granular, opt-in consent with an append-only history.

Every purpose defaults to false: a user who never answered has consented to nothing. A change is
recorded per purpose (what, old and new value, when, from where, under which policy version), and
the first opt-in to SMS or WhatsApp is dated once and kept (WhatsApp Business requires the date of
the explicit opt-in). What an unsubscribe link turned off is marked on the record itself
(`unsubscribed_at`), so the campaigns tell "opted out" from "never consented" without reading history.
"""

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from nudge.models import NudgeModel


class ChannelConsent(NudgeModel):
    email: bool = False
    sms: bool = False
    whatsapp: bool = False


class NotificationConsent(NudgeModel):
    enabled: bool = False
    channels: ChannelConsent = Field(default_factory=ChannelConsent)


class ConsentSettings(NudgeModel):
    """What the user consents to; `PUT .../consent` replaces it whole, and what is left out is false."""

    personalized_notifications: NotificationConsent = Field(default_factory=NotificationConsent)
    behavioral_tracking: bool = Field(default=False, description="Engagement events are stored and counted")
    analytics_sharing: bool = Field(default=False, description="Brands may see the user in aggregated analytics")
    marketing_emails: bool = False
    research_participation: bool = False


def purposes(settings: ConsentSettings) -> dict[str, bool]:
    """Each purpose as a dotted path (`personalized_notifications.channels.sms`) and its value."""
    flat: dict[str, bool] = {}

    def walk(prefix: str, values: dict[str, Any]) -> None:
        for name, value in values.items():
            if isinstance(value, dict):
                walk(f"{prefix}{name}.", value)
            else:
                flat[f"{prefix}{name}"] = bool(value)

    walk("", settings.model_dump())
    return flat


ConsentSource = Literal["api", "unsubscribe_link"]


class ConsentChange(NudgeModel):
    """One entry of the history: never changed or deleted while the user exists."""

    purpose: str
    old_value: bool
    new_value: bool
    changed_at: datetime
    source_ip: str
    user_agent: str
    policy_version: str
    source: ConsentSource = Field(
        default="api", description="api: the consent route; unsubscribe_link: a signed link in an email"
    )


class ConsentRecord(NudgeModel):
    """The current consent as stored, with when each purpose last changed."""

    settings: ConsentSettings = Field(default_factory=ConsentSettings)
    changed_at: dict[str, datetime] = Field(default_factory=dict, description="Purpose -> when it last changed")
    sms_opt_in_at: datetime | None = None
    whatsapp_opt_in_at: datetime | None = None
    unsubscribed_at: dict[str, datetime] = Field(
        default_factory=dict,
        description="Purpose -> when an unsubscribe link turned it off; gone once the purpose changes again",
    )
    policy_version: str | None = None
    updated_at: datetime | None = None
    version: int = 0


class ConsentUpdate(NudgeModel):
    record: ConsentRecord
    changes: list[ConsentChange]


def apply_consent(
    current: ConsentRecord,
    wanted: ConsentSettings,
    now: datetime,
    source_ip: str,
    user_agent: str,
    policy_version: str,
    source: ConsentSource = "api",
) -> ConsentUpdate:
    """The record after the user asks for `wanted`, and one history entry per purpose that changed. The
    record's version moves when something changed or this is the user's first answer; otherwise nothing
    needs writing."""
    before, after = purposes(current.settings), purposes(wanted)
    changes = [
        ConsentChange(
            purpose=purpose,
            old_value=before[purpose],
            new_value=value,
            changed_at=now,
            source_ip=source_ip,
            user_agent=user_agent,
            policy_version=policy_version,
            source=source,
        )
        for purpose, value in after.items()
        if value != before[purpose]
    ]
    channels = wanted.personalized_notifications.channels
    # The first answer is recorded even when it consents to nothing: "declined under this policy" is not
    # "never asked".
    recorded = bool(changes) or current.version == 0
    # Campaigns count a recipient withheld only by what a link turned off as opted out, not as never consented.
    changed = {change.purpose for change in changes}
    unsubscribed = {purpose: at for purpose, at in current.unsubscribed_at.items() if purpose not in changed}
    if source == "unsubscribe_link":
        unsubscribed |= {change.purpose: now for change in changes if not change.new_value}
    record = ConsentRecord(
        settings=wanted,
        changed_at=current.changed_at | {change.purpose: now for change in changes},
        sms_opt_in_at=current.sms_opt_in_at or (now if channels.sms else None),
        whatsapp_opt_in_at=current.whatsapp_opt_in_at or (now if channels.whatsapp else None),
        unsubscribed_at=unsubscribed,
        policy_version=policy_version if recorded else current.policy_version,
        updated_at=now if recorded else current.updated_at,
        version=current.version + 1 if recorded else current.version,
    )
    return ConsentUpdate(record=record, changes=changes)
