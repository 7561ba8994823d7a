"""Event handlers that send the account mails, in a lane of their own (`mail`): a slow or
unreachable mail server never holds fan-out or notifications. A failed send raises, so
the event is retried (JetStream: with growing delays) and finally dead-lettered; every
failure is logged and counted in `shutter_mail_total{result="failed"}`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, TypeVar

import structlog

from shutter.accounts import service
from shutter.accounts.service import TokenDeps
from shutter.events.types import (
    DomainEvent,
    EmailChanged,
    PasswordReset,
    PasswordResetRequested,
    VerificationRequested,
)
from shutter.mail.message import Mail
from shutter.mail.senders import MailSender
from shutter.observability import Metrics

if TYPE_CHECKING:
    from shutter.events.runtime import HandlerRegistry

log = structlog.get_logger("shutter.mail")

MAIL_LANE = "mail"


class MailDeps(TokenDeps, Protocol):
    """What the mail handlers use of the application context."""

    @property
    def mail(self) -> MailSender: ...
    @property
    def metrics(self) -> Metrics: ...


AnyMailDeps = TypeVar("AnyMailDeps", bound=MailDeps)  # the app context, or a fake


async def _deliver(deps: MailDeps, event: DomainEvent, mail: Mail | None) -> None:
    if mail is None:
        log.info("mail_not_due", topic=event.topic, event_id=event.outbox_id)
        return
    try:
        await deps.mail.send(mail)
    except Exception as exc:
        deps.metrics.mail.labels(topic=event.topic, result="failed").inc()
        log.warning(
            "mail_failed",
            topic=event.topic,
            event_id=event.outbox_id,
            error=f"{type(exc).__name__}",
        )
        raise
    deps.metrics.mail.labels(topic=event.topic, result="sent").inc()


async def on_password_reset_requested(deps: MailDeps, event: PasswordResetRequested) -> None:
    mail = await service.mail_reset_link(deps, event.email, event.base_url)
    await _deliver(deps, event, mail)


async def on_password_reset(deps: MailDeps, event: PasswordReset) -> None:
    mail = await service.mail_password_was_reset(deps, event.user_id)
    await _deliver(deps, event, mail)


async def on_verification_requested(deps: MailDeps, event: VerificationRequested) -> None:
    mail = await service.mail_verification_link(deps, event.user_id, event.email, event.base_url)
    await _deliver(deps, event, mail)


async def on_email_changed(deps: MailDeps, event: EmailChanged) -> None:
    mail = await service.mail_email_changed(deps, event.user_id, event.old_email, event.new_email)
    await _deliver(deps, event, mail)


def register(registry: HandlerRegistry[AnyMailDeps]) -> None:
    registry.on(PasswordResetRequested, on_password_reset_requested, lane=MAIL_LANE)
    registry.on(PasswordReset, on_password_reset, lane=MAIL_LANE)
    registry.on(VerificationRequested, on_verification_requested, lane=MAIL_LANE)
    registry.on(EmailChanged, on_email_changed, lane=MAIL_LANE)
