"""PUT and GET /v1/users/{user_id}/consent against moto: the history with where each change came from
and under which policy, paging, who may give consent, and concurrent changes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from local_runtime.runtime import LocalStack
from nudge.errors import Conflict
from nudge.profiles.consent import ConsentChange, ConsentRecord, ConsentSettings
from nudge.profiles.profile_table import ProfileTable, profile_table
from nudge.profiles.user_consent import change_consent
from nudge.users.actor import Actor
from tests.integration.conftest import Api
from tests.integration.test_profiles_api import stored_items

POLICY = "2026-12-01"  # the template's ConsentPolicyVersion default
APP = {"user-agent": "nudge-app/4.2"}
NOTIFY_BY_SMS = {"personalized_notifications": {"enabled": True, "channels": {"sms": True}}}


def path(user: str) -> str:
    return f"/v1/users/{user}/consent"


def test_a_user_who_never_answered_has_consented_to_nothing(api: Api, user: str) -> None:
    answer = api.call("GET", path(user), user=user)

    assert answer.status == 200
    assert answer.body == {
        "user_id": user,
        "settings": ConsentSettings().model_dump(mode="json"),
        "changed_at": {},
        "sms_opt_in_at": None,
        "whatsapp_opt_in_at": None,
        "policy_version": None,
        "updated_at": None,
        "history": [],
        "next_cursor": None,
    }


def test_each_change_is_kept_with_its_source_user_agent_and_policy_version(api: Api, user: str) -> None:
    answer = api.call("PUT", path(user), NOTIFY_BY_SMS | {"behavioral_tracking": True}, user=user, headers=APP)

    assert answer.status == 200, answer.body
    changes = answer.body["changes"]
    assert [(change["purpose"], change["old_value"], change["new_value"]) for change in changes] == [
        ("personalized_notifications.enabled", False, True),
        ("personalized_notifications.channels.sms", False, True),
        ("behavioral_tracking", False, True),
    ]
    assert {(change["source_ip"], change["user_agent"], change["policy_version"]) for change in changes} == {
        ("127.0.0.1", "nudge-app/4.2", POLICY)
    }
    assert answer.body["sms_opt_in_at"] == changes[0]["changed_at"]
    assert answer.body["policy_version"] == POLICY
    read = api.call("GET", path(user), user=user).body
    assert read["settings"]["behavioral_tracking"] is True
    assert read["changed_at"] == {change["purpose"]: change["changed_at"] for change in changes}
    assert sorted(read["history"], key=lambda change: change["purpose"]) == sorted(
        changes, key=lambda change: change["purpose"]
    )


def test_a_withdrawal_is_a_new_entry_newest_first_and_the_opt_in_date_stays(api: Api, user: str) -> None:
    opted_in = api.call("PUT", path(user), NOTIFY_BY_SMS, user=user).body

    withdrawn = api.call("PUT", path(user), {}, user=user)

    assert withdrawn.status == 200
    assert withdrawn.body["settings"] == ConsentSettings().model_dump(mode="json")
    assert withdrawn.body["sms_opt_in_at"] == opted_in["sms_opt_in_at"]
    history = api.call("GET", path(user), user=user).body["history"]
    assert [(change["purpose"], change["new_value"]) for change in history[:2]] == [
        ("personalized_notifications.channels.sms", False),
        ("personalized_notifications.enabled", False),
    ]
    assert len(history) == 4
    assert history[0]["changed_at"] > history[-1]["changed_at"]


def test_a_first_answer_that_consents_to_nothing_is_recorded(api: Api, user: str) -> None:
    answer = api.call("PUT", path(user), {}, user=user)

    assert (answer.status, answer.body["changes"], answer.body["policy_version"]) == (200, [], POLICY)
    assert profile_table().get_consent(user).version == 1
    # Asked again, nothing changes and nothing is written.
    again = api.call("PUT", path(user), {}, user=user)
    assert (again.body["changes"], again.body["updated_at"]) == ([], answer.body["updated_at"])
    assert profile_table().get_consent(user).version == 1


def test_the_history_pages_newest_first(api: Api, user: str) -> None:
    for tracking in (True, False, True):
        assert api.call("PUT", path(user), {"behavioral_tracking": tracking}, user=user).status == 200

    first = api.call("GET", path(user) + "?limit=2", user=user).body
    second = api.call("GET", path(user) + f"?limit=2&cursor={first['next_cursor']}", user=user).body

    values = [change["new_value"] for change in first["history"] + second["history"]]
    assert values == [True, False, True]
    assert first["next_cursor"] is not None
    assert second["next_cursor"] is None
    forged = api.call("GET", path(user) + "?cursor=abc.def", user=user)
    assert (forged.status, forged.body["error"]["fields"][0]["field"]) == (422, "cursor")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"sell_my_data": True}, "sell_my_data"),
        ({"personalized_notifications": {"channels": {"push": True}}}, "personalized_notifications.channels.push"),
        ({"behavioral_tracking": "true"}, "behavioral_tracking"),
        ({"marketing_emails": 1}, "marketing_emails"),
    ],
)
def test_unknown_purposes_and_wrong_types_are_422_and_nothing_is_written(
    api: Api, stack: LocalStack, user: str, body: dict[str, Any], field: str
) -> None:
    answer = api.call("PUT", path(user), body, user=user)

    assert answer.status == 422
    assert [entry["field"] for entry in answer.body["error"]["fields"]] == [field]
    assert stored_items(stack, user) == []


def test_consent_comes_from_the_user_only_and_an_admin_may_read_it(api: Api, stack: LocalStack, user: str) -> None:
    api.call("PUT", path(user), {"marketing_emails": True}, user=user)
    before = stored_items(stack, user)

    by_bob = api.call("PUT", path(user), {"marketing_emails": False}, user="bob")
    by_admin = api.call("PUT", path(user), {"marketing_emails": False}, user="ops", admin=True)
    bob_reads = api.call("GET", path(user), user="bob")
    admin_reads = api.call("GET", path(user), user="ops", admin=True)

    assert (by_bob.status, by_admin.status, bob_reads.status) == (403, 403, 403)
    assert by_admin.body["error"]["fields"][0]["field"] == "user_id"
    assert stored_items(stack, user) == before
    assert (admin_reads.status, admin_reads.body["settings"]["marketing_emails"]) == (200, True)
    # An admin's own consent is theirs to give.
    assert api.call("PUT", path("ops"), {"marketing_emails": True}, user="ops", admin=True).status == 200


def test_a_consent_change_records_the_users_activity(api: Api, user: str) -> None:
    changed = api.call("PUT", path(user), {"analytics_sharing": True}, user=user).body

    active = profile_table().export_user(user).last_active_at

    assert active is not None
    assert active == datetime.fromisoformat(changed["updated_at"])


class _Racing(ProfileTable):
    """Another change lands between this request's read and its write, `times` times."""

    def __init__(self, table: ProfileTable, times: int) -> None:
        super().__init__(table.name, table._client)
        self._times = times

    def save_consent(
        self, user_id: str, record: ConsentRecord, previous_version: int, changes: Sequence[ConsentChange]
    ) -> bool:
        if self._times:
            self._times -= 1
            other = ConsentSettings(research_participation=self._times % 2 == 0)
            change_consent(profile_table(), Actor(user_id, False), user_id, other, datetime.now(UTC), "other-device")
        return super().save_consent(user_id, record, previous_version, changes)


@pytest.mark.usefixtures("stack")
def test_a_change_that_lost_a_race_is_recomputed_from_the_winner(user: str) -> None:
    wanted = ConsentSettings(marketing_emails=True)

    result = change_consent(_Racing(profile_table(), times=1), Actor(user, False), user, wanted, datetime.now(UTC), "v")

    assert result.settings == wanted
    # Recomputed against the winner (research on): this change turns research off again and marketing on.
    assert sorted((change.purpose, change.new_value) for change in result.changes) == [
        ("marketing_emails", True),
        ("research_participation", False),
    ]
    stored = profile_table().get_consent(user)
    assert (stored.settings, stored.version) == (wanted, 2)
    # Newest first, in the order the changes were made, although this request's clock read earlier.
    history = profile_table().consent_history(user)
    assert [(change.purpose, change.policy_version) for change in history] == [
        ("research_participation", "v"),
        ("marketing_emails", "v"),
        ("research_participation", "other-device"),
    ]


@pytest.mark.usefixtures("stack")
def test_a_change_that_keeps_losing_is_a_409_and_writes_nothing_of_its_own(user: str) -> None:
    racing = _Racing(profile_table(), times=3)

    with pytest.raises(Conflict):
        change_consent(racing, Actor(user, False), user, ConsentSettings(marketing_emails=True), datetime.now(UTC), "v")

    assert profile_table().get_consent(user).settings.marketing_emails is False
    assert {change.policy_version for change in profile_table().consent_history(user)} == {"other-device"}
