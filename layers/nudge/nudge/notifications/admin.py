"""Admin management of segments and templates: replace (PUT creates), read, list; every change audited.

A PUT is written conditional on the version it read, in one transaction with its audit record (before
and after); one that changes nothing writes nothing and is not audited. A write that lost a race to
another admin's change is a 409: read again and retry.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import Field

from nudge.errors import Conflict, NotFound, RequestInvalid
from nudge.identifiers import Identifier
from nudge.models import NudgeModel
from nudge.notifications.notification_table import NotificationTable
from nudge.notifications.segments import Segment, SegmentFields
from nudge.notifications.templates import NotificationTemplate, TemplateFields, template_problems
from nudge.users.actor import Actor

if TYPE_CHECKING:
    # Only a write loads the audit capability.
    from nudge.audit.audit_table import AuditTable
    from nudge.audit.records import AuditRecord


class SegmentPath(NudgeModel):
    segment_id: Identifier


class TemplatePath(NudgeModel):
    template_id: Identifier


class ListQuery(NudgeModel):
    limit: int = Field(default=50, ge=1, le=100)
    cursor: str | None = Field(default=None, max_length=2048, description="next_cursor of the previous page")


class SegmentList(NudgeModel):
    segments: list[Segment] = Field(description="In segment_id order")
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page")


class TemplateList(NudgeModel):
    templates: list[NotificationTemplate] = Field(description="In template_id order")
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page")


_TEMPLATE_FIELDS = set(TemplateFields.model_fields)


def put_segment(
    table: NotificationTable, audit: AuditTable, actor: Actor, segment_id: str, fields: SegmentFields, now: datetime
) -> Segment:
    actor.ensure_admin()
    current = table.get_segment(segment_id)
    if current is not None and SegmentFields(name=current.name, rules=current.rules) == fields:
        return current  # nothing changes, so nothing is written or audited
    segment = Segment(
        segment_id=segment_id,
        name=fields.name,
        rules=fields.rules,
        **_stamps(current, now),
    )
    record = _record(actor, "segment", segment_id, current, segment, now)
    if not table.save_segment(segment, audit.put_request(record)):
        raise Conflict("the segment changed while this change was saved; read it again and retry")
    return segment


def put_template(
    table: NotificationTable,
    audit: AuditTable,
    actor: Actor,
    template_id: str,
    fields: TemplateFields,
    now: datetime,
) -> NotificationTemplate:
    actor.ensure_admin()
    problems = template_problems(fields)
    if problems:
        raise RequestInvalid(problems)
    current = table.get_template(template_id)
    if current is not None and TemplateFields.model_validate(current.model_dump(include=_TEMPLATE_FIELDS)) == fields:
        return current  # nothing changes, so nothing is written or audited
    template = NotificationTemplate(
        template_id=template_id,
        **fields.model_dump(),
        **_stamps(current, now),
    )
    record = _record(actor, "template", template_id, current, template, now)
    if not table.save_template(template, audit.put_request(record)):
        raise Conflict("the template changed while this change was saved; read it again and retry")
    return template


def _stamps(current: Segment | NotificationTemplate | None, now: datetime) -> dict[str, Any]:
    """Creation time kept, update time now, the next version (1 for a new document)."""
    if current is None:
        return {"created_at": now, "updated_at": now, "version": 1}
    return {"created_at": current.created_at, "updated_at": now, "version": current.version + 1}


def _record(
    actor: Actor,
    kind: str,
    target: str,
    before: Segment | NotificationTemplate | None,
    after: NudgeModel,
    now: datetime,
) -> AuditRecord:
    from nudge.audit.records import audit_record

    action = f"{kind}.update" if before else f"{kind}.create"
    old = before.model_dump(mode="json") if before else None
    return audit_record(actor, action, f"{kind}:{target}", old, after.model_dump(mode="json"), now)


def get_segment(table: NotificationTable, actor: Actor, segment_id: str) -> Segment:
    actor.ensure_admin()
    segment = table.get_segment(segment_id)
    if segment is None:
        raise NotFound(f"no segment '{segment_id}'", field="segment_id")
    return segment


def get_template(table: NotificationTable, actor: Actor, template_id: str) -> NotificationTemplate:
    actor.ensure_admin()
    template = table.get_template(template_id)
    if template is None:
        raise NotFound(f"no template '{template_id}'", field="template_id")
    return template


def list_segments(table: NotificationTable, actor: Actor, query: ListQuery) -> SegmentList:
    actor.ensure_admin()
    page = table.segment_page(query.limit, query.cursor)
    return SegmentList(segments=page.segments, next_cursor=page.next_cursor)


def list_templates(table: NotificationTable, actor: Actor, query: ListQuery) -> TemplateList:
    actor.ensure_admin()
    page = table.template_page(query.limit, query.cursor)
    return TemplateList(templates=page.templates, next_cursor=page.next_cursor)
