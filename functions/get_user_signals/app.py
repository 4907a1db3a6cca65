"""GET /v1/users/{user_id}/signals: a user's behavioral signal aggregates."""

from nudge.api import ApiCall, Endpoint, endpoint
from nudge.behavior.behavior_table import behavior_table
from nudge.behavior.signal_lookup import UserPath, signals_for_caller
from nudge.behavior.signals import UserSignals

GET_SIGNALS = Endpoint(
    method="GET",
    path="/v1/users/{user_id}/signals",
    summary="Read a user's behavioral signals (own user, or any user for an admin)",
    path_parameters=UserPath,
    response=UserSignals,
    errors=(403,),
    tag="events",
)


@endpoint(GET_SIGNALS)
def lambda_handler(call: ApiCall, path: UserPath) -> UserSignals:
    return signals_for_caller(behavior_table(), call.caller, path.user_id)
