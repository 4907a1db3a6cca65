"""GET /v1/admin/experiments/{experiment_id}/results (admin): per-variant results against control."""

from nudge.anchoring.anchoring_table import anchoring_table
from nudge.anchoring.experiments import ExperimentPath, ExperimentReport, experiment_report
from nudge.anchoring.pricing_table import pricing_table
from nudge.api import ApiCall, Endpoint, endpoint

GET_EXPERIMENT_RESULTS = Endpoint(
    method="GET",
    path="/v1/admin/experiments/{experiment_id}/results",
    summary="Admin: impressions, selections, conversions, lift with its interval, P(beat control), SRM check",
    access="admin",
    path_parameters=ExperimentPath,
    response=ExperimentReport,
    errors=(404,),
    tag="admin",
)


@endpoint(GET_EXPERIMENT_RESULTS)
def lambda_handler(call: ApiCall, path: ExperimentPath) -> ExperimentReport:
    return experiment_report(pricing_table(), anchoring_table(), call.actor, path.experiment_id)
