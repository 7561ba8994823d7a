"""Event handlers that send the account mails, in a lane of their own (`mail`): a slow or
unreachable mail server never holds fan-out or notifications. A failed send raises, so
the event is retried (JetStream: with growing delays) and finally dead-lettered; every
failure is logged and counted in `shutter_mail_total{result="failed"}`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import structlog

from shutter.accounts import events, service
from shutter.events.types import Event
from shutter.mail.message import Mail

if TYPE_CHECKING:
    from shutter.context import AppContext
    from shutter.events.runtime import HandlerRegistry

log = structlog.get_logger("shutter.mail")

MAIL_LANE = "mail"


async def _deliver(context: AppContext, event: Event, mail: Mail | None) -> None:
    metrics = context.extras.get("metrics")
    if mail is None:
        log.info("mail_not_due", topic=event.topic, event_id=event.id)
        return
    try:
        await context.mail.send(mail)
    except Exception as exc:
        if metrics is not None:
            metrics.mail.labels(topic=event.topic, result="failed").inc()
        log.warning(
            "mail_failed", topic=event.topic, event_id=event.id, error=f"{type(exc).__name__}"
        )
        raise
    if metrics is not None:
        metrics.mail.labels(topic=event.topic, result="sent").inc()


async def on_password_reset_requested(context: AppContext, event: Event) -> None:
    payload = event.payload
    mail = await service.mail_reset_link(context, payload["email"], payload["base_url"])
    await _deliver(context, event, mail)


async def on_password_reset(context: AppContext, event: Event) -> None:
    mail = await service.mail_password_was_reset(context, int(event.payload["user_id"]))
    await _deliver(context, event, mail)


async def on_verification_requested(context: AppContext, event: Event) -> None:
    payload = event.payload
    mail = await service.mail_verification_link(
        context, int(payload["user_id"]), payload["email"], payload["base_url"]
    )
    await _deliver(context, event, mail)


async def on_email_changed(context: AppContext, event: Event) -> None:
    payload = event.payload
    mail = await service.mail_email_changed(
        context, int(payload["user_id"]), payload["old_email"], payload["new_email"]
    )
    await _deliver(context, event, mail)


HANDLERS: dict[str, Callable[[AppContext, Event], Awaitable[None]]] = {
    events.PASSWORD_RESET_REQUESTED: on_password_reset_requested,
    events.PASSWORD_RESET: on_password_reset,
    events.VERIFICATION_REQUESTED: on_verification_requested,
    events.EMAIL_CHANGED: on_email_changed,
}


def register(registry: HandlerRegistry) -> None:
    for topic, handler in HANDLERS.items():
        registry.on(topic, handler, lane=MAIL_LANE)
