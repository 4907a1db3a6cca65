"""DELETE /v1/users/{user_id}/archetype (admin): clear an override; the computed archetype applies again."""

from datetime import UTC, datetime

from nudge.api import ApiCall, Endpoint, endpoint
from nudge.audit.audit_table import audit_table
from nudge.behavior.behavior_table import behavior_table
from nudge.config import archetype_cache_ttl
from nudge.defaults.archetype_view import ArchetypeView
from nudge.defaults.user_archetypes import clear_override
from nudge.users.user_path import UserPath

DELETE_OVERRIDE = Endpoint(
    method="DELETE",
    path="/v1/users/{user_id}/archetype",
    summary="Admin: clear a user's archetype override; audited",
    access="admin",
    path_parameters=UserPath,
    response=ArchetypeView,
    errors=(404,),
    tag="personalized defaults",
)


@endpoint(DELETE_OVERRIDE)
def lambda_handler(call: ApiCall, path: UserPath) -> ArchetypeView:
    return clear_override(
        behavior_table(), audit_table(), call.actor, path.user_id, datetime.now(UTC), archetype_cache_ttl()
    )
