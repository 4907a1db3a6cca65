"""Export and erasure through the routes and the erasure worker (moto): who may ask, what an erasure leaves
(nothing naming the user, in any table of the template), the receipt, the event, the email, retries."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from moto.ses.models import ses_backends

from local_runtime.runtime import LocalStack
from local_runtime.template import ACCOUNT_ID, REGION
from nudge.audit.audit_table import AuditTable
from nudge.privacy.erasure import subject_of
from nudge.profiles.profile_table import profile_table
from nudge.users.personal_data import Erasure
from tests.builders import created
from tests.integration.conftest import Api
from tests.integration.test_personal_data import (
    PRIVACY_ADMIN,
    erasure_status,
    ids,
    items_naming,
    populate,
)

ERASURE_QUEUE = "UserErasureQueue"


def sent_emails(to: str) -> list[Any]:
    return [
        message for message in ses_backends[ACCOUNT_ID][REGION].sent_messages if to in json.dumps(message.destinations)
    ]


@pytest.fixture
def erased_events(stack: LocalStack) -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """The user.erased events published on Nudge's bus while the test runs (a rule to a queue of its own)."""
    events, sqs = stack.emulator.client("events"), stack.emulator.client("sqs")
    name, bus = ids("erased-events"), stack.template.ref("NudgeEventBus")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    pattern = {"source": ["nudge"], "detail-type": ["user.erased"]}
    events.put_rule(Name=name, EventBusName=bus, EventPattern=json.dumps(pattern))
    events.put_targets(Rule=name, EventBusName=bus, Targets=[{"Id": "test", "Arn": arn}])

    def take() -> list[dict[str, Any]]:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        return [json.loads(message["Body"]) for message in messages]

    yield take
    events.remove_targets(Rule=name, EventBusName=bus, Ids=["test"])
    events.delete_rule(Name=name, EventBusName=bus)
    sqs.delete_queue(QueueUrl=url)


def seed_everywhere(api: Api, user: str, admin: str) -> str:
    """The user in every table that can hold data about them, through the routes: events, archetype, a
    recommendation and its selection, tiers under an experiment (an assignment), a settled tier selection,
    a profile with an address, consents, a sensitive attribute, a survey response, an admin's override
    (audited), and a request with an Idempotency-Key. Returns the address on file."""
    populate(api, user, admin)
    batch = {"events": [created(f"{user}-keyed")]}
    keyed = api.call("POST", "/v1/events", batch, user=user, headers={"Idempotency-Key": f"key-{user}"})
    assert keyed.status == 200, keyed.body
    return f"{user}@example.com"


def request(api: Api, user: str, as_user: str, admin: bool = False) -> Any:
    return api.call("DELETE", f"/v1/users/{user}", user=as_user, admin=admin)


def run_worker(stack: LocalStack) -> None:
    stack.bridge.drain()


def test_erasure_leaves_no_item_naming_the_user_in_any_table(
    api: Api, stack: LocalStack, user: str, erased_events: Callable[[], list[dict[str, Any]]]
) -> None:
    email = seed_everywhere(api, user, ids("admin"))
    holding = {table for table, _ in items_naming(stack, user)}
    assert holding == {
        "BehaviorTable",
        "RecommendationTable",
        "AnchoringTable",
        "AuditTable",
        "IdempotencyTable",
        "ProfileTable",
        "SensitiveAttributeTable",
        "SurveyResponseTable",
        "DeliveryTable",
    }

    started = time.monotonic()
    accepted = request(api, user, as_user=user)
    assert accepted.status == 202
    assert accepted.body["status"] == "pending"
    run_worker(stack)
    elapsed = time.monotonic() - started

    assert items_naming(stack, user) == []
    erasure = erasure_status(api, accepted.body["erasure_id"])
    assert erasure.status == "completed"
    assert erasure.requested_by == "user"
    assert erasure.tables["IdempotencyTable"] == Erasure(deleted={"idempotency_records": 1})
    assert erasure.tables["ProfileTable"] == Erasure(
        deleted={"profile": 1, "consent": 1, "consent_history": 2, "activity": 1}
    )
    assert erasure.tables["AuditTable"] == Erasure(anonymized={"records_about_user": 1, "records_by_user": 0})
    assert erasure.confirmation == "sent"
    assert erasure.completed_at is not None
    assert erasure.event_published_at is not None
    assert elapsed < 60
    # The receipt names the user only by the keyed hash.
    receipt = stack.emulator.client("dynamodb").get_item(
        TableName=stack.template.ref("ErasureTable"),
        Key={"pk": {"S": f"ERASURE#{erasure.erasure_id}"}, "sk": {"S": "RECEIPT"}},
    )["Item"]
    assert user not in json.dumps(receipt)
    assert receipt["subject"]["S"] != user
    # The confirmation went to the address on file, read before the profile was erased.
    [confirmation] = sent_emails(email)
    assert (confirmation.source, confirmation.subject) == ("privacy@nudge.example", "Your data has been erased")
    assert erasure.erasure_id in confirmation.body
    [event] = [published for published in erased_events() if published["detail"]["user_id"] == user]
    assert event["detail"] == {
        "erasure_id": erasure.erasure_id,
        "erased_at": erasure.event_published_at.isoformat(),
        "user_id": user,
        "requested_by": "user",
    }


def test_another_user_may_neither_export_nor_erase_a_user_and_an_admin_may(api: Api, stack: LocalStack) -> None:
    alice, bob = ids("alice"), ids("bob")
    assert api.call("POST", "/v1/events", {"events": [created(f"{alice}-1")]}, user=alice).status == 200

    assert api.call("GET", f"/v1/users/{alice}/export", user=bob).status == 403
    assert request(api, alice, as_user=bob).status == 403
    assert api.call("GET", "/v1/admin/erasures/" + "0" * 32, user=bob).status == 403

    own = api.call("GET", f"/v1/users/{alice}/export", user=alice)
    by_admin = api.call("GET", f"/v1/users/{alice}/export", user=PRIVACY_ADMIN, admin=True)
    assert own.status == by_admin.status == 200
    assert own.body["user_id"] == alice
    assert [stored["event"]["event_id"] for stored in own.body["tables"]["BehaviorTable"]["events"]] == [f"{alice}-1"]
    assert own.body["tables"] == by_admin.body["tables"]

    accepted = request(api, alice, as_user=PRIVACY_ADMIN, admin=True)
    assert accepted.status == 202
    run_worker(stack)
    erasure = erasure_status(api, accepted.body["erasure_id"])
    assert (erasure.status, erasure.requested_by) == ("completed", "admin")
    assert erasure.tables["BehaviorTable"] == Erasure(deleted={"signals": 1, "events": 1})
    assert api.call("GET", f"/v1/users/{alice}/export", user=alice).body["tables"]["BehaviorTable"]["events"] == []


def test_a_second_request_while_one_is_pending_returns_it_and_one_after_completion_starts_anew(
    api: Api, stack: LocalStack, user: str
) -> None:
    run_worker(stack)  # nothing of other tests' left in the queue
    first = request(api, user, as_user=user)
    second = request(api, user, as_user=PRIVACY_ADMIN, admin=True)
    assert (first.status, second.status) == (202, 202)
    assert second.body == first.body

    run_worker(stack)
    assert erasure_status(api, first.body["erasure_id"]).status == "completed"
    assert stack.bridge.drain() == 0  # one message only: the second request queued nothing

    third = request(api, user, as_user=user)
    assert third.status == 202
    assert third.body["erasure_id"] != first.body["erasure_id"]
    run_worker(stack)
    assert erasure_status(api, third.body["erasure_id"]).status == "completed"


def test_an_unknown_user_is_erased_with_zero_counts_and_no_email(api: Api, stack: LocalStack) -> None:
    stranger = ids("never-seen")

    accepted = request(api, stranger, as_user=stranger)
    run_worker(stack)

    erasure = erasure_status(api, accepted.body["erasure_id"])
    assert erasure.status == "completed"
    assert set(erasure.tables) >= {"BehaviorTable", "ProfileTable", "AuditTable", "IdempotencyTable"}
    for table, counts in erasure.tables.items():
        assert set(counts.deleted.values()) | set(counts.anonymized.values()) <= {0}, table
    assert erasure.confirmation == "no_address"


def test_a_failed_attempt_resumes_at_the_table_it_stopped_at(
    api: Api, stack: LocalStack, user: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_everywhere(api, user, ids("admin"))
    erased: list[str] = []
    original = AuditTable.erase_user

    def failing_once(table: AuditTable, user_id: str) -> Erasure:
        erased.append("AuditTable")
        if erased.count("AuditTable") == 1:
            raise RuntimeError("throttled")
        return original(table, user_id)

    monkeypatch.setattr(AuditTable, "erase_user", failing_once)
    accepted = request(api, user, as_user=user)
    assert stack.bridge.deliver_pending() >= 1  # the first attempt fails at the audit table

    halfway = erasure_status(api, accepted.body["erasure_id"])
    assert (halfway.status, halfway.attempts, halfway.failed_step) == ("running", 1, None)
    before_audit = {"BehaviorTable", "RecommendationTable", "AnchoringTable", "ProfileTable"}
    assert set(halfway.tables) == before_audit
    assert halfway.tables["BehaviorTable"].deleted["events"] == 5

    run_worker(stack)  # the redelivery

    done = erasure_status(api, accepted.body["erasure_id"])
    assert (done.status, done.attempts) == ("completed", 2)
    assert done.tables["BehaviorTable"] == halfway.tables["BehaviorTable"]  # not erased (and counted) again
    assert done.tables["AuditTable"] == Erasure(anonymized={"records_about_user": 1, "records_by_user": 0})
    assert erased == ["AuditTable", "AuditTable"]
    assert items_naming(stack, user) == []
    assert len(sent_emails(f"{user}@example.com")) == 1


def test_an_erasure_that_keeps_failing_is_marked_failed_and_its_message_dead_lettered(
    api: Api, stack: LocalStack, user: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def always_failing(table: AuditTable, user_id: str) -> Erasure:
        raise RuntimeError("audit table unavailable")

    monkeypatch.setattr(AuditTable, "erase_user", always_failing)
    run_worker(stack)
    accepted = request(api, user, as_user=user)
    for _ in range(5):  # ErasureMaxAttempts
        assert stack.bridge.deliver_pending() == 1
    assert stack.bridge.deliver_pending() == 0

    erasure = erasure_status(api, accepted.body["erasure_id"])
    assert (erasure.status, erasure.attempts, erasure.failed_step) == ("failed", 5, "erasing AuditTable")
    sqs = stack.emulator.client("sqs")
    dead = sqs.get_queue_url(QueueName=stack.template.physical_name("UserErasureDeadLetterQueue"))["QueueUrl"]
    messages = sqs.receive_message(QueueUrl=dead, MaxNumberOfMessages=10).get("Messages", [])
    ours = [message for message in messages if accepted.body["erasure_id"] in message["Body"]]
    assert [json.loads(message["Body"])["user_id"] for message in ours] == [user]
    for message in messages:
        sqs.delete_message(QueueUrl=dead, ReceiptHandle=message["ReceiptHandle"])
    # No longer in progress: a new request starts a new erasure.
    monkeypatch.undo()
    again = request(api, user, as_user=user)
    assert again.body["erasure_id"] != accepted.body["erasure_id"]
    run_worker(stack)
    assert erasure_status(api, again.body["erasure_id"]).status == "completed"


def test_the_subject_is_a_keyed_hash_no_one_can_compute_without_the_stacks_key(user: str, stack: LocalStack) -> None:
    import hashlib

    assert subject_of(user) == subject_of(user)
    assert subject_of(user) != subject_of(f"{user}x")
    assert subject_of(user) not in {hashlib.sha256(user.encode()).hexdigest(), user}


def test_an_admin_reading_an_unknown_erasure_gets_404(api: Api) -> None:
    answer = api.call("GET", "/v1/admin/erasures/" + "f" * 32, user=PRIVACY_ADMIN, admin=True)
    assert (answer.status, answer.body["error"]["fields"][0]["field"]) == (404, "erasure_id")


def test_a_request_finding_its_erasure_still_pending_after_a_minute_queues_it_again(
    stack: LocalStack, user: str
) -> None:
    from datetime import timedelta

    from nudge.privacy.erasure import RequestPorts, request_erasure
    from nudge.privacy.erasure_queue import erasure_queue
    from nudge.privacy.erasure_table import erasure_table

    run_worker(stack)
    clock = [datetime.now(UTC)]
    ports = RequestPorts(erasure_table(), erasure_queue(), profile_table(), subject_of, lambda: clock[0])
    first = request_erasure(ports, user, "user")
    clock[0] += timedelta(seconds=59)
    assert request_erasure(ports, user, "user").erasure_id == first.erasure_id
    clock[0] += timedelta(seconds=2)
    assert request_erasure(ports, user, "user").erasure_id == first.erasure_id

    sqs = stack.emulator.client("sqs")
    url = sqs.get_queue_url(QueueName=stack.template.physical_name(ERASURE_QUEUE))["QueueUrl"]
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    for message in messages:  # back for the worker
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)
    assert [json.loads(message["Body"])["erasure_id"] for message in messages] == [first.erasure_id] * 2
    run_worker(stack)  # the second delivery finds the erasure completed and does nothing
    done = erasure_table().get(first.erasure_id)
    assert done is not None
    assert (done.status, done.attempts) == ("completed", 1)
