"""E2E: messages the emulator accepted on each channel, read back over the local server's outbox."""

from __future__ import annotations

import uuid

from local_runtime.runtime import LocalStack
from nudge.notifications.channels.ses_email import SesEmailSender
from nudge.notifications.channels.sns_sms import SnsSmsSender
from nudge.notifications.channels.whatsapp import WhatsAppSender
from nudge.notifications.outgoing import OutgoingEmail, OutgoingSms, OutgoingWhatsApp
from tests.e2e.conftest import Client


def test_the_outbox_lists_every_channels_accepted_message_newest_first(stack: LocalStack, client: Client) -> None:
    tag = uuid.uuid4().hex[:8]
    sender = SesEmailSender(
        stack.template.parameter("NotificationSenderAddress"),
        stack.template.physical_name("NotificationConfigurationSet"),
        stack.emulator.client("sesv2"),
    )
    sender.send(
        OutgoingEmail(
            notification_id=f"n-{tag}",
            user_id="alice",
            campaign_id=f"c-{tag}",
            to=f"alice-{tag}@example.com",
            subject="Fish & <chips>",
            html="<p>Hello</p>",
            text="Hello",
            headers={
                "List-Unsubscribe": "<https://nudge.example/u/1>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )
    )
    SnsSmsSender(stack.emulator.client("sns")).send(
        OutgoingSms(notification_id=f"s-{tag}", user_id="bob", to="+14155550199", text=f"sms {tag}", transactional=True)
    )
    WhatsAppSender("phone-number-id-0123abcd", stack.emulator.client("socialmessaging")).send(
        OutgoingWhatsApp(
            notification_id=f"w-{tag}",
            user_id="carol",
            campaign_id=f"c-{tag}",
            to="+447700900199",
            template_name="survey_invite",
            language="en",
            parameters=[f"wa {tag}"],
        )
    )

    listed = client.request("GET", "/_local/outbox")

    assert listed.status == 200
    mine = [entry for entry in listed.body if tag in str(entry)]
    assert [entry["channel"] for entry in mine] == ["whatsapp", "sms", "email"]
    whatsapp, sms, email = mine
    assert (email["to"], email["subject"], email["text"], email["html"]) == (
        f"alice-{tag}@example.com",
        "Fish & <chips>",
        "Hello",
        "<p>Hello</p>",
    )
    assert email["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert (email["campaign_id"], whatsapp["campaign_id"], sms["campaign_id"]) == (f"c-{tag}", f"c-{tag}", None)
    assert sms["headers"] == {"AWS.SNS.SMS.SMSType": "Transactional"}
    assert all(entry["sent_at"] for entry in mine)

    page = client.request("GET", "/_local/outbox.html")

    assert page.status == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "Fish &amp; &lt;chips&gt;" in page.body
    assert page.body.index(f"wa {tag}") < page.body.index(f"sms {tag}") < page.body.index(f"alice-{tag}@example.com")


def test_the_outbox_is_the_local_servers_own_and_not_a_route_of_the_template(stack: LocalStack) -> None:
    assert not any("_local" in route.path for route in stack.template.http_routes())
