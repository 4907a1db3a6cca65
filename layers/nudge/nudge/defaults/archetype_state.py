"""A user's archetype as stored and as served: computed, cached, or overridden by an admin.

Freshness: a stored archetype is fresh while it was computed from the user's current signals
version and less than the cache TTL ago. A stale one is recomputed; the result is written only
when it differs from what is stored, so an unchanged user costs CPU, never a write. An override
wins over any computation until an admin clears it.
"""

from collections.abc import Mapping
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import NamedTuple

from nudge.behavior.signals import SignalAggregates, describe
from nudge.defaults.archetype_detection import (
    DEFAULT_ARCHETYPE_CONFIG,
    ArchetypeAssessment,
    ArchetypeConfig,
    detect_archetype,
)
from nudge.defaults.archetype_names import ArchetypeType
from nudge.models import NudgeModel


class StoredArchetype(NudgeModel):
    assessment: ArchetypeAssessment
    signals_version: int
    computed_at: datetime


class ArchetypeOverride(NudgeModel):
    archetype: ArchetypeType
    reason: str
    set_by: str
    set_at: datetime


class UserState(NamedTuple):
    """Everything a recommendation needs about a user, read in one call."""

    signals: SignalAggregates
    stored: StoredArchetype | None
    override: ArchetypeOverride | None
    assignments: Mapping[str, str] = MappingProxyType({})  # experiment_id -> variant_id, when asked for


class Resolution(NamedTuple):
    current: StoredArchetype
    override: ArchetypeOverride | None
    changed: bool  # `current` was recomputed and differs from what is stored: worth writing


def is_stale(stored: StoredArchetype | None, signals_version: int, now: datetime, ttl: timedelta) -> bool:
    if stored is None:
        return True
    return stored.signals_version != signals_version or now - stored.computed_at >= ttl


def compute(
    user_id: str, signals: SignalAggregates, now: datetime, config: ArchetypeConfig = DEFAULT_ARCHETYPE_CONFIG
) -> StoredArchetype:
    assessment = detect_archetype(describe(user_id, signals), config)
    return StoredArchetype.model_construct(assessment=assessment, signals_version=signals.version, computed_at=now)


def resolve(user_id: str, state: UserState, now: datetime, ttl: timedelta, force: bool = False) -> Resolution:
    """The archetype to serve: the stored one while fresh, else recomputed (`force` always recomputes)."""
    stored = state.stored
    if stored is not None and not force and not is_stale(stored, state.signals.version, now, ttl):
        return Resolution(stored, state.override, changed=False)
    current = compute(user_id, state.signals, now)
    changed = stored is None or current.assessment != stored.assessment
    return Resolution(current, state.override, changed)


def effective(resolution: Resolution, config: ArchetypeConfig = DEFAULT_ARCHETYPE_CONFIG) -> ArchetypeAssessment:
    """The assessment decisions use: the computed one, or the override presented as certain."""
    computed, override = resolution.current.assessment, resolution.override
    if override is None:
        return computed
    return computed.model_copy(
        update={
            "archetype": override.archetype,
            "confidence": 1.0,
            "default_price_multiplier": config.default_price_multipliers[override.archetype],
            "reasons": [f"Set by an administrator: {override.reason}"],
        }
    )
