"""Reading and changing a user's consent.

Only the user can give or withdraw their consent: the route refuses anyone else, admins included
(GDPR: consent must be the user's own act). An admin may read it. A change is written conditional
on the version it was computed from; when another change landed in between, it is recomputed from
the new record, a few times, then 409.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import Field

from nudge.errors import Conflict
from nudge.models import NudgeModel
from nudge.profiles.consent import ConsentChange, ConsentRecord, ConsentSettings, apply_consent
from nudge.profiles.profile_table import ProfileTable
from nudge.users.actor import Actor

MAX_ATTEMPTS = 3


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
    table: ProfileTable, actor: Actor, user_id: str, wanted: ConsentSettings, now: datetime, policy_version: str
) -> ConsentUpdated:
    """The user's consent becomes `wanted` (left out: false), with one history entry per changed purpose
    carrying the request's source IP and user agent and the current policy version."""
    actor.ensure_owner(user_id)
    for _ in range(MAX_ATTEMPTS):
        current = table.get_consent(user_id)
        moment = _after(current, now)
        update = apply_consent(current, wanted, moment, actor.source_ip, actor.user_agent, policy_version)
        unchanged = update.record.version == current.version
        if unchanged or table.save_consent(user_id, update.record, current.version, update.changes):
            return ConsentUpdated(**_state(user_id, update.record), changes=update.changes)
    raise Conflict("the consent kept changing while this change was saved; read it again and retry")


def _after(current: ConsentRecord, now: datetime) -> datetime:
    """`now`, or just after the stored record's last change when that is later (another request's clock,
    or a change that won the race this one retries after): the history stays in the order of the changes,
    and no entry's key can repeat an earlier one's."""
    if current.updated_at is not None and current.updated_at >= now:
        return current.updated_at + timedelta(microseconds=1)
    return now
