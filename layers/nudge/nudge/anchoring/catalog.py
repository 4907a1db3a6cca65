"""The pricing catalog: the configured tiers and experiments, cached in the function with a bounded age.

A request reads the catalog from memory; it is reloaded (one Query) when older than
PRICING_CATALOG_MAX_AGE_SECONDS (60 by default), so an admin change reaches every warm function
within that time, and at once in the function that made it. Until an admin first changes the
catalog, readers serve `DEFAULT_TIERS` without writing them; the first admin change writes them once
(a marker item records it, so deactivating every tier later does not bring the defaults back).
"""

import time
from collections.abc import Callable
from datetime import datetime
from typing import Literal, NamedTuple

from pydantic import Field

from nudge.anchoring.experiment_assignment import Variant, VariantId
from nudge.anchoring.tiers import PricingTier
from nudge.models import NudgeModel

ExperimentStatus = Literal["running", "stopped"]


class Experiment(NudgeModel):
    experiment_id: VariantId
    name: str = Field(min_length=1, max_length=100)
    status: ExperimentStatus
    variants: list[Variant]
    created_at: datetime
    updated_at: datetime

    def variant(self, variant_id: str) -> Variant | None:
        return next((variant for variant in self.variants if variant.variant_id == variant_id), None)


class Catalog(NamedTuple):
    tiers: tuple[PricingTier, ...]
    experiments: tuple[Experiment, ...]

    def running_experiment(self) -> Experiment | None:
        """At most one experiment runs at a time (the admin API refuses a second)."""
        return next((experiment for experiment in self.experiments if experiment.status == "running"), None)

    def tier(self, tier_id: str) -> PricingTier | None:
        return next((tier for tier in self.tiers if tier.tier_id == tier_id), None)


class CatalogCache:
    def __init__(self, max_age_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._max_age = max_age_seconds
        self._clock = clock
        self._catalog: Catalog | None = None
        self._loaded_at = 0.0

    def get(self, load: Callable[[], Catalog]) -> Catalog:
        now = self._clock()
        if self._catalog is None or now - self._loaded_at >= self._max_age:
            self._catalog, self._loaded_at = load(), now
        return self._catalog

    def invalidate(self) -> None:
        self._catalog = None
