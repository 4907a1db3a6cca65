"""GET /v1/admin/audit-log: the audit trail, newest first, a page at a time."""

from pydantic import Field

from nudge.audit.audit_table import AuditTable
from nudge.audit.records import AuditRecord
from nudge.models import NudgeModel
from nudge.users.actor import Actor


class AuditLogQuery(NudgeModel):
    limit: int = Field(default=25, ge=1, le=100)
    cursor: str | None = Field(default=None, max_length=2048, description="next_cursor of the previous page")


class AuditLogPage(NudgeModel):
    records: list[AuditRecord]
    next_cursor: str | None = Field(description="Pass as `cursor` for older records; null on the last page")


def audit_log_for_admin(table: AuditTable, actor: Actor, query: AuditLogQuery) -> AuditLogPage:
    actor.ensure_admin()
    page = table.page(query.limit, query.cursor)
    return AuditLogPage(records=page.records, next_cursor=page.next_cursor)
