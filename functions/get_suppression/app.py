"""GET /v1/admin/suppressions?email=... (admin): whether an address is suppressed, since when and why."""

from nudge.api import ApiCall, Endpoint, endpoint
from nudge.subscribers.suppression import Suppression, suppression_list
from nudge.subscribers.suppression_admin import EmailQuery, suppression_for_admin

GET_SUPPRESSION = Endpoint(
    method="GET",
    path="/v1/admin/suppressions",
    summary="Admin: whether an address is on the suppression list, since when and why, and its soft bounces in a row",
    access="admin",
    query=EmailQuery,
    response=Suppression,
    tag="admin",
    logs_event=False,  # the query holds an email address
)


@endpoint(GET_SUPPRESSION)
def lambda_handler(call: ApiCall, query: EmailQuery) -> Suppression:
    return suppression_for_admin(suppression_list(), call.actor, query)
