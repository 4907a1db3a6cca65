"""GET /v1/users/{user_id}/notifications: what was sent or scheduled to the user, when, where, and why."""

from nudge.api import ApiCall, Endpoint, endpoint
from nudge.notifications.delivery_table import delivery_table
from nudge.notifications.user_notifications import NotificationsQuery, UserNotifications, notifications_for
from nudge.users.user_path import UserPath

GET_NOTIFICATIONS = Endpoint(
    method="GET",
    path="/v1/users/{user_id}/notifications",
    summary="The user's notifications, newest first: channel, status, time and why (own user, or an admin)",
    access="self",
    path_parameters=UserPath,
    query=NotificationsQuery,
    response=UserNotifications,
    tag="notifications",
)


@endpoint(GET_NOTIFICATIONS)
def lambda_handler(call: ApiCall, path: UserPath, query: NotificationsQuery) -> UserNotifications:
    return notifications_for(delivery_table(), call.actor, path.user_id, query)
