"""GET /v1/users/{user_id}/signals: a user's behavioral signal aggregates."""

from nudge.api import ApiCall, Endpoint, endpoint
from nudge.behavior.behavior_table import behavior_table
from nudge.behavior.signal_lookup import signals_for_actor
from nudge.behavior.signals import UserSignals
from nudge.users.user_path import UserPath

GET_SIGNALS = Endpoint(
    method="GET",
    path="/v1/users/{user_id}/signals",
    summary="Read a user's behavioral signals (own user, or any user for an admin)",
    access="self",
    path_parameters=UserPath,
    response=UserSignals,
    tag="events",
)


@endpoint(GET_SIGNALS)
def lambda_handler(call: ApiCall, path: UserPath) -> UserSignals:
    return signals_for_actor(behavior_table(), call.actor, path.user_id)
