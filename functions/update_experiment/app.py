"""PATCH /v1/admin/experiments/{experiment_id} (admin): change traffic or start/stop; audited."""

from datetime import UTC, datetime

from nudge.anchoring.catalog import Experiment
from nudge.anchoring.experiments import ExperimentChange, ExperimentPath, change_experiment
from nudge.anchoring.pricing_table import pricing_table
from nudge.api import ApiCall, Endpoint, endpoint
from nudge.audit.audit_table import audit_table

PATCH_EXPERIMENT = Endpoint(
    method="PATCH",
    path="/v1/admin/experiments/{experiment_id}",
    summary="Admin: change an experiment's traffic split or status; assigned users keep their variant",
    access="admin",
    path_parameters=ExperimentPath,
    body=ExperimentChange,
    response=Experiment,
    errors=(404, 409),
    tag="admin",
)


@endpoint(PATCH_EXPERIMENT)
def lambda_handler(call: ApiCall, path: ExperimentPath, body: ExperimentChange) -> Experiment:
    return change_experiment(pricing_table(), audit_table(), call.actor, path.experiment_id, body, datetime.now(UTC))
