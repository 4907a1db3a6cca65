"""How a provider's error becomes a send failure, for every channel (SES v2, SNS, End User Messaging Social).

The error code decides first, then the HTTP status:
- transient (retried with backoff): throttling (SES `TooManyRequestsException` and `LimitExceededException`,
  SNS `Throttled` and `KMSThrottling`, Social `ThrottledRequestException`), the provider's own failures
  (SNS `InternalError`, Social `InternalServiceException` and `DependencyException` (Meta's side)), any
  other 429 or 5xx, and connection failures and timeouts before an answer arrived;
- permanent (never retried; the caller falls back to the next channel): everything the provider refused
  for good: SES `MessageRejected`, `MailFromDomainNotVerifiedException`, `AccountSuspendedException`,
  `SendingPausedException` (the account is paused until a person acts), `NotFoundException` (no such
  configuration set), `BadRequestException`; SNS `InvalidParameter` and `ParameterValueInvalid` (an
  invalid phone number), `EndpointDisabled`, `AuthorizationError`, the other KMS errors; Social
  `ValidationException`, `InvalidParametersException` (an unapproved template), `AccessDeniedException`,
  `ResourceNotFoundException`; any other 4xx, and a request botocore cannot build (a parameter the
  service model rejects).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

from nudge.notifications.outgoing import PermanentSendFailure, TransientSendFailure

TRANSIENT_CODES = frozenset(
    {
        "TooManyRequestsException",
        "LimitExceededException",
        "Throttling",
        "ThrottlingException",
        "Throttled",
        "KMSThrottling",
        "ThrottledRequestException",
        "InternalError",
        "InternalFailure",
        "InternalServiceException",
        "DependencyException",
        "ServiceUnavailable",
        "RequestTimeout",
        "RequestTimeoutException",
    }
)
PERMANENT_CODES = frozenset(
    {
        "MessageRejected",
        "MailFromDomainNotVerifiedException",
        "AccountSuspendedException",
        "SendingPausedException",
        "NotFoundException",
        "BadRequestException",
        "InvalidParameter",
        "ParameterValueInvalid",
        "EndpointDisabled",
        "AuthorizationError",
        "NotFound",
        "ValidationException",
        "InvalidParametersException",
        "AccessDeniedException",
        "ResourceNotFoundException",
    }
)


def classify(error: ClientError) -> PermanentSendFailure | TransientSendFailure:
    """The failure a provider's answer stands for (the module docstring has the table)."""
    code = str(error.response.get("Error", {}).get("Code", ""))
    status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
    description = f"{code or 'error'} (HTTP {status}): {error}"
    if code in PERMANENT_CODES:
        return PermanentSendFailure(description)
    if code in TRANSIENT_CODES or status == 429 or status >= 500:
        return TransientSendFailure(description)
    return PermanentSendFailure(description)


@contextmanager
def provider_call() -> Iterator[None]:
    """Raise the send failure a botocore error inside the block stands for."""
    try:
        yield
    except ClientError as error:
        raise classify(error) from error
    except (BotoConnectionError, HTTPClientError) as error:
        raise TransientSendFailure(f"no answer from the provider: {error}") from error
    except BotoCoreError as error:
        raise PermanentSendFailure(f"the request cannot be sent: {error}") from error
