"""Templates: token checks at save, the strict renderer, HTML escaping, fallbacks, SMS segment arithmetic."""

from __future__ import annotations

from typing import Any

import pytest

from nudge.notifications.templates import (
    MAX_SMS_SEGMENTS,
    MissingTokenValue,
    TemplateFields,
    TokenValueTooLong,
    render,
    sms_size,
    template_problems,
    token_values,
    tokens_used,
    worst_case_sms,
)

VALUES = {"survey_title": "Coffee habits", "url": "https://n.example/s/1", "reason": "You chose TRAVEL"}


def _template(**channels: Any) -> TemplateFields:
    return TemplateFields.model_validate({"name": "T", "category": "product", **channels})


def _email(html: str, text: str = "plain", subject: str = "subject") -> dict[str, Any]:
    return {"email": {"subject": subject, "html": html, "text": text}}


def test_every_known_token_is_replaced_and_names_fall_back_to_there() -> None:
    template = _template(sms={"text": "Hi {{first_name}} ({{user_name}}): {{survey_title}} {{url}}"})
    rendered = render(template, token_values(None, **VALUES)).sms
    assert rendered is not None
    assert rendered.text == "Hi there (there): Coffee habits https://n.example/s/1"
    named = render(template, token_values("Ana María López", **VALUES)).sms
    assert named is not None
    assert named.text == "Hi Ana (Ana María López): Coffee habits https://n.example/s/1"


def test_a_blank_name_falls_back_too() -> None:
    assert token_values("   ") == {}
    assert token_values("Bo", url=None, reason="") == {"first_name": "Bo", "user_name": "Bo"}


def test_a_token_without_fallback_and_without_value_is_refused_never_left_literal() -> None:
    template = _template(**_email("<a href='{{url}}'>go</a>"))
    with pytest.raises(MissingTokenValue, match="url"):
        render(template, {})
    assert tokens_used(template) == {"url"}


def test_values_are_html_escaped_in_html_only() -> None:
    template = _template(
        **_email("<p>{{first_name}}: {{reason}}</p>", text="{{first_name}}: {{reason}}", subject="{{first_name}}"),
        sms={"text": "{{first_name}}"},
        whatsapp={"template_name": "hello", "language": "en", "parameters": ["{{first_name}}"]},
    )
    values = token_values("<b>Tom&Jerry\"'", reason="a < b")
    rendered = render(template, values)
    assert rendered.email is not None
    assert rendered.sms is not None
    assert rendered.whatsapp is not None
    assert rendered.email.html == "<p>&lt;b&gt;Tom&amp;Jerry&quot;&#x27;: a &lt; b</p>"
    assert rendered.email.text == "<b>Tom&Jerry\"': a < b"
    assert rendered.email.subject == "<b>Tom&Jerry\"'"
    assert rendered.sms.text == "<b>Tom&Jerry\"'"
    assert rendered.whatsapp.parameters == ["<b>Tom&Jerry\"'"]
    assert rendered.whatsapp.template_name == "hello"


def test_a_value_that_looks_like_a_token_is_not_rendered_again() -> None:
    rendered = render(_template(sms={"text": "{{first_name}} {{reason}}"}), token_values("{{reason}}", reason="r"))
    assert rendered.sms is not None
    assert rendered.sms.text == "{{reason}} r"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("Hi {{firstName}}", "unknown token {{firstName}}"),
        ("Hi {{email}}", "unknown token {{email}}"),
        ("Hi {{ first_name }}", "malformed token near '{{ first_name }}'"),
        ("Hi {{first_name}", "malformed token near '{{first_name}'"),
        ("Hi {{FIRST_NAME}}", "unknown token {{FIRST_NAME}}"),
        ("Hi {{first-name}}", "malformed token"),
        ("Hi {{}}", "malformed token"),
        ("{{{first_name}}}", "malformed token near '{{{first_name}}}'"),
    ],
)
def test_an_unknown_or_malformed_token_is_a_problem_naming_the_field(text: str, problem: str) -> None:
    problems = template_problems(_template(sms={"text": text}))
    assert [field for field, _ in problems] == ["sms.text"]
    assert problem in problems[0][1]


def test_every_text_field_is_checked_by_name() -> None:
    template = _template(
        **_email("{{x}}", text="{{y}}", subject="{{z}}"),
        whatsapp={"template_name": "t", "language": "pt_BR", "parameters": ["ok", "{{w}}"]},
    )
    fields = [field for field, _ in template_problems(template)]
    assert fields == ["email.subject", "email.html", "email.text", "whatsapp.parameters[1]"]


def test_a_lone_closing_pair_is_plain_text_and_css_braces_pass() -> None:
    template = _template(**_email("<style>@media (x){p{color:red}}</style>{{first_name}}"))
    assert template_problems(template) == []


def test_a_template_needs_a_channel() -> None:
    assert template_problems(_template()) == [("body", "needs at least one channel: email, sms or whatsapp")]


@pytest.mark.parametrize(
    ("text", "encoding", "length", "segments"),
    [
        ("", "GSM-7", 0, 0),
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),
        ("a" * 306, "GSM-7", 306, 2),
        ("a" * 307, "GSM-7", 307, 3),
        ("€" * 80, "GSM-7", 160, 1),
        ("€" * 81, "GSM-7", 162, 2),
        # An escaped pair is never split: 152 septets then a 2-septet character starts a new segment.
        ("a" * 152 + "€" + "a" * 7, "GSM-7", 161, 2),
        ("a" * 151 + "€" + "a" * 155, "GSM-7", 308, 3),
        ("é" * 160, "GSM-7", 160, 1),
        ("ë" * 70, "UCS-2", 70, 1),
        ("ë" * 71, "UCS-2", 71, 2),
        ("ë" * 134, "UCS-2", 134, 2),
        ("ë" * 135, "UCS-2", 135, 3),
        ("😀" * 35, "UCS-2", 70, 1),
        ("😀" * 36, "UCS-2", 72, 2),
        # A surrogate pair is never split either: 66 units then a pair starts the next segment.
        ("a" * 66 + "😀" + "a" * 3, "UCS-2", 71, 2),
    ],
)
def test_sms_segments_gsm7_and_ucs2(text: str, encoding: str, length: int, segments: int) -> None:
    size = sms_size(text)
    assert (size.encoding, size.length, size.segments) == (encoding, length, segments)


def test_the_worst_case_assumes_ucs2_and_the_longest_value_of_each_token() -> None:
    assert worst_case_sms("a" * 160).segments == 1
    worst = worst_case_sms("Hi {{first_name}}")
    assert (worst.encoding, worst.length, worst.segments) == ("UCS-2", 3 + 20, 1)
    assert worst_case_sms("{{reason}}{{reason}}{{survey_title}}").length == 220


def test_a_template_that_can_exceed_three_segments_is_refused_at_save() -> None:
    fits = "x" * (3 * 67 - 80 - 40) + "{{reason}}{{url}}"
    assert worst_case_sms(fits).segments == MAX_SMS_SEGMENTS
    assert template_problems(_template(sms={"text": fits})) == []
    problems = template_problems(_template(sms={"text": "x" + fits}))
    assert problems == [("sms.text", "can take 4 UCS-2 segments with the longest token values (at most 3); shorten it")]


def test_long_free_text_values_are_cut_in_sms_so_a_saved_template_never_sends_more() -> None:
    text = "x" * (3 * 67 - 80 - 40) + "{{reason}}{{url}}"
    values = {"reason": "😀" * 100, "url": "u" * 40}
    rendered = render(_template(sms={"text": text}), values).sms
    assert rendered is not None
    assert rendered.text.startswith("x" * 81 + "😀" * 39 + "…")
    assert rendered.segments <= MAX_SMS_SEGMENTS
    assert rendered.length == 81 + 78 + 1 + 40


def test_a_url_too_long_for_an_sms_is_refused_not_cut() -> None:
    with pytest.raises(TokenValueTooLong, match="url"):
        render(_template(sms={"text": "{{url}}"}), {"url": "u" * 41})


def test_email_is_not_cut() -> None:
    rendered = render(_template(**_email("{{reason}}")), {"reason": "r" * 500}).email
    assert rendered is not None
    assert rendered.html == "r" * 500
