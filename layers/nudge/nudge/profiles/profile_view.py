"""A profile as the API answers it: the user's fields, when they changed, and what Nudge derived. Only the
profile routes load it; the profile as stored is nudge/profiles/profile.py."""

from datetime import datetime

from pydantic import Field

from nudge.engagement.behavioral_summary import BehavioralSummary
from nudge.models import NudgeModel
from nudge.profiles.categories import Category
from nudge.profiles.profile import Demographics, NotificationPreferences, ProfileRecord


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
