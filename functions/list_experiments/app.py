"""GET /v1/admin/experiments (admin): every tier-multiplier experiment."""

from nudge.anchoring.experiments import ExperimentList, list_experiments
from nudge.anchoring.pricing_table import pricing_table
from nudge.api import ApiCall, Endpoint, endpoint

GET_EXPERIMENTS = Endpoint(
    method="GET",
    path="/v1/admin/experiments",
    summary="Admin: every tier-multiplier experiment with its variants",
    access="admin",
    response=ExperimentList,
    tag="admin",
)


@endpoint(GET_EXPERIMENTS)
def lambda_handler(call: ApiCall) -> ExperimentList:
    return list_experiments(pricing_table(), call.actor)
