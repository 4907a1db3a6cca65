"""The signed click redirect: every link in an email goes through `GET /v1/r/{token}`, which records a
`notification_click` and answers 302 to the link's target. The link, and which targets it may name, is
nudge.subscribers.click_links; the route needs no login, since nobody can make a link point anywhere else.

The click is an engagement event through the ingestion path, so it counts only with the user's
behavioral-tracking consent; its event id is derived from the notification, so a user's repeated
clicks on one notification count once (and every click still redirects). The campaign's own click
counter is the campaigns capability's: it plugs in as a CampaignClickCounter.
"""

import hashlib
from datetime import datetime
from typing import NamedTuple, Protocol

from nudge.api.http import WebAnswer
from nudge.behavior.store import BehaviorStore
from nudge.subscribers.click_links import allowed_domains, allowed_target, read_click
from nudge.subscribers.links import LinkKey, secret_key


class CampaignClickCounter(Protocol):
    """The campaigns capability's counter of a campaign's clicks."""

    def record_click(self, campaign_id: str, notification_id: str, at: datetime) -> None: ...


class ClickPorts(NamedTuple):
    store: BehaviorStore
    key: LinkKey
    allowed_domains: frozenset[str]
    counter: CampaignClickCounter | None


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
