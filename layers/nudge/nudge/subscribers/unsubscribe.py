"""One-click unsubscribe (RFC 8058): the signed per-user link every email carries, in `{{unsubscribe_url}}`
and in `List-Unsubscribe`, and what following it does.

The link's token (nudge.subscribers.unsubscribe_links, signed with UnsubscribeKeySecret, purpose
"unsubscribe") names the user, the scope and an expiry; it is the only credential the routes ask for.
`GET` shows a confirmation page and changes nothing (mail scanners follow links); `POST` (a mail
client's `List-Unsubscribe=One-Click`, or the page's button) unsubscribes at once, as the design's
handleUnsubscribe does, through the consent code, so every change has its history entry (source
`unsubscribe_link`, the request's IP and user agent, the policy version):
- `all`: personalized notifications, marketing emails and behavioral tracking off (tracking off also
  deletes the engagement it gathered, as withdrawing it through the consent route does);
- `marketing`: marketing emails off;
- `product`: personalized notifications off (templates of category `product`; the channels the user
  chose are kept for when they turn notifications back on).
A confirmation email follows when something changed and an address is on file that is not
suppressed. A second click changes nothing, sends nothing, and shows the same page; so does a link for
a user Nudge holds no consent for (never given, or erased since), which writes nothing at all.
"""

from datetime import datetime
from html import escape
from typing import Literal, NamedTuple

from pydantic import Field

from nudge.api.http import WebAnswer
from nudge.models import NudgeModel
from nudge.notifications.email import Email, EmailSender
from nudge.observability import logger
from nudge.profiles.consent import ConsentSettings
from nudge.profiles.profile_table import ProfileTable
from nudge.profiles.user_consent import GatheredEngagement, revise_consent
from nudge.subscribers.links import LinkKey
from nudge.subscribers.suppression import SuppressionList
from nudge.subscribers.unsubscribe_links import Scope, UnsubscribeLink, link_key, read_link
from nudge.users.actor import Actor

_WHAT = {
    "all": "all notifications except critical account updates",
    "marketing": "marketing emails",
    "product": "product notifications",
}


class OneClickForm(NudgeModel):
    """RFC 8058's one-click body, as mail clients (and the confirmation page) post it."""

    list_unsubscribe: Literal["One-Click"] = Field(alias="List-Unsubscribe")


class UnsubscribePorts(NamedTuple):
    profiles: ProfileTable
    engagement: GatheredEngagement
    suppressions: SuppressionList
    mailer: EmailSender
    key: LinkKey


def unsubscribed(settings: ConsentSettings, scope: Scope) -> ConsentSettings:
    """The consent after unsubscribing from `scope`; whatever the scope does not name is kept."""
    notifications = settings.personalized_notifications.model_copy(update={"enabled": False})
    if scope == "marketing":
        return settings.model_copy(update={"marketing_emails": False})
    if scope == "product":
        return settings.model_copy(update={"personalized_notifications": notifications})
    return settings.model_copy(
        update={"personalized_notifications": notifications, "marketing_emails": False, "behavioral_tracking": False}
    )


def _page(title: str, body: str) -> WebAnswer:
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title></head><body><h1>{escape(title)}</h1>{body}</body></html>"
    )
    return WebAnswer(html=html)


def confirmation_page(key: LinkKey, token: str, now: datetime) -> WebAnswer:
    """GET: what the link would do, and a button that does it; nothing is written."""
    link = read_link(key, token, now)
    form = (
        f"<p>Stop {escape(_WHAT[link.scope])}?</p>"
        '<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click">'
        '<button type="submit">Unsubscribe</button></form>'
    )
    return _page("Unsubscribe", form)


def unsubscribe(ports: UnsubscribePorts, caller: Actor, token: str, now: datetime, policy_version: str) -> WebAnswer:
    """POST: unsubscribe the user the link names from its scope, as that user, from the caller's IP and agent."""
    link = read_link(ports.key, token, now)
    if ports.profiles.get_consent(link.user_id).version == 0:
        # Nudge holds no consent for the user (never given, or erased since the email): nothing to withdraw,
        # and nothing may be written that names them again.
        return _done(link.scope)
    user = Actor(user_id=link.user_id, is_admin=False, source_ip=caller.source_ip, user_agent=caller.user_agent)
    updated = revise_consent(
        ports.profiles,
        ports.engagement,
        user,
        link.user_id,
        lambda settings: unsubscribed(settings, link.scope),
        now,
        policy_version,
        source="unsubscribe_link",
    )
    if updated.changes:
        _confirm(ports, link)
    return _done(link.scope)


def _done(scope: Scope) -> WebAnswer:
    text = f"You've been unsubscribed from {escape(_WHAT[scope])}. You can re-enable them anytime in settings."
    return _page("You've been unsubscribed", f"<p>{text}</p>")


def confirmation_email(address: str, scope: Scope) -> Email:
    return Email(
        to=address,
        subject="You've been unsubscribed",
        text=(
            f"You've been unsubscribed from {_WHAT[scope]}. You'll only receive what you still have switched on, "
            "and critical account updates. You can re-enable them anytime in settings."
        ),
    )


def _confirm(ports: UnsubscribePorts, link: UnsubscribeLink) -> None:
    address = ports.profiles.email_of(link.user_id)
    if address is None or ports.suppressions.is_suppressed(address):
        logger().info("no confirmation sent: no address on file, or it is suppressed", extra={"scope": link.scope})
        return
    ports.mailer.send(confirmation_email(address, link.scope))


def unsubscribe_ports() -> UnsubscribePorts:
    from nudge.behavior.behavior_table import behavior_table
    from nudge.notifications.email import email_sender
    from nudge.profiles.profile_table import profile_table
    from nudge.subscribers.suppression import suppression_list

    return UnsubscribePorts(profile_table(), behavior_table(), suppression_list(), email_sender(), link_key())
