"""EventBridge schedule (02:00 UTC by default): start the nightly archetype recalculation."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from nudge.config import recalculation_segments
from nudge.jobs.archetype_recalculation import recalculation_ports, start_run
from nudge.observability import observed


@observed
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    trigger = "schedule" if event.get("detail-type") == "Scheduled Event" else str(event.get("trigger", "manual"))
    return start_run(recalculation_ports(), recalculation_segments(), trigger)._asdict()
