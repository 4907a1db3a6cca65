"""Segments and templates (/v1/admin/segments, /v1/admin/templates) against moto: created and replaced with
PUT, read, listed in pages, previewed; every change audited, an unchanged PUT not; bad input refused with
nothing written; non-admins refused before any input is read."""

from __future__ import annotations

import copy
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from local_runtime.runtime import LocalStack
from nudge import clients
from nudge.behavior.behavior_table import behavior_table
from nudge.engagement.engagement_score import EngagementAggregates
from nudge.item_codec import write_transaction
from nudge.notifications.notification_table import NotificationTable
from nudge.notifications.segments import Segment
from nudge.profiles.consent import ConsentSettings, NotificationConsent, apply_consent
from nudge.profiles.profile_table import profile_table
from tests.integration.conftest import Answer, Api

ADMIN = "notifications-admin"
SEGMENT: dict[str, Any] = {
    "name": "Tech fans",
    "rules": {"countries": ["US", "IN"], "categories": ["TECH_SAAS"], "min_engagement_score": 10},
}
TEMPLATE: dict[str, Any] = {
    "name": "New survey",
    "category": "product",
    "email": {
        "subject": "A survey for you, {{first_name}}",
        "html": '<p>Hi {{first_name}}, <a href="{{url}}">{{survey_title}}</a></p><a href="{{unsubscribe_url}}">x</a>',
        "text": "Hi {{first_name}}, {{survey_title}}: {{url}}",
    },
    "sms": {"text": "Hi {{first_name}}, {{survey_title}}: {{url}}"},
    "whatsapp": {"template_name": "survey_invite", "language": "en_US", "parameters": ["{{first_name}}"]},
}


def new_id(kind: str) -> str:
    return f"{kind}-{uuid.uuid4().hex[:10]}"


def admin(api: Api, method: str, path: str, body: Any = None) -> Answer:
    return api.call(method, path, body, user=ADMIN, admin=True)


def audit_for(api: Api, target: str) -> list[dict[str, Any]]:
    answer = admin(api, "GET", "/v1/admin/audit-log?limit=100")
    assert answer.status == 200
    return [record for record in answer.body["records"] if record["target"] == target]


def stored(stack: LocalStack, pk: str, sk: str) -> dict[str, Any] | None:
    client = stack.emulator.client("dynamodb")
    key = {"pk": {"S": pk}, "sk": {"S": sk}}
    item: dict[str, Any] | None = client.get_item(TableName=stack.template.ref("NotificationTable"), Key=key).get(
        "Item"
    )
    return item


# ---------- segments ----------


def test_a_segment_is_created_read_and_replaced_each_change_audited(api: Api, stack: LocalStack) -> None:
    segment_id = new_id("seg")
    created = admin(api, "PUT", f"/v1/admin/segments/{segment_id}", SEGMENT)
    assert created.status == 200
    assert created.body["segment_id"] == segment_id
    assert created.body["rules"] == {**SEGMENT["rules"], "age_ranges": None, "languages": None}
    assert created.body["version"] == 1
    assert admin(api, "GET", f"/v1/admin/segments/{segment_id}").body == created.body

    changed = copy.deepcopy(SEGMENT) | {"name": "Tech fans, any country"}
    del changed["rules"]["countries"]
    replaced = admin(api, "PUT", f"/v1/admin/segments/{segment_id}", changed)
    assert replaced.status == 200
    assert (replaced.body["version"], replaced.body["rules"]["countries"]) == (2, None)
    assert replaced.body["created_at"] == created.body["created_at"]

    records = audit_for(api, f"segment:{segment_id}")
    assert [record["action"] for record in records] == ["segment.update", "segment.create"]
    assert records[1]["before"] is None
    assert records[1]["after"] == created.body
    assert records[0]["before"] == created.body
    assert records[0]["after"] == replaced.body
    assert {record["actor"] for record in records} == {ADMIN}


def test_a_put_that_changes_nothing_writes_and_audits_nothing(api: Api) -> None:
    segment_id = new_id("seg")
    first = admin(api, "PUT", f"/v1/admin/segments/{segment_id}", SEGMENT)
    again = admin(api, "PUT", f"/v1/admin/segments/{segment_id}", SEGMENT)
    assert again.status == 200
    assert again.body == first.body
    assert len(audit_for(api, f"segment:{segment_id}")) == 1


def test_a_put_that_lost_a_race_to_another_change_is_409_with_nothing_written(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    segment_id = new_id("seg")
    path = f"/v1/admin/segments/{segment_id}"
    first = admin(api, "PUT", path, SEGMENT).body
    assert admin(api, "PUT", path, SEGMENT | {"name": "Second"}).status == 200
    # This request read the segment before the second change landed.
    monkeypatch.setattr(NotificationTable, "get_segment", lambda _table, _id: Segment.model_validate(first))
    answer = admin(api, "PUT", path, SEGMENT | {"name": "Third"})
    monkeypatch.undo()
    assert answer.status == 409
    assert admin(api, "GET", path).body["name"] == "Second"
    assert [record["action"] for record in audit_for(api, f"segment:{segment_id}")] == [
        "segment.update",
        "segment.create",
    ]


@pytest.mark.parametrize(
    ("rules", "field"),
    [
        ({"countries": ["XX"]}, "rules.countries[0]"),
        ({"categories": ["HEALTH"]}, "rules.categories[0]"),
        ({"age_ranges": ["30-40"]}, "rules.age_ranges[0]"),
        ({"languages": ["English"]}, "rules.languages[0]"),
        ({"languages": []}, "rules.languages"),
        ({"min_engagement_score": 101}, "rules.min_engagement_score"),
        ({"income": ["high"]}, "rules.income"),
    ],
)
def test_bad_rules_are_422_naming_the_field_with_nothing_written(
    api: Api, stack: LocalStack, rules: dict[str, Any], field: str
) -> None:
    segment_id = new_id("seg")
    answer = admin(api, "PUT", f"/v1/admin/segments/{segment_id}", {"name": "Bad", "rules": rules})
    assert answer.status == 422
    assert [problem["field"] for problem in answer.body["error"]["fields"]] == [field]
    assert stored(stack, "SEGMENT", segment_id) is None
    assert audit_for(api, f"segment:{segment_id}") == []


def test_an_unknown_segment_is_404(api: Api) -> None:
    answer = admin(api, "GET", "/v1/admin/segments/no-such-segment")
    assert answer.status == 404
    assert answer.body["error"]["fields"] == [{"field": "segment_id", "problem": "no segment 'no-such-segment'"}]
    assert admin(api, "GET", "/v1/admin/segments/no-such-segment/preview").status == 404


def test_segments_are_listed_in_signed_pages(api: Api) -> None:
    prefix = new_id("list")
    for index in range(3):
        assert admin(api, "PUT", f"/v1/admin/segments/{prefix}-{index}", SEGMENT).status == 200
    seen: list[str] = []
    cursor = ""
    while True:
        answer = admin(api, "GET", f"/v1/admin/segments?limit=2{cursor}")
        assert answer.status == 200
        assert len(answer.body["segments"]) <= 2
        seen += [segment["segment_id"] for segment in answer.body["segments"]]
        if answer.body["next_cursor"] is None:
            break
        cursor = f"&cursor={answer.body['next_cursor']}"
    assert [f"{prefix}-{index}" for index in range(3)] == [found for found in seen if found.startswith(prefix)]
    assert seen == sorted(seen)
    forged = admin(api, "GET", "/v1/admin/segments?cursor=eyJwayI6IHt9fQ.bad")
    assert forged.status == 422
    assert forged.body["error"]["fields"][0]["field"] == "cursor"


def test_a_template_cursor_is_not_a_segment_cursor(api: Api) -> None:
    for index in range(2):
        admin(api, "PUT", f"/v1/admin/templates/{new_id('tpl')}-{index}", TEMPLATE)
    page = admin(api, "GET", "/v1/admin/templates?limit=1").body
    assert page["next_cursor"] is not None
    answer = admin(api, "GET", f"/v1/admin/segments?cursor={page['next_cursor']}")
    assert answer.status == 422
    assert answer.body["error"]["fields"] == [{"field": "cursor", "problem": "is not a cursor for this list"}]


# ---------- preview ----------

# Tuvalu: no other test's profile lives there, so the counts below are this test's alone.
PREVIEW_COUNTRY = "TV"


def _profile(api: Api, user: str, categories: list[str], country: str = PREVIEW_COUNTRY) -> None:
    body = {"email": f"{user}@example.com", "demographics": {"location": {"country": country}}}
    answer = api.call("PUT", f"/v1/users/{user}/profile", body | {"interests": {"categories": categories}}, user=user)
    assert answer.status == 200


def _consent(user: str, notifications: bool) -> None:
    profiles = profile_table()
    wanted = ConsentSettings(personalized_notifications=NotificationConsent(enabled=notifications))
    update = apply_consent(profiles.get_consent(user), wanted, datetime.now(UTC), "", "", "test")
    assert profiles.save_consent(user, update.record, 0, update.changes)


def _engagement(user: str, points: int) -> None:
    now = datetime.now(UTC)
    aggregates = EngagementAggregates(version=1, daily_points={now.date().isoformat(): points}, last_active_at=now)
    assert write_transaction(clients.dynamodb(), [behavior_table().engagement_put(user, 0, aggregates)])


def _preview(api: Api, segment_id: str, limit: int) -> tuple[dict[str, int], int]:
    """The preview's counts summed over every page, and how many pages it took."""
    totals = {"profiles_scanned": 0, "matching": 0, "consenting": 0}
    cursor, pages = "", 0
    while True:
        answer = admin(api, "GET", f"/v1/admin/segments/{segment_id}/preview?limit={limit}{cursor}")
        assert answer.status == 200, answer.body
        pages += 1
        totals = {name: totals[name] + answer.body[name] for name in totals}
        if answer.body["next_cursor"] is None:
            return totals, pages
        cursor = f"&cursor={answer.body['next_cursor']}"


def test_a_preview_counts_matching_profiles_and_those_consenting(api: Api) -> None:
    users = {name: f"preview-{name}-{uuid.uuid4().hex[:8]}" for name in ("a", "b", "c", "d", "e")}
    _profile(api, users["a"], ["TECH_SAAS"])  # matches, consents, engaged
    _consent(users["a"], notifications=True)
    _engagement(users["a"], 30)
    _profile(api, users["b"], ["TECH_SAAS", "TRAVEL"])  # matches, engaged, never consented
    _engagement(users["b"], 12)
    _profile(api, users["c"], ["TECH_SAAS"])  # consents, but its score is too low
    _consent(users["c"], notifications=True)
    _engagement(users["c"], 5)
    _profile(api, users["d"], ["TRAVEL"])  # the wrong interest
    _consent(users["d"], notifications=True)
    _engagement(users["d"], 50)
    _profile(api, users["e"], ["TECH_SAAS"], country="NR")  # the wrong country
    _consent(users["e"], notifications=True)
    _engagement(users["e"], 50)
    segment_id = new_id("seg")
    rules = {"countries": [PREVIEW_COUNTRY], "categories": ["TECH_SAAS"], "min_engagement_score": 10}
    assert admin(api, "PUT", f"/v1/admin/segments/{segment_id}", {"name": "Tuvalu tech", "rules": rules}).status == 200

    totals, pages = _preview(api, segment_id, limit=1000)
    assert (totals["matching"], totals["consenting"]) == (2, 1)
    assert totals["profiles_scanned"] >= 5

    paged, many = _preview(api, segment_id, limit=3)
    assert many > pages
    assert paged == totals

    everyone = new_id("seg")
    admin(api, "PUT", f"/v1/admin/segments/{everyone}", {"name": "Tuvalu", "rules": {"countries": [PREVIEW_COUNTRY]}})
    totals, _ = _preview(api, everyone, limit=1000)
    assert (totals["matching"], totals["consenting"]) == (4, 3)


def test_a_preview_reads_engagement_only_for_a_score_rule_and_only_of_candidates(api: Api, stack: LocalStack) -> None:
    assert stack.recorder is not None, "the session's stack records calls"
    user = f"preview-cost-{uuid.uuid4().hex[:8]}"
    _profile(api, user, ["TECH_SAAS"])
    behavior = f":table/{stack.template.ref('BehaviorTable')}"
    for rules, reads_engagement in (
        ({"countries": [PREVIEW_COUNTRY]}, False),
        ({"countries": [PREVIEW_COUNTRY], "min_engagement_score": 1}, True),
        ({"countries": ["AQ"], "min_engagement_score": 1}, False),  # no candidate: no BatchGetItem at all
    ):
        segment_id = new_id("seg")
        admin(api, "PUT", f"/v1/admin/segments/{segment_id}", {"name": "Cost", "rules": rules})
        with stack.recorder.capture() as calls:
            _preview(api, segment_id, limit=1000)
        resources = {access.resource for call in calls for access in call.accesses}
        operations = {call.operation for call in calls}
        assert any(resource.endswith(behavior) for resource in resources) is reads_engagement, rules
        assert ("dynamodb:BatchGetItem" in operations) is (rules["countries"] != ["AQ"]), rules
        assert operations <= {
            "dynamodb:GetItem",
            "dynamodb:Scan",
            "dynamodb:BatchGetItem",
            "secretsmanager:GetSecretValue",
        }


def test_a_preview_refuses_a_cursor_of_another_list(api: Api) -> None:
    segment_id = new_id("seg")
    for index in range(2):
        admin(api, "PUT", f"/v1/admin/segments/{segment_id}-{index}", SEGMENT)
    cursor = admin(api, "GET", "/v1/admin/segments?limit=1").body["next_cursor"]
    answer = admin(api, "GET", f"/v1/admin/segments/{segment_id}-0/preview?cursor={cursor}")
    assert answer.status == 422
    assert answer.body["error"]["fields"][0]["field"] == "cursor"


# ---------- templates ----------


def test_a_template_is_created_read_listed_and_replaced_each_change_audited(api: Api) -> None:
    template_id = new_id("tpl")
    created = admin(api, "PUT", f"/v1/admin/templates/{template_id}", TEMPLATE)
    assert created.status == 200, created.body
    assert {name: created.body[name] for name in TEMPLATE} == TEMPLATE
    assert (created.body["template_id"], created.body["version"]) == (template_id, 1)
    assert admin(api, "GET", f"/v1/admin/templates/{template_id}").body == created.body

    email_only = {name: TEMPLATE[name] for name in ("name", "category", "email")} | {"category": "marketing"}
    replaced = admin(api, "PUT", f"/v1/admin/templates/{template_id}", email_only)
    assert replaced.status == 200
    assert (replaced.body["sms"], replaced.body["whatsapp"], replaced.body["version"]) == (None, None, 2)
    assert admin(api, "PUT", f"/v1/admin/templates/{template_id}", email_only).body == replaced.body

    records = audit_for(api, f"template:{template_id}")
    assert [record["action"] for record in records] == ["template.update", "template.create"]
    assert records[0]["before"] == created.body
    assert records[0]["after"] == replaced.body

    listed: list[str] = []
    cursor = ""
    while True:
        page = admin(api, "GET", f"/v1/admin/templates?limit=100{cursor}").body
        listed += [template["template_id"] for template in page["templates"]]
        if page["next_cursor"] is None:
            break
        cursor = f"&cursor={page['next_cursor']}"
    assert template_id in listed


def _with(path: list[Any], value: Any) -> dict[str, Any]:
    body = copy.deepcopy(TEMPLATE)
    target: Any = body
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return body


@pytest.mark.parametrize(
    ("body", "field", "problem"),
    [
        (_with(["sms", "text"], "Hi {{firstName}}"), "sms.text", "unknown token {{firstName}}"),
        (_with(["email", "html"], "<p>{{ url }}</p>"), "email.html", "malformed token"),
        (_with(["email", "subject"], "{{email}}"), "email.subject", "unknown token {{email}}"),
        (_with(["whatsapp", "parameters"], ["{{phone}}"]), "whatsapp.parameters[0]", "unknown token {{phone}}"),
        (_with(["sms", "text"], "x" * 150 + "{{reason}}"), "sms.text", "can take 4 UCS-2 segments"),
        (_with(["category"], "transactional"), "category", "'marketing' or 'product'"),
        (_with(["whatsapp", "language"], "en-US"), "whatsapp.language", "WhatsApp language code"),
        (_with(["whatsapp", "template_name"], "Survey Invite"), "whatsapp.template_name", "WhatsApp template name"),
        ({"name": "Empty", "category": "product"}, "body", "needs at least one channel"),
        ({"name": "Empty", "category": "product", "push": {"text": "x"}}, "push", "Extra inputs"),
    ],
)
def test_a_bad_template_is_422_naming_the_field_with_nothing_written(
    api: Api, stack: LocalStack, body: dict[str, Any], field: str, problem: str
) -> None:
    template_id = new_id("tpl")
    answer = admin(api, "PUT", f"/v1/admin/templates/{template_id}", body)
    assert answer.status == 422
    fields = answer.body["error"]["fields"]
    assert [found["field"] for found in fields] == [field]
    assert problem in fields[0]["problem"]
    assert stored(stack, "TEMPLATE", template_id) is None
    assert audit_for(api, f"template:{template_id}") == []


def test_a_bad_replacement_leaves_the_stored_template_as_it_was(api: Api) -> None:
    template_id = new_id("tpl")
    created = admin(api, "PUT", f"/v1/admin/templates/{template_id}", TEMPLATE).body
    answer = admin(api, "PUT", f"/v1/admin/templates/{template_id}", _with(["sms", "text"], "{{nope}}"))
    assert answer.status == 422
    assert admin(api, "GET", f"/v1/admin/templates/{template_id}").body == created
    assert len(audit_for(api, f"template:{template_id}")) == 1


def test_an_unknown_template_is_404(api: Api) -> None:
    answer = admin(api, "GET", "/v1/admin/templates/no-such-template")
    assert answer.status == 404
    assert answer.body["error"]["fields"][0]["field"] == "template_id"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PUT", "/v1/admin/segments/s1", SEGMENT),
        ("GET", "/v1/admin/segments/s1", None),
        ("GET", "/v1/admin/segments", None),
        ("GET", "/v1/admin/segments/s1/preview", None),
        ("PUT", "/v1/admin/templates/t1", TEMPLATE),
        ("GET", "/v1/admin/templates/t1", None),
        ("GET", "/v1/admin/templates", None),
    ],
)
def test_a_non_admin_is_refused_and_nothing_is_written(
    api: Api, stack: LocalStack, user: str, method: str, path: str, body: Any
) -> None:
    answer = api.call(method, path, body, user=user)
    assert answer.status == 403
    assert answer.body["error"]["code"] == "forbidden"
    assert stored(stack, "SEGMENT", "s1") is None
    assert stored(stack, "TEMPLATE", "t1") is None
