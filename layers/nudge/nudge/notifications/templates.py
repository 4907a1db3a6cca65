"""Notification templates and their strict, tiny renderer: `{{token}}` substitution, nothing else.

Tokens (no spaces inside the braces, lower case): first_name, user_name, product_name, survey_title,
url, reason, unsubscribe_url. A name falls back to "there" (the design's "Hi there"); the others have
no fallback: `render` refuses to leave one empty, so a campaign must supply what its template uses
(`tokens_used`). Saving refuses an unknown token and any `{{` that does not open a known token, so a
sent message never shows a literal `{{x}}`; a lone `}}` is plain text (CSS in HTML email has them).
Values are HTML-escaped in `email.html`, and only there.

SMS: a text is GSM-7 when every character is in the GSM 03.38 alphabet (the extension characters
take two septets), else UCS-2 (UTF-16 code units). One segment holds 160 septets or 70 units; a
longer text goes as concatenated segments of 153 septets or 67 units. A template is refused at save
when its worst case exceeds MAX_SMS_SEGMENTS: every token at its SMS_MAX_LENGTH, and UCS-2 as soon as
it uses a token (any value may hold a character outside GSM-7). When sending, free-text values longer
than their SMS_MAX_LENGTH are cut (ending in "…"), so no SMS ever exceeds the limit; a URL is never
cut: a longer one is refused (`TokenValueTooLong`), for the campaign to check first.
"""

import re
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Literal, get_args

from pydantic import AfterValidator, Field

from nudge.models import NudgeModel, ShortText

TemplateCategory = Literal["marketing", "product"]
Token = Literal["first_name", "user_name", "product_name", "survey_title", "url", "reason", "unsubscribe_url"]
TOKENS: tuple[Token, ...] = get_args(Token)
NAME_FALLBACK = "there"
FALLBACKS: dict[str, str] = {"first_name": NAME_FALLBACK, "user_name": NAME_FALLBACK}
URL_TOKENS = frozenset({"url", "unsubscribe_url"})
# The longest value each token takes in an SMS, in UTF-16 code units.
SMS_MAX_LENGTH: dict[str, int] = {
    "first_name": 20,
    "user_name": 40,
    "product_name": 40,
    "survey_title": 60,
    "reason": 80,
    "url": 40,
    "unsubscribe_url": 40,
}
MAX_SMS_SEGMENTS = 3
GSM7_SINGLE, GSM7_MULTI = 160, 153
UCS2_SINGLE, UCS2_MULTI = 70, 67
ELLIPSIS = "…"

_TOKEN = re.compile(r"\{\{([A-Za-z0-9_]+)\}\}")
_GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")


class TokenValueTooLong(ValueError):
    """A URL longer than an SMS allows: it cannot be cut without breaking it."""


class MissingTokenValue(ValueError):
    """A token without fallback that the template uses and the values do not supply."""


class EmailContent(NudgeModel):
    subject: Annotated[str, Field(min_length=1, max_length=200)]
    html: Annotated[str, Field(min_length=1, max_length=50_000)]
    text: Annotated[str, Field(min_length=1, max_length=20_000)]


class SmsContent(NudgeModel):
    text: Annotated[str, Field(min_length=1, max_length=1_000)]


WHATSAPP_TEMPLATE_NAME = re.compile(r"^[a-z0-9_]{1,512}$")
WHATSAPP_LANGUAGE = re.compile(r"^[a-z]{2,3}(_[A-Z]{2})?$")


def _pattern(pattern: re.Pattern[str], problem: str) -> AfterValidator:
    def check(value: str) -> str:
        if pattern.fullmatch(value) is None:
            raise ValueError(problem)
        return value

    return AfterValidator(check)


class WhatsAppContent(NudgeModel):
    """An approved WhatsApp message template: its name, its locale, and the body's parameters in order."""

    template_name: Annotated[
        str,
        Field(max_length=512, json_schema_extra={"pattern": WHATSAPP_TEMPLATE_NAME.pattern}),
        _pattern(WHATSAPP_TEMPLATE_NAME, "must be a WhatsApp template name: lower-case letters, digits and _"),
    ]
    language: Annotated[
        str,
        Field(max_length=6, json_schema_extra={"pattern": WHATSAPP_LANGUAGE.pattern}),
        _pattern(WHATSAPP_LANGUAGE, "must be a WhatsApp language code such as en, en_US or pt_BR"),
    ]
    parameters: Annotated[list[Annotated[str, Field(min_length=1, max_length=1_024)]], Field(max_length=10)] = Field(
        default_factory=list
    )


class TemplateFields(NudgeModel):
    """What an admin writes: PUT replaces it whole. At least one channel."""

    name: ShortText
    category: TemplateCategory
    email: EmailContent | None = None
    sms: SmsContent | None = None
    whatsapp: WhatsAppContent | None = None


class NotificationTemplate(TemplateFields):
    template_id: str
    created_at: datetime
    updated_at: datetime
    version: int = Field(ge=1, description="Each change adds one")


class SmsSize(NudgeModel):
    encoding: Literal["GSM-7", "UCS-2"]
    length: int = Field(description="Septets (GSM-7) or UTF-16 code units (UCS-2)")
    segments: int


class RenderedSms(SmsSize):
    text: str


class RenderedEmail(NudgeModel):
    subject: str
    html: str
    text: str


class RenderedMessage(NudgeModel):
    email: RenderedEmail | None = None
    sms: RenderedSms | None = None
    whatsapp: WhatsAppContent | None = None


def _texts(fields: TemplateFields) -> list[tuple[str, str]]:
    """Every text that takes tokens, with the field it is in."""
    found: list[tuple[str, str]] = []
    if fields.email:
        found += [(f"email.{part}", getattr(fields.email, part)) for part in ("subject", "html", "text")]
    if fields.sms:
        found.append(("sms.text", fields.sms.text))
    if fields.whatsapp:
        found += [(f"whatsapp.parameters[{index}]", value) for index, value in enumerate(fields.whatsapp.parameters)]
    return found


def token_problem(text: str) -> str | None:
    """What is wrong with the tokens of one text, or None."""
    for name in _TOKEN.findall(text):
        if name not in TOKENS:
            return f"has an unknown token {{{{{name}}}}}; known: {', '.join(TOKENS)}"
    # "{{{x}}}" is raw output in Handlebars and Mustache: refused rather than silently meaning "{" + value + "}".
    rest = text if "{{{" in text else _TOKEN.sub("", text)
    opening = rest.find("{{{") if "{{{" in rest else rest.find("{{")
    if opening >= 0:
        return f"has a malformed token near {rest[opening : opening + 20]!r}: write {{{{name}}}}, lower case, no spaces"
    return None


def template_problems(fields: TemplateFields) -> list[tuple[str, str]]:
    """Every problem a template has, by field: no channel, bad tokens, an SMS that can grow too long."""
    if not (fields.email or fields.sms or fields.whatsapp):
        return [("body", "needs at least one channel: email, sms or whatsapp")]
    problems = [(field, problem) for field, text in _texts(fields) if (problem := token_problem(text))]
    if fields.sms and not problems:
        worst = worst_case_sms(fields.sms.text)
        if worst.segments > MAX_SMS_SEGMENTS:
            problems.append(
                (
                    "sms.text",
                    f"can take {worst.segments} {worst.encoding} segments with the longest token values "
                    f"(at most {MAX_SMS_SEGMENTS}); shorten it",
                )
            )
    return problems


def tokens_used(fields: TemplateFields) -> set[str]:
    return {name for _, text in _texts(fields) for name in _TOKEN.findall(text)}


def _units(character: str) -> int:
    return 2 if ord(character) > 0xFFFF else 1


def _gsm7(text: str) -> bool:
    return all(character in _GSM7_BASIC or character in _GSM7_EXTENSION for character in text)


def _segments(sizes: list[int], single: int, multi: int) -> int:
    """Segments for characters of these sizes: a character (a surrogate pair, an escaped septet pair) is never split."""
    if sum(sizes) <= single:
        return 1 if sizes else 0
    segments, used = 1, 0
    for size in sizes:
        if used + size > multi:
            segments, used = segments + 1, 0
        used += size
    return segments


def sms_size(text: str) -> SmsSize:
    if _gsm7(text):
        septets = [2 if character in _GSM7_EXTENSION else 1 for character in text]
        return SmsSize(encoding="GSM-7", length=sum(septets), segments=_segments(septets, GSM7_SINGLE, GSM7_MULTI))
    units = [_units(character) for character in text]
    return SmsSize(encoding="UCS-2", length=sum(units), segments=_segments(units, UCS2_SINGLE, UCS2_MULTI))


def worst_case_sms(text: str) -> SmsSize:
    """The size of the longest SMS the text can render to (module docstring: the assumptions)."""
    # Any value may hold a character outside GSM-7, which makes the whole message UCS-2: a token's worst case
    # is its longest value in UCS-2 (one unit per character of the BMP, like "你").
    return sms_size(_TOKEN.sub(lambda found: "你" * SMS_MAX_LENGTH[found.group(1)], text))


def _clip(value: str, most: int) -> str:
    if sum(map(_units, value)) <= most:
        return value
    kept, used = "", 0
    for character in value:
        if used + _units(character) > most - 1:
            break
        kept, used = kept + character, used + _units(character)
    return kept + ELLIPSIS


def _as_is(_name: str, value: str) -> str:
    return value


def _substitute(text: str, values: dict[str, str], transform: Callable[[str, str], str] = _as_is) -> str:
    def value(found: re.Match[str]) -> str:
        name = found.group(1)
        chosen = values.get(name) or FALLBACKS.get(name)
        if chosen is None:
            raise MissingTokenValue(f"no value for {{{{{name}}}}}")
        return transform(name, chosen)

    return _TOKEN.sub(value, text)


def _sms_value(name: str, value: str) -> str:
    most = SMS_MAX_LENGTH[name]
    if name in URL_TOKENS and sum(map(_units, value)) > most:
        raise TokenValueTooLong(f"{{{{{name}}}}} is longer than {most} characters, too long for an SMS")
    return _clip(value, most)


def _html_value(_name: str, value: str) -> str:
    import html

    return html.escape(value, quote=True)


def token_values(name: str | None, **others: str | None) -> dict[str, str]:
    """The values of a user's tokens: first_name is the first word of the name (the design's rule)."""
    values = {key: value for key, value in others.items() if value}
    if name and name.split():
        values |= {"user_name": name, "first_name": name.split()[0]}
    return values


def render(template: TemplateFields, values: dict[str, str]) -> RenderedMessage:
    """The template with every token replaced; raises MissingTokenValue or TokenValueTooLong."""
    rendered = RenderedMessage()
    if template.email:
        rendered.email = RenderedEmail(
            subject=_substitute(template.email.subject, values),
            html=_substitute(template.email.html, values, _html_value),
            text=_substitute(template.email.text, values),
        )
    if template.sms:
        text = _substitute(template.sms.text, values, _sms_value)
        rendered.sms = RenderedSms(text=text, **sms_size(text).model_dump())
    if template.whatsapp:
        parameters = [_substitute(parameter, values) for parameter in template.whatsapp.parameters]
        rendered.whatsapp = template.whatsapp.model_copy(update={"parameters": parameters})
    return rendered
