"""A user's personal data across every table (moto): created through the API routes, exported, erased.

The session's tables are shared with every other test, so what must stay untouched is compared
around this test's own calls: another user's export, and the counters behind the analytics.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from local_runtime.runtime import LocalStack
from nudge.analytics.analytics_table import survey_analytics_table
from nudge.anchoring.anchoring_export import AnchoringExport
from nudge.audit.audit_export import AuditExport
from nudge.audit.records import AuditRecord
from nudge.behavior.behavior_export import BehaviorExport
from nudge.catalog.response_export import SurveyResponseExport
from nudge.defaults.recommendation_export import RecommendationExport
from nudge.item_codec import from_item, write_transaction
from nudge.notifications.delivery_export import DeliveryExport
from nudge.notifications.delivery_table import DeliveryRecord, DeliveryTable
from nudge.privacy.erasure_models import ErasureView
from nudge.privacy.user_data import export_user_data
from nudge.profiles.profile_export import ProfileExport
from nudge.sensitive.sensitive_export import SensitiveAttributeExport
from nudge.users.actor import Actor
from nudge.users.personal_data import Erasure, UserDataExport
from tests.builders import answered, created, engaged
from tests.integration.conftest import Api
from tests.integration.test_catalog_api import published_survey, respond
from tests.integration.test_pricing_tiers_api import new_booking, offered, select, settle

CONSOLE = {"user-agent": "nudge-console/3.0"}
ERASED = "(erased)"
PRIVACY_ADMIN = "privacy-admin"
STATED_RELIGION = "Baha'i (4c1e)"
TABLES = {
    "BehaviorTable",
    "RecommendationTable",
    "AnchoringTable",
    "AuditTable",
    "ProfileTable",
    "SensitiveAttributeTable",
    "IdempotencyTable",
    "SurveyResponseTable",
    "DeliveryTable",
}


@dataclass
class Privacy:
    stack: LocalStack
    api: Api

    def export(self, user: str) -> UserDataExport:
        """The export as the domain builds it (typed sections), for an admin."""
        return export_user_data(Actor(PRIVACY_ADMIN, is_admin=True), user, datetime.now(UTC))

    def erase(self, user: str) -> ErasureView:
        """DELETE /v1/users/{user_id} by an admin, the queue worked until empty, the erasure's status."""
        requested = self.api.call("DELETE", f"/v1/users/{user}", user=PRIVACY_ADMIN, admin=True)
        assert requested.status == 202, requested.body
        self.stack.bridge.drain()
        return erasure_status(self.api, requested.body["erasure_id"])


def erasure_status(api: Api, erasure_id: str) -> ErasureView:
    answer = api.call("GET", f"/v1/admin/erasures/{erasure_id}", user=PRIVACY_ADMIN, admin=True)
    assert answer.status == 200, answer.body
    return ErasureView.model_validate(answer.body)


@pytest.fixture
def privacy(stack: LocalStack, api: Api) -> Privacy:
    return Privacy(stack, api)


@dataclass
class Footprint:
    """What `populate` made for one user."""

    event_ids: list[str]
    recommendation_id: str
    selected_option: str
    experiment_id: str
    booking_id: str
    selection_id: str
    survey_id: str


def populate(api: Api, user: str, admin: str) -> Footprint:
    """A user with something in every table that holds personal data, made through the routes: events,
    a stored archetype, a recommendation and its selection, tiers shown under an experiment (an
    assignment), a settled tier selection, a profile, two consents given, an admin's override (audited)
    a sensitive attribute and a category removed from the product recommendations."""
    events = [created(f"{user}-r{i}", offered="600.00", amount="700.00") for i in range(3)]
    events.append(answered(f"{user}-a0", "accepted", response_time=300))
    assert api.call("POST", "/v1/events", {"events": events}, user=user).status == 200
    assert api.call("GET", f"/v1/users/{user}/archetype", user=user).status == 200
    request = {"listing_id": "listing-7", "nightly_price": 120, "nights": 2, "days_until_check_in": 9}
    recommended = api.call("POST", "/v1/transaction-recommendations", request, user=user)
    assert recommended.status == 200, recommended.body
    recommendation_id, option = recommended.body["recommendation_id"], recommended.body["primary_recommendation"]
    chosen = api.call(
        "POST", f"/v1/recommendations/{recommendation_id}/selection", {"selected_option": option}, user=user
    )
    assert chosen.status == 200, chosen.body
    experiment_id, booking = f"privacy_{uuid.uuid4().hex[:8]}", new_booking()
    with_experiment(api, admin, experiment_id, lambda: offered(api, user, booking))
    selection = select(api, user, booking)
    assert selection.status == 200, selection.body
    assert settle(api, selection.body["selection_id"], "completed", user).status == 200
    profile = {"email": f"{user}@example.com", "time_zone": "Europe/Lisbon", "interests": {"categories": ["TRAVEL"]}}
    assert api.call("PUT", f"/v1/users/{user}/profile", profile, user=user).status == 200
    survey_id = published_survey(api, f"brand-{uuid.uuid4().hex[:8]}")
    assert respond(api, survey_id, user).status == 201
    consent = {"behavioral_tracking": True, "marketing_emails": True}
    assert api.call("PUT", f"/v1/users/{user}/consent", consent, user=user, headers=CONSOLE).status == 200
    override = {"archetype": "high_flexibility", "reason": "Verified host account"}
    answer = api.call("PUT", f"/v1/users/{user}/archetype", override, user=admin, admin=True, headers=CONSOLE)
    assert answer.status == 200, answer.body
    stated = {"value": STATED_RELIGION, "consent": True}
    assert api.call("PUT", f"/v1/users/{user}/sensitive-attributes/religion", stated, user=user).status == 200
    feedback = {"category": "FASHION", "action": "not_interested"}
    assert api.call("POST", f"/v1/users/{user}/recommendation-feedback", feedback, user=user).status == 200
    delivered(api.stack, user)
    return Footprint(
        [event["event_id"] for event in events],
        recommendation_id,
        option,
        experiment_id,
        booking,
        selection.body["selection_id"],
        survey_id,
    )


def delivered(stack: LocalStack, user: str) -> None:
    """A campaign's delivery to the user, as the campaign worker records it (tests/integration/test_campaigns.py
    sends whole campaigns)."""
    deliveries = DeliveryTable(stack.template.ref("DeliveryTable"), stack.emulator.client("dynamodb"))
    now = datetime.now(UTC)
    record = DeliveryRecord(
        user_id=user,
        campaign_id="privacy-campaign",
        channel="email",
        status="sent",
        at=now,
        reason="You see this because you selected 'TRAVEL' as an interest",
        notification_id=ids("notification"),
        campaign_name="Privacy",
        updated_at=now,
    )
    assert deliveries.claim(record) is None
    # A survey the user started, as event ingestion records its reminder.
    assert write_transaction(deliveries._client, [deliveries.reminder_started(user, "privacy-survey", now)])


def with_experiment(api: Api, admin: str, experiment_id: str, action: Callable[[], object]) -> None:
    """Run `action` while an experiment of two variants runs; it is stopped whatever happens."""
    variants = [
        {"variant_id": "control", "traffic_percentage": 50, "is_control": True},
        {"variant_id": "steeper", "traffic_percentage": 50, "multipliers": {"premium": 1.25}},
    ]
    body = {"experiment_id": experiment_id, "name": "Privacy", "variants": variants}
    started = api.call("POST", "/v1/admin/experiments", body, user=admin, admin=True, headers=CONSOLE)
    assert started.status == 200, started.body
    try:
        action()
    finally:
        stopped = api.call(
            "PATCH", f"/v1/admin/experiments/{experiment_id}", {"status": "stopped"}, user=admin, admin=True
        )
        assert stopped.status == 200, stopped.body


def section[Section](export: UserDataExport, table: str, kind: type[Section]) -> Section:
    found = export.tables[table]
    assert isinstance(found, kind)
    return found


def audit_records(api: Api, audit_ids: set[str]) -> dict[str, dict[str, Any]]:
    """The records with these ids as the audit-log route shows them (they are among the newest)."""
    answer = api.call("GET", "/v1/admin/audit-log?limit=100", user="auditor", admin=True)
    assert answer.status == 200
    return {record["audit_id"]: record for record in answer.body["records"] if record["audit_id"] in audit_ids}


def analytics(api: Api) -> tuple[Any, Any]:
    day = datetime.now(UTC).date().isoformat()
    window = f"start={day}&end={day}"
    recommendations = api.call("GET", f"/v1/analytics/recommendations?{window}", user="auditor", admin=True)
    tiers = api.call("GET", f"/v1/analytics/tiers?{window}", user="auditor", admin=True)
    assert (recommendations.status, tiers.status) == (200, 200)
    return recommendations.body, tiers.body


def items_naming(stack: LocalStack, user: str) -> list[tuple[str, dict[str, Any]]]:
    """Every item of every table of the template that mentions the user id anywhere (a test may scan)."""
    client = stack.emulator.client("dynamodb")
    found = []
    for logical_id in stack.template.resources_of_type("AWS::DynamoDB::Table"):
        for page in client.get_paginator("scan").paginate(TableName=stack.template.ref(logical_id)):
            # repr: sealed values are binary
            found += [(logical_id, item) for item in page["Items"] if user in json.dumps(item, default=repr)]
    return found


def kept_responses(stack: LocalStack, survey_id: str) -> list[dict[str, Any]]:
    items = stack.emulator.client("dynamodb").query(
        TableName=stack.template.ref("SurveyResponseTable"),
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"SURVEY#{survey_id}"}},
    )["Items"]
    return [from_item(item) for item in items]


def ids(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def test_an_export_holds_everything_the_routes_stored_about_the_user(api: Api, privacy: Privacy, user: str) -> None:
    admin = ids("admin")
    made = populate(api, user, admin)

    exported = privacy.export(user)

    assert (exported.user_id, set(exported.tables)) == (user, TABLES)
    behavior = section(exported, "BehaviorTable", BehaviorExport)
    assert sorted(stored.event.event_id for stored in behavior.events) == sorted(made.event_ids)
    assert behavior.signals is not None
    assert (behavior.signals.events_count, behavior.signals.requests_created) == (4, 3)
    assert behavior.archetype is not None
    assert behavior.archetype["signals_version"] == 1
    assert behavior.archetype_override is not None
    assert (behavior.archetype_override["reason"], behavior.archetype_override["set_by"]) == (
        "Verified host account",
        admin,
    )
    assert list(behavior.experiment_assignments) == [made.experiment_id]
    assert behavior.recommendation_feedback is not None
    assert behavior.recommendation_feedback["not_interested"] == ["FASHION"]
    assert behavior.other_items == []
    [recommendation] = section(exported, "RecommendationTable", RecommendationExport).recommendations
    assert (recommendation.recommendation_id, recommendation.user_id) == (made.recommendation_id, user)
    assert recommendation.selection is not None
    assert recommendation.selection.selected_option == made.selected_option
    anchoring = section(exported, "AnchoringTable", AnchoringExport)
    [impression] = anchoring.impressions
    assert (impression.latest.booking_id, impression.latest.experiment_id, impression.showings) == (
        made.booking_id,
        made.experiment_id,
        1,
    )
    [selection] = anchoring.tier_selections
    assert (selection.selection_id, selection.booking_id, selection.status) == (
        made.selection_id,
        made.booking_id,
        "completed",
    )
    audit = section(exported, "AuditTable", AuditExport)
    [record] = audit.about_user
    assert (record.action, record.target, record.actor, record.reason, record.user_agent) == (
        "archetype.override.set",
        f"user:{user}",
        admin,
        "Verified host account",
        "nudge-console/3.0",
    )
    assert audit.by_user == []
    profile = section(exported, "ProfileTable", ProfileExport)
    assert profile.profile is not None
    assert (profile.profile.fields.email, profile.profile.fields.interests.categories) == (
        f"{user}@example.com",
        ["TRAVEL"],
    )
    assert profile.consent is not None
    assert (profile.consent.settings.behavioral_tracking, profile.consent.settings.marketing_emails) == (True, True)
    assert sorted((change.purpose, change.user_agent) for change in profile.consent_history) == [
        ("behavioral_tracking", "nudge-console/3.0"),
        ("marketing_emails", "nudge-console/3.0"),
    ]
    assert profile.last_active_at is not None
    assert profile.other_items == []
    [attribute] = section(exported, "SensitiveAttributeTable", SensitiveAttributeExport).attributes
    assert attribute.name == "religion"
    [response] = section(exported, "SurveyResponseTable", SurveyResponseExport).responses
    assert (response.survey_id, response.user_id, response.channel, len(response.answers)) == (
        made.survey_id,
        user,
        "app",
        4,
    )
    [delivery] = section(exported, "DeliveryTable", DeliveryExport).deliveries
    [reminder] = section(exported, "DeliveryTable", DeliveryExport).survey_reminders
    assert (reminder.user_id, reminder.survey_id, reminder.outcome) == (user, "privacy-survey", None)
    assert (delivery.user_id, delivery.campaign_id, delivery.channel, delivery.status) == (
        user,
        "privacy-campaign",
        "email",
        "sent",
    )
    assert STATED_RELIGION not in exported.model_dump_json()  # names and times only: the value is the user's alone
    as_json = exported.model_dump(mode="json")["tables"]
    assert len(as_json["BehaviorTable"]["events"]) == 4  # each section serializes with its own fields
    assert as_json["BehaviorTable"]["recommendation_feedback"]["not_interested"] == ["FASHION"]
    assert as_json["AuditTable"]["about_user"][0]["after"]["override"]["archetype"] == "high_flexibility"


def test_an_admins_export_holds_the_actions_they_took(api: Api, privacy: Privacy, user: str) -> None:
    admin = ids("admin")
    made = populate(api, user, admin)

    by_admin = section(privacy.export(admin), "AuditTable", AuditExport).by_user

    assert [(record.action, record.target) for record in by_admin] == [
        ("experiment.create", f"experiment:{made.experiment_id}"),
        ("experiment.update", f"experiment:{made.experiment_id}"),
        ("archetype.override.set", f"user:{user}"),
    ]
    assert {record.actor for record in by_admin} == {admin}


def test_the_surveys_a_user_started_are_in_their_export_and_their_funnel_count_names_no_one(
    api: Api, privacy: Privacy, user: str
) -> None:
    consent = {"behavioral_tracking": True, "analytics_sharing": True}
    assert api.call("PUT", f"/v1/users/{user}/consent", consent, user=user).status == 200
    survey_id = f"privacy-started-{uuid.uuid4().hex[:8]}"
    started = engaged(f"{user}-start", "survey_start", at=datetime.now(UTC), survey_id=survey_id)
    assert api.call("POST", "/v1/events", {"events": [started]}, user=user).body["accepted_event_ids"] == [
        started["event_id"]
    ]

    engagement = section(privacy.export(user), "BehaviorTable", BehaviorExport).engagement

    assert engagement is not None
    assert engagement.started_survey_ids == [survey_id]
    funnel = survey_analytics_table().aggregates(survey_id).funnel
    assert funnel == {"survey_started": 1}  # the counter only: no user id in the analytics table


def test_a_survey_completed_without_a_tracked_start_is_in_the_export_with_no_start(
    api: Api, privacy: Privacy, user: str
) -> None:
    consent = {"behavioral_tracking": True}
    assert api.call("PUT", f"/v1/users/{user}/consent", consent, user=user).status == 200
    survey_id = f"privacy-completed-{uuid.uuid4().hex[:8]}"
    completed = engaged(f"{user}-complete", "survey_complete", at=datetime.now(UTC), survey_id=survey_id)
    assert api.call("POST", "/v1/events", {"events": [completed]}, user=user).body["accepted_event_ids"] == [
        completed["event_id"]
    ]

    [reminder] = section(privacy.export(user), "DeliveryTable", DeliveryExport).survey_reminders

    assert (reminder.survey_id, reminder.started_at, reminder.outcome) == (survey_id, None, "completed")


def test_erasure_leaves_nothing_about_the_user_and_changes_nothing_else(
    api: Api, stack: LocalStack, privacy: Privacy, user: str
) -> None:
    admin, other = ids("admin"), ids("other")
    made = populate(api, user, admin)
    populate(api, other, admin)
    other_before = privacy.export(other).tables
    analytics_before = analytics(api)
    about_user = {record.audit_id for record in section(privacy.export(user), "AuditTable", AuditExport).about_user}

    erased = privacy.erase(user)

    assert erased.tables == {
        "BehaviorTable": Erasure(
            deleted={
                "signals": 1,
                "events": 4,
                "archetype": 1,
                "archetype_override": 1,
                "experiment_assignments": 1,
                "recommendation_feedback": 1,
            }
        ),
        "RecommendationTable": Erasure(deleted={"recommendations": 1}),
        "AnchoringTable": Erasure(deleted={"impressions": 1, "tier_selections": 1}),
        "AuditTable": Erasure(anonymized={"records_about_user": 1, "records_by_user": 0}),
        "ProfileTable": Erasure(deleted={"profile": 1, "consent": 1, "consent_history": 2, "activity": 1}),
        "SensitiveAttributeTable": Erasure(deleted={"attributes": 1}),
        "IdempotencyTable": Erasure(deleted={"idempotency_records": 0}),
        "SurveyResponseTable": Erasure(anonymized={"responses": 1}),
        "DeliveryTable": Erasure(deleted={"deliveries": 1, "survey_reminders": 1}),
    }
    assert items_naming(stack, user) == []
    # Research keeps the closed answers of the response, without the user or their words.
    kept = kept_responses(stack, made.survey_id)
    assert [[answer["question_id"] for answer in item["answers"]] for item in kept] == [["nps", "stars", "plan"]]
    assert "Fast and simple" not in json.dumps(kept, default=str)
    assert privacy.export(user).tables == privacy.export(ids("never-seen")).tables
    # Nothing is reachable through the routes either.
    assert api.signals(user)["events_count"] == 0
    assert settle(api, made.selection_id, "cancelled", user).status == 404
    selection = {"selected_option": made.selected_option}
    assert (
        api.call("POST", f"/v1/recommendations/{made.recommendation_id}/selection", selection, user=user).status == 404
    )
    # The trail still shows the action, without the user.
    [record] = audit_records(api, about_user).values()
    assert (record["action"], record["target"], record["actor"]) == ("archetype.override.set", f"user:{ERASED}", admin)
    assert (record["before"], record["after"], record["reason"]) == (None, None, None)
    # Another user's data and every aggregate are as they were.
    assert privacy.export(other).tables == other_before
    assert analytics(api) == analytics_before


def test_erasing_twice_changes_nothing_the_second_time(api: Api, privacy: Privacy, user: str) -> None:
    populate(api, user, ids("admin"))
    privacy.erase(user)

    again = privacy.erase(user)

    assert set(again.tables) == TABLES
    for table, erasure in again.tables.items():
        assert set(erasure.deleted.values()) | set(erasure.anonymized.values()) <= {0}, table


def test_an_erased_admins_actions_stay_in_the_trail_without_their_identity(
    api: Api, stack: LocalStack, privacy: Privacy, user: str
) -> None:
    admin = ids("admin")
    populate(api, user, admin)
    made_by_admin = {record.audit_id for record in section(privacy.export(admin), "AuditTable", AuditExport).by_user}

    erased = privacy.erase(admin)

    assert erased.tables["AuditTable"] == Erasure(anonymized={"records_about_user": 0, "records_by_user": 3})
    assert section(privacy.export(admin), "AuditTable", AuditExport) == AuditExport(about_user=[], by_user=[])
    records = audit_records(api, made_by_admin)
    assert sorted(record["action"] for record in records.values()) == [
        "archetype.override.set",
        "experiment.create",
        "experiment.update",
    ]
    for record in records.values():
        assert (record["actor"], record["source_ip"], record["user_agent"]) == (ERASED, ERASED, ERASED)
    override_record = next(r for r in records.values() if r["action"] == "archetype.override.set")
    assert override_record["after"]["override"]["set_by"] == ERASED
    # What still names them: the override they set on another user (README, what erasure does not cover).
    remaining = [(table, item["sk"]["S"], item["set_by"]["S"]) for table, item in items_naming(stack, admin)]
    assert remaining == [("BehaviorTable", "ARCHETYPE_OVERRIDE", admin)]
    # The record about the user keeps what was done to them, now by an erased actor.
    [about_user] = section(privacy.export(user), "AuditTable", AuditExport).about_user
    assert isinstance(about_user, AuditRecord)
    assert (about_user.actor, about_user.target, about_user.reason) == (ERASED, f"user:{user}", "Verified host account")
