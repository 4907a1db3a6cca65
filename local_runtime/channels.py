"""The emulator's notification channels, in front of moto's WSGI app:

- a stand-in for AWS End User Messaging Social (`socialmessaging`), which moto lacks: `SendWhatsAppMessage`
  (POST /v1/whatsapp/send, rest-json) answered as the service does, so the unchanged boto3 client works
  against the emulator's endpoint; its message must be a WhatsApp Cloud API template message. Once
  `PutWhatsAppBusinessAccountEventDestinations` named a topic, each accepted message's statuses are published
  there (whatsapp_events.py);
- a record, in the outbox, of every message the emulator accepted: SES v2 `SendEmail` and SNS `Publish` to a
  phone number go on to moto as before and are recorded when moto answers 200. The request itself is
  recorded because moto's SES backend keeps only the subject and one body part (no text part beside the
  html, no headers, no tags), and its SMS list neither the SMS type nor a time;
- an accepted email also puts the events SES would publish about it on the default bus (ses_feedback.py).

Requests are told apart by the service their signature names (`Credential=<key>/<date>/<region>/<service>/`).
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import re
import uuid
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from local_runtime.outbox import Outbox, OutboxEntry

type StartResponse = Callable[..., Any]
type WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

_SIGNED_SERVICE = re.compile(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/aws4_request")
_PHONE_NUMBER_ID = re.compile(r"^(phone-number-id-[0-9a-zA-Z]+|arn:.*:phone-number-id/[0-9a-zA-Z]+)$")
_MESSAGE_ID = re.compile(rb"<MessageId>([^<]+)</MessageId>")
SEND_WHATSAPP_PATH = "/v1/whatsapp/send"
EVENT_DESTINATIONS_PATH = "/v1/whatsapp/waba/eventdestinations"
SEND_EMAIL_PATH = "/v2/email/outbound-emails"


class ChannelEndpoints:
    def __init__(self, app: WsgiApp, outbox: Outbox) -> None:
        self._app = app
        self.outbox = outbox
        self.whatsapp_event_destination: str | None = None

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        match = _SIGNED_SERVICE.search(environ.get("HTTP_AUTHORIZATION", ""))
        service = match.group(1) if match else ""
        route = (service, environ.get("REQUEST_METHOD"), environ.get("PATH_INFO"))
        if route == ("social-messaging", "POST", SEND_WHATSAPP_PATH):
            return self._send_whatsapp(_body(environ), start_response)
        if route == ("social-messaging", "PUT", EVENT_DESTINATIONS_PATH):
            return self._put_event_destinations(_body(environ), start_response)
        if route == ("ses", "POST", SEND_EMAIL_PATH):
            return self._recorded(environ, start_response, _email_entry_with_feedback)
        if route[:2] == ("sns", "POST"):
            return self._recorded(environ, start_response, _sms_entry)
        return self._app(environ, start_response)

    def _recorded(
        self,
        environ: dict[str, Any],
        start_response: StartResponse,
        entry_of: Callable[[bytes, bytes], OutboxEntry | None],
    ) -> Iterable[bytes]:
        request = _body(environ)
        environ["wsgi.input"] = io.BytesIO(request)
        statuses: list[str] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            statuses.append(status)
            return start_response(status, headers, exc_info)

        answer = self._app(environ, capture)
        try:
            response = b"".join(answer)
        finally:
            close = getattr(answer, "close", None)
            if close is not None:
                close()
        if statuses and statuses[0].startswith("200"):
            entry = entry_of(request, response)
            if entry is not None:
                self.outbox.record(entry)
        return [response]

    def _send_whatsapp(self, request: bytes, start_response: StartResponse) -> Iterable[bytes]:
        try:
            entry = _whatsapp_entry(request, f"wamid.{uuid.uuid4().hex}")
        except ValueError as error:
            return _json(start_response, "400 Bad Request", {"message": str(error)}, "ValidationException")
        self.outbox.record(entry)
        if self.whatsapp_event_destination is not None:
            self._publish_statuses(request, entry)
        return _json(start_response, "200 OK", {"messageId": entry.message_id})

    def _put_event_destinations(self, request: bytes, start_response: StartResponse) -> Iterable[bytes]:
        destinations = json.loads(request or b"{}").get("eventDestinations", [])
        self.whatsapp_event_destination = destinations[0]["eventDestinationArn"] if destinations else None
        return _json(start_response, "200 OK", {})

    def _publish_statuses(self, request: bytes, entry: OutboxEntry) -> None:
        from datetime import UTC, datetime

        from local_runtime.whatsapp_events import publish, status_event

        parameters = json.loads(request)
        callback = json.loads(base64.b64decode(parameters["message"])).get("biz_opaque_callback_data")
        now = datetime.now(UTC)
        statuses = [
            status_event(entry.message_id, entry.to, status, callback, entry.headers["origination"], now)
            for status in ("sent", "delivered")
        ]
        publish(str(self.whatsapp_event_destination), statuses)


def _body(environ: dict[str, Any]) -> bytes:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    return bytes(environ["wsgi.input"].read(length)) if length else b""


def _json(start_response: StartResponse, status: str, payload: Any, error_type: str | None = None) -> list[bytes]:
    body = json.dumps(payload).encode()
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    if error_type:
        headers.append(("x-amzn-ErrorType", error_type))
    start_response(status, headers)
    return [body]


def _whatsapp_entry(request: bytes, message_id: str) -> OutboxEntry:
    """The accepted message, or ValueError saying what the service would reject."""
    try:
        parameters = json.loads(request)
        missing = sorted({"originationPhoneNumberId", "message", "metaApiVersion"} - set(parameters))
        if missing:
            raise ValueError(f"missing {', '.join(missing)}")
        origination = str(parameters["originationPhoneNumberId"])
        message = json.loads(base64.b64decode(parameters["message"], validate=True))
    except (ValueError, TypeError, binascii.Error) as error:
        raise ValueError(f"invalid request: {error}") from error
    if not _PHONE_NUMBER_ID.match(origination):
        raise ValueError(f"originationPhoneNumberId {origination!r} is not a phone number id")
    template = message.get("template") if isinstance(message, dict) else None
    if message.get("type") != "template" or not isinstance(template, dict) or not message.get("to"):
        raise ValueError("message must be a WhatsApp template message with a recipient")
    values = [
        str(parameter.get("text", ""))
        for component in template.get("components", [])
        for parameter in component.get("parameters", [])
    ]
    callback = json.loads(message.get("biz_opaque_callback_data") or "{}")
    return OutboxEntry(
        channel="whatsapp",
        to=str(message["to"]),
        message_id=message_id,
        subject=f"template {template.get('name')} ({template.get('language', {}).get('code')})",
        text="\n".join(values),
        headers={"origination": origination},
        campaign_id=callback.get("campaign_id"),
        notification_id=callback.get("notification_id"),
    )


def _email_entry(request: bytes, response: bytes) -> OutboxEntry | None:
    from nudge.notifications.channels.ses_email import identifier_of

    parameters = json.loads(request)
    simple = parameters.get("Content", {}).get("Simple", {})
    body = simple.get("Body", {})
    tags = {tag["Name"]: identifier_of(tag["Value"]) for tag in parameters.get("EmailTags", [])}
    return OutboxEntry(
        channel="email",
        to=", ".join(parameters.get("Destination", {}).get("ToAddresses", [])),
        message_id=str(json.loads(response)["MessageId"]),
        subject=simple.get("Subject", {}).get("Data"),
        text=body.get("Text", {}).get("Data"),
        html=body.get("Html", {}).get("Data"),
        headers={header["Name"]: header["Value"] for header in simple.get("Headers", [])},
        campaign_id=tags.get("campaign_id"),
        notification_id=tags.get("notification_id"),
    )


def _email_entry_with_feedback(request: bytes, response: bytes) -> OutboxEntry | None:
    """The email's entry, after putting the events SES would publish about it on the default bus."""
    from datetime import UTC, datetime

    from local_runtime.ses_feedback import publish, ses_events

    entry = _email_entry(request, response)
    if entry is not None and entry.message_id:
        publish(ses_events(json.loads(request), entry.message_id, datetime.now(UTC)))
    return entry


def _sms_entry(request: bytes, response: bytes) -> OutboxEntry | None:
    """An SNS Publish to a phone number (SNS speaks the query protocol); None for any other SNS call."""
    form = {name: values[0] for name, values in parse_qs(request.decode(), keep_blank_values=True).items()}
    found = _MESSAGE_ID.search(response)
    if form.get("Action") != "Publish" or not form.get("PhoneNumber") or found is None:
        return None
    attributes = {
        form[name]: form.get(name.removesuffix("Name") + "Value.StringValue", "")
        for name in form
        if re.fullmatch(r"MessageAttributes\.entry\.\d+\.Name", name)
    }
    return OutboxEntry(
        channel="sms",
        to=form["PhoneNumber"],
        message_id=found.group(1).decode(),
        text=form.get("Message"),
        headers=attributes,
    )
