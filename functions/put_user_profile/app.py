"""PUT /v1/users/{user_id}/profile: create or replace a user's profile."""

from datetime import UTC, datetime

from nudge.api import ApiCall, Endpoint, endpoint
from nudge.profiles.profile import ProfileFields
from nudge.profiles.profile_view import ProfileView
from nudge.profiles.user_profiles import MAX_PROFILE_BODY_BYTES, profile_writes, replace_profile
from nudge.users.user_path import UserPath

PUT_PROFILE = Endpoint(
    method="PUT",
    path="/v1/users/{user_id}/profile",
    summary="Create or replace a user's profile; fields left out take their defaults (admin changes are audited)",
    access="self",
    path_parameters=UserPath,
    body=ProfileFields,
    response=ProfileView,
    errors=(409,),
    tag="profiles",
    max_body_bytes=MAX_PROFILE_BODY_BYTES,
)


@endpoint(PUT_PROFILE)
def lambda_handler(call: ApiCall, path: UserPath, body: ProfileFields) -> ProfileView:
    return replace_profile(profile_writes(), call.actor, path.user_id, body, datetime.now(UTC))
