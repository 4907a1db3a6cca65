"""A user's profile: what they tell Nudge about themselves, validated strictly, with safe defaults.

`ProfileFields` is the document a user writes (PUT replaces it, PATCH merges into it); Nudge keeps
it with the times it was created and changed (`ProfileRecord`) and answers with `ProfileView`,
which adds what Nudge derived. Every string and list is bounded, so a valid profile is small.

Nothing here names a special category of personal data (income, ethnicity, religion, health,
politics, sexuality): tests/unit/test_special_categories.py fails if a field or value does.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, model_validator
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import PydanticCustomError

from nudge.engagement.behavioral_summary import BehavioralSummary
from nudge.identifiers import Identifier
from nudge.models import NudgeModel, ShortText
from nudge.profiles.categories import Category
from nudge.profiles.countries import CountryCode

MAX_LANGUAGES = 10
MAX_CATEGORIES = 20
MAX_BRANDS = 50
DEFAULT_TIME_ZONE = "UTC"

_EMAIL_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_DOMAIN_LABEL = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
# Every IANA zone name segment starts with an upper-case letter ("America/Argentina/Buenos_Aires",
# "Etc/GMT+5"); the pattern also keeps out what a system zoneinfo directory holds besides zones
# ("localtime", "posixrules", "right/...", "zone.tab"), which Lambda's image may not have.
_ZONE_KEY = re.compile(r"^[A-Z][A-Za-z0-9_+-]*(/[A-Z][A-Za-z0-9_+-]*){0,2}$")
_PHONE = re.compile(r"^\+[1-9][0-9]{6,14}$")
# BCP 47 as used in practice: language, optional script, optional region, optional variants ("zh-Hant-TW").
_LANGUAGE_TAG = re.compile(
    r"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?(-([A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*$"
)
_CLOCK_TIME = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


def _email(value: str) -> str:
    """An ASCII address: a dot-atom local part (at most 64 characters) at a domain of at least two labels,
    ending in a letters-only top-level label. The domain is kept in lower case (it is case-insensitive)."""
    local, at, domain = value.rpartition("@")
    labels = domain.split(".")
    valid = (
        bool(at)
        and len(local) <= 64
        and _EMAIL_LOCAL.fullmatch(local) is not None
        and len(labels) >= 2
        and all(_DOMAIN_LABEL.fullmatch(label) for label in labels)
        and labels[-1].isalpha()
        and len(labels[-1]) >= 2
    )
    if not valid:
        raise ValueError("must be an email address such as ana@example.com")
    return f"{local}@{domain.lower()}"


def _time_zone(key: str) -> str:
    # zoneinfo is imported on use: only writes look zones up. It reads the system's zone files, or the
    # tzdata package where there are none (layers/nudge/requirements.txt).
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    problem = "is not an IANA time zone name, e.g. Europe/Berlin or America/New_York"
    if _ZONE_KEY.fullmatch(key) is None:
        raise ValueError(problem)
    try:
        ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(problem) from None
    return key


def _unique[Item](values: list[Item]) -> list[Item]:
    if len(set(values)) != len(values):
        raise ValueError("must not list an item twice")
    return values


def _read_only(value: Any) -> Any:
    raise PydanticCustomError("read_only", "is read-only: Nudge sets it")


def _matching(pattern: re.Pattern[str], problem: str) -> AfterValidator:
    """A pattern check with a message a person can act on (pydantic's would quote the regex)."""

    def check(value: str) -> str:
        if pattern.fullmatch(value) is None:
            raise ValueError(problem)
        return value

    return AfterValidator(check)


def _pattern(pattern: re.Pattern[str]) -> dict[str, Any]:
    return {"pattern": pattern.pattern}


# A field the response has and a request must not send: refused by name, absent from the request schema.
ReadOnly = SkipJsonSchema[Annotated[None, BeforeValidator(_read_only)]]
Email = Annotated[
    str, Field(min_length=3, max_length=254, json_schema_extra={"format": "email"}), AfterValidator(_email)
]
Phone = Annotated[
    str,
    Field(json_schema_extra=_pattern(_PHONE), description="E.164: + then 7 to 15 digits, the first not 0"),
    _matching(_PHONE, "must be an E.164 number: + then 7 to 15 digits, the first not 0, e.g. +14155550123"),
]
TimeZone = Annotated[
    str,
    Field(min_length=1, max_length=64, json_schema_extra=_pattern(_ZONE_KEY), description="IANA time zone name"),
    AfterValidator(_time_zone),
]
LanguageTag = Annotated[
    str,
    Field(
        max_length=35,
        json_schema_extra=_pattern(_LANGUAGE_TAG),
        description="BCP 47 language tag, e.g. en, en-GB, zh-Hant-TW, es-419",
    ),
    _matching(_LANGUAGE_TAG, "must be a BCP 47 language tag such as en, en-GB, zh-Hant-TW or es-419"),
]
ClockTime = Annotated[
    str,
    Field(json_schema_extra=_pattern(_CLOCK_TIME), description='24-hour "HH:MM", 00:00 to 23:59'),
    _matching(_CLOCK_TIME, 'must be a 24-hour time "HH:MM" from 00:00 to 23:59'),
]
Languages = Annotated[
    list[LanguageTag], Field(max_length=MAX_LANGUAGES, json_schema_extra={"uniqueItems": True}), AfterValidator(_unique)
]
Categories = Annotated[
    list[Category], Field(max_length=MAX_CATEGORIES, json_schema_extra={"uniqueItems": True}), AfterValidator(_unique)
]
Brands = Annotated[
    list[Identifier],
    Field(max_length=MAX_BRANDS, json_schema_extra={"uniqueItems": True}, description="Ids of brands the user follows"),
    AfterValidator(_unique),
]


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
    def _a_span(self) -> QuietHours:
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


class Interests(NudgeModel):
    categories: list[Category]
    brands: list[str]
    updated_at: datetime | None = Field(description="When the user last changed categories or brands")


class ProfileView(NudgeModel):
    """A profile as the API answers it: the user's fields, when they changed, and what Nudge derived."""

    user_id: str
    email: str
    phone: str | None
    name: str | None
    time_zone: str
    demographics: Demographics
    interests: Interests
    notification_preferences: NotificationPreferences
    created_at: datetime
    updated_at: datetime
    behavioral: BehavioralSummary = Field(
        description="Derived from the user's engagement (tracked only with behavioral_tracking consent); read-only"
    )


def profile_view(user_id: str, record: ProfileRecord, behavioral: BehavioralSummary) -> ProfileView:
    fields = record.fields
    return ProfileView(
        user_id=user_id,
        email=fields.email,
        phone=fields.phone,
        name=fields.name,
        time_zone=fields.time_zone,
        demographics=fields.demographics,
        interests=Interests(
            categories=fields.interests.categories,
            brands=fields.interests.brands,
            updated_at=record.interests_updated_at,
        ),
        notification_preferences=fields.notification_preferences,
        created_at=record.created_at,
        updated_at=record.updated_at,
        behavioral=behavioral,
    )
