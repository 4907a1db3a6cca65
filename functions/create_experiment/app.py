"""POST /v1/admin/experiments (admin): a tier-multiplier experiment; audited."""

from datetime import UTC, datetime

from nudge.anchoring.catalog import Experiment
from nudge.anchoring.experiments import NewExperiment, create_experiment
from nudge.anchoring.pricing_table import pricing_table
from nudge.api import ApiCall, Endpoint, endpoint
from nudge.audit.audit_table import audit_table

POST_EXPERIMENT = Endpoint(
    method="POST",
    path="/v1/admin/experiments",
    summary="Admin: create a tier-multiplier experiment (variants with traffic percentages summing to 100)",
    access="admin",
    body=NewExperiment,
    response=Experiment,
    errors=(409,),
    tag="admin",
)


@endpoint(POST_EXPERIMENT)
def lambda_handler(call: ApiCall, body: NewExperiment) -> Experiment:
    return create_experiment(pricing_table(), audit_table(), call.actor, body, datetime.now(UTC))
