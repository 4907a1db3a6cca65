"""The local outbox: entries stamped when accepted, newest first, and a page that escapes what it shows."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from local_runtime.outbox import Outbox, OutboxEntry


class Ticking:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def filled() -> Outbox:
    outbox = Outbox(clock=Ticking())
    outbox.record(OutboxEntry(channel="sms", to="+14155550100", message_id="m-1", text="first"))
    outbox.record(
        OutboxEntry(
            channel="email",
            to="alice@example.com",
            message_id="m-2",
            subject="<script>alert(1)</script>",
            text="Tom & Jerry",
            html="<p>Hi</p>",
            headers={"List-Unsubscribe": "<https://nudge.example/u/1>"},
            campaign_id="c-1",
        )
    )
    return outbox


def test_entries_are_stamped_and_listed_newest_first() -> None:
    listed = json.loads(filled().as_json())

    assert [entry["message_id"] for entry in listed] == ["m-2", "m-1"]
    assert [entry["sent_at"] for entry in listed] == ["2026-03-29T01:00:01.000+00:00", "2026-03-29T01:00:00.000+00:00"]
    assert set(listed[0]) >= {"channel", "to", "subject", "text", "html", "headers", "sent_at", "campaign_id"}
    assert listed[0]["headers"] == {"List-Unsubscribe": "<https://nudge.example/u/1>"}


def test_the_page_escapes_every_value_and_shows_the_newest_first() -> None:
    page = filled().as_html().decode()

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Tom &amp; Jerry" in page
    assert "&lt;https://nudge.example/u/1&gt;" in page
    assert page.index("alice@example.com") < page.index("+14155550100")


def test_an_empty_outbox_says_so() -> None:
    assert json.loads(Outbox().as_json()) == []
    assert "Nothing sent yet" in Outbox().as_html().decode()
