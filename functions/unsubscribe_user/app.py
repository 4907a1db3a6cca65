"""POST /v1/unsubscribe/{token} (no login, the signed link): RFC 8058 one-click unsubscribe."""

from datetime import UTC, datetime

from nudge.api import ApiCall, Endpoint, endpoint
from nudge.api.http import FORM, WebAnswer
from nudge.config import consent_policy_version
from nudge.subscribers.links import TokenPath
from nudge.subscribers.unsubscribe import OneClickForm, unsubscribe, unsubscribe_ports

UNSUBSCRIBE = Endpoint(
    method="POST",
    path="/v1/unsubscribe/{token}",
    summary="Unsubscribe at once (List-Unsubscribe=One-Click, as mail clients post it, or the page's button); "
    "the consent change is recorded with its history entry and confirmed by email",
    access="public",
    path_parameters=TokenPath,
    body=OneClickForm,
    content_types=(FORM,),
    response=WebAnswer,
    errors=(403, 409, 410),
    tag="subscribers",
    web=True,
    logs_event=False,  # the path holds the link's token, a credential
)


@endpoint(UNSUBSCRIBE)
def lambda_handler(call: ApiCall, path: TokenPath, body: OneClickForm) -> WebAnswer:
    return unsubscribe(unsubscribe_ports(), call.actor, path.token, datetime.now(UTC), consent_policy_version())
