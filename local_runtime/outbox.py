"""The local outbox: every email, SMS and WhatsApp message the emulator accepted, for a person to read
(`GET /_local/outbox` as JSON, `/_local/outbox.html` as a page, newest first). Local only: nothing in
template.yaml serves it, and nothing leaves the machine."""

from __future__ import annotations

import html
import json
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime


@dataclass(frozen=True)
class OutboxEntry:
    channel: str  # email, sms, whatsapp
    to: str
    message_id: str
    subject: str | None = None
    text: str | None = None
    html: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    campaign_id: str | None = None
    notification_id: str | None = None
    sent_at: str = ""


class Outbox:
    def __init__(self, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: list[OutboxEntry] = []

    def record(self, entry: OutboxEntry) -> None:
        stamped = OutboxEntry(**{**asdict(entry), "sent_at": self._clock().isoformat(timespec="milliseconds")})
        with self._lock:
            self._entries.append(stamped)

    def entries(self) -> list[OutboxEntry]:
        """Newest first."""
        with self._lock:
            return list(reversed(self._entries))

    def as_json(self) -> bytes:
        return json.dumps([asdict(entry) for entry in self.entries()], indent=2).encode()

    def as_html(self) -> bytes:
        cards = "\n".join(_card(entry) for entry in self.entries()) or "<p>Nothing sent yet.</p>"
        return _PAGE.format(count=len(self.entries()), cards=cards).encode()


_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Nudge local outbox</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}} article{{border:1px solid #ccc;
border-radius:6px;padding:0.5em 1em;margin:1em 0}} pre{{white-space:pre-wrap;background:#f6f6f6;padding:0.5em}}
small{{color:#666}}</style></head>
<body><h1>Local outbox</h1><p>{count} message(s) the emulator accepted, newest first. Nothing was delivered.</p>
{cards}
</body></html>"""


def _card(entry: OutboxEntry) -> str:
    escape = html.escape
    lines = [
        f"<article><h2>{escape(entry.channel)} to {escape(entry.to)}</h2>",
        f"<small>{escape(entry.sent_at)} &middot; campaign {escape(entry.campaign_id or '-')} &middot; "
        f"message {escape(entry.message_id)}</small>",
    ]
    if entry.subject is not None:
        lines.append(f"<p><b>{escape(entry.subject)}</b></p>")
    if entry.text is not None:
        lines.append(f"<pre>{escape(entry.text)}</pre>")
    if entry.html is not None:
        lines.append(f"<details><summary>HTML part (source)</summary><pre>{escape(entry.html)}</pre></details>")
    if entry.headers:
        headers = "\n".join(f"{name}: {value}" for name, value in entry.headers.items())
        lines.append(f"<details><summary>Headers</summary><pre>{escape(headers)}</pre></details>")
    lines.append("</article>")
    return "\n".join(lines)
