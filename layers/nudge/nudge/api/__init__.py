"""What every HTTP function shares: the endpoint adapter, error mapping, idempotency."""

from nudge.api.http import ApiCall, Endpoint, endpoint

__all__ = ["ApiCall", "Endpoint", "endpoint"]
