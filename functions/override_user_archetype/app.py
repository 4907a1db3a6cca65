"""PUT /v1/users/{user_id}/archetype (admin): override a user's archetype, with a reason."""

from datetime import UTC, datetime

from nudge.api import ApiCall, Endpoint, endpoint
from nudge.audit.audit_table import audit_table
from nudge.behavior.behavior_table import behavior_table
from nudge.config import archetype_cache_ttl
from nudge.defaults.archetype_view import ArchetypeView
from nudge.defaults.user_archetypes import OverrideRequest, set_override
from nudge.users.user_path import UserPath

PUT_OVERRIDE = Endpoint(
    method="PUT",
    path="/v1/users/{user_id}/archetype",
    summary="Admin: override a user's archetype until cleared; survives recalculation; audited",
    access="admin",
    path_parameters=UserPath,
    body=OverrideRequest,
    response=ArchetypeView,
    tag="personalized defaults",
)


@endpoint(PUT_OVERRIDE)
def lambda_handler(call: ApiCall, path: UserPath, body: OverrideRequest) -> ArchetypeView:
    return set_override(
        behavior_table(), audit_table(), call.actor, path.user_id, body, datetime.now(UTC), archetype_cache_ttl()
    )
