"""GET /v1/r/{token} (no login, the signed link): record the click, then redirect to the link's target."""

from datetime import UTC, datetime

from nudge.api import ApiCall, Endpoint, endpoint
from nudge.api.http import WebAnswer
from nudge.notifications.delivery_feedback import delivery_marks
from nudge.subscribers.clicks import click_ports, follow_click
from nudge.subscribers.links import TokenPath

FOLLOW_CLICK = Endpoint(
    method="GET",
    path="/v1/r/{token}",
    summary="A link in an email: records a notification_click (with tracking consent) and the campaign's click "
    "(once per notification), and redirects (302) to its target, which must be https on an allowed domain",
    access="public",
    path_parameters=TokenPath,
    response=WebAnswer,
    status=302,
    errors=(403, 409, 410),
    tag="subscribers",
    web=True,
    logs_event=False,  # the path holds the link's token, a credential
)


@endpoint(FOLLOW_CLICK)
def lambda_handler(call: ApiCall, path: TokenPath) -> WebAnswer:
    return follow_click(click_ports(counter=delivery_marks()), path.token, datetime.now(UTC))
