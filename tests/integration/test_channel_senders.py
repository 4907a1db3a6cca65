"""The channel senders against the emulator: SES v2 and SNS in moto, WhatsApp through the socialmessaging
stand-in with the unchanged boto3 client, the send-rate table in DynamoDB; each accepted message in the
local outbox with what moto's own backends do not keep (text part, headers, tags, SMS type)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from moto.ses.models import ses_backends
from moto.sns.models import sns_backends

from local_runtime.outbox import OutboxEntry
from local_runtime.runtime import LocalStack
from local_runtime.template import ACCOUNT_ID, REGION
from nudge import clients
from nudge.notifications import channels
from nudge.notifications.channels.send_rate import SendRateLimiter
from nudge.notifications.channels.send_rate_table import SendRateTable
from nudge.notifications.channels.ses_email import SesEmailSender
from nudge.notifications.channels.sns_sms import SnsSmsSender
from nudge.notifications.channels.whatsapp import META_API_VERSION, WhatsAppSender
from nudge.notifications.outgoing import (
    OutgoingEmail,
    OutgoingSms,
    OutgoingWhatsApp,
    PermanentSendFailure,
)

PHONE_NUMBER_ID = "phone-number-id-0123456789abcdef0123456789abcdef"
UNSUBSCRIBE = {
    "List-Unsubscribe": "<https://nudge.example/unsubscribe/t-1>",
    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
}


def sender_address(stack: LocalStack) -> str:
    return stack.template.parameter("NotificationSenderAddress")


def configuration_set(stack: LocalStack) -> str:
    return stack.template.physical_name("NotificationConfigurationSet")


def outbox_entry(stack: LocalStack, message_id: str) -> OutboxEntry:
    assert stack.emulator.outbox is not None
    [entry] = [entry for entry in stack.emulator.outbox.entries() if entry.message_id == message_id]
    return entry


def an_email(campaign_id: str) -> OutgoingEmail:
    return OutgoingEmail(
        notification_id=f"n-{uuid.uuid4().hex[:8]}",
        user_id="alice",
        campaign_id=campaign_id,
        to="alice@example.com",
        subject="New survey: coffee habits",
        html="<p>Hi Alice, <a href='https://nudge.example/s/1'>take it</a></p>",
        text="Hi Alice, take it: https://nudge.example/s/1",
        headers=UNSUBSCRIBE,
    )


def test_an_email_reaches_ses_with_both_parts_its_headers_and_tags(stack: LocalStack) -> None:
    message = an_email("spring.launch")
    sender = SesEmailSender(sender_address(stack), configuration_set(stack), stack.emulator.client("sesv2"))

    message_id = sender.send(message)

    [sent] = [sent for sent in ses_backends[ACCOUNT_ID][REGION].sent_messages if sent.id == message_id]
    assert sent.source == sender_address(stack)
    assert sent.destinations == {"ToAddresses": ["alice@example.com"]}
    assert sent.subject == "New survey: coffee habits"
    entry = outbox_entry(stack, message_id)
    assert (entry.channel, entry.to, entry.subject) == ("email", "alice@example.com", "New survey: coffee habits")
    assert (entry.text, entry.html) == (message.text, message.html)
    assert entry.headers == UNSUBSCRIBE
    assert (entry.campaign_id, entry.notification_id) == ("spring.launch", message.notification_id)


def test_the_plain_text_emails_of_the_privacy_jobs_reach_the_outbox_too(stack: LocalStack) -> None:
    from nudge.notifications.email import Email
    from nudge.notifications.email import SesEmailSender as PlainTextSender

    plain = PlainTextSender(sender_address(stack), configuration_set(stack), stack.emulator.client("sesv2"))
    message_id = plain.send(Email(to="dave@example.com", subject="Your data has been erased", text="Done."))

    entry = outbox_entry(stack, message_id)
    assert (entry.to, entry.subject, entry.text, entry.html, entry.headers) == (
        "dave@example.com",
        "Your data has been erased",
        "Done.",
        None,
        {},
    )


def test_an_unverified_sender_is_a_permanent_failure(stack: LocalStack) -> None:
    sender = SesEmailSender("nobody@unverified.example", configuration_set(stack), stack.emulator.client("sesv2"))
    with pytest.raises(PermanentSendFailure, match="MessageRejected"):
        sender.send(an_email("c-1"))


def test_an_sms_reaches_sns_with_its_type(stack: LocalStack) -> None:
    message = OutgoingSms(
        notification_id="n-sms", user_id="bob", to="+14155550100", text="Flash sale ends at noon", transactional=True
    )

    message_id = SnsSmsSender(stack.emulator.client("sns")).send(message)

    assert sns_backends[ACCOUNT_ID][REGION].sms_messages[message_id] == ("+14155550100", "Flash sale ends at noon")
    entry = outbox_entry(stack, message_id)
    assert (entry.channel, entry.to, entry.text) == ("sms", "+14155550100", "Flash sale ends at noon")
    assert entry.headers == {"AWS.SNS.SMS.SMSType": "Transactional"}


def test_whatsapp_goes_through_the_stand_in_with_the_boto3_client(stack: LocalStack) -> None:
    message = OutgoingWhatsApp(
        notification_id="n-wa",
        user_id="carol",
        campaign_id="c-wa",
        to="+447700900123",
        template_name="survey_invite",
        language="en_GB",
        parameters=["Carol", "Coffee habits"],
    )

    message_id = WhatsAppSender(PHONE_NUMBER_ID, stack.emulator.client("socialmessaging")).send(message)

    assert message_id.startswith("wamid.")
    entry = outbox_entry(stack, message_id)
    assert (entry.channel, entry.to, entry.subject) == ("whatsapp", "+447700900123", "template survey_invite (en_GB)")
    assert (entry.text, entry.campaign_id, entry.notification_id) == ("Carol\nCoffee habits", "c-wa", "n-wa")


@pytest.mark.parametrize(
    ("origination", "message"),
    [
        ("not-a-phone-number-id", {"type": "template", "to": "+447700900123", "template": {"name": "x"}}),
        (PHONE_NUMBER_ID, {"type": "text", "to": "+447700900123", "text": {"body": "free text"}}),
        (PHONE_NUMBER_ID, {"type": "template", "template": {"name": "x"}}),
    ],
)
def test_the_stand_in_refuses_what_the_service_refuses(stack: LocalStack, origination: str, message: Any) -> None:
    client = stack.emulator.client("socialmessaging")
    with pytest.raises(client.exceptions.ValidationException):
        client.send_whatsapp_message(
            originationPhoneNumberId=origination, message=json.dumps(message).encode(), metaApiVersion=META_API_VERSION
        )


def rate_table(stack: LocalStack) -> SendRateTable:
    return SendRateTable(stack.template.physical_name("SendRateTable"), stack.emulator.client("dynamodb"))


def test_the_rate_table_counts_up_to_the_limit_in_a_second_and_expires_its_counts(stack: LocalStack) -> None:
    table, channel = rate_table(stack), f"email-{uuid.uuid4().hex[:6]}"

    taken = [table.take(channel, 1_000, limit=14) for _ in range(15)]

    assert taken == [True] * 14 + [False]
    assert table.sent(channel, 1_000) == 14
    assert table.take(channel, 1_001, limit=14) is True
    item = stack.emulator.client("dynamodb").get_item(
        TableName=stack.template.physical_name("SendRateTable"), Key={"pk": {"S": f"{channel}#1000"}}
    )["Item"]
    assert item["expires_at"] == {"N": "1060"}


def test_senders_sharing_the_table_never_exceed_the_rate(stack: LocalStack) -> None:
    now = [2_000.5]
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    table = rate_table(stack)
    rates: dict[Any, int] = {"email": 14, "sms": 3, "whatsapp": 80}
    workers = [SendRateLimiter(table, rates, clock=lambda: now[0], sleep=sleep) for _ in range(2)]
    for turn in range(7):
        workers[turn % 2].acquire("sms")

    assert [table.sent("sms", second) for second in (2_000, 2_001, 2_002)] == [3, 3, 1]
    assert sleeps == [0.5, 1.0]


@pytest.fixture
def sending_environment(stack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The settings a sending function gets from template.yaml (the emulator's endpoint is already set)."""
    monkeypatch.setenv("NOTIFICATION_SENDER_ADDRESS", sender_address(stack))
    monkeypatch.setenv("NOTIFICATION_CONFIGURATION_SET", configuration_set(stack))
    monkeypatch.setenv("SEND_RATE_TABLE_NAME", stack.template.physical_name("SendRateTable"))
    monkeypatch.setenv("WHATSAPP_ORIGINATION_PHONE_NUMBER_ID", PHONE_NUMBER_ID)
    channels.reset()
    clients.reset()
    yield
    channels.reset()
    clients.reset()


@pytest.mark.usefixtures("sending_environment")
def test_channel_sender_sends_each_channel_through_the_emulator(stack: LocalStack) -> None:
    email = an_email("c-all")
    sms = OutgoingSms(notification_id="n-all-sms", user_id="bob", to="+14155550101", text="Urgent")
    whatsapp = OutgoingWhatsApp(
        notification_id="n-all-wa", user_id="carol", to="+447700900124", template_name="reminder", language="en"
    )

    sent = {
        message.channel: channels.channel_sender(message.channel).send(message) for message in (email, sms, whatsapp)
    }

    assert {channel: outbox_entry(stack, message_id).to for channel, message_id in sent.items()} == {
        "email": "alice@example.com",
        "sms": "+14155550101",
        "whatsapp": "+447700900124",
    }
