"""GET /v1/users/{user_id}/consent: a user's consent and its history, newest first."""

from nudge.api import ApiCall, Endpoint, endpoint
from nudge.profiles.profile_table import profile_table
from nudge.profiles.user_consent import ConsentWithHistory, HistoryQuery, consent_for_actor
from nudge.users.user_path import UserPath

GET_CONSENT = Endpoint(
    method="GET",
    path="/v1/users/{user_id}/consent",
    summary="Read a user's consent with its history, newest first, paged (own user, or any user for an admin)",
    access="self",
    path_parameters=UserPath,
    query=HistoryQuery,
    response=ConsentWithHistory,
    tag="profiles",
)


@endpoint(GET_CONSENT)
def lambda_handler(call: ApiCall, path: UserPath, query: HistoryQuery) -> ConsentWithHistory:
    return consent_for_actor(profile_table(), call.actor, path.user_id, query)
