"""The daily retention job against moto: the activity index's range queries, the warning mark, the warning
email, and the erasure of a user warned long enough ago through the erasure job."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from local_runtime.runtime import LocalStack
from nudge.privacy.retention import months_before
from nudge.profiles.profile_table import InactiveUser, profile_table
from tests.integration.conftest import Api
from tests.integration.test_erasure import sent_emails
from tests.integration.test_personal_data import ids, items_naming


def inactive(stack: LocalStack, user: str, last_active_at: datetime, warned_at: datetime | None = None) -> None:
    """A user last heard of at `last_active_at`, with an address on file (and warned at `warned_at`)."""
    profiles = profile_table()
    # The profile first: the user writing it counts as activity, which the old time then replaces.
    assert (
        Api(stack).call("PUT", f"/v1/users/{user}/profile", {"email": f"{user}@example.com"}, user=user).status == 200
    )
    stack.emulator.client("dynamodb").transact_write_items(TransactItems=[profiles.activity_put(user, last_active_at)])
    if warned_at is not None:
        assert profiles.mark_warned(InactiveUser(user, last_active_at, None), warned_at)


def test_the_job_warns_the_nearly_inactive_erases_the_warned_and_leaves_the_active(stack: LocalStack, api: Api) -> None:
    now = datetime.now(UTC)
    two_years_ago = months_before(now, 24)
    to_warn, to_erase, active = ids("to-warn"), ids("to-erase"), ids("active")
    inactive(stack, to_warn, two_years_ago + timedelta(days=10))
    inactive(stack, to_erase, two_years_ago - timedelta(days=3), warned_at=now - timedelta(days=31))
    inactive(stack, active, now - timedelta(days=2))

    summary = stack.run_schedule("apply_data_retention")
    stack.bridge.drain()

    assert summary["complete"] is True
    assert summary["warned"] >= 1
    assert summary["erasures_requested"] >= 1
    [warning] = sent_emails(f"{to_warn}@example.com")
    assert warning.subject.startswith("Your data will be erased on ")
    again = stack.run_schedule("apply_data_retention")  # the next day's run (the same day here): no second warning
    assert len(sent_emails(f"{to_warn}@example.com")) == 1
    assert again["waiting"] >= 1
    # The warned user is gone: confirmed by email, then erased everywhere.
    [confirmation] = sent_emails(f"{to_erase}@example.com")
    assert confirmation.subject == "Your data has been erased"
    assert "inactive" in confirmation.body
    assert items_naming(stack, to_erase) == []
    assert sent_emails(f"{active}@example.com") == []
    assert {table for table, _ in items_naming(stack, active)} == {"ProfileTable"}


def test_old_analytics_records_are_replaced_by_anonymous_ones_and_the_counters_stay(
    stack: LocalStack, api: Api
) -> None:
    from nudge.anchoring.anchoring_table import anchoring_table
    from nudge.defaults.recommendation_table import recommendation_table
    from tests.integration.test_personal_data import analytics, populate

    user = ids("analytics")
    populate(api, user, ids("admin"))
    analytics_before = analytics(api)
    assert {"RecommendationTable", "AnchoringTable"} <= {table for table, _ in items_naming(stack, user)}
    cutoff = datetime.now(UTC) + timedelta(seconds=1)  # everything recorded so far is "old"

    replaced = 0
    for table in (recommendation_table(), anchoring_table()):
        while (done := table.anonymize_before(cutoff, 100)) > 0:
            replaced += done

    assert replaced >= 3  # at least this user's recommendation, impression and selection
    assert {table for table, _ in items_naming(stack, user)} == {
        "BehaviorTable",
        "ProfileTable",
        "SensitiveAttributeTable",
        "SurveyResponseTable",
        "AuditTable",
        "DeliveryTable",
    }
    assert analytics(api) == analytics_before
    scan = stack.emulator.client("dynamodb").scan(
        TableName=stack.template.ref("RecommendationTable"),
        FilterExpression="begins_with(pk, :anonymous)",
        ExpressionAttributeValues={":anonymous": {"S": "ANONYMOUS#"}},
    )
    [record, *_] = [item["record"]["S"] for item in scan["Items"]]
    assert set(json.loads(record)) == {
        "day",
        "request_type",
        "archetype",
        "urgency",
        "primary_recommendation",
        "rule",
        "selected_option",
        "followed_recommendation",
    }
    assert recommendation_table().anonymize_before(cutoff, 100) == 0
