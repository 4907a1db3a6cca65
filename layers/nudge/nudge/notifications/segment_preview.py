"""GET /v1/admin/segments/{segment_id}/preview: how many profiles a segment matches, and how many of those
consent to personalized notifications, one page of a scan at a time.

Each request is one Scan call over the profile table evaluating up to `limit` items (a user has a
profile, a consent, an activity item and their consent history, so roughly limit / 4 profiles), then
BatchGetItem calls for the consent of the profiles the rules' profile fields match, with their
engagement aggregates when the segment has `min_engagement_score` (so the score is read only for
candidates, never for the whole table). A client sums the pages' counts up to the page whose
`next_cursor` is null. Campaigns evaluate a segment with a parallel scan fanned out to workers instead.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from pydantic import Field

from nudge.engagement.engagement_score import engagement_score
from nudge.errors import NotFound
from nudge.models import NudgeModel
from nudge.notifications.notification_table import NotificationTable
from nudge.notifications.segments import matches, needs_engagement
from nudge.users.actor import Actor

if TYPE_CHECKING:
    from nudge.behavior.behavior_table import BehaviorTable
    from nudge.item_codec import ItemRead
    from nudge.profiles.profile_table import ProfileTable

DEFAULT_SCAN_ITEMS = 400


class PreviewTables(NamedTuple):
    notifications: NotificationTable
    profiles: ProfileTable
    behavior: BehaviorTable  # read only: the engagement aggregates behind min_engagement_score


class PreviewQuery(NudgeModel):
    limit: int = Field(
        default=DEFAULT_SCAN_ITEMS, ge=1, le=1000, description="Profile-table items one scan page evaluates"
    )
    cursor: str | None = Field(default=None, max_length=2048, description="next_cursor of the previous page")


class SegmentPreview(NudgeModel):
    segment_id: str
    profiles_scanned: int = Field(description="Profiles this page evaluated")
    matching: int = Field(description="Of those, the profiles the segment's rules match")
    consenting: int = Field(description="Of the matching, those consenting to personalized notifications")
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null: the scan is complete")


def preview_segment(
    tables: PreviewTables, actor: Actor, segment_id: str, query: PreviewQuery, now: datetime
) -> SegmentPreview:
    actor.ensure_admin()
    segment = tables.notifications.get_segment(segment_id)
    if segment is None:
        raise NotFound(f"no segment '{segment_id}'", field="segment_id")
    rules = segment.rules
    page = tables.profiles.profile_scan_page(query.limit, query.cursor)
    # The profile's own fields first: only their candidates cost a read of consent and engagement.
    by_fields = rules.model_copy(update={"min_engagement_score": None})
    candidates = [(user_id, record) for user_id, record in page.profiles if matches(by_fields, record.fields, 0.0)]

    def engagement(user_id: str) -> list[ItemRead]:
        return [tables.behavior.engagement_read(user_id)] if needs_engagement(rules) else []

    reads = tables.profiles.consents_with([user_id for user_id, _ in candidates], engagement)
    matching = consenting = 0
    for (_, record), (consent, others) in zip(candidates, reads, strict=True):
        score = engagement_score(tables.behavior.decode_engagement(others[0]), now) if others else 0.0
        if matches(rules, record.fields, score):
            matching += 1
            consenting += consent.settings.personalized_notifications.enabled
    return SegmentPreview(
        segment_id=segment_id,
        profiles_scanned=len(page.profiles),
        matching=matching,
        consenting=consenting,
        next_cursor=page.next_cursor,
    )


def preview_tables() -> PreviewTables:
    from nudge.behavior.behavior_table import behavior_table
    from nudge.notifications.notification_table import notification_table
    from nudge.profiles.profile_table import profile_table

    return PreviewTables(notification_table(), profile_table(), behavior_table())
