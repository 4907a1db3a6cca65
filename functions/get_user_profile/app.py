"""GET /v1/users/{user_id}/profile: a user's profile, with what Nudge derived."""

from datetime import UTC, datetime

from nudge.api import ApiCall, Endpoint, endpoint
from nudge.profiles.profile_view import ProfileView
from nudge.profiles.user_profiles import profile_for_actor, profile_reads
from nudge.users.user_path import UserPath

GET_PROFILE = Endpoint(
    method="GET",
    path="/v1/users/{user_id}/profile",
    summary="Read a user's profile (own user, or any user for an admin); 404 when there is none",
    access="self",
    path_parameters=UserPath,
    response=ProfileView,
    errors=(404,),
    tag="profiles",
)


@endpoint(GET_PROFILE)
def lambda_handler(call: ApiCall, path: UserPath) -> ProfileView:
    return profile_for_actor(profile_reads(), call.actor, path.user_id, datetime.now(UTC))
