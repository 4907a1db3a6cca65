"""POST /v1/users/{user_id}/archetype/recalculate (admin): recompute a user's archetype now."""

from datetime import UTC, datetime

from nudge.api import ApiCall, Endpoint, endpoint
from nudge.audit.audit_table import audit_table
from nudge.behavior.behavior_table import behavior_table
from nudge.config import archetype_cache_ttl
from nudge.defaults.archetype_view import ArchetypeView
from nudge.defaults.user_archetypes import recalculate
from nudge.users.user_path import UserPath

RECALCULATE = Endpoint(
    method="POST",
    path="/v1/users/{user_id}/archetype/recalculate",
    summary="Admin: recompute a user's archetype now (an override stays in force); audited",
    access="admin",
    path_parameters=UserPath,
    response=ArchetypeView,
    tag="personalized defaults",
)


@endpoint(RECALCULATE)
def lambda_handler(call: ApiCall, path: UserPath) -> ArchetypeView:
    return recalculate(
        behavior_table(), audit_table(), call.actor, path.user_id, datetime.now(UTC), archetype_cache_ttl()
    )
