"""The signed click redirect: every link in an email goes through `GET /v1/r/{token}`, which records a
`notification_click` and answers 302 to the link's target.

The token (nudge.subscribers.links, the stack's signing key, purpose "click") names the user, the
notification, the campaign (optional) and the target, so the route needs no login and nobody can
make it point anywhere else. The target must also be an `https://` URL on an allowed domain
(RedirectAllowedDomains: the domain itself or any subdomain), checked when the link is made and
again when it is followed, so narrowing the list also stops links already sent: never an open
redirect. Refused outright: any other scheme, userinfo (`https://good.com@evil.com`), a port,
backslashes, whitespace or control characters, percent-encoded or non-ASCII host names.

The click is an engagement event through the ingestion path, so it counts only with the user's
behavioral-tracking consent; its event id is derived from the notification, so a user's repeated
clicks on one notification count once (and every click still redirects). The campaign's own click
counter is the campaigns capability's: it plugs in as a CampaignClickCounter.
"""

import hashlib
import re
from datetime import datetime
from typing import NamedTuple, Protocol
from urllib.parse import urlsplit

from pydantic import Field

from nudge import config
from nudge.api.http import WebAnswer
from nudge.behavior.store import BehaviorStore
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


class CampaignClickCounter(Protocol):
    """The campaigns capability's counter of a campaign's clicks."""

    def record_click(self, campaign_id: str, notification_id: str, at: datetime) -> None: ...


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


class ClickPorts(NamedTuple):
    store: BehaviorStore
    key: LinkKey
    allowed_domains: frozenset[str]
    counter: CampaignClickCounter | None


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


def click_event_id(notification_id: str) -> str:
    return f"click-{hashlib.sha256(notification_id.encode()).hexdigest()[:32]}"


def follow_click(ports: ClickPorts, token: str, now: datetime) -> WebAnswer:
    """Check the link, record the click (with the user's tracking consent), and redirect to its target."""
    from nudge.behavior.ingestion import ingest_events
    from nudge.engagement.engagement_events import NotificationClick

    link = read_click(ports.key, token, now)
    target = allowed_target(link.target, ports.allowed_domains)
    event = NotificationClick(
        type="notification_click",
        event_id=click_event_id(link.notification_id),
        occurred_at=now,
        notification_id=link.notification_id,
        source="email",
    )
    ingest_events(ports.store, link.user_id, [event], now)
    if ports.counter is not None and link.campaign_id is not None:
        ports.counter.record_click(link.campaign_id, link.notification_id, now)
    return WebAnswer(status=302, location=target)


def click_ports(counter: CampaignClickCounter | None) -> ClickPorts:
    from nudge.behavior.ingestion_tables import ingestion_tables
    from nudge.signing import STACK_KEY

    return ClickPorts(ingestion_tables(), secret_key(STACK_KEY), allowed_domains(), counter)
