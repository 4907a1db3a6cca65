"""The channel senders against botocore's Stubber: each request is checked against the service's own model
(SES v2, SNS, End User Messaging Social), and provider errors become the failures the module documents."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError, ParamValidationError, ReadTimeoutError
from botocore.stub import Stubber

from nudge.notifications.channels.provider_errors import provider_call
from nudge.notifications.channels.ses_email import SesEmailSender, identifier_of, tag_value
from nudge.notifications.channels.sns_sms import SnsSmsSender
from nudge.notifications.channels.whatsapp import META_API_VERSION, WhatsAppSender, cloud_api_message
from nudge.notifications.outgoing import (
    OutgoingEmail,
    OutgoingSms,
    OutgoingWhatsApp,
    PermanentSendFailure,
    TransientSendFailure,
)

SENDER = "notify@nudge.example"
CONFIGURATION_SET = "nudge-local-notifications"
PHONE_NUMBER_ID = "phone-number-id-0123456789abcdef0123456789abcdef"
UNSUBSCRIBE = {
    "List-Unsubscribe": "<https://nudge.example/unsubscribe/t-1>",
    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
}


def _client(service: str) -> Any:
    credentials = {"aws_access_key_id": "unit", "aws_secret_access_key": "unit"}  # fake: nothing is sent
    return boto3.client(service, region_name="us-east-1", **credentials)  # type: ignore[call-overload]


@pytest.fixture
def ses() -> Iterator[tuple[Any, Stubber]]:
    client = _client("sesv2")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def email(**changes: Any) -> OutgoingEmail:
    fields: dict[str, Any] = {
        "notification_id": "n-1",
        "user_id": "alice",
        "campaign_id": "spring.launch:2",
        "to": "alice@example.com",
        "subject": "Hello Alice",
        "html": "<p>Hello <b>Alice</b></p>",
        "text": "Hello Alice",
        "headers": UNSUBSCRIBE,
    }
    return OutgoingEmail(**(fields | changes))


def test_an_email_has_both_parts_the_headers_the_tags_and_the_configuration_set(ses: tuple[Any, Stubber]) -> None:
    client, stubber = ses
    expected = {
        "FromEmailAddress": SENDER,
        "Destination": {"ToAddresses": ["alice@example.com"]},
        "Content": {
            "Simple": {
                "Subject": {"Data": "Hello Alice", "Charset": "UTF-8"},
                "Body": {
                    "Text": {"Data": "Hello Alice", "Charset": "UTF-8"},
                    "Html": {"Data": "<p>Hello <b>Alice</b></p>", "Charset": "UTF-8"},
                },
                "Headers": [
                    {"Name": "List-Unsubscribe", "Value": "<https://nudge.example/unsubscribe/t-1>"},
                    {"Name": "List-Unsubscribe-Post", "Value": "List-Unsubscribe=One-Click"},
                ],
            }
        },
        "EmailTags": [
            {"Name": "notification_id", "Value": "n-1"},
            {"Name": "campaign_id", "Value": "spring_2Elaunch_3A2"},
        ],
        "ConfigurationSetName": CONFIGURATION_SET,
    }
    stubber.add_response("send_email", {"MessageId": "ses-1"}, expected)

    assert SesEmailSender(SENDER, CONFIGURATION_SET, client).send(email()) == "ses-1"


def test_a_text_only_email_without_a_campaign_has_only_its_text_part_and_notification_tag(
    ses: tuple[Any, Stubber],
) -> None:
    client, stubber = ses
    expected = {
        "FromEmailAddress": SENDER,
        "Destination": {"ToAddresses": ["alice@example.com"]},
        "Content": {
            "Simple": {
                "Subject": {"Data": "Hello Alice", "Charset": "UTF-8"},
                "Body": {"Text": {"Data": "Hello Alice", "Charset": "UTF-8"}},
            }
        },
        "EmailTags": [{"Name": "notification_id", "Value": "n-1"}],
        "ConfigurationSetName": CONFIGURATION_SET,
    }
    stubber.add_response("send_email", {"MessageId": "ses-2"}, expected)

    message = email(html=None, headers={}, campaign_id=None)
    assert SesEmailSender(SENDER, CONFIGURATION_SET, client).send(message) == "ses-2"


def test_tag_values_keep_only_the_characters_ses_allows_and_give_the_id_back() -> None:
    for identifier in ("spring.launch:2", "a_b", "n-1", "0f3a"):
        value = tag_value(identifier)
        assert all(character.isalnum() or character in "_-" for character in value)
        assert identifier_of(value) == identifier
    assert tag_value("a_b.c") == "a_5Fb_2Ec"


@pytest.mark.parametrize(
    ("code", "status", "failure"),
    [
        ("TooManyRequestsException", 429, TransientSendFailure),
        ("LimitExceededException", 400, TransientSendFailure),
        ("MessageRejected", 400, PermanentSendFailure),
        ("MailFromDomainNotVerifiedException", 400, PermanentSendFailure),
        ("AccountSuspendedException", 400, PermanentSendFailure),
        ("SendingPausedException", 400, PermanentSendFailure),
        ("BadRequestException", 400, PermanentSendFailure),
        ("NotFoundException", 404, PermanentSendFailure),
        ("ServiceUnavailable", 503, TransientSendFailure),
        ("SomethingNew", 500, TransientSendFailure),
        ("SomethingNew", 400, PermanentSendFailure),
    ],
)
def test_ses_errors_are_mapped(ses: tuple[Any, Stubber], code: str, status: int, failure: type[Exception]) -> None:
    client, stubber = ses
    stubber.add_client_error("send_email", service_error_code=code, http_status_code=status)

    with pytest.raises(failure, match=code):
        SesEmailSender(SENDER, CONFIGURATION_SET, client).send(email())


@pytest.mark.parametrize(("transactional", "sms_type"), [(True, "Transactional"), (False, "Promotional")])
def test_an_sms_is_published_to_the_number_with_its_type(transactional: bool, sms_type: str) -> None:
    client = _client("sns")
    expected = {
        "PhoneNumber": "+14155550100",
        "Message": "Your code expires soon",
        "MessageAttributes": {"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": sms_type}},
    }
    message = OutgoingSms(
        notification_id="n-2",
        user_id="bob",
        to="+14155550100",
        text="Your code expires soon",
        transactional=transactional,
    )
    with Stubber(client) as stubber:
        stubber.add_response("publish", {"MessageId": "sns-1"}, expected)
        assert SnsSmsSender(client).send(message) == "sns-1"


@pytest.mark.parametrize(
    ("code", "status", "failure"),
    [
        ("Throttled", 400, TransientSendFailure),
        ("KMSThrottling", 400, TransientSendFailure),
        ("InternalError", 500, TransientSendFailure),
        ("InvalidParameter", 400, PermanentSendFailure),
        ("ParameterValueInvalid", 400, PermanentSendFailure),
        ("AuthorizationError", 403, PermanentSendFailure),
        ("KMSDisabled", 400, PermanentSendFailure),
    ],
)
def test_sns_errors_are_mapped(code: str, status: int, failure: type[Exception]) -> None:
    client = _client("sns")
    message = OutgoingSms(notification_id="n-2", user_id="bob", to="+14155550100", text="Hi")
    with Stubber(client) as stubber:
        stubber.add_client_error("publish", service_error_code=code, http_status_code=status)
        with pytest.raises(failure):
            SnsSmsSender(client).send(message)


def whatsapp(**changes: Any) -> OutgoingWhatsApp:
    fields: dict[str, Any] = {
        "notification_id": "n-3",
        "user_id": "carol",
        "campaign_id": "c-1",
        "to": "+447700900123",
        "template_name": "survey_invite",
        "language": "en_GB",
        "parameters": ["Carol", "Coffee habits"],
    }
    return OutgoingWhatsApp(**(fields | changes))


def test_a_whatsapp_message_is_the_cloud_api_template_message_with_its_parameters() -> None:
    assert json.loads(cloud_api_message(whatsapp())) == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "+447700900123",
        "type": "template",
        "template": {
            "name": "survey_invite",
            "language": {"code": "en_GB"},
            "components": [
                {
                    "type": "body",
                    "parameters": [{"type": "text", "text": "Carol"}, {"type": "text", "text": "Coffee habits"}],
                }
            ],
        },
        "biz_opaque_callback_data": '{"notification_id":"n-3","campaign_id":"c-1"}',
    }
    assert "components" not in json.loads(cloud_api_message(whatsapp(parameters=[])))["template"]


def test_whatsapp_sends_from_the_origination_number_with_the_meta_api_version() -> None:
    client = _client("socialmessaging")
    expected = {
        "originationPhoneNumberId": PHONE_NUMBER_ID,
        "message": cloud_api_message(whatsapp()),
        "metaApiVersion": META_API_VERSION,
    }
    with Stubber(client) as stubber:
        stubber.add_response("send_whatsapp_message", {"messageId": "wa-1"}, expected)
        assert WhatsAppSender(PHONE_NUMBER_ID, client).send(whatsapp()) == "wa-1"


@pytest.mark.parametrize(
    ("code", "status", "failure"),
    [
        ("ThrottledRequestException", 429, TransientSendFailure),
        ("InternalServiceException", 500, TransientSendFailure),
        ("DependencyException", 502, TransientSendFailure),
        ("ValidationException", 400, PermanentSendFailure),
        ("InvalidParametersException", 400, PermanentSendFailure),
        ("AccessDeniedException", 403, PermanentSendFailure),
        ("ResourceNotFoundException", 404, PermanentSendFailure),
    ],
)
def test_whatsapp_errors_are_mapped(code: str, status: int, failure: type[Exception]) -> None:
    client = _client("socialmessaging")
    with Stubber(client) as stubber:
        stubber.add_client_error("send_whatsapp_message", service_error_code=code, http_status_code=status)
        with pytest.raises(failure):
            WhatsAppSender(PHONE_NUMBER_ID, client).send(whatsapp())


def test_no_answer_is_transient_and_a_request_botocore_cannot_build_is_permanent() -> None:
    with pytest.raises(TransientSendFailure), provider_call():
        raise EndpointConnectionError(endpoint_url="https://email.us-east-1.amazonaws.com")
    with pytest.raises(TransientSendFailure), provider_call():
        raise ReadTimeoutError(endpoint_url="https://sns.us-east-1.amazonaws.com")
    with pytest.raises(PermanentSendFailure), provider_call():
        raise ParamValidationError(report="Invalid type for parameter PhoneNumber")


def test_a_sender_refuses_another_channels_message() -> None:
    sms = OutgoingSms(notification_id="n-2", user_id="bob", to="+14155550100", text="Hi")
    with pytest.raises(TypeError, match="sms"):
        SesEmailSender(SENDER, CONFIGURATION_SET, _client("sesv2")).send(sms)
    with pytest.raises(TypeError, match="email"):
        SnsSmsSender(_client("sns")).send(email())
    with pytest.raises(TypeError, match="sms"):
        WhatsAppSender(PHONE_NUMBER_ID, _client("socialmessaging")).send(sms)
