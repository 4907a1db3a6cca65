"""The signed click link, made and read: every link in an email goes through `<PUBLIC_API_URL>/v1/r/{token}`
(following it is nudge.subscribers.clicks). Apart from the route's code, so that the functions that send
emails load none of it.

The token (nudge.subscribers.links, the stack's signing key, purpose "click") names the user, the
notification, the campaign (optional) and the target, so nobody can make it point anywhere else. The target
must also be an `https://` URL on an allowed domain (RedirectAllowedDomains: the domain itself or any
subdomain), checked when the link is made and again when it is followed, so narrowing the list also stops
links already sent: never an open redirect. Refused outright: any other scheme, userinfo
(`https://good.com@evil.com`), a port, backslashes, whitespace or control characters, percent-encoded or
non-ASCII host names.
"""

import re
from datetime import datetime
from typing import NamedTuple
from urllib.parse import urlsplit

from pydantic import Field

from nudge import config
from nudge.errors import Forbidden
from nudge.identifiers import Identifier, UserId
from nudge.models import NudgeModel
from nudge.subscribers.links import LinkKey, expiry, read_claims, secret_key, sign

PURPOSE = "click"
DEFAULT_LINK_DAYS = 90
MAX_TARGET_LENGTH = 2048
_HOST = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$")
# Printable ASCII but space and backslash: what is left may still be a trick, which urlsplit then shows.
_URL_CHARACTERS = re.compile(r"^[!-\[\]-~]+$")


class _Claims(NudgeModel):
    u: UserId
    n: Identifier
    c: Identifier | None = None
    t: str = Field(max_length=MAX_TARGET_LENGTH)


class ClickLink(NamedTuple):
    user_id: str
    notification_id: str
    campaign_id: str | None
    target: str


def _refused(problem: str) -> Forbidden:
    return Forbidden(f"the link's target {problem}", field="target")


def _host_allowed(host: str, allowed: frozenset[str]) -> bool:
    return any(host == domain or host.endswith(f".{domain}") for domain in allowed)


def allowed_target(target: str, allowed: frozenset[str]) -> str:
    """`target` when it is an https URL on an allowed domain; 403 naming the problem otherwise."""
    if len(target) > MAX_TARGET_LENGTH or not _URL_CHARACTERS.fullmatch(target):
        raise _refused("holds characters no plain URL has (whitespace, backslashes, control characters)")
    if not target.startswith("https://"):
        raise _refused("must be an https:// URL")
    parts = urlsplit(target)
    host = parts.netloc.lower()
    if not _HOST.fullmatch(host):
        raise _refused("must name a plain host name, without user, password or port")
    if not _host_allowed(host, allowed):
        raise _refused("is not on a domain the redirect allows")
    return target


def link_problem(target: str, allowed: frozenset[str]) -> str | None:
    """Why the redirect would refuse `target`, for the 422 of a route that takes a link an email will carry (a
    campaign's, a product's, a survey's); None when it takes it."""
    try:
        allowed_target(target, allowed)
    except Forbidden as refused:
        return f"emails link to it through the click redirect, which refuses it: {refused.message}"
    return None


def allowed_domains() -> frozenset[str]:
    """REDIRECT_ALLOWED_DOMAINS: comma-separated domains (the template's RedirectAllowedDomains)."""
    names = config.text("REDIRECT_ALLOWED_DOMAINS").split(",")
    return frozenset(name.strip().lower().rstrip(".") for name in names if name.strip())


def click_token(
    key: LinkKey, link: ClickLink, allowed: frozenset[str], now: datetime, days: int = DEFAULT_LINK_DAYS
) -> str:
    allowed_target(link.target, allowed)
    claims = {"u": link.user_id, "n": link.notification_id, "t": link.target}
    if link.campaign_id is not None:
        claims["c"] = link.campaign_id
    _Claims.model_validate(claims, strict=True)  # a link the redirect would refuse is never made
    return sign(key, PURPOSE, claims, expiry(now, days))


def click_url(user_id: str, notification_id: str, campaign_id: str | None, target: str, now: datetime) -> str:
    """The redirect link for one link of one user's notification: PUBLIC_API_URL, SIGNING_KEY_SECRET_ARN,
    REDIRECT_ALLOWED_DOMAINS and (optionally) CLICK_LINK_DAYS (default 90) in the sending function's
    environment. A target off the allowlist is refused here already (403, field `target`)."""
    from nudge.signing import STACK_KEY

    days = config.whole_number("CLICK_LINK_DAYS", DEFAULT_LINK_DAYS, minimum=1)
    link = ClickLink(user_id, notification_id, campaign_id, target)
    token = click_token(secret_key(STACK_KEY), link, allowed_domains(), now, days)
    return f"{config.text('PUBLIC_API_URL').rstrip('/')}/v1/r/{token}"


def read_click(key: LinkKey, token: str, now: datetime) -> ClickLink:
    valid = read_claims(key, PURPOSE, token, now, _Claims)
    return ClickLink(valid.u, valid.n, valid.c, valid.t)
