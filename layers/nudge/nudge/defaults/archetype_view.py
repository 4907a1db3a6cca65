"""A user's archetype as the API returns it: the override when set, else the computed one."""

from datetime import datetime

from pydantic import Field

from nudge.defaults.archetype_detection import ArchetypeAssessment
from nudge.defaults.archetype_names import ArchetypeSource, ArchetypeType
from nudge.defaults.archetype_state import ArchetypeOverride, Resolution, effective
from nudge.models import NudgeModel
from nudge.money import Amount


class ArchetypeView(NudgeModel):
    """A user's archetype as the API returns it: the override when set, else the computed one."""

    user_id: str
    archetype: ArchetypeType
    confidence: float = Field(ge=0, le=1)
    default_price_multiplier: Amount
    source: ArchetypeSource
    reasons: list[str]
    computed: ArchetypeAssessment = Field(description="The computed archetype, shown even when overridden")
    computed_at: datetime
    signals_version: int
    override: ArchetypeOverride | None


def view(user_id: str, resolution: Resolution) -> ArchetypeView:
    chosen = effective(resolution)
    return ArchetypeView(
        user_id=user_id,
        archetype=chosen.archetype,
        confidence=chosen.confidence,
        default_price_multiplier=chosen.default_price_multiplier,
        source="computed" if resolution.override is None else "override",
        reasons=chosen.reasons,
        computed=resolution.current.assessment,
        computed_at=resolution.current.computed_at,
        signals_version=resolution.current.signals_version,
        override=resolution.override,
    )
