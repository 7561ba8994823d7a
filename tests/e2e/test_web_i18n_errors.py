"""A Spanish browser reads the server's errors, the screens of part B of the catalogue and
its push notifications in Spanish (issue 20, item 6), in a real headless Chromium against
a real `shutter serve`: an error is worded by its envelope code (not the server's
English), a validation error by its field; Security, comment filters, Saved, Search,
muted accounts, close friends, the story archive and Reels are in Spanish and
axe-clean; and a push delivered to the service worker (Chromium's DevTools protocol
delivers it as a push service would) is worded in Spanish from the payload's facts."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, Browsing
from tests.e2e.test_serve import ServeProcess
from tests.e2e.test_web import _name
from tests.e2e.test_web_a11y import _settled, _violations, axe_path  # noqa: F401 - a fixture

pytestmark = pytest.mark.xdist_group("browser")

PASSWORD = "correct horse battery"


def test_a_spanish_browser_reads_server_errors_and_screens_in_spanish(
    browsing: Browsing,
    register: Callable[[str], str],
    axe_path: Path,  # noqa: F811 - the fixture of test_web_a11y.py
) -> None:
    name = _name("rosa")
    token = register(name)
    page = browsing.page(token=token, viewport=DESKTOP, locale="es-ES", bypass_csp=True)
    problems: dict[str, list[str]] = {}

    page.goto("/settings/security")
    expect(page.get_by_role("heading", name="Seguridad", exact=True)).to_be_visible()
    expect(page.get_by_text(f"{name}@example.com · sin confirmar")).to_be_visible()
    # The server answers 409 email_unchanged, "That is your email address already.".
    page.get_by_label("Nuevo correo").fill(f"{name}@example.com")
    page.get_by_label("Contraseña", exact=True).first.fill(PASSWORD)
    page.get_by_role("button", name="Cambiar correo").click()
    alert = page.get_by_role("alert")
    expect(alert).to_have_text("Ese ya es tu correo.")
    _settled(page)
    problems["security"] = _violations(page, axe_path)

    # A validation error (a hidden word over 50 characters), worded by its field.
    page.goto("/settings/comments")
    expect(page.get_by_role("heading", name="Comentarios")).to_be_visible()
    page.get_by_label("Palabras ocultas").fill("x" * 60)
    page.get_by_role("button", name="Guardar").click()
    expect(page.get_by_role("alert")).to_have_text("Palabras ocultas: demasiado largo.")
    _settled(page)
    problems["comment filters"] = _violations(page, axe_path)

    page.goto("/saved")
    expect(page.get_by_role("heading", name="Guardado", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Nueva colección")).to_be_visible()
    expect(page.get_by_text("Aún no has guardado nada")).to_be_visible()
    _settled(page)
    problems["saved"] = _violations(page, axe_path)

    page.goto("/search")
    expect(page.get_by_role("heading", name="Buscar")).to_be_visible()
    expect(page.get_by_role("tab", name="Personas")).to_be_visible()
    expect(page.get_by_role("tab", name="Lugares")).to_be_visible()
    page.get_by_role("searchbox").fill("zzzznadie")
    expect(page.get_by_text("Sin resultados.")).to_be_visible()
    _settled(page)
    problems["search"] = _violations(page, axe_path)

    shown = page.locator("#main").inner_text()
    for english in ("No results", "Search for", "People", "Places"):
        assert english not in shown, (english, shown)

    page.goto("/settings/muted")
    expect(page.get_by_role("heading", name="Cuentas silenciadas")).to_be_visible()
    expect(page.get_by_text("No has silenciado a nadie.")).to_be_visible()
    _settled(page)
    problems["muted"] = _violations(page, axe_path)

    page.goto("/settings/close-friends")
    expect(page.get_by_role("heading", name="Mejores amigos")).to_be_visible()
    expect(page.get_by_text("Tu lista de mejores amigos está vacía.")).to_be_visible()
    _settled(page)
    problems["close friends"] = _violations(page, axe_path)

    page.goto("/stories/archive")
    expect(page.get_by_role("heading", name="Archivo de historias")).to_be_visible()
    expect(page.get_by_role("button", name="Crear destacada")).to_be_disabled()
    expect(page.get_by_text("Las historias que compartes se guardan aquí")).to_be_visible()
    _settled(page)
    problems["story archive"] = _violations(page, axe_path)

    page.goto("/reels")
    expect(page.get_by_text("Aún no hay reels.")).to_be_visible()
    _settled(page)
    problems["reels"] = _violations(page, axe_path)
    assert page.console_errors == []
    failing = {screen: found for screen, found in problems.items() if found}
    assert failing == {}, failing


def _push_service(page: Any, base_url: str) -> Callable[[dict[str, Any]], list[str]]:
    """Delivers a payload to the page's service worker as its push service would, and
    answers the bodies of the notifications it shows under the payload's tag.

    A push service delivers a message again until the browser takes it. DevTools' delivery
    drops the outcome (a delivery that fails, on a loaded machine, loses the push without a
    word), so this delivers again, up to four times, while nothing is shown. Each wait is
    shorter than the 25 s after which headless Chromium closes a notification by itself.
    """
    assert page.evaluate("navigator.serviceWorker.ready.then(() => true)") is True
    session = page.context.new_cdp_session(page)
    registrations: list[dict[str, Any]] = []
    session.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: registrations.extend(event["registrations"]),
    )
    session.send("ServiceWorker.enable")  # then reports the registrations, as events
    deadline = time.monotonic() + 10
    while not registrations and time.monotonic() < deadline:
        page.evaluate("0")  # a round trip, which lets the session's events in
    (registration,) = [r for r in registrations if not r.get("isDeleted")]

    def deliver(payload: dict[str, Any]) -> list[str]:
        tag = f"notification-{payload['id']}"
        for _ in range(4):
            session.send(
                "ServiceWorker.deliverPushMessage",
                {
                    "origin": base_url,
                    "registrationId": registration["registrationId"],
                    "data": json.dumps(payload),
                },
            )
            shown: list[str] = page.evaluate(SHOWN, tag)
            if shown:
                return shown
        return [f"nothing under {tag} after four deliveries; shown: {page.evaluate(TAGS)}"]

    return deliver


# Page functions that wait, in the page, for what the service worker does (it has no
# DOM to wait on): the words it keeps, and the notifications it shows under a tag.
STORED = """async () => {
    const deadline = Date.now() + 30000;
    while (Date.now() < deadline) {
        if (await (await caches.open("shutter-texts")).match("/__push-texts")) return true;
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return false;
}"""
SHOWN = """async (tag) => {
    const registration = await navigator.serviceWorker.ready;
    const deadline = Date.now() + 8000;
    while (Date.now() < deadline) {
        const found = await registration.getNotifications({ tag });
        if (found.length) return found.map((n) => n.body);
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return [];
}"""
TAGS = """async () => {
    const registration = await navigator.serviceWorker.ready;
    return (await registration.getNotifications()).map((n) => n.tag).join(", ");
}"""


def test_a_push_is_worded_in_the_readers_language_from_its_facts(
    browsing: Browsing, register: Callable[[str], str], web: ServeProcess
) -> None:
    token = register(_name("tomas"))
    page = browsing.page(token=token, viewport=DESKTOP, locale="es-ES")
    page.context.grant_permissions(["notifications"], origin=web.base_url)
    page.goto("/")
    # The page hands the worker its words (js/pushtext.js); the worker keeps them.
    assert page.evaluate(STORED) is True
    # The shapes the server sends (push.sender.PushPayload), with its English sentence.
    like = {
        "type": "notification",
        "id": "7",
        "kind": "like",
        "title": "Shutter",
        "body": "ana, bea and 3 others liked your post.",
        "url": "/p/1",
        "actors": ["ana", "bea"],
        "actor_count": 5,
    }
    deliver = _push_service(page, web.base_url)
    assert deliver(like) == ["A ana, bea y 3 más les gustó tu publicación."]
    follow = {**like, "id": "8", "kind": "follow", "actors": ["ana"], "actor_count": 1}
    assert deliver(follow) == ["ana empezó a seguirte."]
    comment = {**follow, "id": "9", "kind": "comment", "comment": "¡Qué bonito!"}
    assert deliver(comment) == ["ana comentó: ¡Qué bonito!"]
    message = {
        "type": "message",
        "id": "conversation-9",
        "kind": "message",
        "title": "Shutter",
        "body": "New message from carla",
        "url": "/direct/9",
        "sender": "carla",
    }
    assert deliver(message) == ["Nuevo mensaje de carla"]
    assert page.console_errors == []
