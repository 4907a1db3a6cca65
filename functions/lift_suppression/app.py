"""DELETE /v1/admin/suppressions?email=... (admin): lift an address's suppression, audited."""

from datetime import UTC, datetime

from nudge.api import ApiCall, Endpoint, endpoint
from nudge.audit.audit_table import audit_table
from nudge.subscribers.suppression import Suppression, suppression_list
from nudge.subscribers.suppression_admin import EmailQuery

LIFT_SUPPRESSION = Endpoint(
    method="DELETE",
    path="/v1/admin/suppressions",
    summary="Admin: lift an address's suppression (and its soft-bounce run), recorded in the audit trail",
    access="admin",
    query=EmailQuery,
    response=Suppression,
    errors=(404,),
    tag="admin",
    logs_event=False,  # the query holds an email address
)


@endpoint(LIFT_SUPPRESSION)
def lambda_handler(call: ApiCall, query: EmailQuery) -> Suppression:
    return suppression_list().lift(query.email, call.actor, datetime.now(UTC), audit_table())
