"""PUT, GET and PATCH /v1/users/{user_id}/profile against moto: what is stored, what is refused (with
nothing written), who may call them, and what an admin's change leaves in the audit trail."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from local_runtime.runtime import LocalStack
from nudge.profiles.profile_table import profile_table
from tests.builders import engaged
from tests.integration.conftest import Answer, Api
from tests.unit.test_special_categories import naming_sensitive

PROFILE: dict[str, Any] = {
    "email": "Ana.Lima@Example.COM",
    "phone": "+5511987654321",
    "name": "Ana Lima",
    "time_zone": "America/Sao_Paulo",
    "demographics": {
        "gender": "female",
        "age_range": "25-34",
        "location": {"country": "BR", "state": "SP", "city": "São Paulo"},
        "languages": ["pt-BR", "en"],
        "education": "masters",
    },
    "interests": {"categories": ["TRAVEL", "TECH_SAAS"], "brands": ["brand-azul"]},
    "notification_preferences": {
        "email": {"enabled": True, "frequency": "daily"},
        "sms": {"enabled": True},
        "quiet_hours": {"start": "22:00", "end": "07:30"},
    },
}
MERGE_PATCH = {"content-type": "application/merge-patch+json"}


def path(user: str) -> str:
    return f"/v1/users/{user}/profile"


def stored_items(stack: LocalStack, user: str) -> list[dict[str, Any]]:
    """Every item of the user's partition in the profile table, as stored."""
    client = stack.emulator.client("dynamodb")
    response = client.query(
        TableName=stack.template.ref("ProfileTable"),
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"USER#{user}"}},
        ConsistentRead=True,
    )
    return list(response["Items"])


def put(api: Api, user: str, body: Any = PROFILE) -> Answer:
    return api.call("PUT", path(user), body, user=user)


def test_a_put_creates_the_profile_with_defaults_for_what_it_leaves_out(api: Api, user: str) -> None:
    answer = put(api, user, {"email": "new@example.com"})

    assert answer.status == 200, answer.body
    body = answer.body
    assert (body["user_id"], body["email"], body["phone"], body["name"], body["time_zone"]) == (
        user,
        "new@example.com",
        None,
        None,
        "UTC",
    )
    assert body["demographics"] == {
        "gender": None,
        "age_range": None,
        "location": None,
        "languages": [],
        "education": None,
    }
    assert body["interests"] == {"categories": [], "brands": [], "updated_at": None}
    assert body["notification_preferences"] == {
        "email": {"enabled": False, "frequency": "weekly"},
        "sms": {"enabled": False},
        "whatsapp": {"enabled": False},
        "quiet_hours": None,
    }
    assert body["created_at"] == body["updated_at"]
    assert api.call("GET", path(user), user=user).body == body


def test_a_put_replaces_the_whole_profile_and_keeps_when_it_was_created(api: Api, user: str) -> None:
    first = put(api, user).body
    assert first["email"] == "Ana.Lima@example.com"  # the domain is case-insensitive: kept in lower case
    assert first["interests"]["updated_at"] == first["created_at"]

    second = put(api, user, {"email": "ana@example.org", "interests": PROFILE["interests"]})

    assert second.status == 200
    assert (second.body["phone"], second.body["demographics"]["location"]) == (None, None)
    assert second.body["notification_preferences"]["sms"] == {"enabled": False}
    assert second.body["created_at"] == first["created_at"]
    assert second.body["updated_at"] > first["updated_at"]
    # The interests are the same: when they last changed stays.
    assert second.body["interests"]["updated_at"] == first["interests"]["updated_at"]


def test_reading_a_profile_that_does_not_exist_is_404(api: Api, user: str) -> None:
    answer = api.call("GET", path(user), user=user)

    assert answer.status == 404
    assert answer.body["error"]["fields"] == [{"field": "user_id", "problem": "this user has no profile yet"}]


def test_a_patch_merges_objects_removes_nulls_and_replaces_arrays(api: Api, user: str) -> None:
    before = put(api, user).body
    patch = {
        "phone": None,
        "notification_preferences": {"sms": {"enabled": False}, "email": {"frequency": "weekly"}},
        "demographics": {"languages": ["es"], "location": {"city": None}},
        "interests": {"categories": ["FOOD_BEVERAGE"]},
    }

    answer = api.call("PATCH", path(user), patch, user=user, headers=MERGE_PATCH)

    assert answer.status == 200, answer.body
    after = answer.body
    assert after["phone"] is None
    assert after["notification_preferences"]["email"] == {"enabled": True, "frequency": "weekly"}
    assert after["notification_preferences"]["quiet_hours"] == {"start": "22:00", "end": "07:30"}
    assert after["demographics"]["languages"] == ["es"]
    assert after["demographics"]["location"] == {"country": "BR", "state": "SP", "city": None}
    assert after["interests"] == {
        "categories": ["FOOD_BEVERAGE"],
        "brands": ["brand-azul"],
        "updated_at": after["updated_at"],
    }
    assert (after["name"], after["email"], after["created_at"]) == (
        before["name"],
        before["email"],
        before["created_at"],
    )
    assert api.call("GET", path(user), user=user).body == after


def test_a_patch_is_accepted_as_application_json_too_and_refused_as_anything_else(api: Api, user: str) -> None:
    put(api, user)

    as_json = api.call("PATCH", path(user), {"name": "Ana L."}, user=user)
    as_text = api.call("PATCH", path(user), {"name": "Ana"}, user=user, headers={"content-type": "text/plain"})

    assert (as_json.status, as_json.body["name"]) == (200, "Ana L.")
    assert as_text.status == 415
    assert as_text.body["error"]["fields"][0]["field"] == "Content-Type"


def test_patching_without_a_profile_is_404_and_creates_nothing(api: Api, stack: LocalStack, user: str) -> None:
    answer = api.call("PATCH", path(user), {"email": "x@example.com"}, user=user, headers=MERGE_PATCH)

    assert answer.status == 404
    assert stored_items(stack, user) == []


@pytest.mark.parametrize(
    ("patch", "field", "problem"),
    [
        ({"email": None}, "email", "Field required"),
        ({"favourite_colour": "blue"}, "favourite_colour", "Extra inputs are not permitted"),
        ({"demographics": {"age_range": 30}}, "demographics.age_range", "Input should be"),
        (
            {"notification_preferences": {"whatsapp": {"enabled": True}}, "phone": None},
            "notification_preferences.whatsapp.enabled",
            "needs a phone",
        ),
        ({"behavioral": {"engagement_score": 100}}, "behavioral", "is read-only"),
        ({"interests": {"updated_at": "2026-01-01T00:00:00Z"}}, "interests.updated_at", "is read-only"),
        ({"created_at": "2020-01-01T00:00:00Z"}, "created_at", "is read-only"),
        # A null removes nothing the stored fields hold, so only the patch itself shows these were sent.
        ({"created_at": None}, "created_at", "is read-only"),
        ({"behavioral": None, "name": "Ana"}, "behavioral", "is read-only"),
        ({"interests": {"updated_at": None, "brands": []}}, "interests.updated_at", "is read-only"),
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone", "is not an IANA time zone"),
    ],
)
def test_a_patch_is_validated_after_merging_and_writes_nothing_when_invalid(
    api: Api, stack: LocalStack, user: str, patch: dict[str, Any], field: str, problem: str
) -> None:
    put(api, user)
    before = stored_items(stack, user)

    answer = api.call("PATCH", path(user), patch, user=user, headers=MERGE_PATCH)

    assert answer.status == 422, answer.body
    [found] = [entry for entry in answer.body["error"]["fields"] if entry["field"] == field]
    assert problem in found["problem"]
    assert stored_items(stack, user) == before


def test_a_patch_that_is_not_an_object_is_422(api: Api, user: str) -> None:
    put(api, user)

    answer = api.call("PATCH", path(user), ["email"], user=user, headers=MERGE_PATCH)

    assert answer.status == 422
    assert answer.body["error"]["fields"][0]["field"] == "body"


def _with(change: dict[str, Any]) -> dict[str, Any]:
    """PROFILE with `change` merged in (one level deep is enough for these cases)."""
    body = copy.deepcopy(PROFILE)
    for key, value in change.items():
        if isinstance(value, dict) and isinstance(body.get(key), dict):
            body[key] = body[key] | value
        else:
            body[key] = value
    return body


@pytest.mark.parametrize(
    ("body", "field", "problem"),
    [
        (_with({"time_zone": "Europe/Atlantis"}), "time_zone", "is not an IANA time zone"),
        (_with({"time_zone": "localtime"}), "time_zone", "is not an IANA time zone"),
        (_with({"time_zone": "../../etc/passwd"}), "time_zone", "is not an IANA time zone"),
        (_with({"phone": "+0123456789"}), "phone", "E.164"),
        (_with({"phone": "5511987654321"}), "phone", "E.164"),
        (_with({"phone": "+123456"}), "phone", "E.164"),
        (_with({"email": "not-an-address"}), "email", "email address"),
        (_with({"email": "a" * 245 + "@example.com"}), "email", "at most 254"),
        (
            _with({"notification_preferences": {"quiet_hours": {"start": "9pm", "end": "07:00"}}}),
            "notification_preferences.quiet_hours.start",
            "HH:MM",
        ),
        (
            _with({"notification_preferences": {"quiet_hours": {"start": "24:00", "end": "07:00"}}}),
            "notification_preferences.quiet_hours.start",
            "HH:MM",
        ),
        (
            _with({"notification_preferences": {"quiet_hours": {"start": "22:00", "end": "22:00"}}}),
            "notification_preferences.quiet_hours",
            "must differ",
        ),
        (
            _with({"notification_preferences": {"email": {"frequency": "hourly"}}}),
            "notification_preferences.email.frequency",
            "Input should be",
        ),
        (
            _with({"notification_preferences": {"sms": {"enabled": "yes"}}}),
            "notification_preferences.sms.enabled",
            "valid boolean",
        ),
        (_with({"demographics": {"location": {"country": "XK"}}}), "demographics.location.country", "ISO 3166-1"),
        (_with({"demographics": {"location": {"country": "br"}}}), "demographics.location.country", "ISO 3166-1"),
        (
            _with({"demographics": {"location": {"country": "BR", "city": "x" * 101}}}),
            "demographics.location.city",
            "at most 100",
        ),
        (_with({"demographics": {"languages": ["english"]}}), "demographics.languages[0]", "BCP 47"),
        (_with({"demographics": {"languages": ["en"] * 2}}), "demographics.languages", "twice"),
        (_with({"demographics": {"gender": "unknown"}}), "demographics.gender", "Input should be"),
        (_with({"interests": {"categories": ["HEALTH"]}}), "interests.categories[0]", "Input should be"),
        (_with({"interests": {"categories": ["TRAVEL", "TRAVEL"]}}), "interests.categories", "twice"),
        (_with({"interests": {"brands": [f"brand-{i}" for i in range(51)]}}), "interests.brands", "at most 50"),
        (_with({"interests": {"brands": "brand-azul"}}), "interests.brands", "valid array"),
        (_with({"name": 42}), "name", "valid string"),
        (_with({"income": "50k"}), "income", "Extra inputs are not permitted"),
        (_with({"behavioral": None}), "behavioral", "is read-only"),
        ({"phone": "+5511987654321"}, "email", "Field required"),
    ],
)
def test_bad_input_is_a_422_naming_the_field_and_nothing_is_written(
    api: Api, stack: LocalStack, user: str, body: dict[str, Any], field: str, problem: str
) -> None:
    answer = put(api, user, body)

    assert answer.status == 422, answer.body
    [found] = [entry for entry in answer.body["error"]["fields"] if entry["field"] == field]
    assert problem in found["problem"]
    assert stored_items(stack, user) == []


def test_an_oversize_body_is_413_and_nothing_is_written(api: Api, stack: LocalStack, user: str) -> None:
    answer = put(api, user, _with({"name": "x" * 20_000}))

    assert answer.status == 413
    assert stored_items(stack, user) == []


def test_another_user_may_neither_read_nor_write_a_profile(api: Api, stack: LocalStack, user: str) -> None:
    put(api, user)
    before = stored_items(stack, user)

    answers = [
        api.call("GET", path(user), user="bob"),
        api.call("PUT", path(user), PROFILE, user="bob"),
        api.call("PATCH", path(user), {"name": "Bob"}, user="bob", headers=MERGE_PATCH),
    ]

    assert [answer.status for answer in answers] == [403, 403, 403]
    assert stored_items(stack, user) == before


def test_a_users_own_write_records_their_activity(api: Api, user: str) -> None:
    written = put(api, user).body

    exported = profile_table().export_user(user)

    assert exported.last_active_at is not None
    assert exported.last_active_at.isoformat().replace("+00:00", "Z") == written["updated_at"].replace("+00:00", "Z")


def test_an_admin_may_read_and_write_a_profile_and_the_change_is_audited_not_activity(api: Api, user: str) -> None:
    put(api, user)
    active_before = profile_table().export_user(user).last_active_at
    admin = f"admin-{user}"

    read = api.call("GET", path(user), user=admin, admin=True)
    patched = api.call(
        "PATCH",
        path(user),
        {"name": "Ana Lima Souza"},
        user=admin,
        admin=True,
        headers=MERGE_PATCH | {"user-agent": "console/2"},
    )

    assert (read.status, patched.status) == (200, 200)
    assert patched.body["name"] == "Ana Lima Souza"
    assert profile_table().export_user(user).last_active_at == active_before
    log = api.call("GET", "/v1/admin/audit-log?limit=100", user="auditor", admin=True).body["records"]
    [record] = [entry for entry in log if entry["target"] == f"user:{user}"]
    assert (record["action"], record["actor"], record["user_agent"]) == ("profile.update", admin, "console/2")
    assert (record["before"], record["after"]) == ({"name": "Ana Lima"}, {"name": "Ana Lima Souza"})


@pytest.mark.parametrize("admin", [False, True])
def test_a_put_or_patch_that_changes_nothing_writes_nothing(
    api: Api, stack: LocalStack, user: str, admin: bool
) -> None:
    created = put(api, user).body
    before = stored_items(stack, user)
    caller = f"admin-{user}" if admin else user

    unchanged = [
        api.call("PATCH", path(user), {}, user=caller, admin=admin, headers=MERGE_PATCH),
        api.call(
            "PATCH",
            path(user),
            {"name": "Ana Lima", "phone": "+5511987654321"},
            user=caller,
            admin=admin,
            headers=MERGE_PATCH,
        ),
        api.call("PUT", path(user), PROFILE, user=caller, admin=admin),
    ]

    assert [(answer.status, answer.body["updated_at"]) for answer in unchanged] == [(200, created["updated_at"])] * 3
    assert stored_items(stack, user) == before
    log = api.call("GET", "/v1/admin/audit-log?limit=100", user="auditor", admin=True).body["records"]
    assert [entry for entry in log if entry["target"] == f"user:{user}"] == []


def _attribute_names(value: Any) -> list[str]:
    """Every attribute and map key of a stored DynamoDB item, at any depth."""
    if isinstance(value, dict):
        return [name for key, inner in value.items() for name in [key, *_attribute_names(inner)]]
    if isinstance(value, list):
        return [name for inner in value for name in _attribute_names(inner)]
    return []


def test_the_stored_profile_item_holds_no_special_category(api: Api, stack: LocalStack, user: str) -> None:
    put(api, user)

    [item] = [item for item in stored_items(stack, user) if item["sk"]["S"] == "PROFILE"]

    names = set(_attribute_names(item))
    assert {"email", "phone", "demographics", "interests", "notification_preferences", "version"} <= names
    assert naming_sensitive(names) == []


def test_the_profile_shows_what_nudge_derived_from_consented_engagement(api: Api, user: str) -> None:
    put(api, user)
    assert api.call("PUT", f"/v1/users/{user}/consent", {"behavioral_tracking": True}, user=user).status == 200
    recently = datetime.now(UTC) - timedelta(hours=1)
    events = [
        engaged("v1", at=recently, category="TRAVEL"),
        engaged("v2", at=recently, category="TRAVEL"),
        engaged("v3", at=recently, category="FOOD_BEVERAGE"),
        engaged("s1", "survey_complete", at=recently, category="TRAVEL"),
    ]
    assert api.call("POST", "/v1/events", {"events": events}, user=user).body["not_tracked"] == []

    behavioral = api.call("GET", path(user), user=user).body["behavioral"]

    # 3 views x 2 + a completed survey 10 + one active day 1, an hour of inactivity's decay.
    assert 16 < behavioral["engagement_score"] < 17
    assert (behavioral["activity_level"], behavioral["total_product_views"], behavioral["total_surveys"]) == (
        "low",
        3,
        1,
    )
    assert behavioral["last_active_at"] is not None
    assert behavioral["preferred_categories"] == [
        {"category": "TRAVEL", "score": 1.0},
        {"category": "FOOD_BEVERAGE", "score": 0.5},
    ]
    # PATCH answers with the same derived block.
    patched = api.call("PATCH", path(user), {"name": "A. Lima"}, user=user, headers=MERGE_PATCH)
    assert patched.body["behavioral"] == behavioral


def test_a_user_without_tracked_engagement_gets_an_empty_derived_block(api: Api, user: str) -> None:
    assert put(api, user).body["behavioral"] == {
        "engagement_score": 0.0,
        "activity_level": "low",
        "last_active_at": None,
        "total_surveys": 0,
        "total_product_views": 0,
        "preferred_categories": [],
    }
