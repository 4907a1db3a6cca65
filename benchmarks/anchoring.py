"""Helpers for the price-anchoring benchmark: an experiment to run during it, and assignment cost."""

from __future__ import annotations

import timeit
from datetime import datetime
from decimal import Decimal

from nudge.anchoring.catalog import Experiment, ExperimentStatus
from nudge.anchoring.experiment_assignment import Variant, choose_variant
from nudge.anchoring.pricing_table import pricing_table
from nudge.audit.audit_table import audit_table
from nudge.audit.records import AuditRecord

EXPERIMENT_ID = "bench_premium"
VARIANTS = [
    Variant(variant_id="control", traffic_percentage=50, is_control=True),
    Variant(variant_id="premium_up", traffic_percentage=50, multipliers={"premium": Decimal("1.2")}),
]


def _audit(now: datetime) -> dict[str, object]:
    record = AuditRecord(
        audit_id=f"bench-{now.timestamp()}",
        at=now,
        actor="benchmark",
        action="experiment.update",
        target=f"experiment:{EXPERIMENT_ID}",
        before=None,
        after=None,
        reason=None,
        source_ip="127.0.0.1",
        user_agent="benchmark",
    )
    return audit_table().put_request(record)


def _save(status: ExperimentStatus, now: datetime, is_new: bool) -> None:
    experiment = Experiment(
        experiment_id=EXPERIMENT_ID,
        name="benchmark",
        status=status,
        variants=VARIANTS,
        created_at=now,
        updated_at=now,
    )
    pricing_table().save_experiment(experiment, _audit(now), is_new=is_new)


def start_experiment(now: datetime) -> None:
    _save("running", now, is_new=True)


def stop_experiment(now: datetime) -> None:
    _save("stopped", now, is_new=False)


def assignment_cost(calls: int = 100_000) -> float:
    """Microseconds per choose_variant call (hash of experiment and user, then the traffic ranges)."""
    seconds = timeit.timeit(lambda: choose_variant(EXPERIMENT_ID, "user-1234567", VARIANTS), number=calls)
    return seconds / calls * 1_000_000
