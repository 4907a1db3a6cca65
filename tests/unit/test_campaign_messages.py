"""A delivery rendered as its channel's message: tokens from the campaign and the user, HTML escaped in the
html part only, one-click unsubscribe headers, transactional SMS for urgent campaigns; refused campaigns."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from nudge.notifications.campaign_checks import campaign_problems
from nudge.notifications.campaign_fanout import Send, funnel_survey, outgoing
from nudge.notifications.campaigns import Campaign, CampaignFields
from nudge.notifications.delivery_table import DeliveryRecord
from nudge.notifications.outgoing import OutgoingEmail, OutgoingSms, OutgoingWhatsApp, PermanentSendFailure
from nudge.notifications.templates import NotificationTemplate
from nudge.profiles.consent import ConsentRecord, ConsentSettings
from nudge.profiles.profile import ProfileFields

NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
TEMPLATE: dict[str, Any] = {
    "template_id": "t1",
    "name": "Launch",
    "category": "marketing",
    "email": {
        "subject": "{{product_name}} for {{first_name}}",
        "html": '<p>{{product_name}}</p><a href="{{unsubscribe_url}}">stop</a><small>{{reason}}</small>',
        "text": "{{product_name}}: {{url}}",
    },
    "sms": {"text": "{{product_name}}: {{url}}"},
    "whatsapp": {"template_name": "launch", "language": "en_US", "parameters": ["{{first_name}}", "{{url}}"]},
    "created_at": NOW,
    "updated_at": NOW,
    "version": 1,
}
FIELDS: dict[str, Any] = {
    "campaign_id": "c1",
    "name": "Launch",
    "type": "product_launch",
    "segment_id": "s1",
    "template_id": "t1",
    "channels": ["email", "sms"],
    "priority": "urgent",
    "data": {"product_name": "Tom & Jerry's <Cloud>", "url": "https://nudge.example/p"},
}


def _send(**fields: Any) -> Send:
    campaign = Campaign.model_validate(
        FIELDS | fields | {"status": "sending", "created_at": NOW, "updated_at": NOW, "version": 2}
    )
    profile = ProfileFields.model_validate({"email": "ana@example.com", "phone": "+14155550123", "name": "Ana Lima"})
    return Send(campaign, NotificationTemplate.model_validate(TEMPLATE), profile, ConsentRecord())


def _record(channel: str) -> DeliveryRecord:
    return DeliveryRecord.model_validate(
        {
            "user_id": "u1",
            "campaign_id": "c1",
            "channel": channel,
            "status": "sending",
            "at": NOW,
            "reason": "You see this because you selected 'TECH_SAAS' as an interest",
            "notification_id": "n1",
            "campaign_name": "Launch",
            "updated_at": NOW,
        }
    )


# As long as a real click link: far over an SMS's 40 characters for a link, which only an SMS must keep.
CLICK = "https://api.nudge.example/v1/r/" + "t" * 300


def test_an_email_has_the_users_values_escaped_in_html_and_the_unsubscribe_headers() -> None:
    email = outgoing(_send(), _record("email"), "https://nudge.example/unsubscribe", CLICK)
    assert isinstance(email, OutgoingEmail)
    assert (email.to, email.subject, email.text) == (
        "ana@example.com",
        "Tom & Jerry's <Cloud> for Ana",
        f"Tom & Jerry's <Cloud>: {CLICK}",
    )
    assert email.html == (
        "<p>Tom &amp; Jerry&#x27;s &lt;Cloud&gt;</p>"
        '<a href="https://nudge.example/unsubscribe">stop</a>'
        "<small>You see this because you selected &#x27;TECH_SAAS&#x27; as an interest</small>"
    )
    assert email.headers == {
        "List-Unsubscribe": "<https://nudge.example/unsubscribe>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def test_an_urgent_sms_is_transactional_and_whatsapp_takes_the_parameters() -> None:
    sms = outgoing(_send(), _record("sms"), "https://nudge.example/unsubscribe", "https://nudge.example/p")
    assert isinstance(sms, OutgoingSms)
    assert (sms.to, sms.text, sms.transactional) == (
        "+14155550123",
        "Tom & Jerry's <Cloud>: https://nudge.example/p",
        True,
    )
    high = outgoing(_send(priority="high"), _record("sms"), "https://u.example", "https://nudge.example/p")
    assert isinstance(high, OutgoingSms)
    assert not high.transactional
    whatsapp = outgoing(_send(), _record("whatsapp"), "https://nudge.example/unsubscribe", "https://nudge.example/p")
    assert isinstance(whatsapp, OutgoingWhatsApp)
    assert (whatsapp.template_name, whatsapp.parameters) == ("launch", ["Ana", "https://nudge.example/p"])


def test_a_template_without_the_channel_fails_permanently() -> None:
    template = NotificationTemplate.model_validate(TEMPLATE | {"sms": None})
    send = _send()._replace(template=template)
    with pytest.raises(PermanentSendFailure):
        outgoing(send, _record("sms"), "https://nudge.example/unsubscribe", "https://nudge.example/p")


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"channels": ["email", "whatsapp"]}, None),
        (
            {"data": {"url": "https://nudge.example/p"}},
            ("data.product_name", "the template uses {{product_name}}: give it a value"),
        ),
        (
            {"channels": ["sms"], "priority": "high"},
            ("channels", "sms is only sent for urgent campaigns: add another channel or make it urgent"),
        ),
        ({"send_at": NOW - timedelta(seconds=1)}, ("send_at", "is in the past")),
        ({"send_at": NOW + timedelta(minutes=1)}, None),
        (
            {"data": FIELDS["data"] | {"survey_id": "s-1"}},
            ("data.survey_id", "only a survey_invite campaign names a survey"),
        ),
        ({"type": "survey_invite", "data": FIELDS["data"] | {"survey_id": "s-1"}}, None),
        ({"data": FIELDS["data"] | {"url": "https://www.nudge.example/p"}}, None),
        (
            {"data": FIELDS["data"] | {"url": "https://evil.example/p"}},
            (
                "data.url",
                "emails link to it through the click redirect, which refuses it: "
                "the link's target is not on a domain the redirect allows",
            ),
        ),
        (
            {"data": FIELDS["data"] | {"url": "https://nudge.example@evil.example/p"}},
            (
                "data.url",
                "emails link to it through the click redirect, which refuses it: "
                "the link's target must name a plain host name, without user, password or port",
            ),
        ),
    ],
)
def test_campaign_problems(changes: dict[str, Any], problem: tuple[str, str] | None) -> None:
    fields = CampaignFields.model_validate(FIELDS | changes)
    template = NotificationTemplate.model_validate(TEMPLATE)
    found = campaign_problems(fields, template, NOW, lambda: frozenset({"nudge.example"}))
    assert found == ([problem] if problem else [])


@pytest.mark.parametrize(
    ("campaign_type", "sharing", "counted"),
    [("survey_invite", True, "s-1"), ("survey_invite", False, None), ("product_launch", True, None)],
)
def test_a_send_counts_in_the_survey_funnel_only_for_an_invite_to_a_user_who_shares_analytics(
    campaign_type: str, sharing: bool, counted: str | None
) -> None:
    data = FIELDS["data"] | ({"survey_id": "s-1"} if campaign_type == "survey_invite" else {})
    send = _send(type=campaign_type, data=data)
    consent = ConsentRecord(settings=ConsentSettings(analytics_sharing=sharing))
    assert funnel_survey(send._replace(consent=consent)) == counted


def test_a_survey_id_is_an_identifier() -> None:
    with pytest.raises(ValueError, match="survey_id"):
        CampaignFields.model_validate(FIELDS | {"type": "survey_invite", "data": {"survey_id": "bad id/"}})


def test_a_template_lacking_a_campaign_channel_is_a_problem() -> None:
    template = NotificationTemplate.model_validate(TEMPLATE | {"whatsapp": None})
    fields = CampaignFields.model_validate(FIELDS | {"channels": ["whatsapp", "email"]})
    assert campaign_problems(fields, template, NOW, lambda: frozenset({"nudge.example"})) == [
        ("channels", "the template 't1' has no whatsapp content")
    ]
