"""GET /v1/admin/templates/{template_id} (admin): one notification template."""

from nudge.api import ApiCall, Endpoint, endpoint
from nudge.notifications.admin import TemplatePath, get_template
from nudge.notifications.notification_table import notification_table
from nudge.notifications.templates import NotificationTemplate

GET_TEMPLATE = Endpoint(
    method="GET",
    path="/v1/admin/templates/{template_id}",
    summary="Admin: read a notification template; 404 when there is none",
    access="admin",
    path_parameters=TemplatePath,
    response=NotificationTemplate,
    errors=(404,),
    tag="notifications",
)


@endpoint(GET_TEMPLATE)
def lambda_handler(call: ApiCall, path: TemplatePath) -> NotificationTemplate:
    return get_template(notification_table(), call.actor, path.template_id)
