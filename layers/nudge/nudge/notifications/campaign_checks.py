"""What keeps a campaign from being created (422 naming the field, nothing written), beyond its own fields'
rules: the template has content for every channel, SMS alone is refused for a campaign that is not urgent
(every recipient would be passed over), `send_at` is not in the past, only a `survey_invite` names a survey
(`data.survey_id`, whose funnel its sends and first opens feed), and every token the template uses has a
value: `product_name`, `survey_title` and `url` from `data`; names have their fallback, `reason` and
`unsubscribe_url` come from Nudge. `data.url` must be a target the click redirect allows (an https URL on
RedirectAllowedDomains): emails link to it through the redirect.

Apart from the campaign models so that reading, listing or cancelling a campaign does not load the template
models.
"""

from collections.abc import Callable
from datetime import datetime

from nudge.notifications.campaigns import CampaignFields
from nudge.notifications.templates import FALLBACKS, NotificationTemplate, tokens_used
from nudge.subscribers.click_links import link_problem

DATA_TOKENS = ("product_name", "survey_title", "url")
NUDGE_TOKENS = frozenset({"reason", "unsubscribe_url"})


def campaign_problems(
    fields: CampaignFields, template: NotificationTemplate, now: datetime, link_domains: Callable[[], frozenset[str]]
) -> list[tuple[str, str]]:
    """What keeps a campaign from being sent with this template, by field (`link_domains`: the click redirect's)."""
    problems = [
        ("channels", f"the template '{template.template_id}' has no {channel} content")
        for channel in fields.channels
        if getattr(template, channel) is None
    ]
    if fields.channels == ["sms"] and fields.priority != "urgent":
        problems.append(("channels", "sms is only sent for urgent campaigns: add another channel or make it urgent"))
    if fields.data.survey_id is not None and fields.type != "survey_invite":
        problems.append(("data.survey_id", "only a survey_invite campaign names a survey"))
    if fields.send_at is not None and fields.send_at < now:
        problems.append(("send_at", "is in the past"))
    link = link_problem(fields.data.url, link_domains()) if fields.data.url else None
    if link is not None:
        problems.append(("data.url", link))
    supplied = {name for name in DATA_TOKENS if getattr(fields.data, name)} | set(FALLBACKS) | NUDGE_TOKENS
    problems += [
        (f"data.{token}", f"the template uses {{{{{token}}}}}: give it a value")
        for token in sorted(tokens_used(template) - supplied)
    ]
    return problems
