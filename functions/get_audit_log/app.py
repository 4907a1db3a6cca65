"""GET /v1/admin/audit-log (admin): every admin action, newest first."""

from nudge.api import ApiCall, Endpoint, endpoint
from nudge.audit.audit_log import AuditLogPage, AuditLogQuery, audit_log_for_admin
from nudge.audit.audit_table import audit_table

GET_AUDIT_LOG = Endpoint(
    method="GET",
    path="/v1/admin/audit-log",
    summary="Admin: the audit trail of admin actions, newest first, paged",
    access="admin",
    query=AuditLogQuery,
    response=AuditLogPage,
    tag="admin",
)


@endpoint(GET_AUDIT_LOG)
def lambda_handler(call: ApiCall, query: AuditLogQuery) -> AuditLogPage:
    return audit_log_for_admin(audit_table(), call.actor, query)
