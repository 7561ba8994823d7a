"""A Spanish browser sees Shutter in Spanish (issue 20, item 6), in a real headless
Chromium against a real `shutter serve`: the feed, a post, a profile, the inbox and a
conversation, the notifications (sentences made by the client from the kind and the
actors, not the server's English) and the settings; times and counts through Intl; and
axe stays clean on each of those screens."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, Browsing
from tests.e2e.test_serve import ServeProcess
from tests.e2e.test_web import _api, _name, _photo_post, _user_id
from tests.e2e.test_web_a11y import _settled, _violations, axe_path  # noqa: F401 - a fixture

pytestmark = pytest.mark.xdist_group("browser")

# English a screen showed before it moved to the catalogue: none of it may show in Spanish.
ENGLISH = (
    "Be the first",
    "Latest",
    "For you",
    "started following",
    "liked your",
    "Add a comment",
    "Follow",
    "Messages",
    "Notifications",
    "Edit profile",
    "View all",
    "now",
)


def test_a_spanish_browser_gets_every_screen_in_spanish(
    browsing: Browsing,
    register: Callable[[str], str],
    web: ServeProcess,
    axe_path: Path,  # noqa: F811 - the fixture of test_web_a11y.py
) -> None:
    author, reader = _name("ana"), _name("lucia")
    author_token, reader_token = register(author), register(reader)
    author_id, reader_id = _user_id(web, author), _user_id(web, reader)
    post_id = _photo_post(web, author_token, "Puerto")
    with _api(web, reader_token) as api:
        assert api.post(f"/users/{author_id}/follow").status_code == 200
    with _api(web, author_token) as api:
        assert api.post(f"/users/{reader_id}/follow").status_code == 200
        sent = api.post(
            "/messages",
            json={
                "recipient_id": reader_id,
                "content": "hola",
                "client_message_id": str(uuid.uuid4()),
            },
        )
        assert sent.status_code == 201, sent.text
    page = browsing.page(token=reader_token, viewport=PHONE, locale="es-ES", bypass_csp=True)
    problems: dict[str, list[str]] = {}

    def check(screen: str) -> None:
        _settled(page)
        shown = page.locator("#main").inner_text()
        english = [
            word for word in ENGLISH if word in shown.split("\n") or f" {word} " in f" {shown} "
        ]
        assert english == [], f"{screen}: {english} in {shown!r}"
        problems[screen] = _violations(page, axe_path)

    page.goto("/")
    card = page.locator(f'article[data-post-id="{post_id}"]')
    expect(page.get_by_role("tab", name="Recientes")).to_be_visible()
    expect(page.get_by_role("tab", name="Para ti")).to_be_visible()
    expect(card.get_by_role("button", name="Me gusta", exact=True)).to_be_visible()
    expect(card.get_by_text("Sé el primero en darle me gusta")).to_be_visible()
    expect(card.locator("time")).to_have_text("ahora")  # timeAgo(), in Spanish
    expect(page.get_by_role("link", name="Inicio", exact=True)).to_be_visible()
    check("feed")

    page.goto(f"/p/{post_id}")
    expect(page.get_by_role("heading", name=f"Publicación de {author}")).to_be_attached()
    expect(page.get_by_placeholder("Añade un comentario…")).to_be_visible()
    expect(page.get_by_text("Aún no hay comentarios.")).to_be_visible()
    check("post")

    page.goto(f"/u/{author}")
    expect(page.get_by_text("1 publicación", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="1 seguidor", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Siguiendo")).to_be_visible()
    expect(page.get_by_text("Te sigue", exact=True)).to_be_visible()
    check("profile")

    page.goto("/notifications")
    expect(page.get_by_role("heading", name="Notificaciones")).to_be_visible()
    expect(page.locator(".notification").first).to_contain_text(f"{author} empezó a seguirte.")
    check("notifications")

    page.goto("/direct")
    expect(page.get_by_role("heading", name="Mensajes")).to_be_visible()
    expect(page.get_by_role("link", name="Nuevo grupo")).to_be_visible()
    check("inbox")
    page.goto(f"/direct/with/{author}")
    expect(page.get_by_placeholder("Mensaje…")).to_be_visible()
    expect(page.get_by_role("button", name="Enviar")).to_be_visible()
    expect(page.get_by_text("hola", exact=True)).to_be_visible()
    check("conversation")

    page.goto("/settings")
    expect(page.get_by_role("heading", name="Editar perfil")).to_be_visible()
    expect(page.get_by_role("group", name="Qué notificar")).to_be_visible()
    expect(page.get_by_label("Biografía")).to_be_visible()
    check("settings")

    assert page.console_errors == []
    failing = {screen: found for screen, found in problems.items() if found}
    assert failing == {}, failing
