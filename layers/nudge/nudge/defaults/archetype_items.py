"""The defaults capability's items in the behavior table: a user's computed archetype and an admin's override.

The behavior table decides where they live (their keys, the UserStates index) and stores their
attributes; this module alone decides what those attributes are and reads them back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from nudge.behavior.behavior_table import BehaviorTable, RawState
from nudge.defaults.archetype_state import ArchetypeOverride, StoredArchetype, UserState


def archetype_attributes(stored: StoredArchetype) -> dict[str, Any]:
    return stored.model_dump(mode="json")


def override_attributes(override: ArchetypeOverride) -> dict[str, Any]:
    return override.model_dump(mode="json")


def user_state(raw: RawState) -> UserState:
    return UserState(
        signals=raw.aggregates(),
        stored=StoredArchetype.model_validate(raw.archetype) if raw.archetype else None,
        override=ArchetypeOverride.model_validate(raw.override) if raw.override else None,
        assignments=raw.assignments,
    )


def load_user_state(table: BehaviorTable, user_id: str, experiment_ids: Sequence[str] = ()) -> UserState:
    """Signals, stored archetype, override (and the user's variant in each of `experiment_ids`), one read."""
    return user_state(table.get_state(user_id, experiment_ids))
