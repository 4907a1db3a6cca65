"""Reading a user's archetype, and the admin actions on it: recalculate, override, clear the override.

Every admin action writes its audit record in the same DynamoDB transaction as the change, so
there is never a change without its record or a record without its change.
"""

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from nudge.audit.audit_table import AuditTable, user_target
from nudge.audit.records import audit_record
from nudge.behavior.behavior_table import BehaviorTable
from nudge.defaults.archetype_items import archetype_attributes, load_user_state, override_attributes
from nudge.defaults.archetype_state import ArchetypeOverride, Resolution, resolve
from nudge.defaults.archetype_view import ArchetypeView, view
from nudge.errors import NotFound
from nudge.models import NudgeModel
from nudge.users.actor import Actor


def archetype_for_actor(
    table: BehaviorTable, actor: Actor, user_id: str, now: datetime, ttl: timedelta
) -> ArchetypeView:
    """The stored archetype, recomputed (and stored if it changed) when stale; new users get new_user."""
    actor.ensure_can_access(user_id)
    resolution = resolve(user_id, load_user_state(table, user_id), now, ttl)
    if resolution.changed:
        table.save_archetype(user_id, archetype_attributes(resolution.current))
    return view(user_id, resolution)


def recalculate(
    table: BehaviorTable, audit: AuditTable, actor: Actor, user_id: str, now: datetime, ttl: timedelta
) -> ArchetypeView:
    actor.ensure_admin()
    state = load_user_state(table, user_id)
    before = resolve(user_id, state, now, ttl)
    after = resolve(user_id, state, now, ttl, force=True)
    record = audit_record(actor, "archetype.recalculate", _target(user_id), _summary(before), _summary(after), now)
    table.save_archetype(user_id, archetype_attributes(after.current), also=[audit.put_request(record)])
    return view(user_id, after)


class OverrideRequest(NudgeModel):
    archetype: Literal["big_spender", "high_flexibility", "average_user"]
    # Stripped before the length check, so a blank reason is refused rather than stored as "".
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=500)] = Field(
        description="Why; kept in the audit log"
    )


def set_override(
    table: BehaviorTable,
    audit: AuditTable,
    actor: Actor,
    user_id: str,
    request: OverrideRequest,
    now: datetime,
    ttl: timedelta,
) -> ArchetypeView:
    actor.ensure_admin()
    before = resolve(user_id, load_user_state(table, user_id), now, ttl)
    override = ArchetypeOverride(
        archetype=request.archetype, reason=request.reason.strip(), set_by=actor.user_id, set_at=now
    )
    after = before._replace(override=override)
    record = audit_record(
        actor, "archetype.override.set", _target(user_id), _summary(before), _summary(after), now, request.reason
    )
    table.save_override(user_id, override_attributes(override), audit.put_request(record))
    return view(user_id, after)


def clear_override(
    table: BehaviorTable, audit: AuditTable, actor: Actor, user_id: str, now: datetime, ttl: timedelta
) -> ArchetypeView:
    actor.ensure_admin()
    before = resolve(user_id, load_user_state(table, user_id), now, ttl)
    if before.override is None:
        raise NotFound("this user's archetype is not overridden", field="user_id")
    after = before._replace(override=None)
    record = audit_record(actor, "archetype.override.clear", _target(user_id), _summary(before), _summary(after), now)
    if not table.delete_override(user_id, audit.put_request(record)):
        raise NotFound("this user's archetype is not overridden", field="user_id")
    return view(user_id, after)


def _target(user_id: str) -> str:
    return user_target(user_id)


def _summary(resolution: Resolution) -> dict[str, Any]:
    shown = view("", resolution)
    return {
        "archetype": shown.archetype,
        "confidence": shown.confidence,
        "source": shown.source,
        "computed_archetype": shown.computed.archetype,
        "override": shown.override.model_dump(mode="json") if shown.override else None,
    }
