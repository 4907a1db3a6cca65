"""GET /v1/users/{user_id}/signals: a user's behavioral signal aggregates."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.utilities.typing import LambdaContext

from nudge.api import build_resolver, current_caller, error_responses
from nudge.behavior.behavior_table import behavior_table
from nudge.behavior.events import IDENTIFIER_PATTERN
from nudge.behavior.signal_lookup import signals_for_caller
from nudge.behavior.signals import UserSignals
from nudge.observability import observed

app = build_resolver()


@app.get(
    "/v1/users/<user_id>/signals",
    summary="Read a user's behavioral signals",
    tags=["events"],
    responses=error_responses(403),
)
def get_signals(user_id: Annotated[str, Path(pattern=IDENTIFIER_PATTERN, max_length=128)]) -> UserSignals:
    return signals_for_caller(behavior_table(), current_caller(app), user_id)


@observed
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
