"""A user's personal data across every table: the export, and the stores the erasure job erases.

Both follow the registry, in its order; each store's erasure is idempotent, so an erasure that failed
part way is finished by erasing the tables not yet done (`nudge.privacy.erasure`).
"""

from __future__ import annotations

from datetime import datetime

from nudge.privacy.registry import REGISTRY
from nudge.users.actor import Actor
from nudge.users.personal_data import PersonalDataStore, UserDataExport, export_from, stores


def export_user_data(actor: Actor, user_id: str, now: datetime) -> UserDataExport:
    """Everything Nudge holds about the user, one section per table (GET /v1/users/{user_id}/export)."""
    actor.ensure_can_access(user_id)
    return export_from(REGISTRY, actor, user_id, now)


def erasure_stores() -> dict[str, PersonalDataStore]:
    """The store of every table that holds data about users, by logical id, in the registry's order."""
    return stores(REGISTRY)
