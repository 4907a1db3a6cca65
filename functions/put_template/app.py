"""PUT /v1/admin/templates/{template_id} (admin): create or replace a notification template; audited."""

from datetime import UTC, datetime

from nudge.api import ApiCall, Endpoint, endpoint
from nudge.audit.audit_table import audit_table
from nudge.notifications.admin import TemplatePath, put_template
from nudge.notifications.notification_table import notification_table
from nudge.notifications.templates import NotificationTemplate, TemplateFields

PUT_TEMPLATE = Endpoint(
    method="PUT",
    path="/v1/admin/templates/{template_id}",
    summary="Admin: create or replace a template (email, sms, whatsapp; unknown tokens are refused); audited",
    access="admin",
    path_parameters=TemplatePath,
    body=TemplateFields,
    response=NotificationTemplate,
    errors=(409,),
    tag="notifications",
    max_body_bytes=160 * 1024,  # an email at every bound is about 70 KB of text, more once JSON-escaped
)


@endpoint(PUT_TEMPLATE)
def lambda_handler(call: ApiCall, path: TemplatePath, body: TemplateFields) -> NotificationTemplate:
    return put_template(notification_table(), audit_table(), call.actor, path.template_id, body, datetime.now(UTC))
