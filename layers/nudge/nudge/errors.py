"""Domain errors. `nudge.api.http.error_response` is the one place that maps them to HTTP."""

from __future__ import annotations


class NudgeError(Exception):
    """Base class: every error a caller can cause, with its HTTP status and a stable code."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(NudgeError):
    status = 422
    code = "validation_error"


class Unauthorized(NudgeError):
    status = 401
    code = "unauthorized"


class Forbidden(NudgeError):
    status = 403
    code = "forbidden"


class NotFound(NudgeError):
    status = 404
    code = "not_found"


class Conflict(NudgeError):
    status = 409
    code = "conflict"


class Gone(NudgeError):
    """What the request names existed but no longer holds: an expired link."""

    status = 410
    code = "gone"


class PayloadTooLarge(NudgeError):
    status = 413
    code = "payload_too_large"


class MalformedRequest(NudgeError):
    status = 400
    code = "malformed_request"


class UnsupportedMediaType(NudgeError):
    status = 415
    code = "unsupported_media_type"


class IdempotencyKeyReused(InvalidInput):
    code = "idempotency_key_reused"


class RequestInvalid(InvalidInput):
    """The request's body, path or query failed validation: one problem per field."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("the request is not valid")
        self.problems = problems
