"""What the profile table holds about a user, as their export shows it."""

from datetime import datetime
from typing import Any

from pydantic import Field

from nudge.profiles.consent import ConsentChange, ConsentRecord
from nudge.profiles.profile import ProfileRecord
from nudge.users.personal_data import ExportSection


class ProfileExport(ExportSection):
    profile: ProfileRecord | None = Field(default=None, description="None: the user has no profile")
    consent: ConsentRecord | None = Field(default=None, description="None: the user never answered (nothing consented)")
    consent_history: list[ConsentChange] = Field(description="Newest first")
    last_active_at: datetime | None = None
    other_items: list[dict[str, Any]] = Field(description="Items of a kind this version does not know, as stored")
