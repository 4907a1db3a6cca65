"""GET /v1/unsubscribe/{token} (no login, the signed link): the confirmation page; nothing is changed."""

from datetime import UTC, datetime

from nudge.api import ApiCall, Endpoint, endpoint
from nudge.api.http import WebAnswer
from nudge.subscribers.links import TokenPath
from nudge.subscribers.unsubscribe import confirmation_page
from nudge.subscribers.unsubscribe_links import link_key

SHOW_UNSUBSCRIBE = Endpoint(
    method="GET",
    path="/v1/unsubscribe/{token}",
    summary="The unsubscribe link's confirmation page (HTML), with the button that unsubscribes",
    access="public",
    path_parameters=TokenPath,
    response=WebAnswer,
    errors=(403, 410),
    tag="subscribers",
    web=True,
    logs_event=False,  # the path holds the link's token, a credential
)


@endpoint(SHOW_UNSUBSCRIBE)
def lambda_handler(call: ApiCall, path: TokenPath) -> WebAnswer:
    return confirmation_page(link_key(), path.token, datetime.now(UTC))
