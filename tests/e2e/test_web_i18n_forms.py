"""The forms and tools in Spanish (issue 20, item 6), in a real headless Chromium against
a real `shutter serve`: sign-up (labels, the errors next to each field, the server's
"username taken" in the client's words), log-in, the composer, Your data, Apps, Followed
hashtags, the Admin queue, and the OAuth consent page (served by the server in English,
put in the language chosen in Settings by its script); axe stays clean on each."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, Browsing
from tests.e2e.test_serve import ServeProcess
from tests.e2e.test_web import PASSWORD, _api, _jpeg, _name
from tests.e2e.test_web_a11y import _settled, _violations, axe_path  # noqa: F401 - a fixture
from tests.e2e.test_web_apps import _authorize_path, _register_app
from tests.e2e.test_web_moderation import _grant

pytestmark = pytest.mark.xdist_group("browser")

# English these screens showed before they moved to the catalogue: none may show in Spanish.
ENGLISH = (
    "Create your account",
    "Email",
    "Username",
    "Password",
    "At least 8 characters.",
    "Enter your",
    "Have an account?",
    "Create new post",
    "Caption",
    "Share",
    "Add to story",
    "Select photos or a video",
    "Alt text for",
    "Your data",
    "Import from Instagram",
    "Request a download",
    "Delete your account",
    "Revoke",
    "No apps have access to your account.",
    "You don't follow any hashtags.",
    "Queue",
    "Audit log",
    "Nothing to review.",
)


def _english_in(page: Any) -> list[str]:
    shown = page.locator("#main").inner_text()
    return [phrase for phrase in ENGLISH if phrase in shown]


def test_the_forms_and_tools_in_spanish(
    browsing: Browsing,
    register: Callable[[str], str],
    web: ServeProcess,
    tmp_path: Path,
    axe_path: Path,  # noqa: F811 - the fixture of test_web_a11y.py
) -> None:
    taken, newcomer = _name("marta"), _name("pablo")
    taken_token = register(taken)
    page = browsing.page(viewport=PHONE, locale="es-ES", bypass_csp=True)
    problems: dict[str, list[str]] = {}

    def check(screen: str) -> None:
        _settled(page)
        assert _english_in(page) == [], screen
        problems[screen] = _violations(page, axe_path)

    # Sign-up: Spanish labels; an empty form says what each field needs, next to it.
    page.goto("/signup")
    expect(page.get_by_role("heading", name="Crea tu cuenta")).to_be_visible()
    email = page.get_by_label("Correo electrónico")
    username = page.get_by_label("Nombre de usuario")
    password = page.get_by_label("Contraseña")
    expect(page.get_by_text("Al menos 8 caracteres.")).to_be_visible()
    page.get_by_role("button", name="Registrarse").click()
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("Escribe tu correo electrónico.")).to_be_visible()
    expect(page.get_by_text("Escribe tu nombre de usuario.")).to_be_visible()
    expect(page.get_by_text("Escribe tu contraseña.")).to_be_visible()
    check("sign-up with errors")

    # A bad email and a short password, caught here; a taken username, from the server.
    email.fill("not-an-email")
    username.fill(taken)
    password.fill("short")
    page.get_by_role("button", name="Registrarse").click()
    expect(page.get_by_text("Escribe un correo electrónico válido, como")).to_be_visible()
    expect(page.get_by_text("Tu contraseña debe tener al menos 8 caracteres.")).to_be_visible()
    email.fill(f"{newcomer}@example.com")
    password.fill(PASSWORD)
    page.get_by_role("button", name="Registrarse").click()
    expect(page.get_by_text("Ese nombre de usuario ya está en uso.")).to_be_visible()
    expect(username).to_have_attribute("aria-invalid", "true")
    username.fill(newcomer)
    page.get_by_role("button", name="Registrarse").click()
    page.wait_for_url(re.compile(r"/$"))

    # The composer: Spanish labels, buttons and the alt text reminder of a chosen photo.
    page.goto("/new")
    expect(page.get_by_role("heading", name="Crear una publicación")).to_be_visible()
    expect(page.get_by_text("Hasta 10 fotos o un vídeo")).to_be_visible()
    expect(page.get_by_role("button", name="Compartir")).to_be_disabled()
    photo = tmp_path / "puerto.jpg"
    photo.write_bytes(_jpeg((640, 480)))
    page.locator("#composer-files").set_input_files(str(photo))
    expect(page.get_by_label("Texto alternativo de puerto.jpg")).to_be_visible()
    expect(page.get_by_text("Aún sin texto alternativo")).to_be_visible()
    expect(page.get_by_text("Listo para subir")).to_be_visible()
    page.get_by_label("Pie de foto").fill("Atardecer")
    expect(page.get_by_label("Advertencia de contenido (opcional)")).to_be_visible()
    check("composer")
    page.get_by_role("button", name="Compartir").click()
    page.wait_for_url(re.compile(r"/p/\d+$"))
    expect(page.get_by_text("Se ha compartido tu publicación.")).to_be_visible()
    post_id = page.url.rsplit("/", 1)[1]

    page.goto("/settings/data")
    expect(page.get_by_role("heading", name="Tus datos", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Importar de Instagram")).to_be_visible()
    expect(page.get_by_role("button", name="Solicitar una descarga")).to_be_visible()
    expect(page.get_by_label("Tu contraseña")).to_be_visible()
    check("your data")

    page.goto("/settings/apps")
    expect(page.get_by_text("Ninguna aplicación tiene acceso a tu cuenta.")).to_be_visible()
    check("apps")

    page.goto("/settings/hashtags")
    expect(page.get_by_text("No sigues ningún hashtag.")).to_be_visible()
    check("followed hashtags")

    # Log-in: a wrong password is told in Spanish, next to the field.
    visitor = browsing.page(viewport=PHONE, locale="es-ES", bypass_csp=True)
    visitor.goto("/login")
    expect(visitor.get_by_role("heading", name="Iniciar sesión")).to_be_visible()
    visitor.get_by_label("Nombre de usuario o correo electrónico").fill(taken)
    visitor.get_by_label("Contraseña").fill("not the password")
    visitor.get_by_role("button", name="Iniciar sesión").click()
    wrong = "El nombre de usuario o la contraseña no son correctos."
    expect(visitor.get_by_text(wrong)).to_be_visible()
    assert _violations(visitor, axe_path) == []

    # The Admin queue, for a moderator: a reported post, its reasons and actions; dismissed,
    # it leaves the queue and the audit log says so.
    with _api(web, taken_token) as api:
        body = {"target_type": "post", "target_id": post_id, "reason": "harassment"}
        assert api.post("/reports", json=body).status_code == 201
    moderator = _name("modesta")
    moderator_token = register(moderator)
    _grant(web, moderator)
    admin = browsing.page(token=moderator_token, locale="es-ES", bypass_csp=True)
    admin.goto("/admin")
    expect(admin.get_by_role("heading", name="Administración")).to_be_visible()
    item = admin.locator("li.admin-item")
    expect(item).to_contain_text(f"1 denuncia · publicación {post_id} de {newcomer}")
    expect(item).to_contain_text("Motivos: acoso ×1")
    expect(item.get_by_role("button", name=f"Suspender a {newcomer}")).to_be_visible()
    expect(item.get_by_placeholder("Motivo (lo verá el autor)")).to_be_visible()
    assert _english_in(admin) == []
    problems["admin queue"] = _violations(admin, axe_path)
    item.get_by_role("button", name="Descartar").click()
    expect(admin.get_by_text("No hay nada que revisar.")).to_be_visible()
    admin.get_by_role("link", name="Registro de acciones").click()
    expect(admin.get_by_role("list", name="Registro de acciones")).to_contain_text(
        f"descartar en publicación {post_id} ({newcomer}) por {moderator}"
    )
    problems["admin audit log"] = _violations(admin, axe_path)

    # The suspended page says until when as a date (timeAgo() said "now" of the future).
    visitor.goto("/suspended?until=2999-01-01T12:00:00.000Z")
    expect(visitor.get_by_role("heading", name="Tu cuenta está suspendida")).to_be_visible()
    expect(visitor.locator("time")).to_contain_text("2999")
    expect(visitor.locator("#main")).to_contain_text("Podrás volver a usar Shutter a partir del")
    problems["suspended"] = _violations(visitor, axe_path)

    # The consent page is the server's, in English: an English browser whose person chose
    # Spanish in Settings sees it in Spanish.
    app = _register_app(web, "Photo Deck")
    consent = browsing.page(token=register(_name("olga")), bypass_csp=True)
    consent.context.add_init_script("localStorage.setItem('shutter-language', 'es')")
    consent.goto(_authorize_path(app, "es"))
    expect(consent.get_by_role("heading", name="¿Autorizar a Photo Deck?")).to_be_visible()
    expect(consent.locator("#consent-scopes li")).to_have_text(
        [
            "Ver tu cuenta, publicaciones, seguidores y notificaciones",
            "Publicar, dar me gusta, comentar y cambiar tu perfil",
        ]
    )
    expect(consent.get_by_role("button", name="Permitir")).to_be_visible()
    expect(consent.get_by_role("button", name="Denegar")).to_be_visible()
    expect(consent.locator("html")).to_have_attribute("lang", "es")
    assert consent.title() == "Autorizar una aplicación · Shutter"
    problems["consent"] = _violations(consent, axe_path)

    for one in (page, visitor, admin, consent):
        assert one.console_errors == []
    failing = {screen: found for screen, found in problems.items() if found}
    assert failing == {}, failing
