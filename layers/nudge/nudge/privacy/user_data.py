"""A user's personal data across every table: export it all, or erase it all.

Domain functions, no HTTP yet. Both run every store the registry names, in its order; erasure is
idempotent, so a run that failed part way is finished by running it again.
"""

from __future__ import annotations

from datetime import datetime

from nudge.privacy.registry import REGISTRY
from nudge.users.personal_data import UserDataErasure, UserDataExport, erase_from, export_from


def export_user_data(user_id: str, now: datetime) -> UserDataExport:
    """Everything Nudge holds about the user, one section per table."""
    return export_from(REGISTRY, user_id, now)


def erase_user_data(user_id: str, now: datetime) -> UserDataErasure:
    """Delete, or anonymize where a table must keep a record, everything Nudge holds about the user."""
    return erase_from(REGISTRY, user_id, now)
