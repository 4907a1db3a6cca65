from __future__ import annotations

from typing import Any

import pytest

from nudge.queue_batch import EveryMessageFailed, QueueMessage, handle_batch


def _record(message_id: str, body: str, receive_count: str = "1") -> dict[str, Any]:
    return {"messageId": message_id, "body": body, "attributes": {"ApproximateReceiveCount": receive_count}}


def test_only_the_messages_that_raised_are_reported_and_every_message_is_handled() -> None:
    handled: list[QueueMessage] = []

    def handle(message: QueueMessage) -> str:
        handled.append(message)
        if message.body == "bad":
            raise ValueError("cannot")
        return "done"

    event = {"Records": [_record("m1", "good", "3"), _record("m2", "bad"), _record("m3", "good")]}
    assert handle_batch(event, handle) == {"batchItemFailures": [{"itemIdentifier": "m2"}]}
    assert handled == [QueueMessage("m1", "good", 3), QueueMessage("m2", "bad", 1), QueueMessage("m3", "good", 1)]


def test_a_batch_that_succeeds_reports_no_failure() -> None:
    assert handle_batch({"Records": [_record("m1", "x")]}, lambda message: None) == {"batchItemFailures": []}


def test_a_batch_where_every_message_failed_fails_the_invocation() -> None:
    def handle(message: QueueMessage) -> None:
        raise RuntimeError(message.body)

    with pytest.raises(EveryMessageFailed, match="all 2 messages"):
        handle_batch({"Records": [_record("m1", "a"), _record("m2", "b")]}, handle)
