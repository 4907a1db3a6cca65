"""GET /v1/users/{user_id}/archetype: the user's archetype, recomputed when stale."""

from datetime import UTC, datetime

from nudge.api import ApiCall, Endpoint, endpoint
from nudge.behavior.behavior_table import behavior_table
from nudge.config import archetype_cache_ttl
from nudge.defaults.archetype_view import ArchetypeView
from nudge.defaults.user_archetypes import archetype_for_actor
from nudge.users.user_path import UserPath

GET_ARCHETYPE = Endpoint(
    method="GET",
    path="/v1/users/{user_id}/archetype",
    summary="Read a user's archetype (own user, or any user for an admin); new users get new_user",
    access="self",
    path_parameters=UserPath,
    response=ArchetypeView,
    tag="personalized defaults",
)


@endpoint(GET_ARCHETYPE)
def lambda_handler(call: ApiCall, path: UserPath) -> ArchetypeView:
    return archetype_for_actor(behavior_table(), call.actor, path.user_id, datetime.now(UTC), archetype_cache_ttl())
