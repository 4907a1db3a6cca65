"""Reading and writing a user's profile: PUT replaces it, PATCH merges a JSON merge patch into it.

Both validate the whole resulting profile before anything is written, so a request either leaves a
valid profile or changes nothing. A write is conditional on the version it read (another write in
between makes it start over, a few times, then 409). A change the user makes records their
activity in the same transaction; a change an admin makes to someone else's profile is audited
in it instead (it is not the user being active). Every route answers with what Nudge derived from
the user's engagement too: the profile and the engagement aggregates are read in one BatchGetItem.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from pydantic import BaseModel, ValidationError

from nudge.behavior.behavior_table import BehaviorTable
from nudge.engagement.behavioral_summary import BehavioralSummary, behavioral_summary
from nudge.errors import Conflict, NotFound, RequestInvalid
from nudge.merge_patch import merge_patch
from nudge.models import request_invalid
from nudge.profiles.profile import ProfileFields, ProfileRecord, cross_field_problems
from nudge.profiles.profile_table import ProfileTable, profile_table
from nudge.profiles.profile_values import READ_ONLY_PROBLEM, is_read_only
from nudge.profiles.profile_view import ProfileView, profile_view
from nudge.users.actor import Actor

if TYPE_CHECKING:
    # Types only: an admin's write loads the audit capability where it is used; PATCH's handler the patch model.
    from nudge.audit.audit_table import AuditTable
    from nudge.audit.records import AuditRecord
    from nudge.profiles.profile_patch import ProfilePatch

MAX_ATTEMPTS = 3
MAX_PROFILE_BODY_BYTES = 16 * 1024  # a profile at every bound is about 5 KB


Change = Callable[[ProfileRecord | None], ProfileFields]


class ProfileReads(NamedTuple):
    profiles: ProfileTable
    behavior: BehaviorTable  # read only: the engagement aggregates behind `behavioral`


class ProfileWrites(NamedTuple):
    profiles: ProfileTable
    behavior: BehaviorTable
    # Where an admin's change to someone else's profile is recorded; made on first use, so a user's own
    # write never loads the audit capability.
    audit: Callable[[], AuditTable]


def _read(
    tables: ProfileReads | ProfileWrites, user_id: str, now: datetime
) -> tuple[ProfileRecord | None, BehavioralSummary]:
    record, engagement = tables.profiles.get_profile_with(user_id, tables.behavior.engagement_read(user_id))
    return record, behavioral_summary(tables.behavior.decode_engagement(engagement), now)


def profile_for_actor(tables: ProfileReads, actor: Actor, user_id: str, now: datetime) -> ProfileView:
    actor.ensure_can_access(user_id)
    record, behavioral = _read(tables, user_id, now)
    if record is None:
        raise NotFound("this user has no profile yet", field="user_id")
    return profile_view(user_id, record, behavioral)


def replace_profile(
    tables: ProfileWrites, actor: Actor, user_id: str, fields: ProfileFields, now: datetime
) -> ProfileView:
    """PUT: the profile becomes `fields` (what is left out takes its default); created when there is none."""
    return _write(tables, actor, user_id, lambda _current: fields, now, "profile.replace")


def patch_profile(tables: ProfileWrites, actor: Actor, user_id: str, patch: ProfilePatch, now: datetime) -> ProfileView:
    """PATCH: the stored fields merged with `patch`, validated as a whole; 404 when there is no profile."""

    def merged(current: ProfileRecord | None) -> ProfileFields:
        if current is None:
            raise NotFound("this user has no profile to patch; create it with PUT", field="user_id")
        document = merge_patch(current.fields.model_dump(mode="json", exclude_none=True), patch.root)
        return validated_fields(document)

    named = read_only_members(patch.root, ProfileFields)
    if named:
        raise RequestInvalid([(member, READ_ONLY_PROBLEM) for member in named])
    return _write(tables, actor, user_id, merged, now, "profile.update")


def read_only_members(patch: Mapping[str, Any], model: type[BaseModel], at: str = "") -> list[str]:
    """The members of a patch that name a read-only field, whatever their value: merging a null removes a member
    the stored fields never hold, so validating the merged profile alone would let it pass."""
    named = []
    for name, value in patch.items():
        field, member = model.model_fields.get(name), f"{at}.{name}" if at else name
        if field is not None and is_read_only(field):
            named.append(member)
        elif field is not None and isinstance(value, dict) and _is_model(field.annotation):
            named += read_only_members(value, cast(type[BaseModel], field.annotation), member)
    return named


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def validated_fields(document: Any) -> ProfileFields:
    """A merged document as PUT would validate its body: strictly, naming every invalid field."""
    try:
        return ProfileFields.model_validate(document, strict=True)
    except ValidationError as error:
        raise request_invalid(error) from error


def _write(
    tables: ProfileWrites, actor: Actor, user_id: str, change: Change, now: datetime, action: str
) -> ProfileView:
    actor.ensure_can_access(user_id)
    for _ in range(MAX_ATTEMPTS):
        current, behavioral = _read(tables, user_id, now)
        fields = change(current)
        problems = cross_field_problems(fields)
        if problems:
            raise RequestInvalid(problems)
        if current is not None and fields == current.fields:  # a change that changes nothing writes nothing
            return profile_view(user_id, current, behavioral)
        record = _next(current, fields, now)
        by_user = actor.user_id == user_id
        also = [] if by_user else [tables.audit().put_request(_audit(actor, action, user_id, current, record, now))]
        previous = current.version if current else 0
        if tables.profiles.save_profile(user_id, record, previous, also, now if by_user else None):
            return profile_view(user_id, record, behavioral)
    raise Conflict("the profile kept changing while this change was saved; read it again and retry")


def _interests_changed(current: ProfileRecord | None, fields: ProfileFields) -> bool:
    if current is None:
        return bool(fields.interests.categories or fields.interests.brands)
    return fields.interests != current.fields.interests


def _next(current: ProfileRecord | None, fields: ProfileFields, now: datetime) -> ProfileRecord:
    kept = current.interests_updated_at if current else None
    return ProfileRecord(
        fields=fields,
        interests_updated_at=now if _interests_changed(current, fields) else kept,
        created_at=current.created_at if current else now,
        updated_at=now,
        version=(current.version if current else 0) + 1,
    )


def _audit(
    actor: Actor, action: str, user_id: str, current: ProfileRecord | None, record: ProfileRecord, now: datetime
) -> AuditRecord:
    """The fields the admin changed, before and after (erasing the user removes both from the trail)."""
    from nudge.audit.audit_table import user_target
    from nudge.audit.records import audit_record

    old = current.fields.model_dump(mode="json") if current else {}
    new = record.fields.model_dump(mode="json")
    changed = sorted(name for name in new if old.get(name) != new[name])
    before = {name: old[name] for name in changed if name in old} if current else None
    return audit_record(actor, action, user_target(user_id), before, {name: new[name] for name in changed}, now)


def profile_reads() -> ProfileReads:
    """The tables of this function's configuration."""
    from nudge.behavior.behavior_table import behavior_table

    return ProfileReads(profile_table(), behavior_table())


def _audit_table() -> AuditTable:
    from nudge.audit.audit_table import audit_table

    return audit_table()


def profile_writes() -> ProfileWrites:
    return ProfileWrites(*profile_reads(), _audit_table)
