"""Erasure (GDPR article 17) as a job: requested through the API or by the retention job, run by an SQS
worker, recorded in a receipt that names the user only by a keyed hash.

- `request_erasure` stores a pending receipt as the user's active erasure and queues one message with
  the user id and the email address on file (read now, before anything is erased). While an erasure
  is pending or running, another request returns it. Once it completed (or failed for good), a new
  request starts a new erasure: data can arrive after one (an event, a profile write), and each
  request is honoured on its own.
- `process_erasure` (the worker) erases every store of the registry not yet in the receipt, recording
  each table's counts as that table is done, so a retry skips the finished tables; then publishes
  `user.erased` on Nudge's bus, sends the confirmation email (none when no address is on file), and
  completes the receipt. A failed attempt raises: SQS redelivers the message, and after the last
  attempt the receipt is marked failed and the message goes to the dead-letter queue.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import NamedTuple, Protocol

from nudge.errors import Conflict, NotFound
from nudge.event_bus import EventPublisher
from nudge.identifiers import new_id
from nudge.notifications.email import Email, EmailSender
from nudge.observability import logger
from nudge.privacy.erasure_models import IN_PROGRESS, ErasureAccepted, ErasureReceipt, ErasureView, RequestedBy
from nudge.privacy.erasure_queue import ErasureMessage, ErasureQueue
from nudge.privacy.erasure_table import ErasureTable
from nudge.users.actor import Actor
from nudge.users.personal_data import PersonalDataStore

SUBJECT_PURPOSE = "erasure-subject"
USER_ERASED = "user.erased"
CREATE_ATTEMPTS = 3
# A request finding an erasure still pending after this long queues it again: its message may have been lost.
RESEND_AFTER = timedelta(minutes=1)


def subject_of(user_id: str) -> str:
    """The keyed hash that stands for the user in erasure receipts (HMAC with the stack's signing key)."""
    from nudge import signing

    return signing.signature(SUBJECT_PURPOSE, user_id)


class ContactDirectory(Protocol):
    def email_of(self, user_id: str) -> str | None:
        """The address on file for the user, or None."""


class RequestPorts(NamedTuple):
    receipts: ErasureTable
    queue: ErasureQueue
    contacts: ContactDirectory
    subject: Callable[[str], str]
    clock: Callable[[], datetime]


class WorkerPorts(NamedTuple):
    receipts: ErasureTable
    stores: Callable[[], Mapping[str, PersonalDataStore]]
    bus: EventPublisher
    mailer: EmailSender
    subject: Callable[[str], str]
    clock: Callable[[], datetime]
    max_attempts: int


def request_for_actor(ports: RequestPorts, actor: Actor, user_id: str) -> ErasureAccepted:
    """DELETE /v1/users/{user_id}: the user themself, or an admin."""
    actor.ensure_can_access(user_id)
    receipt = request_erasure(ports, user_id, "user" if actor.user_id == user_id else "admin")
    return ErasureAccepted(erasure_id=receipt.erasure_id, status=receipt.status)


def request_erasure(ports: RequestPorts, user_id: str, requested_by: RequestedBy) -> ErasureReceipt:
    """A new pending erasure, queued; or the user's erasure already pending or running."""
    subject = ports.subject(user_id)
    for _ in range(CREATE_ATTEMPTS):
        now = ports.clock()
        receipt = ErasureReceipt(
            erasure_id=new_id(), subject=subject, status="pending", requested_by=requested_by, requested_at=now
        )
        if ports.receipts.create(receipt):
            _enqueue(ports, receipt, user_id)
            logger().info("erasure requested", extra={"erasure_id": receipt.erasure_id, "requested_by": requested_by})
            return receipt
        active = ports.receipts.active(subject)
        if active is not None and active.status in IN_PROGRESS:
            if active.status == "pending" and now - active.requested_at > RESEND_AFTER:
                _enqueue(ports, active, user_id)
            return active
        if active is not None:  # finished, but its completion stopped before it cleared the marker
            ports.receipts.clear_active(subject, active.erasure_id)
    raise Conflict("an erasure of this user is being recorded at this moment; try again", field="user_id")


def _enqueue(ports: RequestPorts, receipt: ErasureReceipt, user_id: str) -> None:
    message = ErasureMessage(erasure_id=receipt.erasure_id, user_id=user_id, email=ports.contacts.email_of(user_id))
    ports.queue.send(message)


def erasure_for_admin(receipts: ErasureTable, actor: Actor, erasure_id: str) -> ErasureView:
    """GET /v1/admin/erasures/{erasure_id}."""
    actor.ensure_admin()
    receipt = receipts.get(erasure_id)
    if receipt is None:
        raise NotFound("no such erasure", field="erasure_id")
    return ErasureView.model_validate(receipt.model_dump(exclude={"subject"}))


def process_erasure(ports: WorkerPorts, message: ErasureMessage, receive_count: int) -> str:
    """One delivery of an erasure message; returns what happened (for logs and tests)."""
    receipt = _claim(ports, message)
    if receipt is None:
        return "nothing to do"
    progress = ["erasing tables"]  # where the attempt is, for the receipt of a failed one
    try:
        _run(ports, receipt, message, progress)
    except Exception:
        if receive_count >= ports.max_attempts:
            ports.receipts.fail(receipt, progress[-1])
            logger().error("erasure failed for good", extra={"erasure_id": receipt.erasure_id, "step": progress[-1]})
        raise
    ports.receipts.complete(receipt, ports.clock())
    logger().info("erasure completed", extra={"erasure_id": receipt.erasure_id})
    _count("UsersErased")
    return "completed"


def _claim(ports: WorkerPorts, message: ErasureMessage) -> ErasureReceipt | None:
    """The receipt, marked running for this attempt; None when there is nothing to do (completed, unknown)."""
    receipt = ports.receipts.get(message.erasure_id)
    if receipt is None or receipt.status == "completed":
        return None
    if ports.subject(message.user_id) != receipt.subject:
        raise ValueError(f"erasure {receipt.erasure_id}: the message names another user than the receipt")
    return receipt if ports.receipts.start_attempt(receipt.erasure_id, ports.clock()) else None


def _run(ports: WorkerPorts, receipt: ErasureReceipt, message: ErasureMessage, progress: list[str]) -> None:
    """Every step the receipt does not show as done, in order, each recorded as it ends."""
    for table, store in ports.stores().items():
        if table not in receipt.tables:
            progress.append(f"erasing {table}")
            ports.receipts.record_table(receipt.erasure_id, table, store.erase_user(message.user_id))
    erased_at = ports.clock()
    if receipt.event_published_at is None:
        progress.append(f"publishing {USER_ERASED}")
        _publish(ports, receipt, message.user_id, erased_at)
    if receipt.confirmation is None:
        progress.append("sending the confirmation email")
        _confirm(ports, receipt, message.email, erased_at)


def _count(metric: str) -> None:
    from aws_lambda_powertools.metrics import MetricUnit

    from nudge.observability import metrics

    metrics().add_metric(name=metric, unit=MetricUnit.Count, value=1)


def _publish(ports: WorkerPorts, receipt: ErasureReceipt, user_id: str, erased_at: datetime) -> None:
    # The host platform owns the account and must know whom to forget in its own systems: the event names
    # the user. EventBridge keeps no copy (the bus has no archive).
    detail = {
        "erasure_id": receipt.erasure_id,
        "erased_at": erased_at.isoformat(),
        "user_id": user_id,
        "requested_by": receipt.requested_by,
    }
    ports.bus.publish(USER_ERASED, detail)
    ports.receipts.record_published(receipt.erasure_id, erased_at)


def _confirm(ports: WorkerPorts, receipt: ErasureReceipt, address: str | None, erased_at: datetime) -> None:
    if address is None:
        logger().info("no email address on file: no confirmation sent", extra={"erasure_id": receipt.erasure_id})
        _count("ErasureConfirmationsWithoutAddress")
        ports.receipts.record_confirmation(receipt.erasure_id, "no_address")
        return
    ports.mailer.send(confirmation_email(address, receipt, erased_at))
    ports.receipts.record_confirmation(receipt.erasure_id, "sent")


def confirmation_email(address: str, receipt: ErasureReceipt, erased_at: datetime) -> Email:
    why = (
        "Your account had been inactive for a long time, as we wrote to you before, so"
        if receipt.requested_by == "retention"
        else "As requested,"
    )
    text = (
        f"{why} Nudge has erased the personal data it held about you "
        f"(erasure {receipt.erasure_id}, {erased_at:%Y-%m-%d %H:%M} UTC).\n\n"
        "What remains never named you: counts by day, archetype, urgency, pricing tier and experiment variant, "
        "and the audit trail of administrators' actions with your identity removed.\n\n"
        "This address is now erased too: this is the last message you will receive from us."
    )
    return Email(to=address, subject="Your data has been erased", text=text)


def _utc_now() -> datetime:
    from datetime import UTC

    return datetime.now(UTC)


def request_ports() -> RequestPorts:
    """The erasure request's tables, queue and settings for this function's environment."""
    from nudge.privacy.erasure_queue import erasure_queue
    from nudge.privacy.erasure_table import erasure_table
    from nudge.profiles.profile_table import profile_table

    return RequestPorts(erasure_table(), erasure_queue(), profile_table(), subject_of, _utc_now)


def worker_ports() -> WorkerPorts:
    """The erasure worker's tables, bus, mailer and settings for this function's environment."""
    from nudge import config
    from nudge.event_bus import event_bus
    from nudge.notifications.email import email_sender
    from nudge.privacy.erasure_table import erasure_table
    from nudge.privacy.user_data import erasure_stores

    attempts = config.whole_number("ERASURE_MAX_ATTEMPTS", 5, minimum=1)
    return WorkerPorts(erasure_table(), erasure_stores, event_bus(), email_sender(), subject_of, _utc_now, attempts)
