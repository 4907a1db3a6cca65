"""What every HTTP function shares: the resolver, error mapping, the caller, idempotency."""

from nudge.api.idempotency import idempotent
from nudge.api.resolver import build_resolver, current_caller, error_responses

__all__ = ["build_resolver", "current_caller", "error_responses", "idempotent"]
