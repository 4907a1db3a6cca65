"""GET /v1/admin/templates (admin): every notification template, a page at a time."""

from nudge.api import ApiCall, Endpoint, endpoint
from nudge.notifications.admin import ListQuery, TemplateList, list_templates
from nudge.notifications.notification_table import notification_table

GET_TEMPLATES = Endpoint(
    method="GET",
    path="/v1/admin/templates",
    summary="Admin: the notification templates in template_id order, paged",
    access="admin",
    query=ListQuery,
    response=TemplateList,
    tag="notifications",
)


@endpoint(GET_TEMPLATES)
def lambda_handler(call: ApiCall, query: ListQuery) -> TemplateList:
    return list_templates(notification_table(), call.actor, query)
