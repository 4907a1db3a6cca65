"""Admin management of tier-multiplier experiments, and their results.

At most one experiment runs at a time, so a user sees one set of multipliers. A user's variant is
chosen by `experiment_assignment.choose_variant` on first exposure and stored with the user, so
changing traffic percentages later only moves users not yet assigned. Variant ids and multipliers
are fixed once created (changing them would mix two treatments in one result); traffic and status
may change.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Self

from pydantic import Field, model_validator

from nudge.anchoring.anchoring_table import AnchoringTable
from nudge.anchoring.catalog import Catalog, Experiment, ExperimentStatus
from nudge.anchoring.experiment_assignment import Variant, VariantId, check_variants
from nudge.anchoring.experiment_stats import ExperimentResults, VariantCounts, experiment_results
from nudge.anchoring.pricing_table import PricingTable
from nudge.audit.audit_table import AuditTable
from nudge.audit.records import audit_record
from nudge.errors import Conflict, InvalidInput, NotFound
from nudge.models import NudgeModel
from nudge.users.actor import Actor


class NewExperiment(NudgeModel):
    experiment_id: VariantId
    name: str = Field(min_length=1, max_length=100)
    variants: list[Variant] = Field(min_length=2, max_length=10)
    status: ExperimentStatus = "running"


class ExperimentChange(NudgeModel):
    """At least one of the two. A change that leaves the experiment as it is writes nothing and is not audited."""

    status: ExperimentStatus | None = None
    traffic: dict[str, int] | None = Field(default=None, description="variant_id -> new traffic percentage")

    @model_validator(mode="after")
    def _something(self) -> Self:
        if self.status is None and self.traffic is None:
            raise ValueError("give status, traffic or both")
        return self


class ExperimentPath(NudgeModel):
    experiment_id: VariantId


class ExperimentList(NudgeModel):
    experiments: list[Experiment]


class ExperimentReport(NudgeModel):
    experiment: Experiment
    results: ExperimentResults


def list_experiments(pricing: PricingTable, actor: Actor) -> ExperimentList:
    actor.ensure_admin()
    return ExperimentList(experiments=list(pricing.fresh_catalog().experiments))


def create_experiment(
    pricing: PricingTable, audit: AuditTable, actor: Actor, request: NewExperiment, now: datetime
) -> Experiment:
    actor.ensure_admin()
    check_variants(request.variants)
    catalog = pricing.catalog_for_change()
    _check_tiers(catalog, request.variants)
    if request.status == "running":
        _check_none_running(catalog, request.experiment_id)
    experiment = Experiment(**request.model_dump(), created_at=now, updated_at=now)
    after = experiment.model_dump(mode="json")
    record = audit_record(actor, "experiment.create", f"experiment:{experiment.experiment_id}", None, after, now)
    if not pricing.save_experiment(experiment, audit.put_request(record), is_new=True):
        raise Conflict(f"experiment '{experiment.experiment_id}' already exists", field="experiment_id")
    return experiment


def change_experiment(
    pricing: PricingTable, audit: AuditTable, actor: Actor, experiment_id: str, change: ExperimentChange, now: datetime
) -> Experiment:
    actor.ensure_admin()
    catalog = pricing.catalog_for_change()
    current = _find(catalog, experiment_id)
    variants = _retrafficked(current.variants, change.traffic) if change.traffic else current.variants
    check_variants(variants)
    status = change.status or current.status
    if status == "running":
        _check_none_running(catalog, experiment_id)
    if (variants, status) == (current.variants, current.status):
        return current  # nothing changes, so nothing is written or audited
    changed = current.model_copy(update={"variants": variants, "status": status, "updated_at": now})
    before, after = current.model_dump(mode="json"), changed.model_dump(mode="json")
    record = audit_record(actor, "experiment.update", f"experiment:{experiment_id}", before, after, now)
    if not pricing.save_experiment(changed, audit.put_request(record), is_new=False):
        raise NotFound(f"no experiment '{experiment_id}'", field="experiment_id")
    return changed


def experiment_report(
    pricing: PricingTable, anchoring: AnchoringTable, actor: Actor, experiment_id: str
) -> ExperimentReport:
    actor.ensure_admin()
    experiment = _find(pricing.fresh_catalog(), experiment_id)
    counts = []
    for variant in experiment.variants:
        counters = anchoring.variant_counters(experiment_id, variant.variant_id)
        counts.append(
            VariantCounts(
                variant_id=variant.variant_id,
                is_control=variant.is_control,
                traffic_percentage=variant.traffic_percentage,
                assigned=counters.get("assigned", 0),
                impressions=counters.get("impressions", 0),
                selections=counters.get("selections", 0),
                conversions=counters.get("conversions", 0),
            )
        )
    return ExperimentReport(experiment=experiment, results=experiment_results(counts))


def _find(catalog: Catalog, experiment_id: str) -> Experiment:
    found = next((e for e in catalog.experiments if e.experiment_id == experiment_id), None)
    if found is None:
        raise NotFound(f"no experiment '{experiment_id}'", field="experiment_id")
    return found


def _check_tiers(catalog: Catalog, variants: list[Variant]) -> None:
    known = {tier.tier_id for tier in catalog.tiers}
    unknown = sorted({tier_id for variant in variants for tier_id in variant.multipliers} - known)
    if unknown:
        raise InvalidInput(f"unknown tiers: {', '.join(unknown)}", field="variants")


def _check_none_running(catalog: Catalog, experiment_id: str) -> None:
    running = catalog.running_experiment()
    if running is not None and running.experiment_id != experiment_id:
        raise Conflict(f"experiment '{running.experiment_id}' is running; stop it first", field="status")


def _retrafficked(variants: list[Variant], traffic: Mapping[str, int]) -> list[Variant]:
    unknown = sorted(set(traffic) - {variant.variant_id for variant in variants})
    if unknown:
        raise InvalidInput(f"unknown variants: {', '.join(unknown)}", field="traffic")
    # model_copy does not validate: out-of-range percentages would be stored and break every catalog load.
    out_of_range = sorted(variant_id for variant_id, percentage in traffic.items() if not 0 <= percentage <= 100)
    if out_of_range:
        raise InvalidInput(f"traffic percentages must be 0 to 100: {', '.join(out_of_range)}", field="traffic")
    return [
        variant.model_copy(update={"traffic_percentage": traffic.get(variant.variant_id, variant.traffic_percentage)})
        for variant in variants
    ]
