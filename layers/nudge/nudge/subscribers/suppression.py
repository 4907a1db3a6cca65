"""The suppression list: an address that bounced hard, complained, or bounced softly `SoftBouncesToSuppress`
times in a row is emailed no more by any campaign, digest or trigger, until an admin lifts it.

Addresses are kept only as a keyed hash of their normalized form (HMAC with the stack's signing key,
purpose "suppression"): the list can answer "is this address suppressed" and nothing else, so it
holds no personal data and outlives an erasure. Normalized: trimmed and in lower case, so a bounce
for Ana@Example.com also suppresses ana@example.com (providers treat them as one mailbox).

SES's own account-level suppression list is fed by the configuration set (SuppressionOptions:
BOUNCE, COMPLAINT in template.yaml); this list is Nudge's own record, the one campaigns check.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal, Protocol

from pydantic import Field

from nudge.errors import NotFound
from nudge.models import NudgeModel
from nudge.subscribers.suppression_table import SuppressionItem
from nudge.users.actor import Actor

PURPOSE = "suppression"
DEFAULT_SOFT_BOUNCES_TO_SUPPRESS = 3

Reason = Literal["hard_bounce", "complaint", "soft_bounces"]


class SuppressionStore(Protocol):
    def get(self, address_hash: str) -> SuppressionItem | None: ...

    def suppressed_among(self, address_hashes: Sequence[str]) -> set[str]: ...

    def suppress(self, address_hash: str, reason: str, now: datetime) -> SuppressionItem: ...

    def add_soft_bounce(self, address_hash: str) -> int: ...

    def reset_soft_bounces(self, address_hash: str) -> None: ...

    def lift(self, address_hash: str, audit: dict[str, Any]) -> bool: ...


class AuditTrail(Protocol):
    def put_request(self, record: Any) -> dict[str, Any]: ...


class Hasher(Protocol):
    def __call__(self, purpose: str, message: str) -> bytes: ...


class Suppression(NudgeModel):
    suppressed: bool
    since: datetime | None = Field(description="When the address was suppressed; null when it is not")
    reason: Reason | None = Field(description="hard_bounce, complaint or soft_bounces; null when not suppressed")
    soft_bounces_in_a_row: int = Field(description="Soft bounces since the last delivery")
    soft_bounces_to_suppress: int = Field(description="How many in a row suppress the address")


def normalized(address: str) -> str:
    return address.strip().lower()


def _stack_digest(purpose: str, message: str) -> bytes:
    from nudge import signing

    return signing.digest(purpose, message)


class SuppressionList:
    """The list over its table; `digest` is the keyed hash (the stack's key unless a test gives one)."""

    def __init__(self, store: SuppressionStore, soft_bounces_to_suppress: int, digest: Hasher = _stack_digest) -> None:
        self._store = store
        self._threshold = soft_bounces_to_suppress
        self._digest = digest

    def address_hash(self, address: str) -> str:
        return self._digest(PURPOSE, normalized(address)).hex()

    def is_suppressed(self, address: str) -> bool:
        item = self._store.get(self.address_hash(address))
        return item is not None and item.since is not None

    def suppressed(self, addresses: Sequence[str]) -> set[str]:
        """Which of the addresses (as given) are suppressed, in one batch read (a campaign's scan page)."""
        hashes = {address: self.address_hash(address) for address in addresses}
        found = self._store.suppressed_among(list(hashes.values()))
        return {address for address, address_hash in hashes.items() if address_hash in found}

    def status(self, address: str) -> Suppression:
        item = self._store.get(self.address_hash(address)) or SuppressionItem(0, None, None)
        return self._view(item)

    def record_hard_bounce(self, address: str, now: datetime) -> Suppression:
        return self._view(self._store.suppress(self.address_hash(address), "hard_bounce", now))

    def record_complaint(self, address: str, now: datetime) -> Suppression:
        return self._view(self._store.suppress(self.address_hash(address), "complaint", now))

    def record_soft_bounce(self, address: str, now: datetime) -> Suppression:
        """One more soft bounce; the `soft_bounces_to_suppress`-th in a row suppresses the address."""
        address_hash = self.address_hash(address)
        run = self._store.add_soft_bounce(address_hash)
        if run >= self._threshold:
            return self._view(self._store.suppress(address_hash, "soft_bounces", now))
        return self._view(self._store.get(address_hash) or SuppressionItem(run, None, None))

    def record_delivery(self, address: str) -> None:
        """A delivery ends the run of soft bounces (it does not lift a suppression: only an admin does)."""
        self._store.reset_soft_bounces(self.address_hash(address))

    def lift(self, address: str, actor: Actor, now: datetime, audit: AuditTrail) -> Suppression:
        """An admin lifts the suppression, audited (the target names the hash, never the address); 404 when
        the address is not suppressed."""
        from nudge.audit.records import audit_record

        actor.ensure_admin()
        address_hash = self.address_hash(address)
        before = self._store.get(address_hash)
        if before is None or before.since is None:
            raise NotFound("this address is not suppressed", field="email")
        snapshot = self._view(before).model_dump(mode="json")
        record = audit_record(actor, "suppression.lift", f"suppression:{address_hash}", snapshot, None, now)
        if not self._store.lift(address_hash, audit.put_request(record)):
            raise NotFound("this address is not suppressed", field="email")
        return self._view(SuppressionItem(0, None, None))

    def _view(self, item: SuppressionItem) -> Suppression:
        return Suppression(
            suppressed=item.since is not None,
            since=item.since,
            reason=item.reason,
            soft_bounces_in_a_row=item.soft_bounces,
            soft_bounces_to_suppress=self._threshold,
        )


def suppression_list() -> SuppressionList:
    from nudge import config
    from nudge.subscribers.suppression_table import suppression_table

    threshold = config.whole_number("SOFT_BOUNCES_TO_SUPPRESS", DEFAULT_SOFT_BOUNCES_TO_SUPPRESS, minimum=1)
    return SuppressionList(suppression_table(), threshold)
