"""Audit records: one per admin action, written in the same transaction as the change itself."""

from datetime import datetime
from typing import Any

from pydantic import Field

from nudge.identifiers import new_id
from nudge.models import NudgeModel
from nudge.users.actor import Actor


class AuditRecord(NudgeModel):
    audit_id: str
    at: datetime
    actor: str = Field(description="The admin's user id (token subject)")
    action: str = Field(description="e.g. archetype.override.set")
    target: str = Field(description="What was changed, e.g. user:<user_id>")
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str | None
    source_ip: str
    user_agent: str


def audit_record(
    actor: Actor,
    action: str,
    target: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    now: datetime,
    reason: str | None = None,
) -> AuditRecord:
    return AuditRecord(
        audit_id=new_id(),
        at=now,
        actor=actor.user_id,
        action=action,
        target=target,
        before=before,
        after=after,
        reason=reason,
        source_ip=actor.source_ip,
        user_agent=actor.user_agent,
    )
