"""Delivery to browsers' push services: bounded concurrency, a timeout per request, and
subscriptions the push service no longer knows (404, 410) forgotten.

Called from the notification handlers after their commit (event handlers, never the
request path); a failed delivery is logged and dropped: a push is a courtesy, the
notification itself is in the list.
"""

from __future__ import annotations

import asyncio
from typing import NotRequired, TypedDict

import httpx
import orjson
import structlog

from shutter.db.database import Database
from shutter.push import repository
from shutter.push.endpoints import EndpointPolicy, endpoint_allowed
from shutter.push.repository import SubscriptionRow
from shutter.push.webpush import VapidKeys, b64url_decode, encrypt
from shutter.timeutil import utcnow

log = structlog.get_logger("shutter.push")

TTL_SECONDS = 86_400  # how long the push service keeps a message for an offline browser


class PushPayload(TypedDict):
    """What the service worker (web/static/sw.js) receives: a notification's sentence, the
    page a click opens and the unread count for the badge (a direct message: its
    conversation instead, whose newer message replaces the older one).

    `body` is the sentence in English; the worker writes it in the reader's language
    from the structured fields: the kind, the `actors` shown and how many there are in
    all (`actor_count`), the comment's words (`comment`); a message's `sender` and, only
    for a reader who opted in to message text, its `text`."""

    type: str
    id: str
    kind: str
    title: str
    body: str
    url: str
    unread_count: NotRequired[int]
    conversation_id: NotRequired[str]
    actors: NotRequired[list[str]]
    actor_count: NotRequired[int]
    comment: NotRequired[str]
    sender: NotRequired[str]
    text: NotRequired[str]


class WebPushSender:
    def __init__(
        self,
        db: Database,
        keys: VapidKeys,
        subject: str,
        *,
        concurrency: int,
        timeout_s: float,
        policy: EndpointPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.db = db
        self.keys = keys
        self.subject = subject
        self.timeout_s = timeout_s
        self.policy = policy or EndpointPolicy()
        self._slots = asyncio.Semaphore(concurrency)
        self._client = httpx.AsyncClient(
            timeout=timeout_s, follow_redirects=False, transport=transport
        )

    async def close(self) -> None:
        await self._client.aclose()

    async def deliver(self, user_id: int, payload: PushPayload) -> None:
        """Send the payload to every browser the user subscribed in a session still
        signed in, unless they turned its kind off."""
        async with self.db.read() as conn:
            wanted = await repository.preferences(conn, user_id)
            if payload.get("kind") in wanted["muted_kinds"]:
                return
            subscriptions = await repository.for_user(conn, user_id, utcnow())
        if subscriptions:
            body = orjson.dumps(payload)
            await asyncio.gather(*(self._send(sub, body) for sub in subscriptions))

    async def _send(self, subscription: SubscriptionRow, body: bytes) -> None:
        endpoint = subscription["endpoint"]
        if not await endpoint_allowed(endpoint, self.policy):
            # Its host resolves to an internal address now (or not at all): not requested.
            log.warning("push_endpoint_refused")
            return
        try:
            encrypted = encrypt(
                body, b64url_decode(subscription["p256dh"]), b64url_decode(subscription["auth"])
            )
            headers = {
                "Authorization": self.keys.authorization(endpoint, self.subject),
                "Content-Encoding": "aes128gcm",
                "Content-Type": "application/octet-stream",
                "TTL": str(TTL_SECONDS),
                "Urgency": "normal",
            }
            async with self._slots, asyncio.timeout(self.timeout_s):
                response = await self._client.post(endpoint, content=encrypted, headers=headers)
        except (httpx.HTTPError, TimeoutError, ValueError) as exc:
            log.warning("push_failed", error=f"{type(exc).__name__}: {exc}"[:300])
            return
        if response.status_code in (404, 410):
            async with self.db.write() as uow:
                await repository.remove_by_id(uow.conn, subscription["id"])
            log.info("push_subscription_expired", status=response.status_code)
        elif response.status_code >= 400:
            log.warning("push_refused", status=response.status_code, body=response.text[:200])
