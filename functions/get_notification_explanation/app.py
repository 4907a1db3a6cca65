"""GET /v1/users/{user_id}/notifications/{notification_id}/why: why the user received a notification, and the
API calls that stop or adjust notifications like it."""

from nudge.api import ApiCall, Endpoint, endpoint
from nudge.notifications.delivery_table import delivery_table
from nudge.notifications.explanation import NotificationExplanation, NotificationPath, explain
from nudge.notifications.notification_table import notification_table

GET_EXPLANATION = Endpoint(
    method="GET",
    path="/v1/users/{user_id}/notifications/{notification_id}/why",
    summary="Why the user received a notification: its reasons, and the controls as API calls (own user, or an "
    "admin; another user's notification is a 404)",
    access="self",
    path_parameters=NotificationPath,
    response=NotificationExplanation,
    errors=(404,),
    tag="notifications",
)


@endpoint(GET_EXPLANATION)
def lambda_handler(call: ApiCall, path: NotificationPath) -> NotificationExplanation:
    return explain(delivery_table(), notification_table(), call.actor, path)
