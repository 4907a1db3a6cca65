"""Experiment variants and the deterministic choice of a user's variant.

A variant is a set of tier multipliers (tier_id -> multiplier; empty means "the configured tiers") and
a traffic percentage. Valid variants (`check_variants`): 2 to 10 of them, unique ids, exactly one
control, traffic percentages (whole numbers, 0..100) summing to exactly 100.

Assignment:

    bucket  = first 8 bytes of sha256(f"{experiment_id}:{user_id}") as an unsigned integer, mod 10_000
    variant = the first variant, in the given order, whose cumulative traffic x 100 exceeds the bucket

so with 20/30/50 the buckets 0-1999, 2000-4999 and 5000-9999 map to the three variants. The bucket
depends only on the experiment and the user, never on the variants: the same user always lands in the
same bucket, and the experiment id salts it so experiments are independent of one another. (A 64-bit
value mod 10_000 has a bias below 1e-15.) Keeping users on their variant when the traffic split is
changed later is the caller's job: it stores the first assignment and reuses it.
"""

import hashlib
from collections.abc import Sequence
from typing import Annotated

from pydantic import Field

from nudge.anchoring.multiplier import Multiplier
from nudge.anchoring.tiers import ID_PATTERN
from nudge.errors import InvalidInput
from nudge.models import NudgeModel

VariantId = Annotated[str, Field(pattern=ID_PATTERN)]
BUCKETS = 10_000
MIN_VARIANTS = 2
MAX_VARIANTS = 10


class Variant(NudgeModel):
    variant_id: VariantId
    traffic_percentage: int = Field(ge=0, le=100)
    multipliers: dict[str, Multiplier] = Field(default_factory=dict)
    is_control: bool = False


def _problem(variants: Sequence[Variant]) -> str | None:
    ids = [variant.variant_id for variant in variants]
    controls = sum(variant.is_control for variant in variants)
    traffic = sum(variant.traffic_percentage for variant in variants)
    if not MIN_VARIANTS <= len(variants) <= MAX_VARIANTS:
        return f"an experiment needs {MIN_VARIANTS} to {MAX_VARIANTS} variants, got {len(variants)}"
    if len(set(ids)) != len(ids):
        return "variant_id values must be unique"
    if controls != 1:
        return f"exactly one variant must be the control, got {controls}"
    if traffic != 100:
        return f"traffic percentages must sum to 100, got {traffic}"
    return None


def check_variants(variants: Sequence[Variant]) -> None:
    """Raise InvalidInput(field="variants") unless the variants form a valid experiment."""
    problem = _problem(variants)
    if problem:
        raise InvalidInput(problem, field="variants")


def bucket(experiment_id: str, user_id: str) -> int:
    """The user's bucket in 0..9999 for this experiment."""
    digest = hashlib.sha256(f"{experiment_id}:{user_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % BUCKETS


def choose_variant(experiment_id: str, user_id: str, variants: Sequence[Variant]) -> str:
    """The variant_id the user's bucket falls into (variants are checked first)."""
    check_variants(variants)
    position = bucket(experiment_id, user_id)
    upper = 0
    for variant in variants:
        upper += variant.traffic_percentage * BUCKETS // 100
        if position < upper:
            return variant.variant_id
    raise AssertionError("unreachable: traffic sums to 100")  # pragma: no cover
