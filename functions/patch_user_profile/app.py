"""PATCH /v1/users/{user_id}/profile: change some of a user's profile fields (JSON merge patch)."""

from datetime import UTC, datetime

from nudge.api import ApiCall, Endpoint, endpoint
from nudge.profiles.profile_patch import ProfilePatch
from nudge.profiles.profile_view import ProfileView
from nudge.profiles.user_profiles import MAX_PROFILE_BODY_BYTES, patch_profile, profile_writes
from nudge.users.user_path import UserPath

PATCH_PROFILE = Endpoint(
    method="PATCH",
    path="/v1/users/{user_id}/profile",
    summary="Change some profile fields: a JSON merge patch (RFC 7386), the result validated as a whole",
    access="self",
    path_parameters=UserPath,
    body=ProfilePatch,
    response=ProfileView,
    errors=(404, 409),
    tag="profiles",
    max_body_bytes=MAX_PROFILE_BODY_BYTES,
    content_types=("application/merge-patch+json", "application/json"),
)


@endpoint(PATCH_PROFILE)
def lambda_handler(call: ApiCall, path: UserPath, body: ProfilePatch) -> ProfileView:
    return patch_profile(profile_writes(), call.actor, path.user_id, body, datetime.now(UTC))
