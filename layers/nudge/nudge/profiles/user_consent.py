"""Reading and changing a user's consent.

Withdrawing behavioral tracking forgets what it gathered: the engagement aggregates are deleted in
the same transaction as the consent change (from then on the profile shows no derived engagement),
and the raw engagement events right after it. Every change that leaves tracking off deletes any
raw engagement event left, so a request that failed half way is finished by sending it again.

Only the user can give or withdraw their consent: the route refuses anyone else, admins included
(GDPR: consent must be the user's own act). An admin may read it. A change is written conditional
on the version it was computed from; when another change landed in between, it is recomputed from
the new record, a few times, then 409.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from pydantic import Field

from nudge.errors import Conflict
from nudge.models import NudgeModel
from nudge.profiles.consent import ConsentChange, ConsentRecord, ConsentSettings, ConsentSource, apply_consent
from nudge.profiles.profile_table import ProfileTable
from nudge.users.actor import Actor

MAX_ATTEMPTS = 3


class GatheredEngagement(Protocol):
    """What behavioral tracking gathered about a user, as the behavior table holds it."""

    def engagement_delete(self, user_id: str) -> dict[str, Any]:
        """A transaction element deleting the engagement aggregates."""

    def forget_engagement_events(self, user_id: str) -> int:
        """Delete the raw engagement events; returns how many there were."""


class HistoryQuery(NudgeModel):
    limit: int = Field(default=50, ge=1, le=100, description="History entries per page")
    cursor: str | None = Field(default=None, max_length=2048, description="next_cursor of the previous page")


class ConsentState(NudgeModel):
    user_id: str
    settings: ConsentSettings
    changed_at: dict[str, datetime] = Field(description="Purpose (dotted path) -> when the user last changed it")
    sms_opt_in_at: datetime | None = Field(description="The first opt-in to SMS, kept through withdrawals")
    whatsapp_opt_in_at: datetime | None = Field(description="The first opt-in to WhatsApp, kept through withdrawals")
    policy_version: str | None = Field(description="The policy version of the last change; null: never answered")
    updated_at: datetime | None


class ConsentUpdated(ConsentState):
    changes: list[ConsentChange] = Field(description="What this request changed; each is also in the history")


class ConsentWithHistory(ConsentState):
    history: list[ConsentChange] = Field(description="Every change, newest first, a page at a time")
    next_cursor: str | None = Field(description="Pass as `cursor` for older changes; null on the last page")


def _state(user_id: str, record: ConsentRecord) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "settings": record.settings,
        "changed_at": record.changed_at,
        "sms_opt_in_at": record.sms_opt_in_at,
        "whatsapp_opt_in_at": record.whatsapp_opt_in_at,
        "policy_version": record.policy_version,
        "updated_at": record.updated_at,
    }


def consent_for_actor(table: ProfileTable, actor: Actor, user_id: str, query: HistoryQuery) -> ConsentWithHistory:
    actor.ensure_can_access(user_id)
    record = table.get_consent(user_id)
    page = table.consent_history_page(user_id, query.limit, query.cursor)
    return ConsentWithHistory(**_state(user_id, record), history=page.changes, next_cursor=page.next_cursor)


def change_consent(
    table: ProfileTable,
    engagement: GatheredEngagement,
    actor: Actor,
    user_id: str,
    wanted: ConsentSettings,
    now: datetime,
    policy_version: str,
) -> ConsentUpdated:
    """The user's consent becomes `wanted` (left out: false), with one history entry per changed purpose
    carrying the request's source IP and user agent and the current policy version."""
    return revise_consent(table, engagement, actor, user_id, lambda _: wanted, now, policy_version)


def revise_consent(
    table: ProfileTable,
    engagement: GatheredEngagement,
    actor: Actor,
    user_id: str,
    revise: Callable[[ConsentSettings], ConsentSettings],
    now: datetime,
    policy_version: str,
    source: ConsentSource = "api",
) -> ConsentUpdated:
    """`change_consent` to what `revise` makes of the current settings, recomputed from the new record when
    another change lands in between (an unsubscribe link turns a few purposes off and leaves the rest)."""
    actor.ensure_owner(user_id)
    for _ in range(MAX_ATTEMPTS):
        current = table.get_consent(user_id)
        moment = _after(current, now)
        wanted = revise(current.settings)
        update = apply_consent(current, wanted, moment, actor.source_ip, actor.user_agent, policy_version, source)
        withdrawn = current.settings.behavioral_tracking and not wanted.behavioral_tracking
        also = [engagement.engagement_delete(user_id)] if withdrawn else []
        unchanged = update.record.version == current.version
        if unchanged or table.save_consent(user_id, update.record, current.version, update.changes, also):
            if not wanted.behavioral_tracking:
                engagement.forget_engagement_events(user_id)
            return ConsentUpdated(**_state(user_id, update.record), changes=update.changes)
    raise Conflict("the consent kept changing while this change was saved; read it again and retry")


def _after(current: ConsentRecord, now: datetime) -> datetime:
    """`now`, or just after the stored record's last change when that is later (another request's clock,
    or a change that won the race this one retries after): the history stays in the order of the changes,
    and no entry's key can repeat an earlier one's."""
    if current.updated_at is not None and current.updated_at >= now:
        return current.updated_at + timedelta(microseconds=1)
    return now
