"""The one-click unsubscribe link every email carries (nudge.subscribers.unsubscribe says what following it
does): making it for a user and a scope, and reading what a followed one asks.

Apart from the routes, so the functions that send emails (campaign fan-out, digests) load no route code.
"""

from datetime import datetime
from typing import Literal, NamedTuple

from nudge import config
from nudge.identifiers import UserId
from nudge.models import NudgeModel
from nudge.subscribers.links import LinkKey, expiry, read_claims, secret_key, sign

PURPOSE = "unsubscribe"
KEY_VARIABLE = "UNSUBSCRIBE_KEY_SECRET_ARN"
DEFAULT_LINK_DAYS = 90
Scope = Literal["all", "marketing", "product"]


class _Claims(NudgeModel):
    u: UserId
    s: Scope


class UnsubscribeLink(NamedTuple):
    user_id: str
    scope: Scope


def unsubscribe_token(key: LinkKey, user_id: str, scope: Scope, now: datetime, days: int) -> str:
    claims = _Claims(u=user_id, s=scope).model_dump()  # a link the routes would refuse is never made
    return sign(key, PURPOSE, claims, expiry(now, days))


def read_link(key: LinkKey, token: str, now: datetime) -> UnsubscribeLink:
    """What a link signed by Nudge asks; a forged or altered token is 403, an expired one 410."""
    valid = read_claims(key, PURPOSE, token, now, _Claims)
    return UnsubscribeLink(valid.u, valid.s)


def unsubscribe_url(user_id: str, scope: Scope, now: datetime) -> str:
    """The link for one user's email: PUBLIC_API_URL, UNSUBSCRIBE_KEY_SECRET_ARN and (optionally)
    UNSUBSCRIBE_LINK_DAYS (default 90) in the sending function's environment."""
    days = config.whole_number("UNSUBSCRIBE_LINK_DAYS", DEFAULT_LINK_DAYS, minimum=1)
    token = unsubscribe_token(link_key(), user_id, scope, now, days)
    return f"{config.text('PUBLIC_API_URL').rstrip('/')}/v1/unsubscribe/{token}"


def list_unsubscribe_headers(url: str) -> dict[str, str]:
    """The RFC 8058 headers for an email whose unsubscribe link is `url` (OutgoingEmail.headers)."""
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def link_key() -> LinkKey:
    return secret_key(KEY_VARIABLE)
