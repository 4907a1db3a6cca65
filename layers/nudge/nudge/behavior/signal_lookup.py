"""Reading a user's signals: one GetItem, no scan of their history."""

from typing import Protocol

from nudge.behavior.signals import SignalAggregates, UserSignals, describe
from nudge.users.actor import Actor


class SignalReader(Protocol):
    def get_signals(self, user_id: str) -> SignalAggregates | None: ...


def signals_for_actor(store: SignalReader, actor: Actor, user_id: str) -> UserSignals:
    """A user with no events yet has all-zero signals, not an error."""
    actor.ensure_can_access(user_id)
    return describe(user_id, store.get_signals(user_id) or SignalAggregates())
