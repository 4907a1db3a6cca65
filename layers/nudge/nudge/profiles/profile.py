"""A user's profile: what they tell Nudge about themselves, validated strictly, with safe defaults.

`ProfileFields` is the document a user writes (PUT replaces it, PATCH merges into it); Nudge keeps
it with the times it was created and changed (`ProfileRecord`) and answers with `ProfileView`,
which adds what Nudge derived. Every string and list is bounded, so a valid profile is small.

Nothing here names a special category of personal data (income, ethnicity, religion, health,
politics, sexuality): tests/unit/test_special_categories.py fails if a field or value does.
"""

from datetime import datetime
from typing import Literal, Self

from pydantic import Field, model_validator

from nudge.models import NudgeModel, ShortText
from nudge.profiles.countries import CountryCode
from nudge.profiles.profile_values import (
    DEFAULT_TIME_ZONE,
    Brands,
    Categories,
    ClockTime,
    Email,
    Languages,
    Phone,
    ReadOnly,
    TimeZone,
)


class Location(NudgeModel):
    country: CountryCode
    state: ShortText | None = None
    city: ShortText | None = None


class Demographics(NudgeModel):
    gender: Literal["male", "female", "non-binary", "prefer-not-to-say"] | None = None
    age_range: Literal["18-24", "25-34", "35-44", "45-54", "55-64", "65+"] | None = None
    location: Location | None = None
    languages: Languages = Field(default_factory=list)
    education: Literal["high-school", "bachelors", "masters", "phd", "other"] | None = None


class InterestsFields(NudgeModel):
    categories: Categories = Field(default_factory=list)
    brands: Brands = Field(default_factory=list)
    updated_at: ReadOnly = Field(default=None, exclude=True)


class EmailPreferences(NudgeModel):
    enabled: bool = False
    frequency: Literal["instant", "daily", "weekly"] = "weekly"


class ChannelPreference(NudgeModel):
    enabled: bool = False


class QuietHours(NudgeModel):
    """No notification on any channel from `start` until `end`, in the user's time zone; `end` before
    `start` spans midnight (22:00 to 07:00)."""

    start: ClockTime
    end: ClockTime

    @model_validator(mode="after")
    def _a_span(self) -> Self:
        if self.start == self.end:
            raise ValueError("start and end must differ; leave quiet_hours out (or null) for none")
        return self


class NotificationPreferences(NudgeModel):
    """What the user wants; a notification also needs their consent for the channel (PUT .../consent)."""

    email: EmailPreferences = Field(default_factory=EmailPreferences)
    sms: ChannelPreference = Field(default_factory=ChannelPreference)
    whatsapp: ChannelPreference = Field(default_factory=ChannelPreference)
    quiet_hours: QuietHours | None = None


class ProfileFields(NudgeModel):
    """The profile as a user writes it. Left out: the defaults (UTC, nothing listed, every channel off)."""

    email: Email
    phone: Phone | None = None
    name: ShortText | None = None
    time_zone: TimeZone = DEFAULT_TIME_ZONE
    demographics: Demographics = Field(default_factory=Demographics)
    interests: InterestsFields = Field(default_factory=InterestsFields)
    notification_preferences: NotificationPreferences = Field(default_factory=NotificationPreferences)
    user_id: ReadOnly = Field(default=None, exclude=True)
    created_at: ReadOnly = Field(default=None, exclude=True)
    updated_at: ReadOnly = Field(default=None, exclude=True)
    behavioral: ReadOnly = Field(default=None, exclude=True)


def cross_field_problems(fields: ProfileFields) -> list[tuple[str, str]]:
    """Rules between fields, so a merge patch cannot leave a channel without its address."""
    preferences = fields.notification_preferences
    return [
        (f"notification_preferences.{channel}.enabled", "needs a phone number in `phone`")
        for channel, preference in (("sms", preferences.sms), ("whatsapp", preferences.whatsapp))
        if preference.enabled and fields.phone is None
    ]


class ProfileRecord(NudgeModel):
    """The profile as stored: the user's fields and when Nudge saw them change."""

    fields: ProfileFields
    interests_updated_at: datetime | None = None
    created_at: datetime
    updated_at: datetime
    version: int = Field(ge=1, description="Optimistic locking: each write adds one")
