"""What every HTTP function shares: the endpoint adapter, error mapping, idempotency."""

from nudge.api.call import ApiCall
from nudge.api.http import Endpoint, endpoint

__all__ = ["ApiCall", "Endpoint", "endpoint"]
